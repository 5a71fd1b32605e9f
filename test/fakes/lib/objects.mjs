// Kubernetes objects of the fake cluster: compact forms expanded into
// real-shaped objects, statuses derived the way the controllers would
// (Deployment/StatefulSet from their pods, Endpoints from Services and ready
// pods, container states from the node's image store), label selectors.
import { sha256, rfc3339, nowNano, normalizeImageRef, qualifyImageRef, isPlainObject } from './core.mjs';

/** kind -> resource facts. `plural` is the REST resource, `group` the API group ('' = core). */
export const KINDS = {
  Node: { plural: 'nodes', group: '', version: 'v1', namespaced: false, aliases: ['node', 'nodes', 'no'] },
  Namespace: { plural: 'namespaces', group: '', version: 'v1', namespaced: false, aliases: ['namespace', 'namespaces', 'ns'] },
  Deployment: {
    plural: 'deployments',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    aliases: ['deployment', 'deployments', 'deploy', 'deployment.apps', 'deployments.apps'],
  },
  StatefulSet: {
    plural: 'statefulsets',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    aliases: ['statefulset', 'statefulsets', 'sts', 'statefulset.apps', 'statefulsets.apps'],
  },
  Pod: { plural: 'pods', group: '', version: 'v1', namespaced: true, aliases: ['pod', 'pods', 'po'] },
  Service: { plural: 'services', group: '', version: 'v1', namespaced: true, aliases: ['service', 'services', 'svc'] },
  Endpoints: { plural: 'endpoints', group: '', version: 'v1', namespaced: true, aliases: ['endpoints', 'ep'] },
  EndpointSlice: {
    plural: 'endpointslices',
    group: 'discovery.k8s.io',
    version: 'v1',
    namespaced: true,
    aliases: ['endpointslice', 'endpointslices', 'endpointslice.discovery.k8s.io', 'endpointslices.discovery.k8s.io'],
  },
  ConfigMap: { plural: 'configmaps', group: '', version: 'v1', namespaced: true, aliases: ['configmap', 'configmaps', 'cm'] },
  Secret: { plural: 'secrets', group: '', version: 'v1', namespaced: true, aliases: ['secret', 'secrets'] },
  PersistentVolumeClaim: {
    plural: 'persistentvolumeclaims',
    group: '',
    version: 'v1',
    namespaced: true,
    aliases: ['persistentvolumeclaim', 'persistentvolumeclaims', 'pvc'],
  },
  Event: { plural: 'events', group: '', version: 'v1', namespaced: true, aliases: ['event', 'events', 'ev'] },
};

/** @param {string} word @returns {string | undefined} kind */
export function kindFromResource(word) {
  const w = word.toLowerCase();
  for (const [kind, k] of Object.entries(KINDS)) if (k.aliases.includes(w)) return kind;
  return undefined;
}

/** "deployments.apps", "pods": the qualified resource that API errors print. @param {string} kind */
export function qualifiedResource(kind) {
  const k = KINDS[/** @type {keyof typeof KINDS} */ (kind)];
  return k.group ? `${k.plural}.${k.group}` : k.plural;
}

/** @param {string} kind */
export function apiVersionOf(kind) {
  const k = KINDS[/** @type {keyof typeof KINDS} */ (kind)];
  return k.group ? `${k.group}/${k.version}` : k.version;
}

const DEFAULT_TIME = '2025-01-01T00:00:00Z';

