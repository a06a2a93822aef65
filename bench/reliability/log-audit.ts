// Reads what the bundled server wrote to stdout/stderr as it goes (and drops it, so a long run
// holds no more than one flush of text): every line is bounded, none carries a token or a hook
// path, also not one of the random `/hook/<hex>` paths the load sent.
import type { BundleProcess } from '../../test/harness/server-process';

/** The documented bound of a request's log line (docs/server.md, Logs). */
export const MAX_LINE_BYTES = 8192;

export class LogAudit {
  lines = 0;
  longest = 0;
  nonJson = 0;
  firstNonJson?: string;
  /** Lines that carried a secret or a sent path, with the kind of what leaked (never the value). */
  readonly leaks: string[] = [];
  /** Lines over MAX_LINE_BYTES. */
  overlong = 0;
  /** Parsed lines whose `msg` is one of `keep`. */
  readonly kept: Record<string, any>[] = [];
  /** Random hex path segments the load sent (only those are looked up). */
  readonly sentHex = new Set<string>();

  constructor(
    private readonly proc: BundleProcess,
    private readonly secrets: ReadonlyArray<{ kind: string; value: string }>,
    private readonly keep: readonly string[] = [],
  ) {}

  /** Audits every complete line written so far. */
  scan(): void {
    const text = this.proc.output;
    const end = text.lastIndexOf('\n');
    if (end < 0) return;
    this.proc.output = text.slice(end + 1);
    for (const line of text.slice(0, end).split('\n')) {
      if (!line) continue;
      this.lines++;
      const bytes = Buffer.byteLength(line);
      this.longest = Math.max(this.longest, bytes);
      if (bytes > MAX_LINE_BYTES) this.overlong++;
      for (const s of this.secrets) if (line.includes(s.value) && this.leaks.length < 20) this.leaks.push(`${s.kind} in a log line`);
      for (const hex of line.match(/[0-9a-f]{16,}/gi) ?? []) {
        if (this.sentHex.has(hex.toLowerCase()) && this.leaks.length < 20) this.leaks.push('a sent /hook/<hex> path in a log line');
      }
      if (!line.startsWith('{')) {
        this.nonJson++;
        this.firstNonJson ??= line.slice(0, 300);
        continue;
      }
      if (this.keep.length && this.keep.some((m) => line.includes(`"msg":"${m}"`))) {
        try {
          this.kept.push(JSON.parse(line));
        } catch {
          this.nonJson++;
        }
      }
    }
  }
}
