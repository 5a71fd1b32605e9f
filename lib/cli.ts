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
import type { ConfigKey } from './config.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface FlagSpec {
  name: string;
  type: 'boolean' | 'string';
  description: string;
  /** Shown in help: --timeout <duration>. */
  placeholder?: string;
  /** The config key this flag overrides (CLI flag > environment > .env > default). */
  configKey?: ConfigKey;
  alias?: string;
  /** A string flag that may be given more than once. */
  repeatable?: boolean;
  /** The value when the flag is not given (string flags; a list for repeatable ones). */
  default?: string | readonly string[];
}

/** Words after the options, for the few scripts that take them; the others refuse any. */
export interface PositionalSpec {
  name: string;
  description: string;
}

export interface ScriptSpec<Flags extends readonly FlagSpec[] = readonly FlagSpec[]> {
  name: string;
  summary: string;
  usage: string;
  flags: Flags;
  /** Without it, a word that is not an option is a usage error (exit 2). */
  positionals?: PositionalSpec;
  examples: readonly string[];
  notes?: readonly string[];
  /** What --json prints, when it is not the common event stream (validate prints one document). */
  json?: string;
}

/** Flags every script has. */
export const COMMON_FLAGS = [
  { name: 'help', type: 'boolean', alias: 'h', description: 'print this help and exit' },
  { name: 'json', type: 'boolean', description: 'print one JSON event per line (JSON Lines) on stdout instead of text' },
  {
    name: 'verbose',
    type: 'boolean',
    alias: 'v',
    description: 'echo every command run and its exit, paired by a short id (secrets masked)',
  },
  // Not --env-file: Node 20 reads that flag from anywhere in argv and would take it itself.
  { name: 'dotenv', type: 'string', placeholder: 'path', description: 'read configuration from this file instead of .env' },
] as const satisfies readonly FlagSpec[];

/** Which release on which cluster: deploy, validate and teardown take the same three. */
export const RELEASE_FLAGS = [
  {
    name: 'context',
    type: 'string',
    placeholder: 'name',
    configKey: 'KUBE_CONTEXT',
    description: 'kube context (default: the current context)',
  },
  { name: 'namespace', type: 'string', alias: 'n', placeholder: 'name', configKey: 'NAMESPACE', description: 'namespace of the release' },
  { name: 'release', type: 'string', placeholder: 'name', configKey: 'RELEASE_NAME', description: 'Helm release name' },
] as const satisfies readonly FlagSpec[];

/** What deploy and dev (which deploys first) both take: the release flags, the provider, --values and the rollout timeout. */
export const DEPLOY_TARGET_FLAGS = [
  ...RELEASE_FLAGS,
  {
    name: 'provider',
    type: 'string',
    placeholder: 'name',
    configKey: 'CLUSTER_PROVIDER',
    description: 'auto, minikube, kind, k3d, docker-desktop or generic',
  },
  {
    name: 'values',
    type: 'string',
    placeholder: 'file',
    repeatable: true,
    description: 'extra Helm values file, applied after the generated one (repeatable)',
  },
  {
    name: 'timeout',
    type: 'string',
    placeholder: 'duration',
    configKey: 'DEPLOY_TIMEOUT',
    description: 'how long to wait for each rollout (e.g. 5m)',
  },
] as const satisfies readonly FlagSpec[];

type AnyFlagValue = string | boolean | string[] | undefined;

/** One flag's parsed type, as node:util parseArgs types it: a default takes away the undefined. */
export type FlagValue<F extends FlagSpec> = F extends { type: 'boolean' }
  ? boolean
  : F extends { repeatable: true }
    ? F extends { default: readonly string[] }
      ? string[]
      : string[] | undefined
    : F extends { default: string }
      ? string
      : string | undefined;

/** The parsed flags of a spec, by name; a spec whose names are not literals (plain FlagSpec[]) gets the loose bag. */
export type FlagValues<Flags extends readonly FlagSpec[]> = string extends Flags[number]['name']
  ? Record<string, AnyFlagValue>
  : { [F in Flags[number] as F['name']]: FlagValue<F> };

export type ParsedFlags<Flags extends readonly FlagSpec[] = readonly FlagSpec[]> = FlagValues<Flags> & FlagValues<typeof COMMON_FLAGS>;

export interface ParsedArgs<Flags extends readonly FlagSpec[] = readonly FlagSpec[]> {
  flags: ParsedFlags<Flags>;
  positionals: string[];
  /** Flag values by config key, for loadConfig. */
  configFlags: Record<string, string>;
}

/**
 * A script's spec with its flags' names and types kept, so that main reads
 * `args.flags.only` as string | undefined and `args.flags.force` as boolean, no casts.
 * Mistakes in the spec itself (a flag named twice, a default on a boolean) throw here.
 */
export function defineScript<const Flags extends readonly FlagSpec[]>(spec: ScriptSpec<Flags>): ScriptSpec<Flags> {
  const all: readonly FlagSpec[] = [...COMMON_FLAGS, ...spec.flags];
  const names = all.flatMap((f): string[] => (f.alias ? [f.name, f.alias] : [f.name]));
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`${spec.name}: the flag or alias ${twice} is defined twice`);
  const bad = spec.flags.find(
    (f) => f.default !== undefined && (f.type === 'boolean' || Array.isArray(f.default) !== Boolean(f.repeatable)),
  );
  if (bad) throw new Error(`${spec.name}: --${bad.name} has a default that does not fit its type`);
  return spec;
}

