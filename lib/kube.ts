// Reading the cluster through kubectl: every call names its context (never the
// ambient current-context, which another terminal may switch mid-run) and asks
// for JSON. An API server that does not answer is one typed error, exit 3.
// (~380 lines: the client, the failure-cause table and the rollout state together, until
// issue 16 splits the diagnosis out as lib/status/ in Skaffold's style.)
import { ExitCode, ToolkitError, type ErrorCode } from './errors.ts';
import { CommandError, type Runner } from './exec.ts';

export interface KubeTarget {
  context: string;
  namespace: string;
}

/** kubectl's own words when it cannot reach the API server (staging/src/k8s.io/kubectl, client-go). */
const UNREACHABLE = [
  /The connection to the server .* was refused/,
  /Unable to connect to the server/,
  /dial tcp .*: (connect: )?(connection refused|no route to host|i\/o timeout)/,
  /context deadline exceeded/,
  /no configuration has been provided/,
  /context was not found for specified context/,
];

export class ClusterUnreachableError extends ToolkitError {
  constructor(context: string, detail: string) {
    super(
      `the cluster of context ${context} does not answer: ${detail}`,
      ExitCode.prereq,
      `check that the cluster is running (minikube status, docker ps for kind/k3d) and that \`kubectl --context ${context} get nodes\` works`,
      'CLUSTER_UNREACHABLE',
    );
  }
}

export function isUnreachable(stderr: string): boolean {
  return UNREACHABLE.some((pattern) => pattern.test(stderr));
}

export interface KubectlOptions {
  /** Default 30 s; kubectl's own --request-timeout is set a little below it. */
  timeoutMs?: number;
  /** Omit -n (cluster-scoped objects, or --all-namespaces). */
  clusterScoped?: boolean;
  input?: string;
  signal?: AbortSignal;
}

export class Kubectl {
  constructor(
    private readonly run: Runner,
    readonly target: KubeTarget,
    readonly bin = 'kubectl',
  ) {}

  /** kubectl with --context (and -n) prepended; throws ClusterUnreachableError or CommandError. */
  async exec(args: readonly string[], opts: KubectlOptions = {}): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const scope = opts.clusterScoped ? [] : ['--namespace', this.target.namespace];
    const full = ['--context', this.target.context, ...scope, `--request-timeout=${Math.max(1, Math.floor(timeoutMs / 1000) - 1)}s`, ...args];
    try {
      const result = await this.run(this.bin, full, { timeoutMs, input: opts.input, signal: opts.signal });
      return result.stdout;
    } catch (error) {
      if (error instanceof CommandError && isUnreachable(error.stderrTail)) {
        throw new ClusterUnreachableError(this.target.context, error.stderrTail.trim().split('\n').pop() ?? '');
      }
      throw error;
    }
  }

  /** `kubectl get … -o json`, parsed. */
  async json<T = KubeList>(args: readonly string[], opts: KubectlOptions = {}): Promise<T> {
    return JSON.parse(await this.exec(['get', ...args, '--output', 'json'], opts)) as T;
  }

  /** One object, or undefined when it does not exist (NotFound). */
  async getOptional<T = KubeObject>(kind: string, name: string, opts: KubectlOptions = {}): Promise<T | undefined> {
    const text = await this.exec(['get', kind, name, '--ignore-not-found', '--output', 'json'], opts);
    return text.trim() ? (JSON.parse(text) as T) : undefined;
  }
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; uid?: string; creationTimestamp?: string; ownerReferences?: { kind: string; name: string }[] };
  spec?: any; // the shape differs per kind
  status?: any;
  data?: Record<string, string>;
  [key: string]: unknown;
}

export interface KubeList<T = KubeObject> {
  items: T[];
}

/** The label Helm's recommended labels put on every object of a release. */
export function releaseSelector(release: string): string {
  return `app.kubernetes.io/instance=${release}`;
}

