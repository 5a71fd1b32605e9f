// The one wrapper around zx's $. No other module runs processes.
// Arguments are always arrays (zx quotes each one); nothing is string-joined.
import { StringDecoder } from 'node:string_decoder';
import { $, type ProcessPromise } from 'zx';
import { ToolkitError, ExitCode } from './errors.ts';
import type { Logger } from './log.ts';
import { redact } from './redact.ts';

export interface RunOptions {
  cwd?: string;
  /** Added to (not replacing) the inherited environment; undefined removes a variable. */
  env?: Record<string, string | undefined>;
  /** Written to the command's stdin: the way to hand a secret to a tool. */
  input?: string;
  /** Default 60 s; 0 means none. */
  timeoutMs?: number;
  /** Resolve with the result instead of throwing on a non-zero exit. */
  nothrow?: boolean;
  signal?: AbortSignal;
  /** Also echo the output live (redacted), e.g. for long builds and test runs. */
  stream?: boolean;
}

export interface RunResult {
  command: string;
  stdout: string;
  stderr: string;
  exitCode: number;
  durationMs: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const STDERR_TAIL_LINES = 30;

/** A command that failed or timed out. Its text is redacted at construction. */
export class CommandError extends ToolkitError {
  readonly command: string;
  /** The tool's own exit code (exitCode is the script's). */
  readonly toolExitCode: number;
  readonly stderrTail: string;
  readonly timedOut: boolean;
  readonly stdout: string;

