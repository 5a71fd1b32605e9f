// The app checks on their own, against base URLs: build-images --test runs them
// against its containers (lib/images.ts testContainers), bench/ against local
// servers. They are validate's `app` checks (lib/checks/app.ts) run by validate's
// runner (lib/validate/runner.ts) one at a time, since the round trips write.
import type { BaseUrls } from './access.ts';
import { SMOKE_CHECKS } from './checks/app.ts';
import type { Check } from './checks/types.ts';
import { createRunner } from './exec.ts';
import type { HttpOptions } from './http.ts';
import { checkContext } from './validate/context.ts';
import type { CheckResult } from './validate/report.ts';
import { runChecks } from './validate/runner.ts';

export type { BaseUrls } from './access.ts';
export { SMOKE_CHECKS } from './checks/app.ts';
export { BudgetExceeded, request, smokeUser } from './http.ts';

/** A check's result, with the two fields build-images --test reads: `ok` (passed or warned) and `name` (its title). */
export type SmokeResult = CheckResult & { ok: boolean; name: string };

/** Runs the app checks against `urls` one after another and reports every result; a check whose dependency failed is skipped (ok false). */
export async function runSmokeChecks(
  urls: BaseUrls,
  checks: readonly Check[] = SMOKE_CHECKS,
  onResult?: (r: SmokeResult) => void,
  opts: HttpOptions = {},
): Promise<SmokeResult[]> {
  const signal = opts.signal ?? new AbortController().signal;
  const { ctx, close } = checkContext({
    run: createRunner(),
    target: { context: '', namespace: '', release: '' },
    signal,
    urls,
    http: { timeoutMs: opts.timeoutMs, retries: opts.retries },
  });
  const smoke = (r: CheckResult): SmokeResult => ({ ...r, ok: r.status === 'pass' || r.status === 'warn', name: r.title });
  try {
    const results = await runChecks({ checks, ctx, concurrency: 1, onResult: onResult && ((r) => onResult(smoke(r))) });
    return results.map(smoke);
  } finally {
    await close();
  }
}
