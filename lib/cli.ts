// What every script shares: flags as data, --help from that data, and one main
// runner that maps outcomes to exit codes, redacts errors and handles Ctrl-C.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgv } from 'zx';
import { ExitCode, ToolkitError, UsageError, type ExitCodeValue } from './errors.ts';
import { createLogger, type Logger } from './log.ts';
import { redact } from './redact.ts';
import { closest } from './suggest.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface FlagSpec {
  name: string;
  type: 'boolean' | 'string';
  description: string;
  /** Shown in help: --timeout <duration>. */
  placeholder?: string;
  /** The config key this flag overrides (CLI flag > environment > .env > default). */
  configKey?: string;
  alias?: string;
  /** A string flag that may be given more than once. */
  repeatable?: boolean;
}

export interface ScriptSpec {
  name: string;
  summary: string;
  usage: string;
  flags: readonly FlagSpec[];
  examples: readonly string[];
  notes?: readonly string[];
  /** What --json prints, when it is not the common event stream (validate prints one document). */
  json?: string;
}

/** Flags every script has. */
export const COMMON_FLAGS: readonly FlagSpec[] = [
  { name: 'help', type: 'boolean', alias: 'h', description: 'print this help and exit' },
  { name: 'json', type: 'boolean', description: 'print one JSON event per line (JSON Lines) on stdout instead of text' },
  { name: 'verbose', type: 'boolean', alias: 'v', description: 'echo every command run and its exit, paired by a short id (secrets masked)' },
  // Not --env-file: Node 20 reads that flag from anywhere in argv and would take it itself.
  { name: 'dotenv', type: 'string', placeholder: 'path', description: 'read configuration from this file instead of .env' },
];

/** Which release on which cluster: deploy, validate and teardown take the same three. */
export const RELEASE_FLAGS: readonly FlagSpec[] = [
  { name: 'context', type: 'string', placeholder: 'name', configKey: 'KUBE_CONTEXT', description: 'kube context (default: the current context)' },
  { name: 'namespace', type: 'string', alias: 'n', placeholder: 'name', configKey: 'NAMESPACE', description: 'namespace of the release' },
  { name: 'release', type: 'string', placeholder: 'name', configKey: 'RELEASE_NAME', description: 'Helm release name' },
];

export type ParsedFlags = Record<string, string | boolean | string[] | undefined>;

export interface ParsedArgs {
  flags: ParsedFlags;
  positionals: string[];
  /** Flag values by config key, for loadConfig. */
  configFlags: Record<string, string>;
}

export function parseArgs(spec: ScriptSpec, argv: readonly string[]): ParsedArgs {
  const flags = [...COMMON_FLAGS, ...spec.flags];
  const byName = new Map(flags.map((f) => [f.name, f]));
  const unknown: string[] = [];
  // zx's parseArgv reads `--no-x` as x=false, so a boolean flag that is itself
  // named no-x (--no-wait) is taken out of argv before parsing and set here.
  const negated = new Set(flags.filter((f) => f.type === 'boolean' && f.name.startsWith('no-')).map((f) => f.name));
  const given = new Set<string>();
  const rest = argv.filter((arg) => {
    const name = /^--(no-[\w-]+)$/.exec(arg)?.[1];
    if (name && negated.has(name)) given.add(name);
    return !(name && negated.has(name));
  });
  const parsed = parseArgv([...rest], {
    boolean: flags.filter((f) => f.type === 'boolean').map((f) => f.name),
    string: flags.filter((f) => f.type === 'string').map((f) => f.name),
    alias: Object.fromEntries(flags.filter((f) => f.alias).map((f) => [f.alias!, f.name])),
    unknown: (arg: string) => {
      if (arg.startsWith('-')) unknown.push(arg);
      return !arg.startsWith('-');
    },
  });
  if (unknown.length) {
    const problems = unknown.map((arg) => {
      const name = arg.replace(/^-+/, '').split('=')[0]!;
      const near = closest(name, byName.keys());
      return `unknown option ${arg}${near ? ` (did you mean --${near}?)` : ''}`;
    });
    throw new UsageError(problems.join('; '), `run \`${spec.name} --help\` for the options`);
  }
  const result: ParsedFlags = {};
  const configFlags: Record<string, string> = {};
  for (const flag of flags) {
    let value = (given.has(flag.name) ? true : parsed[flag.name]) as string | boolean | string[] | undefined;
    if (flag.type === 'string' && value !== undefined) {
      const values = Array.isArray(value) ? value : [value];
      if (values.some((v) => v === '' || typeof v === 'boolean')) throw new UsageError(`--${flag.name} needs a value (${flag.placeholder ?? 'value'})`, `run \`${spec.name} --help\``);
      if (!flag.repeatable && values.length > 1) throw new UsageError(`--${flag.name} was given ${values.length} times; give it once`);
      value = flag.repeatable ? values.map(String) : String(values[0]);
    }
    result[flag.name] = value;
    if (flag.configKey && typeof value === 'string') configFlags[flag.configKey] = value;
  }
  return { flags: result, positionals: parsed._.map(String), configFlags };
}

