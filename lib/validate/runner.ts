// The check runner, for cluster and app checks alike: it starts every check whose
// dependencies are done (up to `concurrency` at once), skips a check whose
// dependency failed or was skipped (saying which), holds a `last` check until
// every other has finished, reports each result the moment it is known, and stops
// at the time budget: the running checks fail with its reason, the rest are skipped.
import { setMaxListeners } from 'node:events';
import type { Check, CheckContext } from '../checks/types.ts';
import { ToolkitError } from '../errors.ts';
import { CommandError } from '../exec.ts';
import { BudgetExceeded } from '../http.ts';
import { ClusterUnreachableError } from '../kubectl.ts';
import { isUnreachable } from '../unreachable.ts';
import type { CheckResult } from './report.ts';

export interface RunChecksOptions {
  /** The selected checks, in table order. */
  checks: readonly Check[];
  /** What every check gets; its `signal` is the budget (startBudget). */
  ctx: CheckContext;
  /** Checks running at once; default 6 (most share one kubectl read). */
  concurrency?: number;
  onStart?(check: Check): void;
  /** Each result the moment it is known (finishing order), with how many are known of how many. */
  onResult?(result: CheckResult, done: number, total: number): void;
}

/**
 * One total time budget: its signal aborts requests in flight and stops new checks, with a
 * BudgetExceeded reason; an outer abort (Ctrl-C) aborts it too. dispose() stops the timer.
 */
export function startBudget(budgetMs: number, outer?: AbortSignal): { signal: AbortSignal; dispose(): void } {
  const budget = new AbortController();
  // Every request of every check listens to it: more than Node's default of 10 listeners is expected.
  setMaxListeners(0, budget.signal);
  const timer = setTimeout(() => budget.abort(new BudgetExceeded(budgetMs)), budgetMs);
  const onOuterAbort = () => budget.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  return {
    signal: budget.signal,
    dispose() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    },
  };
}

/** A thrown error as a result's detail and hint; `unreachable` when the API server did not answer. */
export function describeError(error: unknown): { detail: string; hint?: string; unreachable?: boolean } {
  if (error instanceof ClusterUnreachableError) return { detail: error.message, hint: error.hint, unreachable: true };
  if (error instanceof CommandError) {
    const unreachable = isUnreachable(error.stderrTail);
    const last = error.stderrTail.trim().split('\n').pop();
    return { detail: `${error.command.split(' ').slice(0, 6).join(' ')}… failed: ${last || `exit ${error.toolExitCode}`}`, unreachable };
  }
  if (error instanceof ToolkitError) return { detail: error.message, hint: error.hint };
  if (error instanceof BudgetExceeded) return { detail: error.message };
  return { detail: error instanceof Error ? error.message : String(error) };
}

/** Runs the checks; the results come back in check order, whatever order they finished in. */
export async function runChecks(opts: RunChecksOptions): Promise<CheckResult[]> {
  const { checks, ctx } = opts;
  const budget = ctx.signal;
  const budgetOver = new Promise<never>((_, reject) => {
    if (budget.aborted) reject(budget.reason);
    budget.addEventListener('abort', () => reject(budget.reason), { once: true });
  });
  budgetOver.catch(() => undefined);

  const results = new Map<string, CheckResult>();
  const selected = new Set(checks.map((c) => c.id));
  const record = (r: CheckResult) => {
    results.set(r.id, r);
    opts.onResult?.(r, results.size, checks.length);
  };
  const skipped = (check: Check, detail: string) =>
    record({ id: check.id, group: check.group, title: check.title, status: 'skip', detail, durationMs: 0 });
  const hintOf = (check: Check) => (typeof check.hint === 'function' ? check.hint(ctx.target) : check.hint);
  const runOne = async (check: Check): Promise<void> => {
    const t0 = performance.now();
    opts.onStart?.(check);
    try {
      const outcome = await Promise.race([check.run(ctx), budgetOver]);
      record({
        id: check.id,
        group: check.group,
        title: check.title,
        status: outcome.status,
        detail: outcome.detail,
        hint: outcome.status === 'pass' ? undefined : hintOf(check),
        durationMs: performance.now() - t0,
      });
    } catch (error) {
      const d = describeError(budget.aborted && budget.reason instanceof Error ? budget.reason : error);
      record({
        id: check.id,
        group: check.group,
        title: check.title,
        status: 'fail',
        detail: d.detail,
        hint: d.hint ?? hintOf(check),
        durationMs: performance.now() - t0,
        unreachable: d.unreachable,
      });
    }
  };

  const pending = [...checks];
  const running = new Map<string, Promise<void>>();
  const concurrency = Math.max(1, opts.concurrency ?? 6);
  while (pending.length || running.size) {
    let changed = false;
    for (let i = 0; i < pending.length; ) {
      const check = pending[i]!;
      const skip = (detail: string) => {
        skipped(check, detail);
        pending.splice(i, 1);
        changed = true;
      };
      if (budget.aborted) {
        skip(`not run: ${budget.reason instanceof Error ? budget.reason.message : 'aborted'}`);
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
      running.set(
        check.id,
        runOne(check).finally(() => running.delete(check.id)),
      );
    }
    if (running.size) await Promise.race(running.values());
    else if (!changed && pending.length) {
      // Dependencies that can never finish (a cycle): report rather than hang.
      for (const check of pending.splice(0)) skipped(check, `needs ${(check.dependsOn ?? []).join(', ')}, which never ran`);
    }
  }
  return checks.map((c) => results.get(c.id)!);
}