/** @param {string} kind @param {string} ns @param {string} name */
function uidFor(kind, ns, name) {
  const h = sha256(`${kind}/${ns}/${name}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** @param {any} c compact object */
function meta(c, namespaced = true) {
  /** @type {Record<string, any>} */
  const m = {
    name: c.name,
    uid: c.uid ?? uidFor(c.kind, c.namespace ?? '', c.name),
    resourceVersion: String(c.resourceVersion ?? 1),
    creationTimestamp: rfc3339(c.createdAt ?? DEFAULT_TIME),
  };
  if (namespaced) m.namespace = c.namespace ?? 'default';
  if (c.labels && Object.keys(c.labels).length) m.labels = { ...c.labels };
  if (c.annotations && Object.keys(c.annotations).length) m.annotations = { ...c.annotations };
  if (c.generation !== undefined) m.generation = c.generation;
  if (c.ownerReferences) m.ownerReferences = c.ownerReferences;
  if (c.deletionTimestamp) m.deletionTimestamp = rfc3339(c.deletionTimestamp);
  return m;
}

/** Is this a compact object (no apiVersion) that needs expanding? @param {any} o */
export function isCompact(o) {
  return o && typeof o === 'object' && !o.apiVersion;
}

/** Name and namespace of a compact or full object. @param {any} o */
export function idOf(o) {
  if (isCompact(o)) return { kind: o.kind, name: o.name, namespace: KINDS[o.kind]?.namespaced ? (o.namespace ?? 'default') : undefined };
  return { kind: o.kind, name: o.metadata?.name, namespace: o.metadata?.namespace };
}
/** @param {any} o */
export function labelsOf(o) {
  return (isCompact(o) ? o.labels : o.metadata?.labels) ?? {};
}
/** @param {any} o */
export function annotationsOf(o) {
  return (isCompact(o) ? o.annotations : o.metadata?.annotations) ?? {};
}

// ---------------------------------------------------------------------------
// Label selectors (kubectl -l): =, ==, !=, in, notin, exists, !exists

/** @param {string} sel @returns {(labels: Record<string,string>) => boolean} */
export function parseSelector(sel) {
  /** @type {string[]} */ const parts = [];
  let depth = 0;
  let cur = '';
  for (const ch of sel) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) parts.push(cur);
  const tests = parts.map((raw) => {
    const p = raw.trim();
    let m;
    if ((m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p))) {
      const [, key, op, list] = m;
      const vals = (list ?? '').split(',').map((s) => s.trim());
      return op === 'in'
        ? (/** @type {Record<string,string>} */ l) => key !== undefined && key in l && vals.includes(/** @type {string} */ (l[key]))
        : (/** @type {Record<string,string>} */ l) => key === undefined || !(key in l) || !vals.includes(/** @type {string} */ (l[key]));
    }
    if ((m = /^([\w./-]+)\s*(!=|==|=)\s*([\w./-]*)$/.exec(p))) {
      const [, key, op, val] = m;
      return op === '!='
        ? (/** @type {Record<string,string>} */ l) => l[/** @type {string} */ (key)] !== val
        : (/** @type {Record<string,string>} */ l) => l[/** @type {string} */ (key)] === val;
    }
    if ((m = /^!([\w./-]+)$/.exec(p))) {
      const key = /** @type {string} */ (m[1]);
      return (/** @type {Record<string,string>} */ l) => !(key in l);
    }
    if ((m = /^([\w./-]+)$/.exec(p))) {
      const key = /** @type {string} */ (m[1]);
      return (/** @type {Record<string,string>} */ l) => key in l;
    }
    throw new SelectorError(`unable to parse requirement: ${p}`);
  });
  return (labels) => tests.every((t) => t(labels ?? {}));
}
export class SelectorError extends Error {}

/** @param {Record<string,string>} matchLabels @param {Record<string,string>} labels */
function matchesLabels(matchLabels, labels) {
  return Object.entries(matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);
}

// ---------------------------------------------------------------------------
// Images on a node

/**
 * Is `image` on the node (or pullable from the fake registry)?
 * @param {any} cluster @param {any} state @param {string} image
 */
export function imageAvailable(cluster, state, image) {
  const ref = normalizeImageRef(image);
  // Docker Desktop's Kubernetes runs on the host daemon: same image store.
  const store = cluster.imageStore === 'host' ? state.docker?.images : cluster.images;
  const onNode = (store ?? []).some((img) => (img.repoTags ?? []).some((/** @type {string} */ t) => normalizeImageRef(t) === ref));
  if (onNode) return true;
  return (state.registry?.images ?? []).some((/** @type {string} */ t) => normalizeImageRef(t) === ref);
}

// ---------------------------------------------------------------------------
// Container and pod status

const WAITING_MESSAGES = {
  ImagePullBackOff: (/** @type {string} */ image) => `Back-off pulling image "${image}"`,
  ErrImagePull: (/** @type {string} */ image) =>
    `rpc error: code = Unknown desc = Error response from daemon: pull access denied for ${image.split(':')[0]}, repository does not exist or may require 'docker login'`,
  ErrImageNeverPull: (/** @type {string} */ image) => `Container image "${image}" is not present with pull policy of Never`,
  CrashLoopBackOff: (/** @type {string} */ _image, /** @type {string} */ name, /** @type {string} */ pod) =>
    `back-off 5m0s restarting failed container=${name} pod=${pod}`,
};

/**
 * Container status from a compact container. `status` is 'auto' (default:
 * running if the image is on the node, else an image-pull error), 'running',
 * a waiting reason (CrashLoopBackOff, ImagePullBackOff, ErrImagePull,
 * ErrImageNeverPull, ContainerCreating, CreateContainerConfigError) or a
 * terminated reason (OOMKilled, Error, Completed).
 */
function containerStatus(c, pod, cluster, state) {
  const image = c.image;
  let status = c.status ?? 'auto';
  const policy = c.imagePullPolicy ?? (image.endsWith(':latest') || !image.includes(':') ? 'Always' : 'IfNotPresent');
  if (status === 'auto') {
    status = imageAvailable(cluster, state, image) ? 'running' : policy === 'Never' ? 'ErrImageNeverPull' : 'ImagePullBackOff';
  }
  const started = rfc3339(c.startedAt ?? pod.createdAt ?? DEFAULT_TIME);
  const imageID = `docker-pullable://${normalizeImageRef(image)}@sha256:${sha256(normalizeImageRef(image))}`;
  const containerID = `docker://${sha256(`${pod.namespace}/${pod.name}/${c.name}/${c.restartCount ?? 0}`)}`;
  /** @type {Record<string, any>} */
  const st = {
    name: c.name,
    image,
    imageID: '',
    ready: false,
    restartCount: c.restartCount ?? 0,
    started: false,
    state: {},
    lastState: {},
  };
  const last = c.lastState ?? (status === 'CrashLoopBackOff' ? { reason: 'Error', exitCode: 1 } : undefined);
  if (last) {
    st.lastState = {
      terminated: {
        exitCode: last.exitCode ?? (last.reason === 'OOMKilled' ? 137 : 1),
        reason: last.reason ?? 'Error',
        startedAt: started,
        finishedAt: started,
        containerID,
      },
    };
    if (st.restartCount === 0) st.restartCount = c.restartCount ?? 3;
  }
  if (status === 'running') {
    st.state = { running: { startedAt: started } };
    st.ready = c.ready ?? true;
    st.started = true;
    st.imageID = imageID;
    st.containerID = containerID;
  } else if (['OOMKilled', 'Error', 'Completed'].includes(status)) {
    st.state = {
      terminated: {
        exitCode: c.exitCode ?? (status === 'OOMKilled' ? 137 : status === 'Completed' ? 0 : 1),
        reason: status,
        startedAt: started,
        finishedAt: started,
        containerID,
      },
    };
    st.imageID = imageID;
    st.containerID = containerID;
  } else {
    const msgFn = WAITING_MESSAGES[/** @type {keyof typeof WAITING_MESSAGES} */ (status)];
    /** @type {Record<string, any>} */ const waiting = { reason: status };
    const message = c.message ?? (msgFn ? msgFn(image, c.name, pod.name) : undefined);
    if (message) waiting.message = message;
    st.state = { waiting };
    if (last) {
      st.imageID = imageID;
      st.containerID = containerID;
    }
  }
  return st;
}

/** @param {any} c compact pod */
function expandPod(c, cluster, state) {
  const containers = (c.containers ?? []).map((/** @type {any} */ k) => ({
    name: k.name,
    image: k.image,
    imagePullPolicy: k.imagePullPolicy ?? (k.image.endsWith(':latest') || !k.image.includes(':') ? 'Always' : 'IfNotPresent'),
    ...(k.ports
      ? {
          ports: k.ports.map((/** @type {any} */ p) =>
            typeof p === 'number' ? { containerPort: p, protocol: 'TCP' } : { protocol: 'TCP', ...p },
          ),
        }
      : {}),
    resources: k.resources ?? {},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  }));
  const statuses = (c.containers ?? []).map((/** @type {any} */ k) => containerStatus(k, c, cluster, state));
  const allReady = statuses.length > 0 && statuses.every((/** @type {any} */ s) => s.ready);
  const waiting = statuses.some((/** @type {any} */ s) => s.state.waiting && !s.lastState.terminated);
  const allDone = statuses.length > 0 && statuses.every((/** @type {any} */ s) => s.state.terminated?.reason === 'Completed');
  const phase = c.phase ?? (allDone ? 'Succeeded' : waiting ? 'Pending' : 'Running');
  const t = rfc3339(c.createdAt ?? DEFAULT_TIME);
  const cond = (/** @type {string} */ type, /** @type {boolean} */ ok, /** @type {string=} */ reason) => ({
    type,
    status: ok ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: t,
    ...(ok || !reason ? {} : { reason }),
  });
  const notReadyReason = 'ContainersNotReady';
  const metadata = meta(c);
  if (c.ownerKind && !metadata.ownerReferences) {
    metadata.ownerReferences = [
      {
        apiVersion: 'apps/v1',
        kind: c.ownerKind,
        name: c.ownerName,
        uid: uidFor(c.ownerKind, c.namespace ?? 'default', c.ownerName),
        controller: true,
        blockOwnerDeletion: true,
      },
    ];
  }
  /** @type {Record<string, any>} */
  const status = {
    phase,
    conditions: [
      cond('PodReadyToStartContainers', true),
      cond('Initialized', true),
      cond('Ready', allReady, notReadyReason),
      cond('ContainersReady', allReady, notReadyReason),
      cond('PodScheduled', true),
    ],
    hostIP: c.hostIP ?? firstNode(cluster).ip,
    hostIPs: [{ ip: c.hostIP ?? firstNode(cluster).ip }],
    podIP: c.podIP ?? podIPFor(c),
    podIPs: [{ ip: c.podIP ?? podIPFor(c) }],
    startTime: t,
    containerStatuses: statuses,
    qosClass: 'Burstable',
  };
  for (const s of status.conditions)
    if (s.status === 'False')
      s.message = `containers with unready status: [${statuses
        .filter((/** @type {any} */ x) => !x.ready)
        .map((/** @type {any} */ x) => x.name)
        .join(' ')}]`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata,
    spec: {
      containers,
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      nodeName: c.nodeName ?? firstNode(cluster).name,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      restartPolicy: c.restartPolicy ?? 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      serviceAccount: c.serviceAccountName ?? 'default',
      serviceAccountName: c.serviceAccountName ?? 'default',
      terminationGracePeriodSeconds: 30,
    },
    status,
  };
}

