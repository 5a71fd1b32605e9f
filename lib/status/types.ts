// The objects the status core reads, typed down to the fields it reads (Kubernetes API
// names, all optional where the API may leave them out). Anything kubectl returns
// (KubeObject) passes for these: the core never needs a field it does not declare here.

export interface OwnerReference {
  kind: string;
  name: string;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  deletionTimestamp?: string;
}

export interface Condition {
  type: string;
  status?: string;
  reason?: string;
  message?: string;
}

export interface Probe {
  httpGet?: { path?: string; port?: number | string };
  tcpSocket?: { port?: number | string };
  failureThreshold?: number;
  periodSeconds?: number;
}

export interface Container {
  name: string;
  image?: string;
  resources?: { limits?: { memory?: string; cpu?: string }; requests?: { memory?: string; cpu?: string } };
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
}

export interface ContainerStateTerminated {
  reason?: string;
  exitCode?: number;
  message?: string;
  finishedAt?: string;
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: ContainerStateTerminated;
}

export interface ContainerStatus {
  name: string;
  image: string;
  /** The image's repository digest (e.g. 127.0.0.1:5000/todo-backend@sha256:…), or its ID. */
  imageID?: string;
  /** The runtime's id of this run of the container (e.g. containerd://…); a restart gets a new one. */
  containerID?: string;
  ready: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface Pod {
  kind?: string;
  metadata: ObjectMeta;
  spec?: { containers?: Container[]; initContainers?: Container[] };
  status?: {
    phase?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface Deployment {
  kind: 'Deployment';
  metadata: ObjectMeta;
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: Condition[];
  };
}

export interface StatefulSet {
  kind: 'StatefulSet';
  metadata: ObjectMeta;
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    /** Missing before Kubernetes 1.22's StatefulSet availability. */
    availableReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}

export type Workload = Deployment | StatefulSet;

/** A Deployment or StatefulSet, for lists of any kind (the release's objects). */
export function isWorkload<T extends { kind?: string }>(o: T): o is T & Workload {
  return o.kind === 'Deployment' || o.kind === 'StatefulSet';
}

/** A core/v1 Event (`kubectl get events`). */
export interface KubeEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  involvedObject?: { kind?: string; name?: string };
  lastTimestamp?: string;
  eventTime?: string;
  firstTimestamp?: string;
  series?: { count?: number; lastObservedTime?: string };
  metadata?: { name?: string; creationTimestamp?: string };
}

/** Init containers first, as the kubelet runs them. */
export function containerStatuses(pod: Pod): ContainerStatus[] {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
}
