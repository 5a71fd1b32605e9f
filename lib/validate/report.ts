// What a validate run produces and hands out: the result of each check, the
// report of a run, and the renderer callbacks. A leaf: it imports nothing of
// validate's, so the runner, the renderers and JUnit all depend on it and not
// on each other.
import type { Writable } from 'node:stream';
import type { AppAccess, BaseUrls } from '../access.ts';
import type { ExitCodeValue } from '../errors.ts';

export const GROUPS = ['cluster', 'release', 'workloads', 'config', 'network', 'app'] as const;
export type CheckGroup = (typeof GROUPS)[number];

/** A check's verdict ('skip': it did not run, the detail says why). Not log.ts's ResultStatus, which is a log line's. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** Where the checks look: the resolved context (empty with --url), the namespace and the release. */
export interface CheckTarget {
  context: string;
  namespace: string;
  release: string;
}

export interface CheckResult {
  id: string;
  group: CheckGroup;
  title: string;
  status: CheckStatus;
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

/** What is known once the target is resolved, before the first check runs. */
export interface RunStart {
  mode: ValidateReport['mode'];
  target?: CheckTarget;
  /** The selected check ids, in table order. */
  ids: readonly string[];
}

/** The runner's callbacks, as a renderer sees them. */
export interface ValidateRenderer {
  begin(run: RunStart): void;
  started(id: string): void;
  finished(result: CheckResult, done: number, total: number): void;
  end(report: ValidateReport): void;
  /** Where log lines go while checks run (on a TTY: above the counter line, which is then redrawn). */
  readonly logStream?: Writable;
}

/** A failure with a cause worded for people, thrown by a check or a request (any Error works too: its message is the cause). */
export class CheckFailure extends Error {}

/** The counts of a report, from its results. */
export function countResults(results: readonly CheckResult[]): ValidateReport['counts'] {
  const n = (status: CheckStatus) => results.filter((r) => r.status === status).length;
  return { total: results.length, passed: n('pass'), warned: n('warn'), failed: n('fail'), skipped: n('skip') };
}
