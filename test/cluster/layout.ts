// Where the from-source cluster keeps things, and the fixed facts it runs on: versions,
// addresses, ports. Every component binds to 127.0.0.1; the only other address is the
// pod bridge's gateway, an address of this machine on a bridge the cluster makes itself.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const K8S_VERSION = process.env.K8S_VERSION ?? 'v1.34.4';
export const CONTEXT = 'todo-local';
/** The node's name. "localhost" resolves to 127.0.0.1 everywhere, so the API server reaches the kubelet on loopback. */
export const NODE_NAME = 'localhost';

export const NET = {
  podCidr: '10.244.0.0/24',
  podCidrWide: '10.244.0.0/16',
  /** The bridge's own address: pods' gateway, the node IP, where cluster DNS listens. */
  gateway: '10.244.0.1',
  bridge: 'todo0',
  serviceCidr: '10.96.0.0/16',
  apiServiceIp: '10.96.0.1',
  dnsServiceIp: '10.96.0.10',
} as const;

export const PORTS = {
  etcdClient: 2379,
  etcdPeer: 2380,
  apiserver: 6443,
  registry: 5000,
  kubelet: 10250,
  kubeletHealthz: 10248,
  proxyHealthz: 10256,
  proxyMetrics: 10249,
  controllerManager: 10257,
  scheduler: 10259,
  dnsHealth: 10053,
  dnsReady: 10054,
} as const;

export const REGISTRY = `127.0.0.1:${PORTS.registry}`;
export const SERVER = `https://127.0.0.1:${PORTS.apiserver}`;

/** Data that lives until cluster:down (etcd, containerd's images, kubelet, volumes), and the registry's storage, kept across downs. */
export const STATE_DIR = process.env.TODO_LOCAL_STATE ?? '/var/lib/todo-local';
/** Sockets, PID files and runtime state: short paths (a unix socket path is limited to 107 bytes). */
export const RUN_DIR = process.env.TODO_LOCAL_RUN ?? '/run/todo-local';

export const BIN_DIR = path.join(REPO_ROOT, '.tools', 'cluster', K8S_VERSION, 'bin');

export const paths = {
  pki: path.join(STATE_DIR, 'pki'),
  etcd: path.join(STATE_DIR, 'etcd'),
  kubelet: path.join(STATE_DIR, 'kubelet'),
  podLogs: path.join(STATE_DIR, 'pod-logs'),
  containerdRoot: path.join(STATE_DIR, 'containerd'),
  containerdState: path.join(RUN_DIR, 'containerd'),
  containerdSock: path.join(RUN_DIR, 'containerd.sock'),
  containerdTtrpc: path.join(RUN_DIR, 'containerd-ttrpc.sock'),
  runcRoot: path.join(RUN_DIR, 'runc'),
  registryHosts: path.join(STATE_DIR, 'certs.d'),
  cniConf: path.join(STATE_DIR, 'cni', 'net.d'),
  cniIpam: path.join(STATE_DIR, 'cni', 'ipam'),
  volumes: path.join(STATE_DIR, 'volumes'),
  registryData: path.join(STATE_DIR, 'registry-data'),
  conf: path.join(STATE_DIR, 'conf'),
  logs: path.join(STATE_DIR, 'logs'),
  pids: path.join(RUN_DIR, 'pids'),
  /** The host settings cluster:up changed, with their values before, for cluster:down to put back. */
  hostChanges: path.join(STATE_DIR, 'host-changes.json'),
  adminKubeconfig: path.join(STATE_DIR, 'conf', 'admin.kubeconfig'),
} as const;

/** Debian's CNI plugins. */
export const CNI_BIN_DIR = '/usr/lib/cni';

/** Iptables chains the cluster's components create: kube-proxy (KUBE-), the CNI plugins (CNI-), and ours. */
export const CHAIN_PREFIXES = ['KUBE-', 'CNI-', 'TODO-LOCAL-'] as const;