// --- rollout watch -------------------------------------------------------------
// Follows a release's Deployments and StatefulSets until ready, failing fast with
// a named cause when a pod shows one that will not fix itself.

export interface PodFacts {
  pod: KubeObject;
  workload: string;
  container: string;
  image: string;
  status: any; // containerStatus
  spec: any; // the container's spec
  events: KubeObject[];
  /**
   * Whether every other workload of the release has rolled out. A readiness probe that fails
   * while, say, the database still starts is waiting, not failing: it counts only once
   * nothing else is left to wait for. Undefined: unknown (treated as true).
   */
  othersDone?: boolean;
}

export interface Diagnosis {
  code: string;
  message: string;
  hint: string;
  /** Extra lines: logs, termination message. */
  details?: string[];
  /** The pod and container the diagnosis is about, for the failure dump (events, logs). */
  pod?: string;
  container?: string;
}

export interface DiagnoseContext {
  /** The kube context, for the commands hints suggest. */
  context?: string;
  /** Whether the node has an image (provider.hasImage); undefined when unknown. */
  nodeHasImage?: (image: string) => Promise<boolean | undefined>;
  /** Last lines of the previous container's log. */
  previousLogs?: (pod: string, container: string) => Promise<string>;
}

/** `kubectl --context c -n ns`, as a hint's command must say where to look. */
const kubectlHint = (f: PodFacts, ctx: DiagnoseContext): string =>
  `kubectl${ctx.context ? ` --context ${ctx.context}` : ''} -n ${f.pod.metadata.namespace ?? 'default'}`;

const waitingReason = (f: PodFacts): string | undefined => f.status?.state?.waiting?.reason;
const lastTerminated = (f: PodFacts): any => f.status?.lastState?.terminated ?? f.status?.state?.terminated;

/** Secret / ConfigMap and key named by kubelet's CreateContainerConfigError messages. */
export function missingConfigRef(message: string): string {
  const key = /couldn't find key (\S+) in (Secret|ConfigMap) (\S+)/.exec(message);
  if (key) return `key ${key[1]} of ${key[2]} ${key[3]}`;
  const obj = /(secret|configmap) "([^"]+)" not found/i.exec(message);
  if (obj) return `${obj[1]!.toLowerCase() === 'secret' ? 'Secret' : 'ConfigMap'} ${obj[2]}`;
  return message || 'a Secret or ConfigMap it references';
}

/** The probe from the container spec, else from kubelet's event text (`Get "http://ip:port/path"`). */
function probeOf(spec: any, kind: string, message: string): string {
  const name = `${kind.toLowerCase()} probe`;
  const probe = spec?.[`${kind.toLowerCase()}Probe`];
  if (probe?.httpGet) return `${name} GET ${probe.httpGet.path ?? '/'} on port ${probe.httpGet.port}`;
  if (probe?.tcpSocket) return `${name} TCP port ${probe.tcpSocket.port}`;
  const url = /Get "https?:\/\/[^:/]+:(\d+)(\/[^"]*)?"/.exec(message);
  return url ? `${name} GET ${url[2] ?? '/'} on port ${url[1]}` : name;
}

/**
 * The failure causes, in the order they are checked (OOMKilled before
 * CrashLoopBackOff: an OOM-killed container also loops). Each cause matches
 * one container of one pod and explains it; the first match wins.
 */
/**
 * The Unhealthy event of a probe that has failed as often as the probe allows (its
 * failureThreshold, 3 by default): a startup probe that may fail 60 times while the app
 * starts is not "failing" after 3. A readiness probe counts only when the rest of the
 * release is up (see PodFacts.othersDone) and it has failed for READINESS_PATIENCE_S.
 */
const READINESS_PATIENCE_S = 60;
const TRANSIENT_CONFIG_ERROR = /failed to sync (secret|configmap) cache|timed out waiting for the condition/i;

