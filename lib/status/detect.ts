// Why a pod of a rollout will not become ready by itself, as Skaffold's status check
// (pkg/diag) does it: a table of causes, each a stable code and a pure test on one pod (or
// one of its containers) and its events. What to tell the user about a code is
// lib/status/advice.ts; this module only finds it and keeps the facts the advice quotes.
import type { ErrorCode } from '../error-codes.ts';
import type { Container, ContainerStatus, KubeEvent, Pod } from './types.ts';

/** The facts a finding quotes: only what the advice for its code needs. */
export interface FindingFacts {
  image?: string;
  /** The kubelet's or scheduler's own words. */
  message?: string;
  /** CONTAINER_CONFIG_ERROR: the Secret/ConfigMap (or key) the container cannot find. */
  missing?: string;
  /** OOM_KILLED: the container's memory limit, when it has one. */
  memoryLimit?: string;
  /** CRASH_LOOP: how the last container ended. */
  exitCode?: number;
  reason?: string;
  restarts?: number;
  terminationMessage?: string;
  /** PROBE_FAILED: `readiness probe GET /health on port 8000`. */
  probe?: string;
  /** UNSCHEDULABLE: what the node lacks (`memory`, `cpu and memory`). */
  resource?: string;
}

/** What one look at a pod sees: the pod and its own events. */
export interface PodView {
  pod: Pod;
  events: readonly KubeEvent[];
  /**
   * Whether every other workload of the release has rolled out. A readiness probe that fails
   * while, say, the database still starts is waiting, not failing: it counts only once
   * nothing else is left to wait for. Undefined: unknown (treated as true).
   */
  othersDone?: boolean;
}

/** A container row sees one container of the pod: its status and its spec. */
export interface ContainerView extends PodView {
  status: ContainerStatus;
  spec?: Container;
}

/** A pod row looks at the pod once (scheduling); a container row at each of its containers. */
type FailureRow<C extends string> =
  | { code: C; per: 'pod'; detect(view: PodView): FindingFacts | undefined }
  | { code: C; per: 'container'; detect(view: ContainerView): FindingFacts | undefined };

/** Keeps each row's code as a literal, so FailureCode is the union of the table's codes. */
const failureTable = <const C extends string>(rows: readonly FailureRow<C>[]) => rows;

export interface Finding {
  code: FailureCode;
  pod: string;
  namespace?: string;
  container?: string;
  facts: FindingFacts;
}

const waiting = (v: ContainerView) => v.status.state?.waiting;
const lastTerminated = (v: ContainerView) => v.status.lastState?.terminated ?? v.status.state?.terminated;

/** Secret / ConfigMap and key named by kubelet's CreateContainerConfigError messages. */
export function missingConfigRef(message: string): string {
  const key = /couldn't find key (\S+) in (Secret|ConfigMap) (\S+)/.exec(message);
  if (key) return `key ${key[1]} of ${key[2]} ${key[3]}`;
  const obj = /(secret|configmap) "([^"]+)" not found/i.exec(message);
  if (obj) return `${obj[1]!.toLowerCase() === 'secret' ? 'Secret' : 'ConfigMap'} ${obj[2]}`;
  return message || 'a Secret or ConfigMap it references';
}

type ProbeKind = 'readiness' | 'liveness' | 'startup';
const probeKind = (message: string): ProbeKind =>
  (/^(Readiness|Liveness|Startup) probe/.exec(message)?.[1]?.toLowerCase() as ProbeKind | undefined) ?? 'readiness';

/** The probe from the container spec, else from kubelet's event text (`Get "http://ip:port/path"`). */
function probeOf(spec: Container | undefined, kind: ProbeKind, message: string): string {
  const name = `${kind} probe`;
  const probe = spec?.[`${kind}Probe`];
  if (probe?.httpGet) return `${name} GET ${probe.httpGet.path ?? '/'} on port ${probe.httpGet.port}`;
  if (probe?.tcpSocket) return `${name} TCP port ${probe.tcpSocket.port}`;
  const url = /Get "https?:\/\/[^:/]+:(\d+)(\/[^"]*)?"/.exec(message);
  return url ? `${name} GET ${url[2] ?? '/'} on port ${url[1]}` : name;
}

/**
 * The Unhealthy event of a probe that has failed as often as the probe allows (its
 * failureThreshold, 3 by default): a startup probe that may fail 60 times while the app
 * starts is not "failing" after 3. A readiness probe counts only when the rest of the
 * release is up (see PodView.othersDone) and it has failed for READINESS_PATIENCE_S.
 */
const READINESS_PATIENCE_S = 60;
function probeGivenUp(v: ContainerView): KubeEvent | undefined {
  return v.events.find((e) => {
    if (e.reason !== 'Unhealthy') return false;
    const kind = probeKind(String(e.message ?? ''));
    const probe = v.spec?.[`${kind}Probe`];
    const count = Number(e.count ?? 1);
    if (count < Number(probe?.failureThreshold ?? 3)) return false;
    // A readiness probe never gives up: it fails while a dependency starts, a cache expires, a
    // migration runs. It counts only once the rest of the release is up and it has failed for a minute.
    if (kind === 'readiness') return v.othersDone !== false && count * Number(probe?.periodSeconds ?? 10) >= READINESS_PATIENCE_S;
    return true;
  });
}

