// What every check gets (CheckContext): the target, kubectl and helm bound to
// its context and namespace, reads shared through readContext's memo, the HTTP
// options bound to the budget, and the app's access opened on first use
// (lib/access: NodePort, else port-forward; or the given URLs) and closed after.
import { givenAccess, openAccess, type AppAccess, type BaseUrls } from '../access.ts';
import { readContext } from '../checks/readers.ts';
import type { CheckContext } from '../checks/types.ts';
import type { Config } from '../config.ts';
import type { Runner } from '../exec.ts';
import type { HttpOptions } from '../http.ts';
import { Kubectl } from '../kubectl.ts';
import type { Logger } from '../log.ts';
import { providerFor, type ClusterTarget } from '../providers/index.ts';
import type { CheckTarget } from './report.ts';

export interface ContextOptions {
  /** Absent for app checks run on their own (runSmokeChecks): a check that reads it fails saying so. */
  config?: Readonly<Config>;
  run: Runner;
  target: CheckTarget;
  /** The budget (runner.startBudget). */
  signal: AbortSignal;
  /** --url: the app is here; nothing is opened. */
  urls?: BaseUrls;
  /** The resolved cluster (providers' resolveTarget): its provider knows the node address for NodePorts. */
  cluster?: ClusterTarget;
  /** How the app is reached in cluster mode; default lib/access (NodePort, else port-forward). */
  openAccess?: (kube: Kubectl, signal: AbortSignal) => Promise<AppAccess>;
  /** Environment for the port-forward children (tests put fake tools first on PATH). */
  env?: Record<string, string | undefined>;
  log?: Logger;
  http?: Omit<HttpOptions, 'signal'>;
  restartWindowMs?: number;
}

export interface OpenedContext {
  ctx: CheckContext;
  /** The access the checks opened, if any (its URLs and `via` go into the report). */
  opened(): Promise<AppAccess | undefined>;
  /** Stops what the checks opened (port-forwards). */
  close(): Promise<void>;
}

export function checkContext(opts: ContextOptions): OpenedContext {
  const { run, target, signal } = opts;
  const kube = new Kubectl(run, { context: target.context, namespace: target.namespace });
  const helm = async (args: readonly string[]) =>
    (await run('helm', [...args, '--kube-context', target.context, '--namespace', target.namespace], { timeoutMs: 30_000, signal })).stdout;
  let access: Promise<AppAccess> | undefined;
  const open = (): Promise<AppAccess> => {
    if (opts.urls) return Promise.resolve(givenAccess(opts.urls));
    if (opts.openAccess) return opts.openAccess(kube, signal);
    const cluster = opts.cluster;
    if (!cluster) return Promise.reject(new Error('the app checks need a cluster or --url'));
    const provider = providerFor(run, cluster, opts.log);
    return openAccess({ kube, release: target.release, nodeAddress: () => provider.nodeAddress(), env: opts.env, log: opts.log, signal });
  };
  const config = opts.config;
  const ctx: CheckContext = {
    ...readContext(kube, target.release, signal, helm),
    target,
    get config(): Readonly<Config> {
      if (!config) throw new Error('this check needs the cluster configuration; it was run against URLs only');
      return config;
    },
    run,
    access: () => (access ??= open()),
    http: { ...opts.http, signal },
    restartWindowMs: opts.restartWindowMs ?? 10 * 60_000,
    log: opts.log,
  };
  return {
    ctx,
    opened: async () => (access ? access.catch(() => undefined) : undefined),
    close: async () => {
      if (access)
        await access.then(
          (a) => a.close(),
          () => undefined,
        );
    },
  };
}
