// The one definition of "rolled out" and "ready", used by deploy's rollout watch, validate's
// workload checks and status: `kubectl rollout status`'s rules on the workload, the Ready
// condition on the pod, and the pods of the current revision found by owner references.
import { schedulingProblem } from './detect.ts';
import type { Deployment, KubeEvent, Pod, Workload } from './types.ts';

export interface WorkloadProgress {
  kind: Workload['kind'];
  name: string;
  desired: number;
  ready: number;
  updated: number;
  /** Available replicas (ready for minReadySeconds); a StatefulSet from before 1.22 does not report them: its ready ones. */
  available: number;
  done: boolean;
  /** Why it is not done yet, from its current pods (e.g. "ContainerCreating (pulling image)"); set by the rollout watch. */
  why?: string;
}

/**
 * Whether a workload has rolled out, by `kubectl rollout status`'s rules: the controller has
 * seen the current spec, every replica runs it, no old replica is left, and the new ones are
 * available (Deployment) or ready on the current revision (StatefulSet). Counting ready pods
 * alone is not enough: right after an upgrade the old pods are still ready.
 */
export function workloadProgress(o: Workload): WorkloadProgress {
  const desired = o.spec?.replicas ?? 1;
  const observed = (o.status?.observedGeneration ?? 0) >= (o.metadata.generation ?? 1);
  const ready = o.status?.readyReplicas ?? 0;
  const updated = o.status?.updatedReplicas ?? 0;
  const base = { name: o.metadata.name, desired, ready, updated };
  if (o.kind === 'StatefulSet') {
    const s = o.status ?? {};
    const done = observed && ready >= desired && updated >= desired && (!s.updateRevision || s.updateRevision === s.currentRevision);
    return { kind: o.kind, ...base, available: s.availableReplicas ?? ready, done };
  }
  const s = o.status ?? {};
  const available = s.availableReplicas ?? 0;
  return { kind: o.kind, ...base, available, done: observed && updated >= desired && (s.replicas ?? 0) <= updated && available >= updated };
}

/** A pod is ready when its Ready condition is True (every container ready, readiness gates passed). */
export function podReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The ReplicaSet the deployment controller names as its new one, in the Progressing condition ("ReplicaSet \"x\" is progressing.", "Created new replica set \"x\""). */
export function newReplicaSet(deployment: Deployment): string | undefined {
  const progressing = (deployment.status?.conditions ?? []).find((c) => c.type === 'Progressing');
  return /(?:ReplicaSet|replica set) "([^"]+)"/.exec(progressing?.message ?? '')?.[1];
}

/**
 * The pods of a workload's current revision, by owner reference: a Deployment's new
 * ReplicaSet's pods, a StatefulSet's pods on its update revision. Pods of an earlier
 * revision (still failing, or terminating) are not what this rollout waits for.
 */
export function currentPods<P extends Pod>(workload: Workload, pods: readonly P[]): P[] {
  const owners = (p: Pod) => p.metadata.ownerReferences ?? [];
  if (workload.kind === 'StatefulSet') {
    const mine = pods.filter((p) => owners(p).some((r) => r.kind === 'StatefulSet' && r.name === workload.metadata.name));
    const revision = workload.status?.updateRevision;
    const current = mine.filter((p) => p.metadata.labels?.['controller-revision-hash'] === revision);
    return revision && current.length ? current : mine;
  }
  const rs = newReplicaSet(workload);
  const prefix = `${workload.metadata.name}-`;
  return pods.filter((p) => owners(p).some((r) => r.kind === 'ReplicaSet' && (rs ? r.name === rs : r.name.startsWith(prefix))));
}

/** What a not-ready pod waits for, in a few words: the first not-ready container's waiting reason, "pulling image" while kubelet pulls. */
export function podWhy(pod: Pod, events: readonly KubeEvent[]): string {
  if (pod.status?.phase === 'Pending' && !pod.status?.containerStatuses?.length) {
    return schedulingProblem(pod, events) ? 'Pending (unschedulable)' : 'Pending';
  }
  const status = (pod.status?.containerStatuses ?? []).find((s) => !s.ready);
  if (!status) return 'ready';
  const last = [...events].reverse().find((e) => ['Pulling', 'Pulled'].includes(String(e.reason)));
  const pulling = last?.reason === 'Pulling' ? ' (pulling image)' : '';
  if (status.state?.waiting) return `${status.state.waiting.reason ?? 'Waiting'}${pulling}`;
  if (status.state?.running) return 'running, not ready';
  if (status.state?.terminated) return `terminated (${status.state.terminated.reason ?? `exit ${status.state.terminated.exitCode}`})`;
  return `not started${pulling}`;
}
