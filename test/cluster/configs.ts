// The text of every component's configuration file, as data. Nothing here runs anything.
import path from 'node:path';
import { CNI_BIN_DIR, NET, NODE_NAME, PORTS, REGISTRY, paths } from './layout.ts';
import { pem } from './pki.ts';

export const SANDBOX_IMAGE = `${REGISTRY}/pause:3.10`;

/**
 * containerd, private to the cluster: its own root, state, sockets and runc root, so
 * Docker's containerd is never touched. restrict_oom_score_adj: these machines deny
 * root CAP_SYS_RESOURCE, and runc's negative oom_score_adj for sandboxes would fail.
 */
export function containerdConfig(): string {
  return `version = 2
root = "${paths.containerdRoot}"
state = "${paths.containerdState}"

[grpc]
  address = "${paths.containerdSock}"

[ttrpc]
  address = "${paths.containerdTtrpc}"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "${path.join(paths.containerdRoot, 'opt')}"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${SANDBOX_IMAGE}"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "${paths.runcRoot}"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${CNI_BIN_DIR}"
    conf_dir = "${paths.cniConf}"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "${paths.registryHosts}"
`;
}

/**
 * containerd's per-registry hosts: the local registry over plain HTTP, and docker.io
 * mirrored to it with no fallback, so an image reference like postgres:17 resolves here
 * and no pull ever leaves the machine.
 */
export function registryHosts(): Record<string, string> {
  const local = `server = "http://${REGISTRY}"

[host."http://${REGISTRY}"]
  capabilities = ["pull", "resolve", "push"]
`;
  const mirror = `server = "http://${REGISTRY}"

[host."http://${REGISTRY}"]
  capabilities = ["pull", "resolve"]
`;
  return { [REGISTRY]: local, 'docker.io': mirror };
}

