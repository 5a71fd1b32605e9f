// A Dockerfile read for what the toolkit needs to know, without running it: its base images (FROM,
// with ARG defaults substituted), the port it exposes or serves on, the ASGI app its command starts,
// and the environment variables it sets.

export interface DockerfileFacts {
  /** Base image references in FROM order, ARGs substituted; references to earlier stages left out. */
  baseImages: string[];
  /** FROM lines whose reference still holds a variable without default (`FROM ${BASE}`). */
  unresolved: string[];
  /** First EXPOSE port, else `--port N` / `-p N` in CMD/ENTRYPOINT, else ENV PORT=N (the last stage). */
  port?: { value: number; line: number };
  /** `module:attribute` started by uvicorn/gunicorn/fastapi in CMD/ENTRYPOINT (last stage). */
  asgiApp?: { value: string; line: number };
  /** ENV names set in the last stage. */
  env: string[];
}

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Instructions with continuation lines joined and comments dropped. */
export function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buffer = '';
  let start = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (!buffer && /^\s*#/.test(line)) return;
    if (buffer && /^\s*#/.test(line)) return; // comments inside a continued instruction
    if (!buffer) start = index + 1;
    const continued = /\\\s*$/.test(line);
    buffer += `${continued ? line.replace(/\\\s*$/, '') : line} `;
    if (continued) return;
    const m = /^\s*(\w+)\s*(.*)$/s.exec(buffer.trim());
    if (m) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start });
    buffer = '';
  });
  return out;
}

function substitute(value: string, args: Record<string, string | undefined>): string | undefined {
  let unresolved = false;
  const result = value.replace(
    /\$\{(\w+)(?::?[-+]([^}]*))?\}|\$(\w+)/g,
    (_, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare!;
      const v = args[name] || fallback;
      if (v === undefined || v === '') unresolved = true;
      return v ?? '';
    },
  );
  return unresolved ? undefined : result;
}

/** Exec form `["a", "b"]` → `a b`; shell form as is. */
function commandText(args: string): string {
  if (!args.startsWith('[')) return args;
  try {
    const parts = JSON.parse(args) as unknown;
    return Array.isArray(parts) ? parts.map(String).join(' ') : args;
  } catch {
    return args;
  }
}

const PORT_IN_COMMAND = /(?:--port[=\s]+|\s-p\s+)["']?(\d{2,5})\b/;
const ASGI_IN_COMMAND = /\b(?:uvicorn|gunicorn|hypercorn|fastapi\s+run)\b.*?(?:^|\s|["'])([A-Za-z_][\w.]*:[A-Za-z_]\w*)(?=["'\s]|$)/;

/** `overrides`: build args the toolkit passes (e.g. NODE_IMAGE for our Dockerfiles); undefined values leave the default. */
export function readDockerfile(text: string, overrides: Record<string, string | undefined> = {}): DockerfileFacts {
  const globalArgs: Record<string, string | undefined> = {};
  const stages: string[] = [];
  const facts: DockerfileFacts = { baseImages: [], unresolved: [], env: [] };
  let seenFrom = false;
  let stageArgs: Record<string, string | undefined> = {};
  let exposed: DockerfileFacts['port'];
  let commandPort: DockerfileFacts['port'];
  let envPort: DockerfileFacts['port'];
  for (const ins of instructions(text)) {
    if (ins.keyword === 'ARG') {
      const m = /^(\w+)(?:=(.*))?$/.exec(ins.args);
      if (!m) continue;
      const value = m[2]?.replace(/^["']|["']$/g, '');
      // A default may use an earlier ARG: ARG BASE=python:${PY}-slim
      if (!seenFrom) globalArgs[m[1]!] = overrides[m[1]!] ?? (value === undefined ? undefined : (substitute(value, globalArgs) ?? value));
      else stageArgs[m[1]!] = value ?? globalArgs[m[1]!];
    } else if (ins.keyword === 'FROM') {
      seenFrom = true;
      stageArgs = {};
      exposed = commandPort = envPort = undefined;
      facts.env = [];
      facts.asgiApp = undefined;
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const ref = substitute(words[0] ?? '', globalArgs);
      if (words[1]?.toUpperCase() === 'AS' && words[2]) stages.push(words[2].toLowerCase());
      if (ref === undefined) facts.unresolved.push(words[0] ?? '');
      else if (
        !stages.slice(0, words[1]?.toUpperCase() === 'AS' ? -1 : undefined).includes(ref.toLowerCase()) &&
        ref !== 'scratch' &&
        !facts.baseImages.includes(ref)
      )
        facts.baseImages.push(ref);
    } else if (ins.keyword === 'EXPOSE') {
      const port = /^(\d{2,5})/.exec(substitute(ins.args, { ...globalArgs, ...stageArgs }) ?? '')?.[1];
      if (port && !exposed) exposed = { value: Number(port), line: ins.line };
    } else if (ins.keyword === 'ENV') {
      const pairs = ins.args.includes('=')
        ? [...ins.args.matchAll(/(\w+)=("(?:\\.|[^"])*"|'[^']*'|\S*)/g)].map((m) => [m[1]!, m[2]!.replace(/^["']|["']$/g, '')])
        : [[ins.args.split(/\s+/)[0]!, ins.args.split(/\s+/).slice(1).join(' ')]];
      for (const [name, value] of pairs) {
        if (!facts.env.includes(name!)) facts.env.push(name!);
        if (name === 'PORT' && /^\d+$/.test(value!)) envPort = { value: Number(value), line: ins.line };
      }
    } else if (ins.keyword === 'CMD' || ins.keyword === 'ENTRYPOINT') {
      const command = commandText(ins.args);
      const port = PORT_IN_COMMAND.exec(` ${command}`)?.[1];
      if (port) commandPort = { value: Number(port), line: ins.line };
      const app = ASGI_IN_COMMAND.exec(command)?.[1];
      if (app) facts.asgiApp = { value: app, line: ins.line };
    }
  }
  facts.port = exposed ?? commandPort ?? envPort;
  return facts;
}
