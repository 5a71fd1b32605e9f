// The from-source single-node cluster: up, down and status. The components are a table
// (program, arguments, readiness probe, start order); up starts what is not running,
// waits for each to answer, seeds the cluster (DNS Service, StorageClass, RBAC) and the
// registry (pause and PostgreSQL stand-in images), and merges a `todo-local` context
// into the user's kubeconfig. down stops every process by PID, then undoes every host
// change. This module is over 350 lines' worth of steps only if split; it stays one
// orchestration, the details live beside it (configs, host, daemons, pki, images).
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Runner } from '../../lib/exec.ts';
import { api, insecureGet, registryAnswers } from './api.ts';
import * as conf from './configs.ts';
import { logTail, runningPid, startDaemon, stopDaemon, type DaemonSpec } from './daemons.ts';
import {
  foreignKubeChains,
  hasHostRecord,
  killContainers,
  killPodProcesses,
  prepareHost,
  removeChains,
  removePodCgroups,
  restoreHost,
  unmountAll,
} from './host.ts';
import { seedRegistry } from './images.ts';
import { BIN_DIR, CONTEXT, K8S_VERSION, NET, NODE_NAME, PORTS, REPO_ROOT, RUN_DIR, SERVER, STATE_DIR, paths } from './layout.ts';
import { ensurePki, pem, writeKubeconfig } from './pki.ts';
import { PROVISIONER, STORAGE_CLASS } from './provisioner.ts';

export interface Component extends DaemonSpec {
  /** Resolves true once the component serves. */
  ready(): Promise<boolean>;
  /** Started together with the others of the same wave, after the previous wave is ready. */
  wave: number;
  /** Ports it listens on, checked free before it starts. */
  ports: number[];
}

const k8s = (name: string) => path.join(BIN_DIR, name);
const PROVISIONER_SCRIPT = path.join(REPO_ROOT, 'test/cluster/provisioner.ts');
const conffile = (name: string) => path.join(paths.conf, name);

async function httpOk(url: string, check: (body: string) => boolean = () => true): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok && check(await res.text());
  } catch {
    return false;
  }
}