/** bridge (no masquerade: pods have no business off this machine), firewall (per-pod ACCEPTs past Docker's FORWARD DROP), portmap. */
export function cniConfig(): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'todo-local',
      plugins: [
        {
          type: 'bridge',
          bridge: NET.bridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            dataDir: paths.cniIpam,
            ranges: [[{ subnet: NET.podCidr, gateway: NET.gateway }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
        { type: 'firewall', backend: 'iptables' },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

export function etcdArgs(): string[] {
  return [
    '--name',
    'todo-local',
    '--data-dir',
    paths.etcd,
    '--listen-client-urls',
    `http://127.0.0.1:${PORTS.etcdClient}`,
    '--advertise-client-urls',
    `http://127.0.0.1:${PORTS.etcdClient}`,
    '--listen-peer-urls',
    `http://127.0.0.1:${PORTS.etcdPeer}`,
    '--initial-advertise-peer-urls',
    `http://127.0.0.1:${PORTS.etcdPeer}`,
    '--initial-cluster',
    `todo-local=http://127.0.0.1:${PORTS.etcdPeer}`,
    // A throwaway test cluster: durability is not worth the fsync latency.
    '--unsafe-no-fsync',
    '--log-level',
    'warn',
  ];
}

export function apiserverArgs(): string[] {
  const p = (n: string) => pem(n);
  return [
    `--etcd-servers=http://127.0.0.1:${PORTS.etcdClient}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${PORTS.apiserver}`,
    // The address the `kubernetes` Service advertises: the bridge gateway, never the machine's external address.
    `--advertise-address=${NET.gateway}`,
    `--tls-cert-file=${p('apiserver').crt}`,
    `--tls-private-key-file=${p('apiserver').key}`,
    `--client-ca-file=${p('ca').crt}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${path.join(paths.pki, 'sa.pub')}`,
    `--service-account-signing-key-file=${p('sa').key}`,
    `--service-cluster-ip-range=${NET.serviceCidr}`,
    '--service-node-port-range=30000-32767',
    '--authorization-mode=Node,RBAC',
    '--allow-privileged=true',
    `--kubelet-client-certificate=${p('apiserver-kubelet-client').crt}`,
    `--kubelet-client-key=${p('apiserver-kubelet-client').key}`,
    '--kubelet-preferred-address-types=Hostname,InternalIP',
    `--requestheader-client-ca-file=${p('front-proxy-ca').crt}`,
    '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-username-headers=X-Remote-User',
    `--proxy-client-cert-file=${p('front-proxy-client').crt}`,
    `--proxy-client-key-file=${p('front-proxy-client').key}`,
    '--enable-admission-plugins=NodeRestriction',
    '--profiling=false',
  ];
}

function componentArgs(kubeconfig: string, port: number): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    '--leader-elect=false',
    '--profiling=false',
  ];
}

export function controllerManagerArgs(): string[] {
  return [
    ...componentArgs(path.join(paths.conf, 'controller-manager.kubeconfig'), PORTS.controllerManager),
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${pem('sa').key}`,
    `--root-ca-file=${pem('ca').crt}`,
    `--cluster-signing-cert-file=${pem('ca').crt}`,
    `--cluster-signing-key-file=${pem('ca').key}`,
    `--service-cluster-ip-range=${NET.serviceCidr}`,
    `--requestheader-client-ca-file=${pem('front-proxy-ca').crt}`,
  ];
}

export function schedulerArgs(): string[] {
  return [
    ...componentArgs(path.join(paths.conf, 'scheduler.kubeconfig'), PORTS.scheduler),
    `--requestheader-client-ca-file=${pem('front-proxy-ca').crt}`,
  ];
}

/** cgroupfs (no systemd here); cgroup v1 is deprecated from 1.35 on, hence failCgroupV1: false. */
export function kubeletConfig(): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: ${PORTS.kubelet}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${PORTS.kubeletHealthz}
tlsCertFile: ${pem('kubelet-server').crt}
tlsPrivateKeyFile: ${pem('kubelet-server').key}
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: ${pem('ca').crt}
authorization:
  mode: Webhook
containerRuntimeEndpoint: unix://${paths.containerdSock}
cgroupDriver: cgroupfs
failSwapOn: false
failCgroupV1: false
clusterDomain: cluster.local
clusterDNS:
  - ${NET.dnsServiceIp}
resolvConf: ""
podLogsDir: ${paths.podLogs}
serializeImagePulls: false
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
staticPodPath: ""
`;
}

export function kubeletArgs(): string[] {
  return [
    `--config=${path.join(paths.conf, 'kubelet.yaml')}`,
    `--kubeconfig=${path.join(paths.conf, 'kubelet.kubeconfig')}`,
    `--root-dir=${paths.kubelet}`,
    `--hostname-override=${NODE_NAME}`,
    `--node-ip=${NET.gateway}`,
    '--v=1',
  ];
}

/** iptables mode; NodePorts on loopback only; conntrack left alone (0 = do not touch the sysctls). */
export function kubeProxyConfig(): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:${PORTS.proxyHealthz}
metricsBindAddress: 127.0.0.1:${PORTS.proxyMetrics}
hostnameOverride: ${NODE_NAME}
clusterCIDR: ${NET.podCidrWide}
clientConnection:
  kubeconfig: ${path.join(paths.conf, 'kube-proxy.kubeconfig')}
nodePortAddresses:
  - 127.0.0.1/32
iptables:
  localhostNodePorts: true
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
`;
}

/**
 * Cluster DNS on the host, on the bridge gateway: the kubernetes plugin answers the
 * cluster's names; everything else gets NXDOMAIN, so no query leaves the machine.
 */
export function corefile(): string {
  return `cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {
    bind ${NET.gateway}
    errors
    health 127.0.0.1:${PORTS.dnsHealth}
    ready 127.0.0.1:${PORTS.dnsReady}
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig ${path.join(paths.conf, 'coredns.kubeconfig')} todo-local
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 30
    loadbalance
}
.:53 {
    bind ${NET.gateway}
    errors
    template ANY ANY {
        rcode NXDOMAIN
    }
}
`;
}

export function registryConfig(): string {
  return `version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${paths.registryData}
  delete:
    enabled: true
http:
  addr: ${REGISTRY}
  headers:
    X-Content-Type-Options: [nosniff]
`;
}
