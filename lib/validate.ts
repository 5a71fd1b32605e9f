// The validate runner: picks the checks (--only/--skip/--url/--disruptive), runs
// the independent ones concurrently inside one total time budget, skips a check
// whose dependency failed (saying which), reports each result the moment it is
// known (lib/validate-render streams it), and returns one report for --json and --junit.
// (~390 lines: the runner and the command share the selection and the budget; the output is already apart.)
import { setMaxListeners } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import { CHECKS, GROUPS, type AppAccess, type Check, type CheckContext, type CheckGroup, type CheckTarget } from './checks/index.ts';
import { loadConfig, parseDuration, type Config } from './config.ts';
import { ExitCode, ToolkitError, UsageError, type ExitCodeValue } from './errors.ts';
import { CommandError, createRunner, type Runner } from './exec.ts';
import { toJUnit } from './junit.ts';
import { ClusterUnreachableError, Kubectl, isUnreachable } from './kubectl.ts';
import { createLogger, type Logger } from './log.ts';
import { requirePrereqs, type ToolName } from './prereqs.ts';
import { BudgetExceeded, type BaseUrls } from './smoke.ts';
import { closest } from './suggest.ts';
import { jsonDocumentRenderer, jsonLinesRenderer, tableRenderer, type RunStart, type ValidateRenderer } from './validate-render.ts';

// Rendering lives in lib/validate-render; these stay importable from here.
export { renderReport, reportJson } from './validate-render.ts';

export type ResultStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  id: string;
  group: CheckGroup;
  title: string;
  status: ResultStatus;
  /** What was seen; for a failure its cause, for a skip the reason. */
  detail: string;
  /** For failures and warnings. */
  hint?: string;
  durationMs: number;
  /** The API server did not answer (exit 3). */
  unreachable?: boolean;
}

export interface ValidateReport {
  mode: 'cluster' | 'urls';
  target?: CheckTarget;
  urls?: BaseUrls;
  via?: AppAccess['via'];
  results: CheckResult[];
  counts: { total: number; passed: number; warned: number; failed: number; skipped: number };
  durationMs: number;
  budgetMs: number;
  exitCode: ExitCodeValue;
}

export interface ValidateOptions {
  config: Readonly<Config>;
  run: Runner;
  log?: Logger;
  /** --url: only the app checks, against these base URLs. */
  urls?: BaseUrls;
  only?: readonly string[];
  skip?: readonly string[];
  disruptive?: boolean;
  /** Total time budget; default 120 s. */
  budgetMs?: number;
  /** workloads.restarts looks this far back; default 10 min. */
  restartWindowMs?: number;
  /** Checks running at once; default 6 (most share one kubectl read). */
  concurrency?: number;
  /** Per HTTP request; default 10 s (bounded by the budget). */
  requestTimeoutMs?: number;
  retries?: number;
  /** The kube context; default: resolved from KUBE_CONTEXT / current-context. */
  context?: string;
  /** How the app is reached in cluster mode; default lib/access (NodePort, else port-forward). */
  openAccess?: (kube: Kubectl, signal: AbortSignal) => Promise<AppAccess>;
  /** Environment for the tools (tests put fake tools first on PATH). */
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  checks?: readonly Check[];
  /** Once the target is resolved, before the first check. */
  onBegin?(run: RunStart): void;
  onStart?(check: Check): void;
  /** Each result the moment it is known (finishing order), with how many are known of how many. */
  onResult?(result: CheckResult, done: number, total: number): void;
}

const DEFAULT_BUDGET_MS = 120_000;

/** The tools each group reads through in cluster mode (the app group: kubectl for Services and port-forward). */
const GROUP_TOOLS: Record<CheckGroup, ToolName[]> = {
  cluster: ['kubectl'],
  release: ['kubectl', 'helm'],
  workloads: ['kubectl', 'helm'],
  config: ['kubectl'],
  network: ['kubectl'],
  app: ['kubectl'],
};