function socketAccepts(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(file, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const probe = async (fn: () => Promise<boolean>) => fn().catch(() => false);

export const COMPONENTS: Component[] = [
  {
    wave: 0,
    name: 'registry',
    bin: '/usr/bin/docker-registry',
    args: ['serve', conffile('registry.yml')],
    ports: [PORTS.registry],
    ready: registryAnswers,
  },
  {
    wave: 0,
    name: 'etcd',
    bin: '/usr/bin/etcd',
    args: conf.etcdArgs(),
    ports: [PORTS.etcdClient, PORTS.etcdPeer],
    ready: () => httpOk(`http://127.0.0.1:${PORTS.etcdClient}/health`, (b) => /"health":\s*"true"/.test(b)),
  },
  {
    wave: 0,
    name: 'containerd',
    bin: '/usr/bin/containerd',
    args: ['--config', conffile('containerd.toml')],
    ports: [],
    ready: () => socketAccepts(paths.containerdSock),
  },
  {
    wave: 1,
    name: 'kube-apiserver',
    bin: k8s('kube-apiserver'),
    args: conf.apiserverArgs(),
    ports: [PORTS.apiserver],
    ready: () => probe(async () => (await api('GET', '/readyz', undefined, 3000)).status === 200),
  },
  {
    wave: 2,
    name: 'kube-controller-manager',
    bin: k8s('kube-controller-manager'),
    args: conf.controllerManagerArgs(),
    ports: [PORTS.controllerManager],
    ready: () => probe(async () => (await insecureGet(PORTS.controllerManager, '/healthz')).status === 200),
  },
  {
    wave: 2,
    name: 'kube-scheduler',
    bin: k8s('kube-scheduler'),
    args: conf.schedulerArgs(),
    ports: [PORTS.scheduler],
    ready: () => probe(async () => (await insecureGet(PORTS.scheduler, '/healthz')).status === 200),
  },
  {
    wave: 2,
    name: 'kubelet',
    bin: k8s('kubelet'),
    args: conf.kubeletArgs(),
    ports: [PORTS.kubelet, PORTS.kubeletHealthz],
    ready: () => httpOk(`http://127.0.0.1:${PORTS.kubeletHealthz}/healthz`),
  },
  {
    wave: 2,
    name: 'kube-proxy',
    bin: k8s('kube-proxy'),
    args: [`--config=${conffile('kube-proxy.yaml')}`],
    ports: [PORTS.proxyHealthz, PORTS.proxyMetrics],
    ready: () => httpOk(`http://127.0.0.1:${PORTS.proxyHealthz}/healthz`),
  },
  {
    wave: 2,
    name: 'coredns',
    bin: k8s('coredns'),
    args: ['-conf', conffile('Corefile')],
    ports: [PORTS.dnsHealth, PORTS.dnsReady],
    ready: () => httpOk(`http://127.0.0.1:${PORTS.dnsReady}/ready`),
  },
  {
    wave: 2,
    name: 'provisioner',
    bin: process.execPath,
    marker: 'test/cluster/provisioner.ts',
    args: ['--import', 'tsx', PROVISIONER_SCRIPT],
    ports: [],
    // It serves nothing to probe: running is ready.
    ready: async () => Boolean(runningPid({ name: 'provisioner', bin: process.execPath, marker: 'test/cluster/provisioner.ts' })),
  },
];

export class ClusterError extends Error {}

function writeConfigs(): void {
  for (const dir of [
    paths.conf,
    paths.cniConf,
    paths.cniIpam,
    paths.volumes,
    paths.registryData,
    paths.podLogs,
    paths.kubelet,
    paths.etcd,
    RUN_DIR,
  ])
    mkdirSync(dir, { recursive: true });
  writeFileSync(conffile('registry.yml'), conf.registryConfig());
  writeFileSync(conffile('containerd.toml'), conf.containerdConfig());
  for (const [host, text] of Object.entries(conf.registryHosts())) {
    mkdirSync(path.join(paths.registryHosts, host), { recursive: true });
    writeFileSync(path.join(paths.registryHosts, host, 'hosts.toml'), text);
  }
  writeFileSync(path.join(paths.cniConf, '10-todo-local.conflist'), conf.cniConfig());
  writeFileSync(conffile('kubelet.yaml'), conf.kubeletConfig());
  writeFileSync(conffile('kube-proxy.yaml'), conf.kubeProxyConfig());
  writeFileSync(conffile('Corefile'), conf.corefile());
  const identities: [string, string][] = [
    ['admin.kubeconfig', 'admin'],
    ['controller-manager.kubeconfig', 'controller-manager'],
    ['scheduler.kubeconfig', 'scheduler'],
    ['kubelet.kubeconfig', 'kubelet'],
    ['kube-proxy.kubeconfig', 'kube-proxy'],
    ['coredns.kubeconfig', 'coredns'],
  ];
  for (const [file, identity] of identities) writeKubeconfig(conffile(file), identity, CONTEXT, SERVER);
}

function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(true));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

async function waitReady(component: Component, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await component.ready()) return;
    if (!runningPid(component))
      throw new ClusterError(`${component.name} exited while starting; its log ends:\n${logTail(component.name)}`);
    await sleep(200);
  }
  throw new ClusterError(`${component.name} did not become ready within ${timeoutMs / 1000}s; its log ends:\n${logTail(component.name)}`);
}

/** The objects every cluster of this kind has: DNS Service and its host endpoint, the default StorageClass, CoreDNS's read access. */
export const SEED_OBJECTS: { path: string; body: Record<string, unknown> }[] = [
  {
    path: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'system:coredns' },
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    },
  },
  {
    path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:coredns' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:coredns' }],
    },
  },
  {
    path: '/api/v1/namespaces/kube-system/services',
    body: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
      spec: {
        clusterIP: NET.dnsServiceIp,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        ],
      },
    },
  },
  {
    path: '/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices',
    body: {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'kube-dns-host',
        namespace: 'kube-system',
        labels: { 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': 'todo-local' },
      },
      addressType: 'IPv4',
      endpoints: [{ addresses: [NET.gateway], conditions: { ready: true } }],
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      ],
    },
  },
  {
    path: '/apis/storage.k8s.io/v1/storageclasses',
    body: {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: STORAGE_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: PROVISIONER,
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'Immediate',
    },
  },
];