/** Name and InternalIP of the cluster's first node (pods are scheduled there). @param {any} cluster */
function firstNode(cluster) {
  const n = (cluster.nodes ?? [])[0];
  if (!n) return { name: 'node', ip: '192.168.49.2' };
  if (isCompact(n)) return { name: n.name, ip: n.internalIP ?? '192.168.49.2' };
  return {
    name: n.metadata.name,
    ip: n.status?.addresses?.find((/** @type {any} */ a) => a.type === 'InternalIP')?.address ?? '192.168.49.2',
  };
}

/** @param {any} c */
function podIPFor(c) {
  const h = parseInt(sha256(`${c.namespace}/${c.name}`).slice(0, 4), 16);
  return `10.244.0.${(h % 250) + 3}`;
}

/** Pods selected by a workload (compact or full) among expanded objects. */
function podsOf(workload, objects) {
  const ns = workload.metadata.namespace;
  const sel = workload.spec.selector?.matchLabels ?? {};
  return objects.filter(
    (o) => o.kind === 'Pod' && o.metadata.namespace === ns && !o.metadata.deletionTimestamp && matchesLabels(sel, o.metadata.labels ?? {}),
  );
}
/** @param {any} p */
function podReady(p) {
  return (p.status?.conditions ?? []).some((/** @type {any} */ c) => c.type === 'Ready' && c.status === 'True');
}