/** "23 checks, 24 with --disruptive": the words every help and doc uses, from the checks table. */
export function checkCount(checks: readonly Check[] = CHECKS): string {
  const always = checks.filter((c) => !c.disruptive).length;
  return always === checks.length ? `${always} checks` : `${always} checks, ${checks.length} with --disruptive`;
}

/** Group names from repeatable, comma-separated flags; unknown ones are a usage error naming the closest group. */
export function parseGroups(values: readonly string[] | undefined, flag: string): CheckGroup[] {
  const names = (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const bad = names.filter((n) => !(GROUPS as readonly string[]).includes(n));
  if (bad.length) {
    const near = closest(bad[0]!, GROUPS);
    throw new UsageError(`--${flag} ${bad.join(', ')}: not a check group${near ? ` (did you mean ${near}?)` : ''}`, `groups: ${GROUPS.join(', ')}`);
  }
  return names as CheckGroup[];
}

/** `frontend=http://…,backend=http://…` → base URLs; both are required. */
export function parseUrlFlag(value: string): BaseUrls {
  const urls: Partial<BaseUrls> = {};
  for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq);
    const url = part.slice(eq + 1);
    if (eq < 0 || (name !== 'frontend' && name !== 'backend')) throw new UsageError(`--url ${part}: expected frontend=<url> or backend=<url>`, 'example: --url frontend=http://127.0.0.1:3000,backend=http://127.0.0.1:8000');
    try {
      if (!/^https?:$/.test(new URL(url).protocol)) throw new Error('not http');
    } catch {
      throw new UsageError(`--url ${name}=${url}: not an http(s) URL`, 'example: --url frontend=http://127.0.0.1:3000,backend=http://127.0.0.1:8000');
    }
    urls[name] = url.replace(/\/+$/, '');
  }
  const missing = (['frontend', 'backend'] as const).filter((n) => !urls[n]);
  if (missing.length) throw new UsageError(`--url lacks ${missing.join(' and ')}=<url>`, 'give both: --url frontend=http://127.0.0.1:3000,backend=http://127.0.0.1:8000');
  return urls as BaseUrls;
}

/** The checks a run selects, in table order. */
export function selectChecks(opts: Pick<ValidateOptions, 'urls' | 'only' | 'skip' | 'disruptive' | 'checks'>): Check[] {
  const only = parseGroups(opts.only, 'only');
  const skip = parseGroups(opts.skip, 'skip');
  if (opts.urls) {
    const other = only.filter((g) => g !== 'app');
    if (other.length) throw new UsageError(`--url runs only the app checks; --only ${other.join(',')} needs a cluster`, 'drop --url to check the cluster');
  }
  const groups = new Set<CheckGroup>(opts.urls ? ['app'] : only.length ? only : GROUPS);
  for (const g of skip) groups.delete(g);
  const chosen = (opts.checks ?? CHECKS).filter((c) => groups.has(c.group) && (!c.disruptive || opts.disruptive));
  if (!chosen.length) throw new UsageError('no checks left to run after --only/--skip', `groups: ${GROUPS.join(', ')}`);
  return chosen;
}

function describeError(error: unknown): { detail: string; hint?: string; unreachable?: boolean } {
  if (error instanceof ClusterUnreachableError) return { detail: error.message, hint: error.hint, unreachable: true };
  if (error instanceof CommandError) {
    // helm says "Kubernetes cluster unreachable"; kubectl's words are in lib/kube.
    const unreachable = isUnreachable(error.stderrTail) || /Kubernetes cluster unreachable/.test(error.stderrTail);
    const last = error.stderrTail.trim().split('\n').pop();
    return { detail: `${error.command.split(' ').slice(0, 6).join(' ')}… failed: ${last || `exit ${error.toolExitCode}`}`, unreachable };
  }
  if (error instanceof ToolkitError) return { detail: error.message, hint: error.hint };
  if (error instanceof BudgetExceeded) return { detail: error.message };
  return { detail: error instanceof Error ? error.message : String(error) };
}

