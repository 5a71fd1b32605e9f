// validate: selects the checks (lib/validate/select), resolves the context with
// the providers' own resolveTarget, builds what every check gets
// (lib/validate/context), runs them (lib/validate/runner) inside one time budget,
// streams each result to a renderer (render-table, render-json) and writes JUnit.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import type { AppAccess, BaseUrls } from '../access.ts';
import type { Check } from '../checks/index.ts';
import { loadConfig, parseDuration, type Config } from '../config.ts';
import { ExitCode, UsageError, type ExitCodeValue } from '../errors.ts';
import { createRunner, type Runner } from '../exec.ts';
import type { Kubectl } from '../kubectl.ts';
import { createLogger, type Logger } from '../log.ts';
import { requirePrereqs, type ToolName } from '../prereqs.ts';
import { resolveTarget } from '../providers/index.ts';
import { checkContext } from './context.ts';
import { toJUnit } from './junit.ts';
import {
  countResults,
  type CheckGroup,
  type CheckResult,
  type CheckTarget,
  type RunStart,
  type ValidateReport,
  type ValidateRenderer,
} from './report.ts';
import { jsonDocumentRenderer, jsonLinesRenderer } from './render-json.ts';
import { tableRenderer } from './render-table.ts';
import { runChecks, startBudget } from './runner.ts';
import { parseUrlFlag, selectChecks } from './select.ts';

export { checkCount, parseGroups, parseUrlFlag, selectChecks } from './select.ts';
export { renderReport } from './render-table.ts';
export { reportJson } from './render-json.ts';
export type { CheckResult, CheckStatus, ValidateReport } from './report.ts';

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
  /** The kube context; default: KUBE_CONTEXT, else the kubeconfig's current-context (providers' resolveTarget). */
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

export async function validate(opts: ValidateOptions): Promise<ValidateReport> {
  const started = performance.now();
  const checks = selectChecks(opts);
  const budgetMs = opts.budgetMs ?? DEFAULT_BUDGET_MS;
  const run: Runner = opts.env ? (cmd, args, o = {}) => opts.run(cmd, args, { ...o, env: { ...opts.env, ...o.env } }) : opts.run;
  const mode = opts.urls ? 'urls' : 'cluster';
  // The context as every other command resolves it; with --url no cluster is part of the run.
  const cluster =
    mode === 'cluster'
      ? await resolveTarget(
          run,
          { ...opts.config, kubeContext: opts.context ?? opts.config.kubeContext },
          opts.env ? { ...process.env, ...opts.env } : process.env,
        )
      : undefined;
  const target: CheckTarget = { context: cluster?.context ?? '', namespace: opts.config.namespace, release: opts.config.releaseName };
  opts.onBegin?.({ mode, target: cluster ? target : undefined, ids: checks.map((c) => c.id) });

  const budget = startBudget(budgetMs, opts.signal);
  const { ctx, opened, close } = checkContext({
    config: opts.config,
    run,
    target,
    signal: budget.signal,
    urls: opts.urls,
    cluster,
    openAccess: opts.openAccess,
    env: opts.env,
    log: opts.log,
    http: { timeoutMs: opts.requestTimeoutMs, retries: opts.retries },
    restartWindowMs: opts.restartWindowMs,
  });
  let results: CheckResult[];
  try {
    results = await runChecks({ checks, ctx, concurrency: opts.concurrency, onStart: opts.onStart, onResult: opts.onResult });
  } finally {
    budget.dispose();
    await close();
  }
  const access = await opened();
  return {
    mode,
    target: cluster ? target : undefined,
    urls: access?.urls,
    via: access?.via,
    results,
    counts: countResults(results),
    durationMs: performance.now() - started,
    budgetMs,
    exitCode: results.some((r) => r.unreachable)
      ? ExitCode.prereq
      : results.some((r) => r.status === 'fail')
        ? ExitCode.failed
        : ExitCode.ok,
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
  if (opts.json && opts.jsonLines)
    throw new UsageError(
      '--json and --json-lines both given: stdout holds one or the other',
      'give --json for one document at the end, or --json-lines for one event per check as it finishes',
    );
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
      : tableRenderer({
          out,
          live: log.mode === 'pretty',
          color: log.mode === 'pretty' && pc.isColorSupported,
          width: process.stdout.columns,
        });
  const { config, warnings } = loadConfig({ flags: opts.configFlags, envFile: opts.envFile, root: opts.root });
  for (const w of warnings) progress.warn(w);
  const run = createRunner({ log: progress });
  // The tools the selected groups read through: a missing or too old one is exit 3 PREREQ with its fix, as in deploy.
  if (!urls) await requirePrereqs(run, progress, 'validate', [...new Set(selected.flatMap((c) => GROUP_TOOLS[c.group]))]);
  // While checks run on a TTY, log lines go above the counter line.
  const during = renderer.logStream
    ? createLogger({ mode: log.mode, out: renderer.logStream, err: renderer.logStream, verbose: log.verbose })
    : progress;
  const report = await validate({
    config,
    run: renderer.logStream ? createRunner({ log: during }) : run,
    log: during,
    urls,
    only: opts.only,
    skip: opts.skip,
    disruptive: opts.disruptive,
    budgetMs,
    restartWindowMs,
    signal: opts.signal,
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