function probeGivenUp(f: PodFacts): Record<string, unknown> | undefined {
  return f.events.find((e) => {
    if (e['reason'] !== 'Unhealthy') return false;
    const kind = /^(Readiness|Liveness|Startup) probe/.exec(String(e['message'] ?? ''))?.[1]?.toLowerCase() ?? 'readiness';
    const probe = f.spec?.[`${kind}Probe`];
    const count = Number(e['count'] ?? 1);
    if (count < Number(probe?.failureThreshold ?? 3)) return false;
    // A readiness probe never gives up: it fails while a dependency starts, a cache expires, a
    // migration runs. It counts only once the rest of the release is up and it has failed for a minute.
    if (kind === 'readiness') return f.othersDone !== false && count * Number(probe?.periodSeconds ?? 10) >= READINESS_PATIENCE_S;
    return true;
  });
}

export const FAILURE_CAUSES: readonly {
  code: string;
  matches(f: PodFacts): boolean;
  explain(f: PodFacts, ctx: DiagnoseContext): Promise<Diagnosis>;
}[] = [
  {
    code: 'IMAGE_NEVER_PULL',
    matches: (f) => waitingReason(f) === 'ErrImageNeverPull',
    explain: async (f) => ({
      code: 'IMAGE_NEVER_PULL',
      message: `${f.workload}: image ${f.image} is not on the node and its pull policy is Never`,
      hint: 'deploy loads the images it builds; run deploy without --skip-build, or load it yourself (minikube image load / kind load docker-image / k3d image import)',
    }),
  },
  {
    code: 'IMAGE_PULL_FAILED',
    matches: (f) => ['ErrImagePull', 'ImagePullBackOff'].includes(waitingReason(f) ?? ''),
    explain: async (f, ctx) => {
      const has = await ctx.nodeHasImage?.(f.image).catch(() => undefined);
      const where = has === undefined ? '' : has ? ' (the node has it: check the pull policy and the tag spelling)' : ' (the node does not have it)';
      return {
        code: 'IMAGE_PULL_FAILED',
        message: `${f.workload}: cannot pull image ${f.image}${where}: ${f.status.state.waiting.message ?? waitingReason(f)}`,
        hint: has === false
          ? 'a locally built image must be loaded into the cluster: run deploy without --skip-build (it loads what the node lacks), or check the image name in your --values'
          : 'check the image name and tag, and that the registry is reachable and logged in (imagePullSecrets)',
      };
    },
  },
  {
    code: 'INVALID_IMAGE_NAME',
    matches: (f) => waitingReason(f) === 'InvalidImageName',
    explain: async (f) => ({
      code: 'INVALID_IMAGE_NAME',
      message: `${f.workload}: image reference "${f.image}" is not valid`,
      hint: 'fix <component>.image.repository / .tag in your values (lowercase repository, tag without spaces)',
    }),
  },
  {
    code: 'CONTAINER_CONFIG_ERROR',
    // Not the kubelet's own passing trouble ("failed to sync configmap cache: timed out waiting for the
    // condition" on a busy node): it retries, and the container starts.
    matches: (f) => waitingReason(f) === 'CreateContainerConfigError' && !TRANSIENT_CONFIG_ERROR.test(f.status?.state?.waiting?.message ?? ''),
    explain: async (f, ctx) => ({
      code: 'CONTAINER_CONFIG_ERROR',
      message: `${f.workload}: container ${f.container} cannot start: missing ${missingConfigRef(f.status.state.waiting.message ?? '')}`,
      hint: `create the Secret/ConfigMap (or the key) it names, or point the existingSecret values at one that exists (\`${kubectlHint(f, ctx)} get secrets,configmaps\` lists what is there)`,
    }),
  },
  {
    code: 'OOM_KILLED',
    matches: (f) => lastTerminated(f)?.reason === 'OOMKilled',
    explain: async (f) => ({
      code: 'OOM_KILLED',
      message: `${f.workload}: container ${f.container} was killed for using more than its memory limit (${f.spec?.resources?.limits?.memory ?? 'no limit set: the node ran out'})`,
      hint: `raise <component>.resources.limits.memory in your values (now ${f.spec?.resources?.limits?.memory ?? 'unset'}), or find the leak in the app`,
    }),
  },
  {
    code: 'CRASH_LOOP',
    matches: (f) => waitingReason(f) === 'CrashLoopBackOff' || (lastTerminated(f) && (f.status?.restartCount ?? 0) >= 2 && !f.status?.ready),
    explain: async (f, ctx) => {
      const term = lastTerminated(f);
      const logs = (await ctx.previousLogs?.(f.pod.metadata.name, f.container).catch(() => '')) ?? '';
      const lines = logs.trimEnd().split('\n').filter(Boolean).slice(-20);
      return {
        code: 'CRASH_LOOP',
        message: `${f.workload}: container ${f.container} keeps exiting (exit code ${term?.exitCode ?? '?'}${term?.reason ? `, ${term.reason}` : ''}, ${f.status?.restartCount ?? 0} restarts)`,
        hint: `the log lines above show why the app stops; check its environment (DATABASE_URL, config) and \`${kubectlHint(f, ctx)} logs pod/${f.pod.metadata.name} --container ${f.container} --previous\``,
        details: [
          ...(term?.message ? [`termination message: ${String(term.message).trim()}`] : []),
          lines.length ? `last ${lines.length} log lines of the previous container:` : 'the previous container left no log lines',
          ...lines.map((l) => `  ${l}`),
        ],
      };
    },
  },
  {
    code: 'PROBE_FAILED',
    matches: (f) => !f.status?.ready && Boolean(probeGivenUp(f)),
    explain: async (f, ctx) => {
      const event = probeGivenUp(f)!;
      const text = String(event['message'] ?? '');
      const kind = /^(Readiness|Liveness|Startup) probe/.exec(text)?.[1] ?? 'Readiness';
      return {
        code: 'PROBE_FAILED',
        message: `${f.workload}: the ${probeOf(f.spec, kind, text)} of container ${f.container} keeps failing: ${text.split('\n')[0]}`,
        hint: `the app does not answer its health endpoint: check the port the app listens on, its startup time (startupProbe) and its logs (\`${kubectlHint(f, ctx)} logs pod/${f.pod.metadata.name} --container ${f.container}\`)`,
      };
    },
  },
];

