// Test helper around the fake tools (test/fakes/bin): a temporary fake
// cluster (state file, calls log, kubeconfig, minikube home) and builders for
// a healthy todo-chatbot deployment on minikube, kind, k3d or Docker Desktop.
// See test/fakes/README.md for the state schema.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childNodeOptions } from '../../lib/exec.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Folder holding the fake docker, minikube, kind, k3d, helm and kubectl. */
export const FAKE_BIN = path.join(here, 'bin');
/** The chart the builders deploy (its Chart.yaml and values.yaml are read by the fake helm). */
export const CHART_DIR = path.resolve(here, '..', '..', 'helm-chart', 'todo-chatbot');

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
/** An image in a daemon's or a node's store. */
export interface FakeImage {
  id: string;
  repoTags: string[];
  repoDigests?: string[];
  size?: number;
  created?: string;
  layers?: string[];
  [k: string]: unknown;
}
/** Compact or full Kubernetes object (see README "Objects"). */
export type FakeObject = { kind: string; [k: string]: any };
export interface FakeClusterState {
  provider: 'minikube' | 'kind' | 'k3d' | 'docker-desktop' | 'generic';
  providerName?: string;
  apiServer?: 'Running' | 'Stopped';
  serverVersion?: string | Record<string, string>;
  nodes?: FakeObject[];
  objects?: FakeObject[];
  images?: FakeImage[];
  imageStore?: 'host';
  logs?: Record<string, { current?: string; previous?: string }>;
  /**
   * What answers on a pod's container port, for `kubectl port-forward`:
   * "ns/<pod>:<containerPort>" or "ns/<Deployment|StatefulSet>:<containerPort>" (kept across pod
   * restarts) → "127.0.0.1:<port>" of a real server the test started. No entry: connection refused.
   */
  podPorts?: Record<string, string>;
}
export interface FailureRule {
  tool: 'docker' | 'minikube' | 'kind' | 'k3d' | 'helm' | 'kubectl';
  match: string[];
  exitCode?: number;
  stderr?: string;
  stdout?: string;
  delayMs?: number;
  times?: number;
  /** for modelled failures (helm upgrade/install, image loads): the underlying error message */
  error?: string;
}
export interface FakeState {
  version: 1;
  kubeconfigPath?: string;
  kubeconfig: {
    apiVersion: 'v1';
    kind: 'Config';
    clusters: { name: string; cluster: Record<string, any> }[];
    contexts: { name: string; context: { cluster: string; user: string; namespace?: string; extensions?: any[] } }[];
    users: { name: string; user: Record<string, any> }[];
    preferences?: Record<string, unknown>;
    'current-context': string;
  };
  clusters: Record<string, FakeClusterState>;
  docker?: {
    daemon?: 'up' | 'down';
    host?: string;
    images?: FakeImage[];
    client?: Record<string, string>;
    server?: Record<string, string>;
    /**
     * Benchmarks only: the real docker CLI. Builds then run on the real engine (as `docker build`
     * with BuildKit, whatever the toolkit called) and their images are recorded here with the real
     * id and size; everything else stays fake.
     */
    realBuildCli?: string;
  };
  registry?: { images?: string[] };
  minikube?: { version?: string; commit?: string; activeProfile?: string; profiles?: Record<string, any>[] };
  kind?: { clusters?: { name: string; running?: boolean }[] };
  k3d?: { clusters?: { name: string; running?: boolean; servers?: number; agents?: number; image?: string; apiPort?: number }[] };
  helm?: {
    persona?: 'v3' | 'v4';
    version?: Record<string, string>;
    releases?: Record<string, any>[];
    charts?: Record<string, { name: string; version: string; appVersion?: string; values?: Record<string, unknown> }>;
    onUpgrade?: { release?: string; namespace?: string; objects: FakeObject[]; notes?: string }[];
  };
  kubectl?: { clientVersion?: Record<string, string>; kustomizeVersion?: string };
  latencyMs?: Record<string, number>;
  failures?: FailureRule[];
}
export interface RecordedCall {
  tool: string;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  exitCode: number;
  startedAt: string;
  durationMs: number;
}
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}
export interface FakeCluster {
  dir: string;
  statePath: string;
  callsPath: string;
  /** Environment for child processes: fake bin first on PATH, FAKE_STATE, FAKE_CALLS, KUBECONFIG, MINIKUBE_HOME. */
  env: NodeJS.ProcessEnv;
  state(): FakeState;
  update(fn: (s: FakeState) => void): void;
  calls(tool?: string): RecordedCall[];
  clearCalls(): void;
  /** Run one fake tool with this cluster's environment (plus `env`). */
  run(tool: string, args: string[], opts?: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string }): Promise<RunResult>;
  cleanup(): void;
}