  constructor(args: { command: string; exitCode: number; stderr: string; stdout?: string; timedOut?: boolean; timeoutMs?: number }) {
    const command = redact(args.command);
    const stderrTail = redact(tail(args.stderr, STDERR_TAIL_LINES));
    const what = args.timedOut ? `timed out after ${Math.round((args.timeoutMs ?? 0) / 1000)}s` : `exited with code ${args.exitCode}`;
    super(`command ${what}: ${command}${stderrTail ? `\n${indent(stderrTail)}` : ''}`, ExitCode.failed);
    this.command = command;
    this.toolExitCode = args.exitCode;
    this.stderrTail = stderrTail;
    this.timedOut = Boolean(args.timedOut);
    this.stdout = redact(args.stdout ?? '');
  }
}

export function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

/** How a command is shown: shell-quoted where needed, so it can be copied. */
export function formatCommand(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : `'${part.replaceAll("'", `'\\''`)}'`)).join(' ');
}

export type Runner = (cmd: string, args: readonly string[], opts?: RunOptions) => Promise<RunResult>;

export interface ExecContext {
  log?: Logger;
  /** Base environment for every command (tests point PATH at the fake tools). */
  env?: NodeJS.ProcessEnv;
}

/**
 * .npmrc's node-options puts `--import tsx` in NODE_OPTIONS for our own process;
 * a child node started in another folder would fail to resolve it, so children
 * do not inherit it (those that need tsx ask for it: `node --import tsx`).
 */
export function childNodeOptions(value: string | undefined): string | undefined {
  const rest = (value ?? '')
    .replace(/--import[= ]tsx\b/g, '')
    .trim()
    .replace(/\s+/g, ' ');
  return rest || undefined;
}

function mergeEnv(base: NodeJS.ProcessEnv, extra: RunOptions['env']): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, NODE_OPTIONS: childNodeOptions(base.NODE_OPTIONS) };
  if (env.NODE_OPTIONS === undefined) delete env.NODE_OPTIONS;
  for (const [key, value] of Object.entries(extra ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

function shellFor(opts: RunOptions & { baseEnv: NodeJS.ProcessEnv }) {
  return $({
    cwd: opts.cwd,
    env: mergeEnv(opts.baseEnv, opts.env),
    input: opts.input,
    signal: opts.signal,
    quiet: true,
    verbose: false,
    nothrow: true,
    // Run the program directly, not through a login shell's rc files.
    prefix: '',
    postfix: '',
  });
}

/**
 * A short id per command for --verbose: commands run concurrently, so their start
 * ("[c3] $ helm …") and exit ("[c3] exit 0 in 12ms") lines interleave and only the id pairs them.
 */
let commandCount = 0;
export function nextCommandId(): string {
  return `c${++commandCount}`;
}

/** Creates the runner that every module uses to call external tools. */
export function createRunner(ctx: ExecContext = {}): Runner {
  const baseEnv = ctx.env ?? process.env;
  return async (cmd, args, opts = {}) => {
    const command = formatCommand(cmd, args);
    const id = nextCommandId();
    ctx.log?.debug(`[${id}] $ ${command}`);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const started = performance.now();
    const proc = shellFor({ ...opts, baseEnv })`${cmd} ${args}`;
    if (opts.stream) {
      proc.stdout.on('data', (chunk: Buffer) => process.stdout.write(redact(chunk.toString())));
      proc.stderr.on('data', (chunk: Buffer) => process.stderr.write(redact(chunk.toString())));
    }
    let timedOut = false;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            void proc.kill('SIGTERM');
          }, timeoutMs)
        : undefined;
    try {
      const output = await proc;
      const result: RunResult = {
        command,
        stdout: output.stdout,
        stderr: output.stderr,
        exitCode: output.exitCode ?? 128,
        durationMs: performance.now() - started,
      };
      ctx.log?.debug(`[${id}] exit ${result.exitCode}${timedOut ? ' (timed out)' : ''} in ${Math.round(result.durationMs)}ms`);
      if (timedOut || (result.exitCode !== 0 && !opts.nothrow)) {
        throw new CommandError({ command, exitCode: result.exitCode, stderr: result.stderr, stdout: result.stdout, timedOut, timeoutMs });
      }
      return result;
    } catch (error) {
      if (error instanceof CommandError) throw error;
      // Spawn errors (ENOENT and the like) come here; make them look like a tool's failure.
      const message = error instanceof Error ? error.message : String(error);
      ctx.log?.debug(`[${id}] failed to run in ${Math.round(performance.now() - started)}ms: ${message.split('\n')[0]}`);
      throw new CommandError({ command, exitCode: 127, stderr: message, timedOut });
    } finally {
      if (timer) clearTimeout(timer);
    }
  };
}

/** A long-running process (a server, a port-forward) that the caller must stop. */
export interface Background {
  command: string;
  /** Resolves when the process ends. */
  exited: Promise<{ exitCode: number | null }>;
  stdout(): string;
  stderr(): string;
  stop(): Promise<void>;
}

export function startBackground(
  cmd: string,
  args: readonly string[],
  opts: RunOptions & { log?: Logger; onStdout?: (chunk: string) => void; onStderr?: (chunk: string) => void } = {},
): Background {
  const command = formatCommand(cmd, args);
  const id = nextCommandId();
  opts.log?.debug(`[${id}] $ ${command} &`);
  const proc: ProcessPromise = shellFor({ ...opts, baseEnv: process.env })`${cmd} ${args}`;
  let out = '';
  let err = '';
  let running = true;
  // A stream that runs for hours (logs --follow) hands its output on instead of keeping it.
  const decoder = new StringDecoder('utf8'); // a chunk may end inside a multi-byte character
  const errDecoder = new StringDecoder('utf8');
  proc.stdout.on('data', (chunk: Buffer) => {
    if (opts.onStdout) opts.onStdout(decoder.write(chunk));
    else out += chunk.toString();
  });
  proc.stderr.on('data', (chunk: Buffer) => {
    if (opts.onStderr) opts.onStderr(errDecoder.write(chunk));
    else err += chunk.toString();
  });
  const exited = proc
    .then(
      (o) => ({ exitCode: o.exitCode }),
      () => ({ exitCode: null }),
    )
    .finally(() => {
      running = false;
    });
  void exited.then(({ exitCode }) => opts.log?.debug(`[${id}] ended (exit ${exitCode ?? 'by signal'})`));
  return {
    command,
    exited,
    stdout: () => out,
    stderr: () => err,
    async stop() {
      if (running) await proc.kill('SIGTERM').catch(() => undefined);
      await exited;
    },
  };
}