/** @param {any} c */
function workloadSpec(c) {
  const selector = c.selector ?? c.labels ?? { app: c.name };
  const containers = (c.containers ?? []).map((/** @type {any} */ k) => ({
    name: k.name,
    image: k.image,
    imagePullPolicy: k.imagePullPolicy ?? 'IfNotPresent',
    ...(k.ports
      ? {
          ports: k.ports.map((/** @type {any} */ p) =>
            typeof p === 'number' ? { containerPort: p, protocol: 'TCP' } : { protocol: 'TCP', ...p },
          ),
        }
      : {}),
    // env / envFrom as given (core/v1 EnvVar, EnvFromSource): what validate's config checks read
    ...(k.env ? { env: k.env } : {}),
    ...(k.envFrom ? { envFrom: k.envFrom } : {}),
    resources: k.resources ?? {},
  }));
  return {
    replicas: c.replicas ?? 1,
    selector: { matchLabels: { ...selector } },
    template: { metadata: { labels: { ...selector, ...(c.podLabels ?? {}) } }, spec: { containers } },
  };
}

/** ReplicaSet name the pods of a Deployment would carry. @param {any} d compact or full */
export function replicaSetName(name, containers) {
  return `${name}-${sha256(JSON.stringify(containers.map((/** @type {any} */ k) => k.image)))
    .slice(0, 10)
    .replace(/[aeiou]/g, 'b')}`;
}

/** Fill a Deployment's status from its pods, as the deployment controller would. */
function deploymentStatus(d, objects, compact) {
  const pods = podsOf(d, objects);
  const want = d.spec.replicas ?? 1;
  const ready = pods.filter(podReady).length;
  const maxUnavailable = Math.floor(want / 4);
  const rs = replicaSetName(d.metadata.name, d.spec.template.spec.containers);
  const t = d.metadata.creationTimestamp;
  const available = ready >= want - maxUnavailable;
  const done = ready === want && pods.length === want;
  /** @type {Record<string, any>} */
  const status = { observedGeneration: d.metadata.generation ?? 1, replicas: pods.length, updatedReplicas: pods.length };
  if (ready) status.readyReplicas = ready;
  if (ready) status.availableReplicas = ready;
  if (want - ready > 0) status.unavailableReplicas = want - ready;
  status.conditions = [
    {
      type: 'Available',
      status: available ? 'True' : 'False',
      lastUpdateTime: t,
      lastTransitionTime: t,
      reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
      message: available ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
    },
    compact?.progressDeadlineExceeded
      ? {
          type: 'Progressing',
          status: 'False',
          lastUpdateTime: t,
          lastTransitionTime: t,
          reason: 'ProgressDeadlineExceeded',
          message: `ReplicaSet "${rs}" has timed out progressing.`,
        }
      : done
        ? {
            type: 'Progressing',
            status: 'True',
            lastUpdateTime: t,
            lastTransitionTime: t,
            reason: 'NewReplicaSetAvailable',
            message: `ReplicaSet "${rs}" has successfully progressed.`,
          }
        : {
            type: 'Progressing',
            status: 'True',
            lastUpdateTime: t,
            lastTransitionTime: t,
            reason: 'ReplicaSetUpdated',
            message: `ReplicaSet "${rs}" is progressing.`,
          },
  ];
  return status;
}

