// The no-op redeploy, in three reads: when the release already holds exactly what deploy
// would apply (same chart digest, same values — image tags are content tags computed
// locally, so same values means same images), the nodes have both images and every
// workload is rolled out, deploy reports "unchanged" and stops. No version probe, no
// docker call, no helm template: the tools are found by a PATH lookup, the context is
// read from the kubeconfig file, and the three reads run at once:
//   helm status -o json        the revision's status, description (chart digest) and values
//   kubectl get nodes          the images on the nodes (and their address, for the URLs)
//   kubectl get <release kinds> the workloads' readiness and the Services' NodePorts
// This is the minimum: each read is a different API (Helm's release Secret, the nodes,
// the release's objects) and each fact is needed to say "nothing would change".
// Anything else — a difference, a missing tool, a stopped minikube, a remote context,
// an error of any read — falls back to the full deploy, where every guard runs before
// anything changes. The fast path itself changes nothing.
import { ofKind, readContext, workloads } from './checks/readers.ts';
import type { Config } from './config.ts';
import { minikubeStopped } from './cluster.ts';
import type { Runner } from './exec.ts';
import { releaseDifference, releaseStatus, type ReleaseStatus } from './helm.ts';
import type { ImagePlan } from './images/plan.ts';
import { Kubectl } from './kubectl.ts';
import { workloadProgress, type WorkloadProgress } from './status/progress.ts';
import { isWorkload } from './status/types.ts';
import type { Logger } from './log.ts';
import { nodePortsOf, reportAccess } from './deploy-access.ts';
import { providerFor, resolveTarget, type ClusterTarget } from './providers/index.ts';
import type { ClusterProvider } from './providers/types.ts';
import { onPath } from './tool-path.ts';

export interface FastPathInput {
  run: Runner;
  log: Logger;
  config: Config;
  plans: readonly ImagePlan[];
  /** The tools the full deploy would require: each must be on PATH. */
  required: readonly string[];
  /** The values deploy would apply (generated + --values), as `helm get values` would print them. */
  wanted: unknown;
  /** deployDescription() of the chart: the revision's description must be this. */
  description: string;
  env?: NodeJS.ProcessEnv;
  allowRemote?: boolean;
  signal?: AbortSignal;
}

export interface Unchanged {
  unchanged: true;
  target: ClusterTarget;
  provider: ClusterProvider;
  revision: number;
  workloads: WorkloadProgress[];
  ports: { frontend?: number; backend?: number };
}

/** Why the full deploy runs; target and provider are handed on when they were resolved (no second kubeconfig read or node listing). */
export interface Changed {
  unchanged: false;
  reason: string;
  target?: ClusterTarget;
  provider?: ClusterProvider;
  /** The release as the probe read it (status undefined: no release), for the full path to reuse where that is safe. */
  release?: { status: ReleaseStatus | undefined };
}

/** Whether a deploy would change nothing; never throws (a failure is a reason to run the full deploy). */
export async function probeUnchanged(input: FastPathInput): Promise<Unchanged | Changed> {
  const { run, config } = input;
  const missing = input.required.filter((tool) => !onPath(tool, input.env));
  if (missing.length) return { unchanged: false, reason: `not on PATH: ${missing.join(', ')}` };
  let target: ClusterTarget;
  try {
    target = await resolveTarget(run, config, input.env ?? process.env);
  } catch (error) {
    return { unchanged: false, reason: `context: ${(error as Error).message}` };
  }
  // The guards of the full path decide these (they may refuse, or start minikube).
  if (!target.local && !input.allowRemote) return { unchanged: false, reason: 'not a local context', target };
  if (minikubeStopped(target) || (target.provider === 'minikube' && !target.minikube))
    return { unchanged: false, reason: 'minikube profile not running or not listed', target };
  const provider = providerFor(run, target, input.log, config.registry);
  // A registry deploy pins images by the digest a push returns: only the full path knows it.
  if (provider.deployRef) return { unchanged: false, reason: 'images go through a registry', target, provider };
  const kubectl = new Kubectl(run, { context: target.context, namespace: config.namespace });
  const ctx = readContext(kubectl, config.releaseName, input.signal);
  const ref = { context: target.context, namespace: config.namespace, release: config.releaseName };
  try {
    const [status, onNodes, states, services] = await Promise.all([
      releaseStatus(run, { bin: 'helm' }, ref),
      Promise.all(input.plans.map((p) => provider.hasImage(p.ref))),
      workloads(ctx).then((objects) => objects.filter(isWorkload).map(workloadProgress)),
      ofKind(ctx, 'Service'),
    ]);
    const release = { status };
    const differs = difference(status, input);
    if (differs) return { unchanged: false, reason: differs, target, provider, release };
    if (!onNodes.every(Boolean)) return { unchanged: false, reason: 'an image is not on the nodes', target, provider, release };
    if (!states.length || !states.every((w) => w.done))
      return { unchanged: false, reason: 'a workload is not rolled out', target, provider, release };
    return { unchanged: true, target, provider, revision: status!.revision, workloads: states, ports: nodePortsOf(services) };
  } catch (error) {
    return { unchanged: false, reason: `a read failed: ${(error as Error).message.split('\n')[0]}`, target, provider };
  }
}

/** What differs between the release and what deploy would apply, or undefined when nothing does. */
export function difference(status: ReleaseStatus | undefined, want: Pick<FastPathInput, 'wanted' | 'description'>): string | undefined {
  // The full path's rule (helm.ts), on the values helm status carried.
  return releaseDifference(status, want.description, status?.values ?? {}, want.wanted);
}

/** Stages 2–6 of an unchanged deploy, from what the probe read (no further call but the node address when uncached). */
export async function reportUnchanged(log: Logger, steps: readonly string[], config: Config, facts: Unchanged): Promise<void> {
  const { target, provider } = facts;
  await log.step(steps[1]!, async (step) => {
    log.result(
      'info',
      `context ${target.context}: ${target.provider} (${target.detectedBy}), API server ${target.server || 'unknown'}`,
      [],
      { context: target.context, provider: target.provider, server: target.server },
    );
    step.summary = `${target.context} (${target.provider}), namespace ${config.namespace}`;
  });
  await log.step(steps[2]!, async (step) => {
    step.summary = `0 built, 0 loaded (${provider.name} has both images)`;
  });
  await log.step(steps[3]!, async (step) => {
    step.summary = `unchanged (revision ${facts.revision})`;
  });
  await log.step(steps[4]!, async (step) => {
    step.summary = facts.workloads.map((w) => `${w.name} ${w.ready}/${w.desired}`).join(', ');
  });
  await log.step(steps[5]!, (step) => reportAccess(log, step, { config, target, provider, ports: facts.ports }));
  log.summary(`deployed ${config.releaseName} to ${target.context}: 0 built, 0 loaded, release unchanged`);
}