async function seedCluster(): Promise<void> {
  for (const object of SEED_OBJECTS) {
    // Present already (a second up): a POST would fail on the Service's fixed IP before the name.
    const name = (object.body.metadata as { name: string }).name;
    if ((await api('GET', `${object.path}/${encodeURIComponent(name)}`)).status === 200) continue;
    const res = await api('POST', object.path, object.body);
    if (res.status !== 201 && res.status !== 409)
      throw new ClusterError(`creating ${String(object.body.kind)} failed (${res.status}): ${res.body.slice(0, 300)}`);
  }
}

async function nodeReady(): Promise<boolean> {
  const res = await api('GET', `/api/v1/nodes/${NODE_NAME}`).catch(() => undefined);
  if (res?.status !== 200) return false;
  const node = JSON.parse(res.body) as { status?: { conditions?: { type: string; status: string }[] } };
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, logs: string[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(250);
  }
  throw new ClusterError(`${what} within ${timeoutMs / 1000}s; logs:\n${logs.map((n) => `--- ${n}\n${logTail(n)}`).join('\n')}`);
}

/** The user's kubeconfig gets a `todo-local` context (not made current: --context todo-local names it). */
async function mergeKubeconfig(run: Runner, env: NodeJS.ProcessEnv): Promise<void> {
  const opts = { env: { KUBECONFIG: env.KUBECONFIG } };
  await run(
    'kubectl',
    ['config', 'set-cluster', CONTEXT, `--server=${SERVER}`, `--certificate-authority=${pem('ca').crt}`, '--embed-certs=true'],
    opts,
  );
  await run(
    'kubectl',
    [
      'config',
      'set-credentials',
      `${CONTEXT}-admin`,
      `--client-certificate=${pem('admin').crt}`,
      `--client-key=${pem('admin').key}`,
      '--embed-certs=true',
    ],
    opts,
  );
  await run('kubectl', ['config', 'set-context', CONTEXT, `--cluster=${CONTEXT}`, `--user=${CONTEXT}-admin`], opts);
}