/** Resolves the kube context without touching the cluster: flag/KUBE_CONTEXT, else current-context. */
async function currentContext(run: Runner, opts: ValidateOptions): Promise<string> {
  if (opts.context ?? opts.config.kubeContext) return (opts.context ?? opts.config.kubeContext)!;
  const result = await run('kubectl', ['config', 'current-context'], { nothrow: true, timeoutMs: 15_000, env: opts.env });
  const name = result.stdout.trim();
  if (result.exitCode !== 0 || !name) {
    throw new ToolkitError('no kube context: the kubeconfig has no current-context and none was given', ExitCode.usage, 'pass --context <name> (or KUBE_CONTEXT=); `kubectl config get-contexts` lists them', 'KUBE_CONTEXT_MISSING');
  }
  return name;
}

export async function validate(opts: ValidateOptions): Promise<ValidateReport> {
  const started = performance.now();
  const checks = selectChecks(opts);
  const budgetMs = opts.budgetMs ?? DEFAULT_BUDGET_MS;
  const run: Runner = opts.env ? (cmd, args, o = {}) => opts.run(cmd, args, { ...o, env: { ...opts.env, ...o.env } }) : opts.run;
  const mode = opts.urls ? 'urls' : 'cluster';
  const target: CheckTarget = {
    context: mode === 'cluster' ? await currentContext(run, opts) : opts.context ?? opts.config.kubeContext ?? '',
    namespace: opts.config.namespace,
    release: opts.config.releaseName,
  };
  const kube = new Kubectl(run, { context: target.context, namespace: target.namespace });
  opts.onBegin?.({ mode, target: mode === 'cluster' ? target : undefined, ids: checks.map((c) => c.id) });

  // One budget for everything: it aborts requests in flight and stops new checks.
  const budget = new AbortController();
  // Every request of every check listens to it: more than Node's default of 10 listeners is expected.
  setMaxListeners(0, budget.signal);
  const timer = setTimeout(() => budget.abort(new BudgetExceeded(budgetMs)), budgetMs);
  const onOuterAbort = () => budget.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const budgetOver = new Promise<never>((_, reject) => budget.signal.addEventListener('abort', () => reject(budget.signal.reason), { once: true }));
  budgetOver.catch(() => undefined);

  const memo = new Map<string, Promise<unknown>>();
  let access: Promise<AppAccess> | undefined;
  const given = opts.urls;
  const ctx: CheckContext = {
    config: opts.config,
    target,
    kube,
    run,
    async helm(args) {
      const result = await run('helm', [...args, '--kube-context', target.context, '--namespace', target.namespace], { timeoutMs: 30_000, signal: budget.signal });
      return result.stdout;
    },
    access() {
      access ??= given
        ? Promise.resolve({ urls: given, via: 'given', reconnect: async () => given, close: async () => undefined })
        : opts.openAccess
          ? opts.openAccess(kube, budget.signal)
          : import('./access.ts').then(async ({ openAccess }) => {
              const { resolveTarget, providerFor } = await import('./providers/index.ts');
              const cluster = await resolveTarget(run, { ...opts.config, kubeContext: target.context });
              const provider = providerFor(run, cluster, opts.log);
              return openAccess({ kube, release: target.release, nodeAddress: () => provider.nodeAddress(), env: opts.env, log: opts.log, signal: budget.signal });
            });
      return access;
    },
    signal: budget.signal,
    http: { timeoutMs: opts.requestTimeoutMs, retries: opts.retries, signal: budget.signal },
    restartWindowMs: opts.restartWindowMs ?? 10 * 60_000,
    once<T>(key: string, fn: () => Promise<T>): Promise<T> {
      if (!memo.has(key)) memo.set(key, fn());
      return memo.get(key) as Promise<T>;
    },
    log: opts.log,
  };

  const results = new Map<string, CheckResult>();
  const selected = new Set(checks.map((c) => c.id));
  const record = (r: CheckResult) => {
    results.set(r.id, r);
    opts.onResult?.(r, results.size, checks.length);
  };
  const hintOf = (check: Check) => (typeof check.hint === 'function' ? check.hint(target) : check.hint);
  const runOne = async (check: Check): Promise<void> => {
    const t0 = performance.now();
    opts.onStart?.(check);
    try {
      const outcome = await Promise.race([check.run(ctx), budgetOver]);
      record({ id: check.id, group: check.group, title: check.title, status: outcome.status, detail: outcome.detail, hint: outcome.status === 'pass' ? undefined : hintOf(check), durationMs: performance.now() - t0 });
    } catch (error) {
      const d = describeError(budget.signal.aborted && budget.signal.reason instanceof Error ? budget.signal.reason : error);
      record({ id: check.id, group: check.group, title: check.title, status: 'fail', detail: d.detail, hint: d.hint ?? hintOf(check), durationMs: performance.now() - t0, unreachable: d.unreachable });
    }
  };

  try {
    const pending = [...checks];
    const running = new Map<string, Promise<void>>();
    const concurrency = Math.max(1, opts.concurrency ?? 6);
    while (pending.length || running.size) {
      let changed = false;
      for (let i = 0; i < pending.length; ) {
        const check = pending[i]!;
        const skip = (detail: string) => {
          record({ id: check.id, group: check.group, title: check.title, status: 'skip', detail, durationMs: 0 });
          pending.splice(i, 1);
          changed = true;
        };
        if (budget.signal.aborted) {
          skip(`not run: ${budget.signal.reason instanceof Error ? budget.signal.reason.message : 'aborted'}`);
          continue;
        }
        const deps = (check.dependsOn ?? []).filter((d) => selected.has(d));
        if (deps.some((d) => !results.has(d))) {
          i++;
          continue;
        }
        const broken = deps.filter((d) => results.get(d)!.status === 'fail' || results.get(d)!.status === 'skip');
        if (broken.length) {
          skip(`needs ${broken.map((d) => `${d}, which ${results.get(d)!.status === 'fail' ? 'failed' : 'was skipped'}`).join('; ')}`);
          continue;
        }
        // A "last" check disturbs what the others look at: it waits for all of them.
        if (check.last && (running.size || pending.some((c) => c !== check && !c.last))) {
          i++;
          continue;
        }
        if (running.size >= concurrency) break;
        pending.splice(i, 1);
        changed = true;
        running.set(check.id, runOne(check).finally(() => running.delete(check.id)));
      }
      if (running.size) await Promise.race(running.values());
      else if (!changed && pending.length) {
        // Dependencies that can never finish (a cycle): report rather than hang.
        for (const check of pending.splice(0)) record({ id: check.id, group: check.group, title: check.title, status: 'skip', detail: `needs ${(check.dependsOn ?? []).join(', ')}, which never ran`, durationMs: 0 });
      }
    }
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onOuterAbort);
    if (access) await access.then((a) => a.close(), () => undefined);
  }

  const ordered = checks.map((c) => results.get(c.id)!);
  const counts = {
    total: ordered.length,
    passed: ordered.filter((r) => r.status === 'pass').length,
    warned: ordered.filter((r) => r.status === 'warn').length,
    failed: ordered.filter((r) => r.status === 'fail').length,
    skipped: ordered.filter((r) => r.status === 'skip').length,
  };
  const opened = access ? await access.catch(() => undefined) : undefined;
  const exitCode: ExitCodeValue = ordered.some((r) => r.unreachable) ? ExitCode.prereq : counts.failed ? ExitCode.failed : ExitCode.ok;
  return {
    mode,
    target: mode === 'cluster' ? target : undefined,
    urls: opened?.urls,
    via: opened?.via,
    results: ordered,
    counts,
    durationMs: performance.now() - started,
    budgetMs,
    exitCode,
  };
}