export function parseArgs<Flags extends readonly FlagSpec[]>(spec: ScriptSpec<Flags>, argv: readonly string[]): ParsedArgs<Flags> {
  const flags: readonly FlagSpec[] = [...COMMON_FLAGS, ...spec.flags];
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
  const result: Record<string, AnyFlagValue> = {};
  const configFlags: Record<string, string> = {};
  for (const flag of flags) {
    let value = (given.has(flag.name) ? true : parsed[flag.name]) as string | boolean | string[] | undefined;
    if (flag.type === 'string' && value !== undefined) {
      const values = Array.isArray(value) ? value : [value];
      if (values.some((v) => v === '' || typeof v === 'boolean'))
        throw new UsageError(`--${flag.name} needs a value (${flag.placeholder ?? 'value'})`, `run \`${spec.name} --help\``);
      if (!flag.repeatable && values.length > 1) throw new UsageError(`--${flag.name} was given ${values.length} times; give it once`);
      value = flag.repeatable ? values.map(String) : String(values[0]);
    }
    if (value === undefined && flag.default !== undefined) value = typeof flag.default === 'string' ? flag.default : [...flag.default];
    result[flag.name] = value;
    if (flag.configKey && typeof value === 'string') configFlags[flag.configKey] = value;
  }
  return { flags: result as ParsedFlags<Flags>, positionals: parsed._.map(String), configFlags };
}

/** A word where only options go: exit 2 naming it and the options there are (and the option it may have meant). */
export function refuseUnexpectedPositionals(spec: ScriptSpec<readonly FlagSpec[]>, positionals: readonly string[]): void {
  const first = positionals[0];
  if (spec.positionals || first === undefined) return;
  const flags: readonly FlagSpec[] = [...spec.flags, ...COMMON_FLAGS];
  const near = closest(
    first.replace(/^-+/, ''),
    flags.map((f) => f.name),
  );
  throw new UsageError(
    `unexpected argument "${first}": ${spec.name} takes options only, no arguments${near ? ` (did you mean --${near}?)` : ''}`,
    `its options are ${flags.map((f) => `--${f.name}`).join(', ')}; run \`${spec.name} --help\` for what they do`,
  );
}

/** --dotenv names a file on purpose: a missing one is a mistake, not "no settings" (a missing default .env is fine). */
export function assertDotenvExists(value: AnyFlagValue, cwd = process.cwd()): void {
  if (typeof value !== 'string') return;
  const file = path.resolve(cwd, value);
  if (!existsSync(file))
    throw new UsageError(
      `--dotenv ${value}: file not found (${file})`,
      'give the path of an existing file (relative to the current folder), or leave --dotenv out to read .env',
    );
}

export function renderHelp(spec: ScriptSpec<readonly FlagSpec[]>): string {
  const flags: FlagSpec[] = [
    ...spec.flags,
    ...COMMON_FLAGS.map((f) => (f.name === 'json' && spec.json ? { ...f, description: spec.json } : f)),
  ];
  const left = (f: FlagSpec) =>
    `${f.alias ? `-${f.alias}, ` : '    '}--${f.name}${f.type === 'string' ? ` <${f.placeholder ?? 'value'}>` : ''}`;
  const width = Math.max(...flags.map((f) => left(f).length)) + 2;
  const lines = [
    `${spec.name} — ${spec.summary}`,
    '',
    'Usage:',
    `  ${spec.usage}`,
    '',
    'Options:',
    ...flags.map(
      (f) =>
        `  ${left(f).padEnd(width)}${f.description}${f.default !== undefined ? ` (default: ${[f.default].flat().join(', ')})` : ''}${f.configKey ? ` [${f.configKey}]` : ''}`,
    ),
    ...(spec.positionals ? ['', 'Arguments:', `  <${spec.positionals.name}>...`.padEnd(width + 2) + spec.positionals.description] : []),
    '',
    'Examples:',
    ...spec.examples.map((e) => `  ${e}`),
    '',
    'Exit codes: 0 success, 1 the job failed, 2 bad usage or configuration, 3 a prerequisite is missing or broken, 130 interrupted.',
  ];
  if (spec.notes?.length) lines.push('', ...spec.notes);
  return `${lines.join('\n')}\n`;
}

export interface ScriptContext<Flags extends readonly FlagSpec[] = readonly FlagSpec[]> {
  args: ParsedArgs<Flags>;
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
export async function runScript<Flags extends readonly FlagSpec[]>(
  spec: ScriptSpec<Flags>,
  main: (ctx: ScriptContext<Flags>) => Promise<ExitCodeValue | void>,
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

export async function runScriptForCode<Flags extends readonly FlagSpec[]>(
  spec: ScriptSpec<Flags>,
  main: (ctx: ScriptContext<Flags>) => Promise<ExitCodeValue | void>,
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
    refuseUnexpectedPositionals(spec, args.positionals);
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
