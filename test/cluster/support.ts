// What the real-cluster suite shares: running the toolkit's scripts as a user would
// (their own processes, the cluster's kubeconfig, the stand-in base images, the helm
// and kubectl under test first on PATH), reading the cluster, and HTTP that proves it
// reached our app.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from './layout.ts';

export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** --json events, when asked for. */
  events: Record<string, unknown>[];
  ms: number;
}

export interface Harness {
  env: NodeJS.ProcessEnv;
  namespace: string;
  tmp: string;
  script(name: string, args: string[], extraEnv?: NodeJS.ProcessEnv): Promise<ScriptResult>;
  kubectl(args: string[], opts?: { input?: string; allowFail?: boolean }): Promise<ScriptResult>;
  json<T>(args: string[]): Promise<T>;
  valuesFile(name: string, yaml: string): string;
  /** Start or stop recording the tools' calls (when the harness records). */
  recording(on: boolean): void;
}

function spawnCollect(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, input?: string): Promise<ScriptResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const events = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return [];
          }
        });
      resolve({ code, stdout, stderr, events, ms: performance.now() - started });
    });
    child.stdin.end(input ?? '');
  });
}

/**
 * A harness for one Helm major: helm and kubectl under test are linked first on PATH.
 * `base` carries KUBECONFIG (the cluster's context) and NODE_IMAGE/PYTHON_IMAGE (the stand-ins).
 */
export function harness(opts: {
  helmBin: string;
  kubectlBin: string;
  namespace: string;
  base: NodeJS.ProcessEnv;
  record?: string;
}): Harness {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `cluster-e2e-${opts.namespace}-`));
  const bin = path.join(tmp, 'bin');
  mkdirSync(bin);
  for (const [tool, real] of [
    ['helm', opts.helmBin],
    ['kubectl', opts.kubectlBin],
  ] as const) {
    if (opts.record) writeRecorder(path.join(bin, tool), tool, real, opts.record);
    else symlinkSync(real, path.join(bin, tool));
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...opts.base,
    PATH: `${bin}${path.delimiter}${process.env.PATH}`,
    NAMESPACE: opts.namespace,
    NO_COLOR: '1',
    FORCE_COLOR: '0',
  };
  delete env.NODE_OPTIONS;
  const h: Harness = {
    env,
    namespace: opts.namespace,
    tmp,
    script: (name, args, extraEnv = {}) =>
      spawnCollect(
        process.execPath,
        ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', `${name}.ts`), ...args],
        { ...env, ...extraEnv },
        REPO_ROOT,
      ),
    async kubectl(args, kopts = {}) {
      const r = await spawnCollect(path.join(bin, 'kubectl'), ['--context', 'todo-local', ...args], env, REPO_ROOT, kopts.input);
      if (r.code !== 0 && !kopts.allowFail) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r;
    },
    async json<T>(args: string[]) {
      return JSON.parse((await h.kubectl([...args, '--output', 'json'])).stdout) as T;
    },
    recording(on) {
      if (!opts.record) return;
      if (on) writeFileSync(`${opts.record}.on`, '');
      else rmSync(`${opts.record}.on`, { force: true });
    },
    valuesFile(name, yaml) {
      const file = path.join(tmp, name);
      writeFileSync(file, yaml);
      return file;
    },
  };
  return h;
}

/**
 * A stand-in for a tool that runs the real one and appends {tool, argv, exitCode, stdout} to
 * `record` (JSON lines), for the fakes' conformance test. stdin and stderr pass through.
 */
function writeRecorder(file: string, tool: string, real: string, record: string): void {
  // A read of Secrets is recorded without its answer: their data never lands in a file.
  const append =
    'const fs = require("node:fs"); const [out, code, ...argv] = process.argv.slice(1); ' +
    'const secret = argv.some((a) => a.split(",").some((k) => k === "secret" || k === "secrets")); ' +
    'fs.appendFileSync(process.env.TODO_RECORD, JSON.stringify({ tool: process.env.TODO_TOOL, argv, exitCode: Number(code), stdout: secret ? "" : fs.readFileSync(out, "utf8") }) + "\\n")';
  const script = [
    '#!/bin/sh',
    // Streams (a port-forward prints its port and keeps running) pass straight through.
    `case " $* " in *" port-forward "*|*" --watch "*|*" --follow "*) exec "${real}" "$@";; esac`,
    'out=$(mktemp)',
    `"${real}" "$@" >"$out"`,
    'code=$?',
    'cat "$out"',
    // Only while the suite says so (a file beside the record): the healthy deploy and validate.
    `[ -f '${record}.on' ] && TODO_RECORD='${record}' TODO_TOOL=${tool} "${process.execPath}" -e '${append}' "$out" "$code" "$@"`,
    'rm -f "$out"',
    'exit $code',
    '',
  ].join('\n');
  writeFileSync(file, script, { mode: 0o755 });
}

/** GET that counts only an answer from our app: the backend's /health JSON or the frontend's {status: ok}. */
export async function ourAppAnswers(url: string, timeoutMs = 3000): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return false;
    const body = (await res.json()) as { status?: string };
    return body?.status === 'ok';
  } catch {
    return false;
  }
}

export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await sleep(1000);
  }
  throw new Error(
    `${what}: not within ${timeoutMs / 1000}s${last ? ` (last error: ${last instanceof Error ? last.message : String(last)})` : ''}`,
  );
}

export interface KubeList<T> {
  items: T[];
}
export interface PodLite {
  metadata: { name: string; uid: string; labels?: Record<string, string> };
  spec: { containers: { image: string }[] };
  status: { phase?: string; containerStatuses?: { ready: boolean; imageID?: string }[] };
}

export const component = (pod: PodLite) => pod.metadata.labels?.['app.kubernetes.io/component'] ?? '';