/** The kubelet's own passing trouble on a busy node: it retries, and the container starts. */
const TRANSIENT_CONFIG_ERROR = /failed to sync (secret|configmap) cache|timed out waiting for the condition/i;

/** Why the scheduler cannot place a Pending pod, in its words; undefined when it can (or did). */
export function schedulingProblem(pod: Pod, events: readonly KubeEvent[]): string | undefined {
  const cond = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled' && c.status === 'False');
  const event = events.find((e) => e.reason === 'FailedScheduling');
  const message = cond?.message ?? (event ? String(event.message) : undefined);
  return pod.status?.phase === 'Pending' && message ? message : undefined;
}

/** The resource a FailedScheduling message says is short ("0/1 nodes are available: 1 Insufficient memory."). */
export function shortResource(message: string): string | undefined {
  // The sentence's full stop is not part of the name ("Insufficient memory."); a dot inside one is (nvidia.com/gpu).
  const found = [...message.matchAll(/Insufficient ([\w./-]+)/g)].map((m) => m[1]!.replace(/\.+$/, ''));
  return found.length ? [...new Set(found)].join(' and ') : undefined;
}

/**
 * The failure causes, in the order they are checked: the pod's scheduling first, then each
 * container (OOMKilled before CrashLoopBackOff: an OOM-killed container also loops). The
 * first match wins.
 */
export const FAILURE_TABLE = failureTable([
  {
    // Only a shortage that will not pass by itself: a pod waiting for a volume to bind is pending, not failing.
    code: 'UNSCHEDULABLE',
    per: 'pod',
    detect: (v) => {
      const message = schedulingProblem(v.pod, v.events);
      const resource = message && shortResource(message);
      return resource ? { message, resource } : undefined;
    },
  },
  {
    code: 'IMAGE_NEVER_PULL',
    per: 'container',
    detect: (v) => (waiting(v)?.reason === 'ErrImageNeverPull' ? { image: v.status.image } : undefined),
  },
  {
    code: 'IMAGE_PULL_FAILED',
    per: 'container',
    detect: (v) => {
      const w = waiting(v);
      return ['ErrImagePull', 'ImagePullBackOff'].includes(w?.reason ?? '')
        ? { image: v.status.image, message: w?.message ?? w?.reason }
        : undefined;
    },
  },
  {
    code: 'INVALID_IMAGE_NAME',
    per: 'container',
    detect: (v) => (waiting(v)?.reason === 'InvalidImageName' ? { image: v.status.image } : undefined),
  },
  {
    code: 'CONTAINER_CONFIG_ERROR',
    per: 'container',
    detect: (v) => {
      const w = waiting(v);
      if (w?.reason !== 'CreateContainerConfigError' || TRANSIENT_CONFIG_ERROR.test(w.message ?? '')) return undefined;
      return { message: w.message, missing: missingConfigRef(w.message ?? '') };
    },
  },
  {
    code: 'OOM_KILLED',
    per: 'container',
    detect: (v) => (lastTerminated(v)?.reason === 'OOMKilled' ? { memoryLimit: v.spec?.resources?.limits?.memory } : undefined),
  },
  {
    code: 'CRASH_LOOP',
    per: 'container',
    detect: (v) => {
      const term = lastTerminated(v);
      const restarts = v.status.restartCount ?? 0;
      const looping = waiting(v)?.reason === 'CrashLoopBackOff' || (term && restarts >= 2 && !v.status.ready);
      return looping
        ? { exitCode: term?.exitCode, reason: term?.reason, restarts, terminationMessage: term?.message?.trim() || undefined }
        : undefined;
    },
  },
  {
    code: 'PROBE_FAILED',
    per: 'container',
    detect: (v) => {
      const event = v.status.ready ? undefined : probeGivenUp(v);
      if (!event) return undefined;
      const message = String(event.message ?? '');
      return { probe: probeOf(v.spec, probeKind(message), message), message: message.split('\n')[0] };
    },
  },
]);

export type FailureCode = (typeof FAILURE_TABLE)[number]['code'];
export const FAILURE_CODES: readonly FailureCode[] = FAILURE_TABLE.map((row) => row.code);
/** Every failure code is an error code (lib/error-codes.ts), so RolloutError can carry it: checked by tsc. */
const _failureCodesAreErrorCodes: readonly ErrorCode[] = FAILURE_CODES;
void _failureCodesAreErrorCodes;

/** The first cause the table finds in a pod, or undefined when nothing says it will not recover. */
export function detect(pod: Pod, events: readonly KubeEvent[], opts: { othersDone?: boolean } = {}): Finding | undefined {
  const at = { pod: pod.metadata.name, namespace: pod.metadata.namespace };
  const podView: PodView = { pod, events, othersDone: opts.othersDone };
  for (const row of FAILURE_TABLE) {
    const facts = row.per === 'pod' ? row.detect(podView) : undefined;
    if (facts) return { code: row.code, ...at, facts };
  }
  for (const status of pod.status?.containerStatuses ?? []) {
    const view: ContainerView = { ...podView, status, spec: (pod.spec?.containers ?? []).find((c) => c.name === status.name) };
    for (const row of FAILURE_TABLE) {
      const facts = row.per === 'container' ? row.detect(view) : undefined;
      if (facts) return { code: row.code, ...at, container: status.name, facts };
    }
  }
  return undefined;
}