function statefulSetStatus(s, objects) {
  const pods = podsOf(s, objects);
  const ready = pods.filter(podReady).length;
  const rev = `${s.metadata.name}-${sha256(JSON.stringify(s.spec.template)).slice(0, 10)}`;
  /** @type {Record<string, any>} */
  const status = {
    observedGeneration: s.metadata.generation ?? 1,
    replicas: pods.length,
    currentReplicas: pods.length,
    updatedReplicas: pods.length,
    currentRevision: rev,
    updateRevision: rev,
    collisionCount: 0,
  };
  if (ready) status.readyReplicas = ready;
  if (ready) status.availableReplicas = ready;
  return status;
}

/** Expand one compact object (workload statuses are filled in a second pass). */
function expandOne(c, cluster, state) {
  const m = meta(c, KINDS[/** @type {keyof typeof KINDS} */ (c.kind)]?.namespaced ?? true);
  switch (c.kind) {
    case 'Namespace':
      return {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { ...m, labels: { 'kubernetes.io/metadata.name': c.name, ...(c.labels ?? {}) } },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: c.phase ?? 'Active' },
      };
    case 'Node':
      return expandNode(c, cluster, state);
    case 'Pod':
      return expandPod(c, cluster, state);
    case 'Deployment':
      return {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {
          ...m,
          generation: c.generation ?? 1,
          annotations: { 'deployment.kubernetes.io/revision': String(c.revision ?? 1), ...(m.annotations ?? {}) },
        },
        spec: {
          progressDeadlineSeconds: 600,
          revisionHistoryLimit: 10,
          strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
          ...workloadSpec(c),
        },
        ...(c.status ? { status: c.status } : {}),
      };
    case 'StatefulSet':
      return {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { ...m, generation: c.generation ?? 1 },
        spec: {
          ...workloadSpec(c),
          serviceName: c.serviceName ?? c.name,
          podManagementPolicy: 'OrderedReady',
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
          persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
          volumeClaimTemplates: (c.volumeClaimTemplates ?? []).map((/** @type {any} */ v) => ({
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            metadata: { name: v.name },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: v.storage ?? '1Gi' } }, volumeMode: 'Filesystem' },
          })),
        },
        ...(c.status ? { status: c.status } : {}),
      };
    case 'Service': {
      const ports = (c.ports ?? []).map((/** @type {any} */ p) => {
        /** @type {Record<string, any>} */ const o = { port: p.port, protocol: p.protocol ?? 'TCP', targetPort: p.targetPort ?? p.port };
        if (p.name) o.name = p.name;
        if (p.nodePort && (c.type === 'NodePort' || c.type === 'LoadBalancer')) o.nodePort = p.nodePort;
        return o;
      });
      const clusterIP =
        c.clusterIP ?? `10.96.${parseInt(sha256(c.name).slice(0, 2), 16)}.${(parseInt(sha256(c.name).slice(2, 4), 16) % 254) + 1}`;
      return {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: m,
        spec: {
          clusterIP,
          clusterIPs: [clusterIP],
          internalTrafficPolicy: 'Cluster',
          ipFamilies: ['IPv4'],
          ipFamilyPolicy: 'SingleStack',
          ports,
          ...(c.selector ? { selector: { ...c.selector } } : {}),
          sessionAffinity: 'None',
          type: c.type ?? 'ClusterIP',
          ...(c.type === 'NodePort' || c.type === 'LoadBalancer' ? { externalTrafficPolicy: 'Cluster' } : {}),
        },
        status: { loadBalancer: {} },
      };
    }
    case 'ConfigMap':
      return { apiVersion: 'v1', kind: 'ConfigMap', metadata: m, data: { ...(c.data ?? {}) } };
    case 'Secret': {
      /** @type {Record<string, string>} */ const data = { ...(c.data ?? {}) };
      for (const [k, v] of Object.entries(c.stringData ?? {})) data[k] = Buffer.from(String(v)).toString('base64');
      return { apiVersion: 'v1', kind: 'Secret', metadata: m, data, type: c.type ?? 'Opaque' };
    }
    case 'PersistentVolumeClaim': {
      const phase = c.phase ?? 'Bound';
      const volumeName = c.volumeName ?? `pvc-${m.uid}`;
      return {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: m,
        spec: {
          accessModes: c.accessModes ?? ['ReadWriteOnce'],
          resources: { requests: { storage: c.storage ?? '1Gi' } },
          storageClassName: c.storageClass ?? 'standard',
          volumeMode: 'Filesystem',
          ...(phase === 'Bound' ? { volumeName } : {}),
        },
        status:
          phase === 'Bound'
            ? { accessModes: c.accessModes ?? ['ReadWriteOnce'], capacity: { storage: c.storage ?? '1Gi' }, phase }
            : { phase },
      };
    }
    case 'Event': {
      const ns = c.namespace ?? 'default';
      const io = c.involvedObject ?? {};
      const t = rfc3339(c.lastTimestamp ?? c.createdAt ?? DEFAULT_TIME);
      return {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { ...m, name: c.name ?? `${io.name}.${sha256(`${io.name}${c.reason}${c.message}`).slice(0, 16)}`, namespace: ns },
        involvedObject: {
          apiVersion: apiVersionOf(io.kind ?? 'Pod'),
          kind: io.kind ?? 'Pod',
          name: io.name,
          namespace: io.namespace ?? ns,
          uid: uidFor(io.kind ?? 'Pod', io.namespace ?? ns, io.name ?? ''),
        },
        reason: c.reason,
        message: c.message,
        type: c.type ?? 'Normal',
        count: c.count ?? 1,
        firstTimestamp: rfc3339(c.firstTimestamp ?? c.createdAt ?? DEFAULT_TIME),
        lastTimestamp: t,
        source: { component: c.source ?? 'kubelet' },
        reportingComponent: c.source ?? 'kubelet',
        reportingInstance: '',
      };
    }
    case 'Endpoints':
    case 'EndpointSlice':
      throw new Error(
        `fake state: give ${c.kind} ${c.name} as a full object (with apiVersion) or leave it out to have it derived from its Service`,
      );
    default:
      throw new Error(`fake state: compact ${c.kind} is not modelled; give it as a full object with apiVersion`);
  }
}