/** Scheduling failures are per pod, not per container. */
export function unschedulable(pod: KubeObject, events: KubeObject[]): string | undefined {
  const cond = (pod.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled' && c.status === 'False');
  const event = events.find((e) => e['reason'] === 'FailedScheduling');
  const message = cond?.message ?? (event ? String(event['message']) : undefined);
  return pod.status?.phase === 'Pending' && message ? message : undefined;
}

/** The resource a FailedScheduling message says is short ("0/1 nodes are available: 1 Insufficient memory."). */
export function shortResource(message: string): string | undefined {
  const found = [...message.matchAll(/Insufficient ([\w./-]+)/g)].map((m) => m[1]);
  return found.length ? [...new Set(found)].join(' and ') : undefined;
}

export interface WorkloadState {
  kind: 'Deployment' | 'StatefulSet';
  name: string;
  desired: number;
  ready: number;
  updated: number;
  done: boolean;
  /** Why it is not done yet, from its current pods (e.g. "ContainerCreating (pulling image)"); set by inspectRollout. */
  why?: string;
}

/**
 * Whether a workload has rolled out, by `kubectl rollout status`'s rules: the controller has
 * seen the current spec, every replica runs it, no old replica is left, and the new ones are
 * available (Deployment) or ready on the current revision (StatefulSet). Counting ready pods
 * alone is not enough: right after an upgrade the old pods are still ready.
 */
export function workloadState(o: KubeObject): WorkloadState {
  const s = o.status ?? {};
  const desired = o.spec?.replicas ?? 1;
  const ready = s.readyReplicas ?? 0;
  const updated = s.updatedReplicas ?? 0;
  const observed = (s.observedGeneration ?? 0) >= ((o.metadata as any).generation ?? 1);
  const done = o.kind === 'StatefulSet'
    ? observed && ready >= desired && updated >= desired && (!s.updateRevision || s.updateRevision === s.currentRevision)
    : observed && updated >= desired && (s.replicas ?? 0) <= updated && (s.availableReplicas ?? 0) >= updated;
  return { kind: o.kind as WorkloadState['kind'], name: o.metadata.name, desired, ready, updated, done };
}

export class RolloutError extends ToolkitError {
  constructor(readonly diagnosis: Diagnosis) {
    super([diagnosis.message, ...(diagnosis.details ?? []).map((d) => `  ${d}`)].join('\n'), ExitCode.failed, diagnosis.hint, diagnosis.code as ErrorCode);
  }
}

export interface WatchOptions extends DiagnoseContext {
  release: string;
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  onProgress?: (workloads: WorkloadState[]) => void;
}

const ownerRefs = (o: KubeObject): { kind: string; name: string }[] => (o.metadata as any).ownerReferences ?? [];

/** The ReplicaSet the deployment controller names as its new one, in the Progressing condition ("ReplicaSet \"x\" is progressing.", "Created new replica set \"x\""). */
export function newReplicaSet(deployment: KubeObject): string | undefined {
  const progressing = (deployment.status?.conditions ?? []).find((c: { type?: string }) => c.type === 'Progressing');
  const m = /(?:ReplicaSet|replica set) "([^"]+)"/.exec(progressing?.message ?? '');
  return m?.[1];
}