/** Inherited variables that would make a fake talk to something else. */
const SCRUBBED =
  /^(DOCKER_HOST|DOCKER_TLS_VERIFY|DOCKER_CERT_PATH|DOCKER_CONTEXT|MINIKUBE_ACTIVE_DOCKERD|MINIKUBE_PROFILE|HELM_.*|KIND_CLUSTER_NAME|KUBECONFIG)$/;

export function emptyState(): FakeState {
  return {
    version: 1,
    kubeconfig: { apiVersion: 'v1', kind: 'Config', clusters: [], contexts: [], users: [], preferences: {}, 'current-context': '' },
    clusters: {},
    docker: { daemon: 'up', images: [] },
    registry: { images: [] },
    minikube: { profiles: [] },
    kind: { clusters: [] },
    k3d: { clusters: [] },
    helm: { persona: 'v3', releases: [], onUpgrade: [] },
    latencyMs: {},
    failures: [],
  };
}

/**
 * A temporary folder with a state file (`opts.state`, default empty), its
 * kubeconfig mirror, a calls log and a minikube home with dummy TLS files.
 */
export function createFakeCluster(opts: { state?: FakeState | ((dir: string) => FakeState) } = {}): FakeCluster {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-cluster-'));
  const statePath = path.join(dir, 'state.json');
  const callsPath = path.join(dir, 'calls.jsonl');
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  const minikubeHome = path.join(dir, 'minikube-home');
  // docker-env points DOCKER_CERT_PATH here; the docker client needs ca.pem to exist
  fs.mkdirSync(path.join(minikubeHome, '.minikube', 'certs'), { recursive: true });
  for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(minikubeHome, '.minikube', 'certs', f), 'fake\n');
  fs.writeFileSync(path.join(minikubeHome, '.minikube', 'ca.crt'), 'fake\n');
  const initial = typeof opts.state === 'function' ? opts.state(dir) : (opts.state ?? emptyState());
  const write = (s: FakeState) => {
    s.kubeconfigPath = kubeconfigPath;
    const tmp = `${statePath}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(s, null, 2) + '\n');
    fs.renameSync(tmp, statePath);
    fs.writeFileSync(kubeconfigPath, JSON.stringify(s.kubeconfig, null, 2) + '\n');
  };
  write(structuredClone(initial));
  fs.writeFileSync(callsPath, '');
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!SCRUBBED.test(k)) env[k] = v;
  Object.assign(env, {
    PATH: `${FAKE_BIN}${path.delimiter}${process.env.PATH ?? ''}`,
    FAKE_STATE: statePath,
    FAKE_CALLS: callsPath,
    KUBECONFIG: kubeconfigPath,
    MINIKUBE_HOME: minikubeHome,
  });
  // The fakes are plain .mjs: they must not inherit .npmrc's `--import tsx`, which does not resolve outside the repository.
  const nodeOptions = childNodeOptions(process.env.NODE_OPTIONS);
  if (nodeOptions) env.NODE_OPTIONS = nodeOptions;
  else delete env.NODE_OPTIONS;
  const lock = `${statePath}.lock`;
  const cluster: FakeCluster = {
    dir,
    statePath,
    callsPath,
    env,
    state: () => JSON.parse(fs.readFileSync(statePath, 'utf8')) as FakeState,
    update(fn) {
      // same lock as the fakes use, so an update never races a running fake
      const deadline = Date.now() + 20000;
      for (;;) {
        try {
          fs.mkdirSync(lock);
          break;
        } catch {
          if (Date.now() > deadline) throw new Error(`fake cluster: state lock ${lock} held for 20 s`);
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        }
      }
      try {
        const s = cluster.state();
        fn(s);
        write(s);
      } finally {
        fs.rmSync(lock, { recursive: true, force: true });
      }
    },
    calls(tool) {
      const lines = fs.readFileSync(callsPath, 'utf8').split('\n').filter(Boolean);
      const all = lines.map((l) => JSON.parse(l) as RecordedCall);
      return tool ? all.filter((c) => c.tool === tool) : all;
    },
    clearCalls: () => fs.writeFileSync(callsPath, ''),
    run(tool, args, runOpts = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn(path.join(FAKE_BIN, tool), args, {
          env: { ...env, ...(runOpts.env ?? {}) },
          cwd: runOpts.cwd ?? process.cwd(),
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
        child.stdin.end(runOpts.input ?? '');
      });
    },
    // A fake tool started by the script under test may still be writing its state as the test ends
    // (ENOTEMPTY on a busy machine): Node retries the removal, as rm -rf would keep going.
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true, maxRetries: 30, retryDelay: 100 }),
  };
  return cluster;
}

// ---------------------------------------------------------------------------
// Builders

export type Provider = 'minikube' | 'kind' | 'k3d' | 'docker-desktop';
export interface TodoChatbotOptions {
  provider?: Provider;
  /** minikube profile / kind / k3d cluster name (default: minikube, todo, todo) */
  clusterName?: string;
  release?: string;
  namespace?: string;
  frontendTag?: string;
  backendTag?: string;
  /** deploy the release (default true); false leaves an empty, running cluster with the images built */
  deploy?: boolean;
  /** also put the app images on the cluster's nodes (default true) */
  imagesLoaded?: boolean;
  helmPersona?: 'v3' | 'v4';
  /** extra values files / --set pairs passed to the deploying helm call */
  helmArgs?: string[];
}

const K8S = 'v1.32.0';
const SYSTEM_IMAGES = [
  `registry.k8s.io/kube-apiserver:${K8S}`,
  `registry.k8s.io/kube-controller-manager:${K8S}`,
  `registry.k8s.io/kube-scheduler:${K8S}`,
  `registry.k8s.io/kube-proxy:${K8S}`,
  'registry.k8s.io/etcd:3.5.16-0',
  'registry.k8s.io/coredns/coredns:v1.11.3',
  'registry.k8s.io/pause:3.10',
  'gcr.io/k8s-minikube/storage-provisioner:v5',
];

/** An image record with a stable id derived from its tag. */
export function image(tag: string, size = 150_000_000, created = '2025-01-01T00:00:00.000000000Z'): FakeImage {
  const id = `sha256:${sha256hex(tag)}`;
  return { id, repoTags: [tag], repoDigests: [], size, created, layers: [`sha256:${sha256hex(`${tag}/layer`)}`] };
}
function sha256hex(s: string): string {
  return crypto.createHash('sha256').update(s).digest('hex');
}

/**
 * Object templates of the todo-chatbot chart (default values, database.mode=postgres):
 * what the cluster shows after `helm upgrade --install`, with images and
 * replica counts taken from the release's values.
 */
export function todoChatbotObjects(): FakeObject[] {
  const common = (component: string) => ({
    'helm.sh/chart': '{{ .Chart.Name }}-{{ .Chart.Version }}',
    'app.kubernetes.io/name': 'todo-chatbot',
    'app.kubernetes.io/instance': '{{ .Release.Name }}',
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/version': '{{ .Chart.AppVersion }}',
    'app.kubernetes.io/part-of': 'todo-chatbot',
  });
  const selector = (component: string) => ({
    'app.kubernetes.io/name': 'todo-chatbot',
    'app.kubernetes.io/instance': '{{ .Release.Name }}',
    'app.kubernetes.io/component': component,
  });
  return [
    // ConfigMap keys, Secret keys and env references as the chart's templates set them (frontend/backend configmap.yaml, deployments, postgresql statefulset).
    {
      kind: 'ConfigMap',
      name: '{{ fullname }}-frontend',
      labels: common('frontend'),
      data: {
        BACKEND_URL: 'http://{{ fullname }}-backend:{{ .Values.backend.service.port }}',
        PORT: '3000',
        HOSTNAME: '0.0.0.0',
        NEXT_TELEMETRY_DISABLED: '1',
      },
    },
    {
      kind: 'ConfigMap',
      name: '{{ fullname }}-backend',
      labels: common('backend'),
      data: {
        PORT: '8000',
        WEB_CONCURRENCY: '1',
        DATA_DIR: '/data',
        APP_VERSION: '{{ .Chart.AppVersion }}',
        LOG_LEVEL: '{{ .Values.config.logLevel }}',
        OPENAI_MODEL: '{{ .Values.config.openaiModel }}',
        CORS_ORIGINS: '',
      },
    },
    {
      kind: 'Secret',
      name: '{{ fullname }}',
      labels: common('backend'),
      stringData: { OPENAI_API_KEY: '{{ .Values.secrets.openaiApiKey }}' },
    },
    {
      kind: 'Secret',
      name: '{{ fullname }}-postgresql',
      labels: common('postgresql'),
      stringData: { password: 'fake-generated-password' },
    },
    {
      kind: 'Deployment',
      name: '{{ fullname }}-frontend',
      labels: common('frontend'),
      selector: selector('frontend'),
      replicas: '{{ .Values.frontend.replicaCount }}',
      containers: [
        {
          name: 'frontend',
          image: '{{ .Values.frontend.image.repository }}:{{ .Values.frontend.image.tag }}',
          imagePullPolicy: '{{ .Values.frontend.image.pullPolicy }}',
          ports: [{ name: 'http', containerPort: 3000 }],
          envFrom: [{ configMapRef: { name: '{{ fullname }}-frontend' } }],
        },
      ],
    },
    {
      kind: 'Deployment',
      name: '{{ fullname }}-backend',
      labels: common('backend'),
      selector: selector('backend'),
      replicas: '{{ .Values.backend.replicaCount }}',
      containers: [
        {
          name: 'backend',
          image: '{{ .Values.backend.image.repository }}:{{ .Values.backend.image.tag }}',
          imagePullPolicy: '{{ .Values.backend.image.pullPolicy }}',
          ports: [{ name: 'http', containerPort: 8000 }],
          envFrom: [{ configMapRef: { name: '{{ fullname }}-backend' } }],
          env: [
            { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: '{{ fullname }}-postgresql', key: 'password' } } },
            { name: 'DATABASE_URL', value: 'postgresql://todo:$(DB_PASSWORD)@{{ fullname }}-postgresql:5432/todo' },
          ],
        },
      ],
    },
    {
      kind: 'StatefulSet',
      name: '{{ fullname }}-postgresql',
      labels: common('postgresql'),
      selector: selector('postgresql'),
      replicas: 1,
      serviceName: '{{ fullname }}-postgresql',
      containers: [
        {
          name: 'postgresql',
          image: '{{ .Values.postgresql.image.repository }}:{{ .Values.postgresql.image.tag }}',
          imagePullPolicy: '{{ .Values.postgresql.image.pullPolicy }}',
          ports: [{ name: 'postgresql', containerPort: 5432 }],
          env: [{ name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: '{{ fullname }}-postgresql', key: 'password' } } }],
        },
      ],
      volumeClaimTemplates: [{ name: 'data', storage: '{{ .Values.postgresql.persistence.size }}' }],
    },
    {
      kind: 'Service',
      name: '{{ fullname }}-frontend',
      labels: common('frontend'),
      type: '{{ .Values.frontend.service.type }}',
      selector: selector('frontend'),
      ports: [
        {
          name: 'http',
          port: '{{ .Values.frontend.service.port }}',
          targetPort: 'http',
          nodePort: '{{ .Values.frontend.service.nodePort }}',
        },
      ],
    },
    {
      kind: 'Service',
      name: '{{ fullname }}-backend',
      labels: common('backend'),
      type: '{{ .Values.backend.service.type }}',
      selector: selector('backend'),
      ports: [
        {
          name: 'http',
          port: '{{ .Values.backend.service.port }}',
          targetPort: 'http',
          nodePort: '{{ .Values.backend.service.nodePort }}',
        },
      ],
    },
    {
      kind: 'Service',
      name: '{{ fullname }}-postgresql',
      labels: common('postgresql'),
      type: 'ClusterIP',
      selector: selector('postgresql'),
      ports: [{ name: 'postgresql', port: 5432, targetPort: 'postgresql' }],
    },
  ];
}

/** Provider-specific cluster, kubeconfig entries and node image store. */
function providerState(dir: string, provider: Provider, name: string): FakeState {
  const s = emptyState();
  const mkHome = path.join(dir, 'minikube-home', '.minikube');
  const node = (n: string, extra: Record<string, unknown> = {}) => ({ kind: 'Node', name: n, kubeletVersion: K8S, ...extra });
  const namespaces = ['default', 'kube-node-lease', 'kube-public', 'kube-system'].map((ns) => ({ kind: 'Namespace', name: ns }));
  const systemImages = SYSTEM_IMAGES.map((t) => ({ ...image(t, 80_000_000), keep: true }));
  let ctx: string;
  let server: string;
  let clusterExtra: Record<string, unknown> = {};
  let user: Record<string, unknown>;
  if (provider === 'minikube') {
    ctx = name;
    server = 'https://127.0.0.1:32773';
    clusterExtra = {
      'certificate-authority': path.join(mkHome, 'ca.crt'),
      extensions: [
        {
          name: 'cluster_info',
          extension: { 'last-update': 'Wed, 01 Jan 2025 00:00:00 UTC', provider: 'minikube.sigs.k8s.io', version: 'v1.35.0' },
        },
      ],
    };
    user = {
      'client-certificate': path.join(mkHome, 'profiles', name, 'client.crt'),
      'client-key': path.join(mkHome, 'profiles', name, 'client.key'),
    };
    s.minikube = {
      version: 'v1.35.0',
      profiles: [
        {
          name,
          driver: 'docker',
          containerRuntime: 'docker',
          kubernetesVersion: K8S,
          ip: '192.168.49.2',
          apiServerPort: 8443,
          dockerPort: 32772,
          status: { Host: 'Running', Kubelet: 'Running', APIServer: 'Running', Kubeconfig: 'Configured' },
        },
      ],
    };
    s.clusters[ctx] = {
      provider,
      providerName: name,
      serverVersion: K8S,
      nodes: [node(name, { internalIP: '192.168.49.2' })],
      objects: namespaces,
      images: systemImages,
      logs: {},
    };
  } else if (provider === 'kind') {
    ctx = `kind-${name}`;
    server = 'https://127.0.0.1:41235';
    clusterExtra = { 'certificate-authority-data': Buffer.from('fake kind CA\n').toString('base64') };
    user = {
      'client-certificate-data': Buffer.from('fake cert\n').toString('base64'),
      'client-key-data': Buffer.from('fake key\n').toString('base64'),
    };
    s.kind = { clusters: [{ name, running: true }] };
    s.clusters[ctx] = {
      provider,
      providerName: name,
      serverVersion: K8S,
      nodes: [node(`${name}-control-plane`, { internalIP: '172.18.0.2', containerRuntimeVersion: 'containerd://1.7.24' })],
      objects: namespaces,
      images: systemImages,
      logs: {},
    };
  } else if (provider === 'k3d') {
    ctx = `k3d-${name}`;
    server = 'https://0.0.0.0:6550';
    clusterExtra = { 'certificate-authority-data': Buffer.from('fake k3d CA\n').toString('base64') };
    user = {
      'client-certificate-data': Buffer.from('fake cert\n').toString('base64'),
      'client-key-data': Buffer.from('fake key\n').toString('base64'),
    };
    s.k3d = { clusters: [{ name, running: true, servers: 1, agents: 0, apiPort: 6550 }] };
    s.clusters[ctx] = {
      provider,
      providerName: name,
      serverVersion: 'v1.31.5+k3s1',
      nodes: [
        node(`k3d-${name}-server-0`, {
          internalIP: '172.18.0.3',
          containerRuntimeVersion: 'containerd://1.7.23-k3s2',
          kubeletVersion: 'v1.31.5+k3s1',
        }),
      ],
      objects: namespaces,
      images: systemImages,
      logs: {},
    };
  } else {
    ctx = 'docker-desktop';
    server = 'https://kubernetes.docker.internal:6443';
    clusterExtra = { 'certificate-authority-data': Buffer.from('fake docker desktop CA\n').toString('base64') };
    user = {
      'client-certificate-data': Buffer.from('fake cert\n').toString('base64'),
      'client-key-data': Buffer.from('fake key\n').toString('base64'),
    };
    s.clusters[ctx] = {
      provider,
      providerName: 'docker-desktop',
      apiServer: 'Running',
      serverVersion: K8S,
      nodes: [node('docker-desktop', { internalIP: '192.168.65.3' })],
      objects: namespaces,
      imageStore: 'host',
      logs: {},
    };
    s.docker!.images!.push(...systemImages);
  }
  s.kubeconfig.clusters.push({ name: ctx, cluster: { server, ...clusterExtra } });
  s.kubeconfig.users.push({ name: ctx, user });
  s.kubeconfig.contexts.push({ name: ctx, context: { cluster: ctx, user: ctx, namespace: 'default' } });
  s.kubeconfig['current-context'] = ctx;
  return s;
}

/** Kube context name a builder uses for a provider. */
export function contextName(provider: Provider, clusterName?: string): string {
  if (provider === 'minikube') return clusterName ?? 'minikube';
  if (provider === 'kind') return `kind-${clusterName ?? 'todo'}`;
  if (provider === 'k3d') return `k3d-${clusterName ?? 'todo'}`;
  return 'docker-desktop';
}

/**
 * A running cluster with the todo-chatbot images built on the host and
 * (by default) loaded on the node, and the release deployed and healthy:
 * frontend Deployment (2 replicas), backend Deployment (1), postgres
 * StatefulSet with its PVC, Services (NodePorts 30080 and 30800),
 * Endpoints, ConfigMaps and Secrets. The deploying helm call is not left in
 * the calls log.
 */
export async function createTodoChatbotCluster(opts: TodoChatbotOptions = {}): Promise<FakeCluster> {
  const provider = opts.provider ?? 'minikube';
  const clusterName = opts.clusterName ?? (provider === 'minikube' ? 'minikube' : 'todo');
  const release = opts.release ?? 'todo-chatbot';
  const namespace = opts.namespace ?? 'todo';
  const frontendTag = opts.frontendTag ?? 'f1e2d3c4';
  const backendTag = opts.backendTag ?? 'b1a2c3d4';
  const appImages = [image(`todo-frontend:${frontendTag}`, 210_000_000), image(`todo-backend:${backendTag}`, 180_000_000)];
  const fake = createFakeCluster({
    state: (dir) => {
      const s = providerState(dir, provider, clusterName);
      s.docker!.images!.push(...appImages);
      s.registry = { images: ['postgres:17.5-alpine'] };
      const ctx = contextName(provider, clusterName);
      if ((opts.imagesLoaded ?? true) && provider !== 'docker-desktop')
        s.clusters[ctx]!.images!.push(...appImages.map((i) => structuredClone(i)));
      s.helm = { persona: opts.helmPersona ?? 'v3', releases: [], onUpgrade: [{ release, namespace, objects: todoChatbotObjects() }] };
      if (!fs.existsSync(path.join(CHART_DIR, 'Chart.yaml'))) {
        s.helm.charts = { [CHART_DIR]: { name: 'todo-chatbot', version: '0.1.0', appVersion: '0.1.0', values: defaultChartValues() } };
      }
      return s;
    },
  });
  if (opts.deploy ?? true) {
    // --wait only when the pods can become ready (images on the node), as a real deploy would succeed
    const canWait = (opts.imagesLoaded ?? true) || provider === 'docker-desktop';
    const args = [
      'upgrade',
      '--install',
      release,
      CHART_DIR,
      '--namespace',
      namespace,
      '--create-namespace',
      ...(canWait ? ['--wait'] : []),
      '--set',
      `frontend.image.tag=${frontendTag}`,
      '--set',
      `backend.image.tag=${backendTag}`,
      ...(opts.helmArgs ?? []),
    ];
    const r = spawnSync(path.join(FAKE_BIN, 'helm'), args, { env: fake.env, encoding: 'utf8' });
    if (r.status !== 0) {
      fake.cleanup();
      throw new Error(`createTodoChatbotCluster: the deploying fake helm call failed (exit ${r.status}): ${r.stderr}`);
    }
    fake.clearCalls();
  }
  return fake;
}

/** Values the builder's templates need when the chart folder is absent. */
function defaultChartValues(): Record<string, unknown> {
  const comp = (repository: string, port: number, nodePort: number, replicaCount: number) => ({
    image: { repository, tag: '0.1.0', pullPolicy: 'IfNotPresent' },
    replicaCount,
    service: { type: 'NodePort', port, nodePort },
  });
  return {
    frontend: comp('todo-frontend', 3000, 30080, 2),
    backend: comp('todo-backend', 8000, 30800, 1),
    postgresql: { image: { repository: 'postgres', tag: '17.5-alpine', pullPolicy: 'IfNotPresent' }, persistence: { size: '1Gi' } },
    config: { logLevel: 'info', openaiModel: 'gpt-4o-mini' },
    secrets: { openaiApiKey: '' },
  };
}
