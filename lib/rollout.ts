// The rollout watch: one look at the release's workloads and their current pods per poll
// (through the same readers as validate and status), a diagnosis from the failure table
// when a cause will not fix itself, and the deadline.
import { workloads as workloadObjects, ofKind, readContext } from './checks/readers.ts';
import { ExitCode, ToolkitError } from './errors.ts';
import { releaseSelector, type Kubectl, type KubeTarget } from './kubectl.ts';
import { explain, type DiagnoseContext, type Diagnosis } from './status/advice.ts';
import { detect, schedulingProblem } from './status/detect.ts';
import { currentPods, podReady, podWhy, workloadProgress, type WorkloadProgress } from './status/progress.ts';
import { isWorkload, type KubeEvent, type Pod } from './status/types.ts';
import { sleep } from './sleep.ts';

export class RolloutError extends ToolkitError {
  constructor(readonly diagnosis: Diagnosis) {
    super(
      [diagnosis.message, ...(diagnosis.details ?? []).map((d) => `  ${d}`)].join('\n'),
      ExitCode.failed,
      diagnosis.hint,
      diagnosis.code,
    );
  }
}

export interface WatchOptions extends DiagnoseContext {
  release: string;
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  onProgress?: (workloads: WorkloadProgress[]) => void;
}

/** One look at the release: workload states, and a diagnosis when something will not recover. */
export async function inspectRollout(
  kubectl: Kubectl,
  opts: WatchOptions,
): Promise<{ workloads: WorkloadProgress[]; diagnosis?: Diagnosis; pending: string[]; stuck?: { pod: string; container?: string } }> {
  // The release's objects through the readers validate and status use: one list call per look.
  const ctx = readContext(kubectl, opts.release, opts.signal);
  const objects = (await workloadObjects(ctx)).filter(isWorkload);
  const workloads = objects.map(workloadProgress);
  const notDone = workloads.filter((w) => !w.done);
  if (!notDone.length) return { workloads, pending: [] };
  const allPods: Pod[] = await ofKind(ctx, 'Pod');
  const pods = objects
    .filter((o) => notDone.some((w) => w.name === o.metadata.name))
    .flatMap((w) => currentPods(w, allPods).map((pod) => ({ pod, workload: w.metadata.name })));
  const events: KubeEvent[] = pods.some(({ pod }) => !podReady(pod)) ? (await kubectl.json(['events'], { signal: opts.signal })).items : [];
  // A pod's own events only: an earlier pod's Unhealthy count says nothing about this one.
  const eventsOf = (pod: Pod) => events.filter((e) => e.involvedObject?.kind === 'Pod' && e.involvedObject.name === pod.metadata.name);
  const pending: string[] = [];
  let stuck: { pod: string; container?: string } | undefined;
  for (const { pod, workload } of pods) {
    const podEvents = eventsOf(pod);
    const state = workloads.find((w) => w.name === workload);
    if (state && !state.why) {
      const why = podWhy(pod, podEvents);
      if (why !== 'ready') state.why = why;
    }
    const finding = detect(pod, podEvents, { othersDone: workloads.every((w) => w.done || w.name === workload) });
    if (finding) return { workloads, pending, diagnosis: await explain(finding, workload, opts) };
    const sched = schedulingProblem(pod, podEvents);
    if (sched) {
      pending.push(`${workload}: pod ${pod.metadata.name} is Pending: ${sched}`);
      stuck ??= { pod: pod.metadata.name };
      continue;
    }
    for (const status of pod.status?.containerStatuses ?? []) {
      if (!status.ready) {
        const why = status.state?.waiting
          ? `${status.state.waiting.reason}${status.state.waiting.message ? `: ${status.state.waiting.message}` : ''}`
          : status.state?.running
            ? 'running, not ready yet'
            : 'not started';
        pending.push(`${workload}: pod ${pod.metadata.name} container ${status.name}: ${why}`);
        stuck ??= { pod: pod.metadata.name, container: status.name };
      }
    }
  }
  for (const w of notDone) {
    if (!pending.some((p) => p.startsWith(`${w.name}:`)))
      pending.push(`${w.name}: ${w.ready}/${w.desired} ready, ${w.updated}/${w.desired} updated (no pod yet)`);
    w.why ??= pods.some((p) => p.workload === w.name) ? 'updating' : 'no pod yet';
  }
  return { workloads, pending, stuck };
}

export function noWorkloads(target: KubeTarget, release: string): ToolkitError {
  return new ToolkitError(
    `release ${release} has no Deployment or StatefulSet in namespace ${target.namespace} (label ${releaseSelector(release)}): there is no rollout to wait for`,
    ExitCode.failed,
    `the release was applied; check what it holds with \`helm get manifest ${release} --kube-context ${target.context} -n ${target.namespace}\` (do your --values disable every component?), or deploy with --no-wait`,
    'NO_WORKLOADS',
  );
}

/** Polls until every workload of the release is ready; RolloutError with the cause otherwise. */
export async function watchRollout(kubectl: Kubectl, opts: WatchOptions): Promise<WorkloadProgress[]> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (opts.signal?.aborted) throw new ToolkitError('interrupted during the rollout watch', ExitCode.interrupted);
    const look = await inspectRollout(kubectl, opts);
    opts.onProgress?.(look.workloads);
    // Helm has applied the release before the watch starts: no workload now means none will come.
    if (!look.workloads.length) throw noWorkloads(kubectl.target, opts.release);
    if (look.diagnosis) throw new RolloutError(look.diagnosis);
    if (!look.pending.length && look.workloads.length) return look.workloads;
    if (Date.now() >= deadline) {
      throw new RolloutError({
        code: 'ROLLOUT_TIMEOUT',
        ...look.stuck,
        message: `the release was not ready within ${Math.round(opts.timeoutMs / 1000)}s; still pending:`,
        details: look.pending,
        hint: 'the lines above say what each resource waits for; raise --timeout if the cluster is just slow (first image pulls)',
      });
    }
    await sleep(Math.min(opts.intervalMs ?? 2000, Math.max(0, deadline - Date.now())), opts.signal);
  }
}