/**
 * The pods of a workload's current revision, by owner reference: a Deployment's new
 * ReplicaSet's pods, a StatefulSet's pods on its update revision. Pods of an earlier
 * revision (still failing, or terminating) are not what this rollout waits for.
 */
export function currentPods(workload: KubeObject, pods: readonly KubeObject[]): KubeObject[] {
  if (workload.kind === 'StatefulSet') {
    const mine = pods.filter((p) => ownerRefs(p).some((r) => r.kind === 'StatefulSet' && r.name === workload.metadata.name));
    const revision = workload.status?.updateRevision;
    const current = mine.filter((p) => p.metadata.labels?.['controller-revision-hash'] === revision);
    return revision && current.length ? current : mine;
  }
  const rs = newReplicaSet(workload);
  const prefix = `${workload.metadata.name}-`;
  return pods.filter((p) => ownerRefs(p).some((r) => r.kind === 'ReplicaSet' && (rs ? r.name === rs : r.name.startsWith(prefix))));
}

/** What a not-ready pod waits for, in a few words: the first not-ready container's waiting reason, "pulling image" while kubelet pulls. */
export function podWhy(pod: KubeObject, events: readonly KubeObject[]): string {
  if (pod.status?.phase === 'Pending' && !pod.status?.containerStatuses?.length) {
    return unschedulable(pod, events as KubeObject[]) ? 'Pending (unschedulable)' : 'Pending';
  }
  const status = (pod.status?.containerStatuses ?? []).find((s: any) => !s.ready);
  if (!status) return 'ready';
  const last = [...events].reverse().find((e) => ['Pulling', 'Pulled'].includes(String(e['reason'])));
  const pulling = last?.['reason'] === 'Pulling' ? ' (pulling image)' : '';
  if (status.state?.waiting) return `${status.state.waiting.reason ?? 'Waiting'}${pulling}`;
  if (status.state?.running) return 'running, not ready';
  if (status.state?.terminated) return `terminated (${status.state.terminated.reason ?? `exit ${status.state.terminated.exitCode}`})`;
  return `not started${pulling}`;
}