// --- the command ---------------------------------------------------------------

export interface ValidateCommandOptions {
  configFlags: Record<string, string>;
  envFile?: string;
  root: string;
  url?: string;
  only?: readonly string[];
  skip?: readonly string[];
  junit?: string;
  json: boolean;
  /** One JSON event per check as it finishes, on stdout. */
  jsonLines?: boolean;
  disruptive: boolean;
  timeout?: string;
  restartWindow?: string;
  signal?: AbortSignal;
  /** Where the --json document or --json-lines events go (default stdout). */
  out?: NodeJS.WritableStream;
}

function durationFlag(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value);
  if (!ms) throw new UsageError(`--${flag} ${value}: not a duration`, `use a duration like 90s, 2m or 1m30s (a bare number is seconds)`);
  return ms;
}

/** scripts/validate.ts: flags → checks streamed to the table / --json-lines, or the --json document; --junit file → exit code. */
export async function validateCommand(log: Logger, opts: ValidateCommandOptions): Promise<ExitCodeValue> {
  // Everything is checked before anything runs.
  if (opts.json && opts.jsonLines) throw new UsageError('--json and --json-lines both given: stdout holds one or the other', 'give --json for one document at the end, or --json-lines for one event per check as it finishes');
  const urls = opts.url !== undefined ? parseUrlFlag(opts.url) : undefined;
  const selected = selectChecks({ urls, only: opts.only, skip: opts.skip, disruptive: opts.disruptive });
  const budgetMs = durationFlag('timeout', opts.timeout, DEFAULT_BUDGET_MS);
  const restartWindowMs = durationFlag('restart-window', opts.restartWindow, 10 * 60_000);
  const machine = opts.json || opts.jsonLines;
  // With --json or --json-lines, stdout carries only JSON: progress and warnings go to stderr.
  const progress = machine ? createLogger({ mode: 'plain', out: process.stderr, err: process.stderr, verbose: log.verbose }) : log;
  const out = opts.out ?? process.stdout;
  const renderer: ValidateRenderer = opts.json
    ? jsonDocumentRenderer(out)
    : opts.jsonLines
      ? jsonLinesRenderer(out)
      : tableRenderer({ out, live: log.mode === 'pretty', color: log.mode === 'pretty' && pc.isColorSupported, width: process.stdout.columns });
  const { config, warnings } = loadConfig({ flags: opts.configFlags, envFile: opts.envFile, root: opts.root });
  for (const w of warnings) progress.warn(w);
  const run = createRunner({ log: progress });
  // The tools the selected groups read through: a missing or too old one is exit 3 PREREQ with its fix, as in deploy.
  if (!urls) await requirePrereqs(run, progress, 'validate', [...new Set(selected.flatMap((c) => GROUP_TOOLS[c.group]))]);
  // While checks run on a TTY, log lines go above the counter line.
  const during = renderer.logStream ? createLogger({ mode: log.mode, out: renderer.logStream, err: renderer.logStream, verbose: log.verbose }) : progress;
  const report = await validate({
    config, run: renderer.logStream ? createRunner({ log: during }) : run, log: during, urls, only: opts.only, skip: opts.skip, disruptive: opts.disruptive, budgetMs, restartWindowMs, signal: opts.signal,
    onBegin: (r) => renderer.begin(r),
    onStart: (check) => renderer.started(check.id),
    onResult: (result, done, total) => renderer.finished(result, done, total),
  });
  if (opts.junit) {
    const file = path.resolve(opts.junit);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, toJUnit(report));
    progress.debug(`JUnit report written to ${file}`);
  }
  renderer.end(report);
  if (opts.junit && !machine) log.print(`JUnit report: ${opts.junit}`);
  return report.exitCode;
}