/** --dotenv names a file on purpose: a missing one is a mistake, not "no settings" (a missing default .env is fine). */
export function assertDotenvExists(value: ParsedFlags[string], cwd = process.cwd()): void {
  if (typeof value !== 'string') return;
  const file = path.resolve(cwd, value);
  if (!existsSync(file)) throw new UsageError(`--dotenv ${value}: file not found (${file})`, 'give the path of an existing file (relative to the current folder), or leave --dotenv out to read .env');
}

export function renderHelp(spec: ScriptSpec): string {
  const flags = [...spec.flags, ...COMMON_FLAGS.map((f) => (f.name === 'json' && spec.json ? { ...f, description: spec.json } : f))];
  const left = (f: FlagSpec) => `${f.alias ? `-${f.alias}, ` : '    '}--${f.name}${f.type === 'string' ? ` <${f.placeholder ?? 'value'}>` : ''}`;
  const width = Math.max(...flags.map((f) => left(f).length)) + 2;
  const lines = [
    `${spec.name} — ${spec.summary}`,
    '',
    'Usage:',
    `  ${spec.usage}`,
    '',
    'Options:',
    ...flags.map((f) => `  ${left(f).padEnd(width)}${f.description}${f.configKey ? ` [${f.configKey}]` : ''}`),
    '',
    'Examples:',
    ...spec.examples.map((e) => `  ${e}`),
    '',
    'Exit codes: 0 success, 1 the job failed, 2 bad usage or configuration, 3 a prerequisite is missing or broken, 130 interrupted.',
  ];
  if (spec.notes?.length) lines.push('', ...spec.notes);
  return `${lines.join('\n')}\n`;
}

export interface ScriptContext {
  args: ParsedArgs;
  log: Logger;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal: AbortSignal;
  /** Registers cleanup that runs on success, failure and interruption (last in, first out). */
  onCleanup(fn: () => Promise<void> | void): void;
}

/**
 * Runs a script's main function and exits with the right code. `main` returns
 * an exit code (or nothing for success); expected failures are ToolkitErrors.
 */
export async function runScript(
  spec: ScriptSpec,
  main: (ctx: ScriptContext) => Promise<ExitCodeValue | void>,
  argv: readonly string[] = scriptArgv(),
): Promise<never> {
  const exit = await runScriptForCode(spec, main, argv);
  process.exit(exit);
}

/**
 * The script's own arguments. Under `zx script.ts` (and `node script.ts`) argv[1] is
 * zx or node's entry, and zx leaves the script path in argv[2]; drop it.
 */
export function scriptArgv(argv: readonly string[] = process.argv): string[] {
  const rest = argv.slice(2);
  return rest.length > 0 && /\.(?:ts|mts|js|mjs)$/.test(rest[0] ?? '') && !rest[0]!.startsWith('-') ? rest.slice(1) : rest;
}

export async function runScriptForCode(
  spec: ScriptSpec,
  main: (ctx: ScriptContext) => Promise<ExitCodeValue | void>,
  argv: readonly string[],
): Promise<ExitCodeValue> {
  const wantsJson = argv.includes('--json');
  let log = createLogger({ json: wantsJson, verbose: argv.includes('--verbose') });
  const cleanups: Array<() => Promise<void> | void> = [];
  const controller = new AbortController();
  // One cleanup pass shared by the signal path and the normal path, so neither exits while the other still cleans.
  let cleaning: Promise<void> | undefined;
  const runCleanups = () =>
    (cleaning ??= (async () => {
      for (const fn of cleanups.splice(0).reverse()) {
        try {
          await fn();
        } catch (error) {
          log.warn(`cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    })());
  let interrupted: ExitCodeValue | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted !== undefined) process.exit(ExitCode.interrupted); // a second Ctrl-C: leave now
    interrupted = ExitCode.interrupted;
    log.error(`interrupted (${signal}); cleaning up`);
    controller.abort(new ToolkitError(`interrupted by ${signal}`, ExitCode.interrupted));
    void runCleanups().finally(() => process.exit(ExitCode.interrupted));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const args = parseArgs(spec, argv);
    if (args.flags.help) {
      process.stdout.write(renderHelp(spec));
      return ExitCode.ok;
    }
    log = createLogger({ json: Boolean(args.flags.json), verbose: Boolean(args.flags.verbose) });
    assertDotenvExists(args.flags.dotenv);
    const code = await main({ args, log, signal: controller.signal, onCleanup: (fn) => cleanups.push(fn) });
    return interrupted ?? code ?? ExitCode.ok;
  } catch (error) {
    if (interrupted !== undefined) return interrupted;
    return reportError(log, error);
  } finally {
    await runCleanups();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Prints any error (redacted) and returns its exit code. */
export function reportError(log: Logger, error: unknown): ExitCodeValue {
  if (error instanceof ToolkitError) {
    log.error(error.message, error.hint, error.code);
    return error.exitCode;
  }
  const message = error instanceof Error ? `${error.message}${log.verbose && error.stack ? `\n${error.stack}` : ''}` : String(error);
  log.error(`unexpected error: ${redact(message)}`, 'this is a bug in todo-chatbot-k8s; rerun with --verbose and report it');
  return ExitCode.failed;
}