export interface UpOptions {
  run: Runner;
  log: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface UpTimings {
  totalMs: number;
  phases: Record<string, number>;
}

export async function up(opts: UpOptions): Promise<UpTimings> {
  const { run, log } = opts;
  const started = performance.now();
  const phases: Record<string, number> = {};
  const mark = (phase: string, since: number) => (phases[phase] = Math.round(performance.now() - since));
  const missing = [...new Set(COMPONENTS.map((c) => c.bin))].filter((b) => !existsSync(b));
  if (missing.length) {
    throw new ClusterError(
      `missing programs: ${missing.map((m) => (path.relative(REPO_ROOT, m).startsWith('..') ? m : path.relative(REPO_ROOT, m))).join(', ')}\n` +
        `  build the cluster binaries: bash test/cluster/build-binaries.sh; install the Debian parts: bash .ci/install-packages.sh`,
    );
  }
  if (process.getuid?.() !== 0)
    throw new ClusterError('the cluster needs root (it runs containerd, the kubelet and kube-proxy, and changes iptables): run as root');
  // State with nothing running: a cluster that crashed or whose machine stopped. Its etcd still
  // lists pods, and its mounts, chains and bridge are still there: clean up first, keep the registry.
  if (!COMPONENTS.some((c) => runningPid(c)) && (existsSync(paths.hostChanges) || existsSync(paths.etcd))) {
    log('cleaning up after a cluster that did not stop cleanly');
    await down(opts);
  }
  const foreign = await foreignKubeChains(run);
  if (foreign.length)
    throw new ClusterError(
      `this host has iptables chains of another Kubernetes or CNI (${foreign.slice(0, 3).join(', ')}…); refusing to share the host with it`,
    );
  for (const c of COMPONENTS) {
    if (runningPid(c)) continue;
    for (const port of c.ports)
      if (await portTaken(port))
        throw new ClusterError(
          `port 127.0.0.1:${port} (for ${c.name}) is taken by another process: stop it, or run npm run cluster:down if it is a leftover of this cluster`,
        );
  }

  let t = performance.now();
  await ensurePki(run);
  writeConfigs();
  await prepareHost(run);
  mark('pki, configs and host', t);

  let registrySeed: Promise<void> | undefined;
  for (const wave of [0, 1, 2]) {
    t = performance.now();
    const members = COMPONENTS.filter((c) => c.wave === wave);
    for (const c of members) startDaemon(c);
    await Promise.all(members.map((c) => waitReady(c, 60_000)));
    mark(`wave ${wave}: ${members.map((c) => c.name).join(', ')}`, t);
    // The sandbox image must be in the registry before the kubelet makes a pod.
    if (wave === 0) registrySeed = seedRegistry({ run, log });
    if (wave === 1) await seedCluster();
    if (wave === 1) await registrySeed;
  }
  t = performance.now();
  await waitFor('the node did not become Ready', nodeReady, 90_000, ['kubelet', 'containerd']);
  await waitFor(
    'the default ServiceAccount did not appear',
    async () => (await api('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200,
    60_000,
    ['kube-controller-manager'],
  );
  mark('node Ready', t);
  await mergeKubeconfig(run, opts.env ?? process.env);
  phases.total = Math.round(performance.now() - started);
  return { totalMs: phases.total, phases };
}

export interface ComponentStatus {
  name: string;
  pid?: number;
  ready: boolean;
}

export async function status(): Promise<{ components: ComponentStatus[]; nodeReady: boolean }> {
  const components = await Promise.all(
    COMPONENTS.map(async (c) => ({ name: c.name, pid: runningPid(c), ready: await c.ready().catch(() => false) })),
  );
  const apiUp = components.find((c) => c.name === 'kube-apiserver')?.ready;
  return { components, nodeReady: apiUp ? await nodeReady() : false };
}

export interface DownReport {
  stopped: string[];
  containers: number;
  chains: number;
  mounts: number;
  cgroups: number;
}

/** Stops by PID (kubelet first, so it restarts nothing), then undoes the host changes. Idempotent; cleans up after a crashed up. */
export async function down(opts: UpOptions & { purge?: boolean }): Promise<DownReport> {
  const { run } = opts;
  const stopped: string[] = [];
  const order = [
    'kubelet',
    'provisioner',
    'coredns',
    'kube-proxy',
    'kube-scheduler',
    'kube-controller-manager',
    'containerd',
    'kube-apiserver',
    'etcd',
    'registry',
  ];
  for (const name of order) {
    const c = COMPONENTS.find((x) => x.name === name)!;
    if (name === 'containerd') await killContainers(run);
    if (await stopDaemon(c)) stopped.push(name);
  }
  // The host-wide leftovers (pod processes and cgroups, KUBE-/CNI- chains) are ours only while
  // our record of the host says so: on a host with another Kubernetes, they would be its.
  const ours = hasHostRecord();
  const containers = (await killContainers(run)) + (ours ? killPodProcesses() : 0);
  if (containers) await sleep(500); // let the kernel empty the cgroups before they are removed
  // kube-proxy's own cleanup removes its iptables (and nftables) rules; ours then removes whatever is left.
  if (ours && existsSync(k8s('kube-proxy'))) await run(k8s('kube-proxy'), ['--cleanup'], { nothrow: true, timeoutMs: 60_000 });
  const chains = ours ? await removeChains(run) : 0;
  const mounts = await unmountAll(run);
  const cgroups = ours ? removePodCgroups() : 0;
  await restoreHost(run);
  const kubeconfigEnv = { env: { KUBECONFIG: (opts.env ?? process.env).KUBECONFIG } };
  for (const args of [
    ['delete-context', CONTEXT],
    ['delete-cluster', CONTEXT],
    ['delete-user', `${CONTEXT}-admin`],
  ]) {
    await run('kubectl', ['config', ...args], { ...kubeconfigEnv, nothrow: true });
  }
  // Everything but the logs of this run and (unless purge) the registry's storage, so the next up pushes nothing again.
  for (const dir of [
    paths.etcd,
    paths.kubelet,
    paths.podLogs,
    paths.containerdRoot,
    paths.cniConf,
    paths.cniIpam,
    paths.volumes,
    paths.registryHosts,
    paths.pki,
    paths.conf,
    RUN_DIR,
  ]) {
    rmSync(dir, { recursive: true, force: true });
  }
  rmSync(paths.hostChanges, { force: true });
  if (opts.purge) rmSync(paths.registryData, { recursive: true, force: true });
  return { stopped, containers, chains, mounts, cgroups };
}

export const describe = { K8S_VERSION, STATE_DIR, RUN_DIR, CONTEXT, SERVER };