/** A Node object from its compact form. */
/**
 * Node status.images as kubelet reports them from the runtime (pkg/kubelet/nodestatus
 * Images: largest first, at most nodeStatusMaxImages=50; names = digests + qualified tags).
 * @param {any} cluster @param {any} state
 */
function nodeImages(cluster, state) {
  const store = (cluster?.imageStore === 'host' ? state?.docker?.images : cluster?.images) ?? [];
  return [...store]
    .sort((a, b) => (b.size ?? 0) - (a.size ?? 0))
    .slice(0, 50)
    .map((/** @type {any} */ i) => ({
      names: [...(i.repoDigests ?? []), ...(i.repoTags ?? []).map(qualifyImageRef)],
      sizeBytes: i.size ?? 0,
    }));
}

/** @param {any} c @param {any} [cluster] @param {any} [state] */
export function expandNode(c, cluster, state) {
  const ready = c.ready ?? true;
  const t = rfc3339(c.createdAt ?? DEFAULT_TIME);
  const roles = c.roles ?? ['control-plane'];
  /** @type {Record<string,string>} */
  const labels = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': c.name,
    'kubernetes.io/os': 'linux',
    ...Object.fromEntries(roles.map((/** @type {string} */ r) => [`node-role.kubernetes.io/${r}`, ''])),
    ...(c.labels ?? {}),
  };
  const cond = (/** @type {string} */ type, /** @type {string} */ status, /** @type {string} */ reason, /** @type {string} */ message) => ({
    type,
    status,
    lastHeartbeatTime: t,
    lastTransitionTime: t,
    reason,
    message,
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: c.name,
      uid: uidFor('Node', '', c.name),
      resourceVersion: String(c.resourceVersion ?? 1),
      creationTimestamp: t,
      labels,
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
        ...(c.annotations ?? {}),
      },
    },
    spec: {
      podCIDR: '10.244.0.0/24',
      podCIDRs: ['10.244.0.0/24'],
      ...(ready ? {} : { taints: [{ effect: 'NoSchedule', key: 'node.kubernetes.io/not-ready' }] }),
    },
    status: {
      addresses: [
        { address: c.internalIP ?? '192.168.49.2', type: 'InternalIP' },
        { address: c.name, type: 'Hostname' },
      ],
      allocatable: { cpu: String(c.cpu ?? 2), 'ephemeral-storage': '102625208Ki', memory: c.memory ?? '8024716Ki', pods: '110' },
      capacity: { cpu: String(c.cpu ?? 2), 'ephemeral-storage': '102625208Ki', memory: c.memory ?? '8024716Ki', pods: '110' },
      conditions: [
        cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        ready
          ? cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
          : cond('Ready', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'),
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      images: nodeImages(cluster, state),
      nodeInfo: {
        architecture: 'amd64',
        bootID: uidFor('boot', '', c.name),
        containerRuntimeVersion: c.containerRuntimeVersion ?? 'docker://27.4.1',
        kernelVersion: c.kernelVersion ?? '6.8.0-generic',
        kubeProxyVersion: c.kubeletVersion ?? 'v1.32.0',
        kubeletVersion: c.kubeletVersion ?? 'v1.32.0',
        machineID: sha256(c.name).slice(0, 32),
        operatingSystem: 'linux',
        osImage: c.osImage ?? 'Ubuntu 22.04.5 LTS',
        systemUUID: uidFor('sys', '', c.name),
      },
    },
  };
}

