// Reads a Dockerfile into stages of instructions: enough to compare what image/Dockerfile states
// (base, user, entrypoint, ports, labels, copies) with the daemonless build, not a full parser.
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly from: string;
  readonly name?: string;
  readonly platform?: string;
  readonly instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  let pending = '';
  let startLine = 0;
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) return;
    if (pending === '') startLine = i + 1;
    if (line.startsWith('#')) return; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1).trimEnd() + ' ';
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    const [keyword, ...rest] = full.split(/\s+/);
    const args = full.slice(keyword.length).trim();
    const instruction = { keyword: keyword.toUpperCase(), args, line: startLine };
    if (instruction.keyword === 'FROM') {
      const platform = rest.find((r) => r.startsWith('--platform='))?.slice('--platform='.length);
      const words = rest.filter((r) => !r.startsWith('--'));
      const asIndex = words.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({ from: words[0], name: asIndex >= 0 ? words[asIndex + 1] : undefined, platform, instructions: [] });
    } else {
      if (stages.length === 0) {
        if (instruction.keyword === 'ARG') return; // global ARG before the first FROM
        throw new Error(`Dockerfile line ${startLine}: ${instruction.keyword} before the first FROM`);
      }
      stages[stages.length - 1].instructions.push(instruction);
    }
  });
  if (pending !== '') throw new Error('Dockerfile ends inside a continued instruction (trailing backslash)');
  return stages;
}

/** `key="value" key2=value2` pairs of LABEL and ENV (quoted values may contain spaces). */
export function keyValues(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Za-z0-9_.-]+)=("((?:[^"\\]|\\.)*)"|(\S*))/g;
  for (let m = re.exec(args); m; m = re.exec(args)) out[m[1]] = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[4];
  return out;
}

/** Replaces `${NAME}` and `$NAME` with `values` (Dockerfile ARG substitution). */
export function substitute(s: string, values: Record<string, string>): string {
  return s.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a, b) => values[a ?? b] ?? whole);
}
