// Go's base64.RawURLEncoding.DecodeString: URL alphabet only, no `=` padding, CR and LF skipped,
// a lone trailing character refused, non-zero trailing bits tolerated (Go's decoder is not strict).
// Buffer's own base64url decoder is lenient (padding, `+`, `/`, stops at junk), so every segment
// that Flux decodes is checked here first.

const ALPHABET = /^[A-Za-z0-9_-]*$/;

/** The decoded bytes, or an Error naming the first offending input byte. */
export function decodeRawBase64Url(segment: string): Buffer {
  const data = segment.includes('\r') || segment.includes('\n') ? segment.replace(/[\r\n]/g, '') : segment;
  if (!ALPHABET.test(data)) {
    const at = [...segment].findIndex((ch) => !/[A-Za-z0-9_\-\r\n]/.test(ch));
    throw new Error(`illegal base64 data at input byte ${at}`);
  }
  if (data.length % 4 === 1) throw new Error(`illegal base64 data at input byte ${segment.length - 1}`);
  return Buffer.from(data, 'base64url');
}