/**
 * All objects of a cluster in their real shape: compact ones expanded,
 * workload statuses derived from pods, Endpoints/EndpointSlices derived from
 * Services unless given explicitly; with `clusterName`, helm's release Secrets too.
 * @param {any} cluster @param {any} state @param {string} [clusterName]
 */
export function expandCluster(cluster, state, clusterName) {
  /** @type {any[]} */ const out = [];
  /** @type {Map<any, any>} */ const compactOf = new Map();
  const stored = [...(cluster.objects ?? []), ...(clusterName ? releaseSecrets(state, clusterName) : [])];
  for (const o of stored) {
    const e = isCompact(o) ? expandOne(o, cluster, state) : structuredClone(o);
    if (isCompact(o)) compactOf.set(e, o);
    out.push(e);
  }
  for (const n of cluster.nodes ?? []) out.push(isCompact(n) ? expandNode(n, cluster, state) : structuredClone(n));
  // An event stored for "<prefix>*" happens to every pod a controller made under that prefix
  // (one event each, as the kubelet reports per pod): the test cannot know the pods' generated
  // names, and real events always name a real pod.
  for (const e of out.filter((o) => o.kind === 'Event' && o.involvedObject?.name?.endsWith('*'))) {
    const prefix = e.involvedObject.name.slice(0, -1);
    const pods = out.filter(
      (o) => o.kind === 'Pod' && o.metadata.namespace === e.involvedObject.namespace && o.metadata.name.startsWith(prefix),
    );
    pods.forEach((pod, i) => {
      const copy = i === 0 ? e : structuredClone(e);
      Object.assign(copy.involvedObject, { name: pod.metadata.name, uid: pod.metadata.uid });
      if (i > 0) {
        copy.metadata.name = `${copy.metadata.name}.${i}`;
        out.push(copy);
      }
    });
  }
  for (const o of out) {
    if (o.kind === 'Deployment' && !o.status) o.status = deploymentStatus(o, out, compactOf.get(o));
    if (o.kind === 'StatefulSet' && !o.status) o.status = statefulSetStatus(o, out);
  }
  const explicit = new Set(
    out
      .filter((o) => o.kind === 'Endpoints' || o.kind === 'EndpointSlice')
      .map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`),
  );
  for (const svc of out.filter((o) => o.kind === 'Service' && o.spec.selector)) {
    const ns = svc.metadata.namespace;
    const pods = out.filter(
      (o) =>
        o.kind === 'Pod' && o.metadata.namespace === ns && matchesLabels(svc.spec.selector, o.metadata.labels ?? {}) && o.status?.podIP,
    );
    const ready = pods.filter(podReady);
    const notReady = pods.filter((p) => !podReady(p));
    const addr = (/** @type {any} */ p) => ({
      ip: p.status.podIP,
      nodeName: p.spec.nodeName,
      targetRef: { kind: 'Pod', name: p.metadata.name, namespace: ns, uid: p.metadata.uid },
    });
    const ports = svc.spec.ports.map((/** @type {any} */ p) => ({
      ...(p.name ? { name: p.name } : {}),
      port: typeof p.targetPort === 'number' ? p.targetPort : p.port,
      protocol: p.protocol,
    }));
    if (!explicit.has(`Endpoints/${ns}/${svc.metadata.name}`)) {
      /** @type {Record<string, any>} */ const subset = { ports };
      if (ready.length) subset.addresses = ready.map(addr);
      if (notReady.length) subset.notReadyAddresses = notReady.map(addr);
      out.push({
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: {
          name: svc.metadata.name,
          namespace: ns,
          uid: uidFor('Endpoints', ns, svc.metadata.name),
          resourceVersion: '1',
          creationTimestamp: svc.metadata.creationTimestamp,
          labels: { ...(svc.metadata.labels ?? {}) },
          annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': svc.metadata.creationTimestamp },
        },
        ...(pods.length ? { subsets: [subset] } : {}),
      });
    }
    const sliceName = `${svc.metadata.name}-${sha256(svc.metadata.name).slice(0, 5)}`;
    if (!explicit.has(`EndpointSlice/${ns}/${sliceName}`)) {
      out.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        addressType: 'IPv4',
        endpoints: pods.map((p) => ({
          addresses: [p.status.podIP],
          conditions: { ready: podReady(p), serving: podReady(p), terminating: false },
          nodeName: p.spec.nodeName,
          targetRef: { kind: 'Pod', name: p.metadata.name, namespace: ns, uid: p.metadata.uid },
        })),
        metadata: {
          name: sliceName,
          namespace: ns,
          uid: uidFor('EndpointSlice', ns, sliceName),
          resourceVersion: '1',
          creationTimestamp: svc.metadata.creationTimestamp,
          generateName: `${svc.metadata.name}-`,
          generation: 1,
          labels: {
            ...(svc.metadata.labels ?? {}),
            'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
            'kubernetes.io/service-name': svc.metadata.name,
          },
          ownerReferences: [
            {
              apiVersion: 'v1',
              blockOwnerDeletion: true,
              controller: true,
              kind: 'Service',
              name: svc.metadata.name,
              uid: svc.metadata.uid,
            },
          ],
        },
        ports: ports.map((/** @type {any} */ p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol })),
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Templates: objects declared with {{ .Values.x }} placeholders (helm upgrade)

/**
 * Replace {{ .Values.a.b }}, {{ .Release.Name }}, {{ .Release.Namespace }},
 * {{ .Release.Revision }}, {{ .Chart.Name }}, {{ .Chart.Version }},
 * {{ .Chart.AppVersion }} and {{ fullname }} in every string. A string that
 * is exactly one placeholder takes the value's type (numbers stay numbers).
 * @param {any} tpl @param {Record<string, any>} scope
 */
export function renderTemplate(tpl, scope) {
  const lookup = (/** @type {string} */ expr) => {
    const e = expr.trim();
    if (e === 'fullname') return scope.fullname;
    const m = /^\.(Values|Release|Chart)((?:\.[\w-]+)*)$/.exec(e);
    if (!m)
      throw new Error(
        `fake helm: unsupported template expression {{ ${e} }} (supported: .Values.*, .Release.Name/Namespace/Revision, .Chart.Name/Version/AppVersion, fullname)`,
      );
    let cur = scope[/** @type {string} */ (m[1])];
    for (const part of (m[2] ?? '').split('.').filter(Boolean)) cur = isPlainObject(cur) ? cur[part] : undefined;
    return cur;
  };
  const walk = (/** @type {any} */ v) => {
    if (typeof v === 'string') {
      const whole = /^\{\{([^{}]+)\}\}$/.exec(v);
      if (whole) return lookup(/** @type {string} */ (whole[1]));
      return v.replace(/\{\{([^{}]+)\}\}/g, (_, e) => String(lookup(e) ?? ''));
    }
    if (Array.isArray(v)) return v.map(walk);
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(tpl);
}

/**
 * Pods a controller would create for a compact Deployment or StatefulSet.
 * @param {any} w compact workload @param {string} createdAt
 */
export function podsFor(w, createdAt) {
  const n = w.replicas ?? 1;
  const labels = { ...(w.selector ?? w.labels ?? { app: w.name }), ...(w.podLabels ?? {}) };
  const rs = replicaSetName(w.name, w.containers ?? []);
  /** @type {any[]} */ const pods = [];
  for (let i = 0; i < n; i++) {
    const name =
      w.kind === 'StatefulSet'
        ? `${w.name}-${i}`
        : `${rs}-${sha256(`${rs}/${i}/${createdAt}`)
            .slice(0, 5)
            .replace(/[aeiou]/g, 'x')}`;
    pods.push({
      kind: 'Pod',
      name,
      namespace: w.namespace,
      createdAt,
      labels:
        w.kind === 'StatefulSet'
          ? { ...labels, 'apps.kubernetes.io/pod-index': String(i), 'statefulset.kubernetes.io/pod-name': name }
          : { ...labels, 'pod-template-hash': rs.slice(w.name.length + 1) },
      ownerKind: w.kind === 'StatefulSet' ? 'StatefulSet' : 'ReplicaSet',
      ownerName: w.kind === 'StatefulSet' ? w.name : rs,
      containers: (w.containers ?? []).map((/** @type {any} */ k) => ({
        ...k,
        ...(w.podStatus?.[k.name] ? { status: w.podStatus[k.name] } : {}),
      })),
    });
  }
  return pods;
}

/** Secrets helm stores its releases in (`kubectl get secrets` shows them). */
export function releaseSecrets(state, clusterName) {
  /** @type {any[]} */ const out = [];
  for (const rel of state.helm?.releases ?? []) {
    if ((rel.cluster ?? clusterName) !== clusterName) continue;
    for (const r of rel.revisions) {
      out.push({
        kind: 'Secret',
        name: `sh.helm.release.v1.${rel.name}.v${r.revision}`,
        namespace: rel.namespace,
        type: 'helm.sh/release.v1',
        createdAt: r.updated,
        labels: {
          modifiedAt: String(Math.floor(Date.parse(r.updated) / 1000)),
          name: rel.name,
          owner: 'helm',
          status: r.status,
          version: String(r.revision),
        },
        data: { release: Buffer.from(sha256(`${rel.name}/${r.revision}`)).toString('base64') },
      });
    }
  }
  return out;
}

export { nowNano };
