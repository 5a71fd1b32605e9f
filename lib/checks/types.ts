// The shape of a check, the one for cluster checks and the app's HTTP checks
// alike. Checks are data: an id, a group, a title, a hint for when it fails,
// what it depends on, and one async run(ctx).
import type { AppAccess } from '../access.ts';
import type { Config } from '../config.ts';
import type { Runner } from '../exec.ts';
import type { HttpOptions } from '../http.ts';
import type { Kubectl } from '../kubectl.ts';
import type { Logger } from '../log.ts';
import type { CheckGroup, CheckTarget } from '../validate/report.ts';

export { CheckFailure, GROUPS, type CheckGroup, type CheckTarget } from '../validate/report.ts';
export type { AppAccess, BaseUrls } from '../access.ts';

/** What run() returns; a thrown error is a failure whose message is the cause. */
export interface CheckOutcome {
  status: 'pass' | 'warn' | 'fail';
  /** One line: what was seen (on failure: the cause). */
  detail: string;
}

export interface Check {
  /** `<group>.<name>`, stable: CI systems key on it. */
  id: string;
  group: CheckGroup;
  title: string;
  run(ctx: CheckContext): Promise<CheckOutcome>;
  /** What to do when it fails; a function when its commands name the context, namespace and release. */
  hint: string | ((target: CheckTarget) => string);
  /** Checks that must pass (or warn) first; when one fails or is skipped this one is skipped with the reason. Ids outside the selection are ignored. */
  dependsOn?: readonly string[];
  /** Only with --disruptive (it restarts a pod). */
  disruptive?: boolean;
  /** Runs after every other selected check has finished (it disturbs what they look at). */
  last?: boolean;
}

/** `kubectl --context C -n NS`: the start of every command a hint gives, so it can be pasted as it is. */
export const kubectlIn = (t: CheckTarget) => `kubectl --context ${t.context} -n ${t.namespace}`;
/** The label selector of the release's objects (lib/kube releaseSelector). */
export const releasePods = (t: CheckTarget) => `--selector app.kubernetes.io/instance=${t.release}`;

export interface CheckContext {
  readonly config: Readonly<Config>;
  readonly target: CheckTarget;
  readonly kube: Kubectl;
  readonly run: Runner;
  /** helm with --kube-context and --namespace; throws ClusterUnreachableError when the API server does not answer. */
  helm(args: readonly string[]): Promise<string>;
  /** Opened on first use and shared by every check; closed by the runner. */
  access(): Promise<AppAccess>;
  /** Aborted when the total time budget runs out. */
  readonly signal: AbortSignal;
  /** Request timeout and retries for HTTP calls, bound to `signal`. */
  readonly http: HttpOptions;
  /** A restart that finished within this window fails workloads.restarts. */
  readonly restartWindowMs: number;
  /** Memoizes a read shared by several checks (one kubectl call, many checks). */
  once<T>(key: string, fn: () => Promise<T>): Promise<T>;
  readonly log?: Logger;
}

export const pass = (detail: string): CheckOutcome => ({ status: 'pass', detail });
export const warn = (detail: string): CheckOutcome => ({ status: 'warn', detail });
export const fail = (detail: string): CheckOutcome => ({ status: 'fail', detail });

/** The check's hint, with the command that shows the component's logs when there is a cluster to ask. */
export function logsHint(hint: string, component: 'backend' | 'frontend'): (t: CheckTarget) => string {
  return (t) =>
    t.context
      ? `${hint}: \`${kubectlIn(t)} logs ${releasePods(t)},app.kubernetes.io/component=${component} --all-containers --tail 50\``
      : hint;
}
