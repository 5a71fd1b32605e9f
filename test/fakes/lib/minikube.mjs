// fake minikube: version, status, profile list, ip, image ls/load, docker-env,
// start, stop, delete. Sources: cmd/minikube/cmd/{version,status,ip,docker-env,
// config/profile_list}.go, pkg/minikube/{mustload/mustload.go,shell/shell.go,
// machine/cache_images.go,reason/exitcodes.go}.
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { goJson, parseFlags, unsupported, normalizeImageRef, qualifyImageRef, humanSize } from './core.mjs';
import { clusterFor } from './cluster.mjs';
import { dockerEndpoint } from './docker.mjs';

const EX_GUEST_ERROR = 80;
const EX_GUEST_NOT_RUNNING = 83;
const EX_GUEST_NOT_FOUND = 85;
const EX_PROGRAM_USAGE = 14;
// status exit code bits (cmd/minikube/cmd/status.go)
const MINIKUBE_NOT_RUNNING = 1 << 0;
const CLUSTER_NOT_RUNNING = 1 << 1;
const K8S_NOT_RUNNING = 1 << 2;

/** image load failures are modelled (the image is then not copied). */
export function handlesFailure(argv) {
  return argv.includes('image') && argv.includes('load');
}

const COMMON = {
  profile: 'string',
  p: ['string', 'profile'],
  output: 'string',
  o: ['string', 'output'],
  alsologtostderr: 'bool',
  v: 'string',
};

/** @param {import('./main.mjs').Ctx} ctx */
export async function handle(ctx) {
  const argv = ctx.argv.filter((a) => a !== '--alsologtostderr');
  // the subcommand is the first word that is not a flag or a flag's value ("-p x docker-env")
  const subIdx = argv.findIndex((a, i) => !a.startsWith('-') && !['-p', '--profile', '-o', '--output', '-v'].includes(argv[i - 1] ?? ''));
  const sub = argv[subIdx];
  const rest0 = argv.filter((_, i) => i !== subIdx);
  const c = { ...ctx };
  /** @type {Record<string, any>} */
  const specs = {
    version: { short: 'bool', components: 'bool' },
    status: { format: 'string', f: ['string', 'format'], layout: 'string', l: ['string', 'layout'], node: 'string', n: ['string', 'node'] },
    ip: { node: 'string', n: ['string', 'node'] },
    'docker-env': { shell: 'string', unset: 'bool', u: ['bool', 'unset'], 'no-proxy': 'bool' },
    start: {
      driver: 'string',
      d: ['string', 'driver'],
      'container-runtime': 'string',
      'kubernetes-version': 'string',
      memory: 'string',
      cpus: 'string',
      'disk-size': 'string',
      wait: 'string',
      'wait-timeout': 'string',
      addons: 'list',
      'embed-certs': 'bool',
      'keep-context': 'bool',
      'install-addons': 'bool',
      'force-systemd': 'bool',
      'listen-address': 'string',
      ports: 'list',
      nodes: 'string',
      'delete-on-failure': 'bool',
      interactive: 'bool',
    },
    stop: { all: 'bool', 'keep-context-active': 'bool' },
    delete: { all: 'bool', purge: 'bool' },
    image: { format: 'string', overwrite: 'bool', daemon: 'bool', remote: 'bool', pull: 'bool' },
    profile: { light: 'bool', l: ['bool', 'light'] },
  };
  if (!sub || !(sub in specs)) throw unsupported('minikube', ctx.argv);
  const { flags, args, unknown } = parseFlags(rest0, { ...COMMON, ...specs[sub] });
  if (unknown.length) throw unsupported('minikube', ctx.argv);
  const name = flags.profile ?? c.state.minikube?.activeProfile ?? 'minikube';
  const x = { ...c, flags, args, name };
  switch (sub) {
    case 'version':
      return version(x);
    case 'status':
      return status(x);
    case 'ip':
      return ip(x);
    case 'docker-env':
      return dockerEnv(x);
    case 'start':
      return start(x);
    case 'stop':
      return stop(x);
    case 'delete':
      return del(x);
    case 'image':
      return image(x);
    case 'profile':
      return profile(x);
  }
  throw unsupported('minikube', ctx.argv);
}

// ---------------------------------------------------------------------------
// Styled output (pkg/minikube/out): emoji on a terminal, "* " / "  - " otherwise

const STYLE = {
  happy: ['😄  ', '* '],
  shrug: ['🤷  ', '* '],
  workaround: ['👉  ', '  - '],
  stopping: ['✋  ', '* '],
  stopped: ['🛑  ', '* '],
  deleting: ['🔥  ', '* '],
  deleted: ['💀  ', '* '],
  sparkle: ['✨  ', '* '],
  ready: ['🏄  ', '* '],
  starting: ['👍  ', '* '],
  pulling: ['🚜  ', '* '],
  creating: ['🔥  ', '* '],
  docker: ['🐳  ', '* '],
  verifying: ['🔎  ', '* '],
  enabled: ['🌟  ', '* '],
  usage: ['❌  ', 'X '],
  meh: ['🙄  ', '* '],
};
/** @param {any} c @param {keyof typeof STYLE} st @param {string} text */
function styled(c, st, text) {
  if (c.flags.output === 'json') {
    // out.SetJSON(true): each styled line becomes a CloudEvents step (pkg/minikube/out/register)
    const ev = {
      specversion: '1.0',
      id: crypto.randomUUID(),
      source: 'https://minikube.sigs.k8s.io/',
      type: 'io.k8s.sigs.minikube.step',
      datacontenttype: 'application/json',
      data: { currentstep: '0', message: text, name: 'Initial Minikube Setup', totalsteps: '19' },
    };
    c.io.out(goJson(ev) + '\n');
    return;
  }
  const tty = process.stdout.isTTY && c.env.MINIKUBE_IN_STYLE !== 'false';
  c.io.out(`${STYLE[st][tty ? 0 : 1]}${text}\n`);
}

/** ExampleCmd (mustload.go): "minikube start" for the default profile, else "minikube start -p NAME". */
function exampleCmd(name, action) {
  return name === 'minikube' ? `minikube ${action}` : `minikube ${action} -p ${name}`;
}

/** @param {any} c */
function findProfile(c) {
  return (c.state.minikube?.profiles ?? []).find((/** @type {any} */ p) => p.name === c.name);
}

/** mustload.Partial: the profile or exit 85 with minikube's message. */
function partial(c) {
  const p = findProfile(c);
  if (!p) {
    styled(c, 'shrug', `Profile "${c.name}" not found. Run "minikube profile list" to view all profiles.`);
    styled(c, 'workaround', `To start a cluster, run: "${exampleCmd(c.name, 'start')}"`);
    return { exit: EX_GUEST_NOT_FOUND };
  }
  return { profile: p };
}

/** mustload.Running: the running profile or exit 83. */
function running(c) {
  const r = partial(c);
  if (!r.profile) return r;
  const st = statusOf(r.profile);
  if (st.Host !== 'Running') {
    styled(c, 'shrug', `The control-plane node ${c.name} host is not running: state=${st.Host}`);
    styled(c, 'workaround', `To start a cluster, run: "${exampleCmd(c.name, 'start')}"`);
    return { exit: EX_GUEST_NOT_RUNNING };
  }
  return r;
}

/** @param {any} p */
function statusOf(p) {
  return { Host: 'Running', Kubelet: 'Running', APIServer: 'Running', Kubeconfig: 'Configured', ...(p.status ?? {}) };
}

/** $MINIKUBE_HOME/.minikube (localpath.MiniPath). @param {any} c */
function miniPath(c) {
  const home = c.env.MINIKUBE_HOME;
  if (home) return path.basename(home) === '.minikube' ? home : path.join(home, '.minikube');
  return path.join(c.env.HOME ?? os.homedir(), '.minikube');
}

// ---------------------------------------------------------------------------

function version(c) {
  const v = c.state.minikube?.version ?? 'v1.35.0';
  const commit = c.state.minikube?.commit ?? 'dd5d320e41b5451cdf3c01891bc4e13d189586ed-dirty';
  if (c.args.length || c.flags.components) throw unsupported('minikube', c.argv);
  if (c.flags.output === 'json') c.io.out(goJson({ commit, minikubeVersion: v }) + '\n');
  else if (c.flags.output === undefined) c.io.out(c.flags.short ? `${v}\n` : `minikube version: ${v}\ncommit: ${commit}\n`);
  else throw unsupported('minikube', c.argv);
  return 0;
}

function status(c) {
  const out = c.flags.output ?? 'text';
  if (
    c.args.length ||
    c.flags.format !== undefined ||
    c.flags.node !== undefined ||
    (c.flags.layout && c.flags.layout !== 'nodes') ||
    !['json', 'text'].includes(out)
  )
    throw unsupported('minikube', c.argv);
  const r = partial(c);
  if (!r.profile) return r.exit;
  const st = statusOf(r.profile);
  /** @type {Record<string, any>} */
  const s = { Name: c.name, Host: st.Host, Kubelet: st.Kubelet, APIServer: st.APIServer, Kubeconfig: st.Kubeconfig, Worker: false };
  if (c.env.MINIKUBE_ACTIVE_DOCKERD === c.name) s.DockerEnv = 'in-use';
  if (out === 'json')
    c.io.out(goJson(s)); // statusJSON writes no trailing newline
  else {
    c.io.out(
      `${c.name}\ntype: Control Plane\nhost: ${s.Host}\nkubelet: ${s.Kubelet}\napiserver: ${s.APIServer}\nkubeconfig: ${s.Kubeconfig}\n${s.DockerEnv ? `docker-env: ${s.DockerEnv}\n` : ''}\n`,
    );
  }
  let code = 0;
  if (s.Host !== 'Running') code |= MINIKUBE_NOT_RUNNING;
  if ((s.APIServer !== 'Running' && s.APIServer !== 'Irrelevant') || s.Kubelet !== 'Running') code |= CLUSTER_NOT_RUNNING;
  if (s.Kubeconfig !== 'Configured' && s.Kubeconfig !== 'Irrelevant') code |= K8S_NOT_RUNNING;
  return code;
}

function ip(c) {
  if (c.args.length || c.flags.node) throw unsupported('minikube', c.argv);
  const r = running(c);
  if (!r.profile) return r.exit;
  c.io.out(`${r.profile.ip ?? '192.168.49.2'}\n`);
  return 0;
}

/** Prefix/delimiter/suffix per shell (pkg/minikube/shell/shell.go). */
const SHELLS = {
  bash: {
    prefix: 'export ',
    delimiter: '="',
    suffix: '"\n',
    unsetPrefix: 'unset ',
    unsetSuffix: ';\n',
    hint: (/** @type {string} */ plz, /** @type {string} */ cmd) => `\n# ${plz}\n# eval $(${cmd})\n`,
  },
  fish: {
    prefix: 'set -gx ',
    delimiter: ' "',
    suffix: '";\n',
    unsetPrefix: 'set -e ',
    unsetSuffix: ';\n',
    hint: (/** @type {string} */ plz, /** @type {string} */ cmd) => `\n# ${plz}\n# ${cmd} | source\n`,
  },
  powershell: {
    prefix: '$Env:',
    delimiter: ' = "',
    suffix: '"\n',
    unsetPrefix: 'Remove-Item Env:\\\\',
    unsetSuffix: '\n',
    hint: (/** @type {string} */ plz, /** @type {string} */ cmd) => `# ${plz}\n# & ${cmd} --shell powershell | Invoke-Expression\n`,
  },
  cmd: {
    prefix: 'SET ',
    delimiter: '=',
    suffix: '\n',
    unsetPrefix: 'SET ',
    unsetSuffix: '\n',
    hint: (/** @type {string} */ plz, /** @type {string} */ cmd) =>
      `REM ${plz}\nREM @FOR /f "tokens=*" %i IN ('${cmd} --shell cmd') DO @%i\n`,
  },
  tcsh: {
    prefix: 'setenv ',
    delimiter: ' "',
    suffix: '";\n',
    unsetPrefix: 'unsetenv ',
    unsetSuffix: ';\n',
    hint: (/** @type {string} */ plz, /** @type {string} */ cmd) => `\n: "${plz}"\n: eval \`${cmd}\`\n`,
  },
  none: { prefix: '', delimiter: '=', suffix: '\n', unsetPrefix: '', unsetSuffix: '\n', hint: () => '' },
};

function dockerEnv(c) {
  if (c.args.length || c.flags['no-proxy'] || c.flags.output) throw unsupported('minikube', c.argv);
  const shellName = c.flags.shell ?? 'bash';
  const sh = SHELLS[/** @type {keyof typeof SHELLS} */ (shellName)] ?? SHELLS.bash;
  const vars = ['DOCKER_TLS_VERIFY', 'DOCKER_HOST', 'DOCKER_CERT_PATH', 'MINIKUBE_ACTIVE_DOCKERD'];
  if (c.flags.unset) {
    for (const v of vars) c.io.out(`${sh.unsetPrefix}${v}${sh.unsetSuffix}`);
    return 0;
  }
  const r = running(c);
  if (!r.profile) return r.exit;
  const p = r.profile;
  if ((p.containerRuntime ?? 'docker') !== 'docker') {
    c.io.err(
      `\nX Exiting due to MK_USAGE: The docker-env command is only compatible with the "docker" runtime, but this cluster was configured to use the "${p.containerRuntime}" runtime.\n\n`,
    );
    return EX_PROGRAM_USAGE;
  }
  const values = [
    ['DOCKER_TLS_VERIFY', '1'],
    ['DOCKER_HOST', dockerEndpoint(p)],
    ['DOCKER_CERT_PATH', path.join(miniPath(c), 'certs')],
    ['MINIKUBE_ACTIVE_DOCKERD', c.name],
  ];
  for (const [k, v] of values) c.io.out(`${sh.prefix}${k}${sh.delimiter}${v}${sh.suffix}`);
  c.io.out(sh.hint("To point your shell to minikube's docker-daemon, run:", `minikube -p ${c.name} docker-env`));
  return 0;
}

// ---------------------------------------------------------------------------
// image ls / load (pkg/minikube/machine/cache_images.go)

function image(c) {
  const [verb, ...refs] = c.args;
  if (verb === 'ls' || verb === 'list') {
    if (refs.length) throw unsupported('minikube', c.argv);
    const fmt = c.flags.format ?? 'short';
    if (!['short', 'json'].includes(fmt)) throw unsupported('minikube', c.argv);
    const r = partial(c);
    if (!r.profile) return r.exit;
    const b = clusterFor(c.state, 'minikube', c.name);
    const running = statusOf(r.profile).Host === 'Running';
    const list = running && b ? (b.cluster.images ?? []) : [];
    if (fmt === 'json') {
      // cruntime.ListImage; the docker runtime reads sizes back from `docker images` ("123MB" -> 123000000)
      const rows = [...list]
        .sort((a, b2) => (a.id < b2.id ? -1 : 1))
        .map((img) => ({
          id: img.id.replace(/^sha256:/, ''),
          repoDigests: img.repoDigests ?? [],
          repoTags: (img.repoTags ?? []).map(qualifyImageRef),
          size: String(fromHumanSize(humanSize(img.size ?? 0, 3))),
        }));
      c.io.out(`${goJson(rows)}\n`);
    } else {
      const tags = list
        .flatMap((img) => (img.repoTags ?? []).map(qualifyImageRef))
        .sort()
        .reverse();
      c.io.out(`${tags.join('\n')}\n`);
    }
    return 0;
  }
  if (verb === 'load') {
    if (refs.length !== 1 || c.flags.format || c.flags.remote) throw unsupported('minikube', c.argv);
    const ref = /** @type {string} */ (refs[0]);
    const r = running(c);
    if (!r.profile) return r.exit;
    const b = clusterFor(c.state, 'minikube', c.name);
    const hostImg = (c.state.docker?.images ?? []).find((/** @type {any} */ i) =>
      (i.repoTags ?? []).some((/** @type {string} */ t) => normalizeImageRef(t) === normalizeImageRef(ref)),
    );
    const reason = c.rule
      ? (c.rule.error ?? 'failed pushing to: minikube')
      : !hostImg || (c.state.docker?.daemon ?? 'up') !== 'up'
        ? `Error response from daemon: No such image: ${normalizeImageRef(ref)}`
        : undefined;
    if (reason || !b) {
      if (c.rule?.stdout) c.io.out(c.rule.stdout);
      c.io.err(
        c.rule?.stderr ??
          `\nX Exiting due to GUEST_IMAGE_LOAD: Failed to load image: save to dir: caching images: caching image "${path.join(miniPath(c), 'cache', 'images', 'amd64', normalizeImageRef(ref).replace(':', '_'))}": write: ${reason}\n\n`,
      );
      return c.rule?.exitCode ?? EX_GUEST_ERROR;
    }
    c.mutate((s) => copyImage(s.clusters[b.name], hostImg, ref));
    return 0;
  }
  throw unsupported('minikube', c.argv);
}

/** Put (a copy of) `img` on a node under tag `ref`, replacing whatever had that tag. */
export function copyImage(cluster, img, ref) {
  const tag = normalizeImageRef(ref);
  cluster.images ??= [];
  for (const other of cluster.images)
    other.repoTags = (other.repoTags ?? []).filter((/** @type {string} */ t) => normalizeImageRef(t) !== tag);
  const same = cluster.images.find((/** @type {any} */ i) => i.id === img.id);
  if (same) same.repoTags.push(tag);
  else cluster.images.push({ ...structuredClone(img), repoTags: [tag] });
  cluster.images = cluster.images.filter((/** @type {any} */ i) => i.repoTags.length || i.keep);
}

/** units.FromHumanSize for the decimal forms humanSize prints. @param {string} s */
function fromHumanSize(s) {
  const m = /^([\d.]+)([kMGTP]?B)$/.exec(s);
  if (!m) return 0;
  const mult = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, PB: 1e15 }[/** @type {'B'} */ (m[2])];
  return Math.round(Number(m[1]) * mult);
}

// ---------------------------------------------------------------------------
// profile list -o json (cmd/minikube/cmd/config/profile_list.go)

function profile(c) {
  if (c.args[0] !== 'list' || c.args.length !== 1 || c.flags.output !== 'json') throw unsupported('minikube', c.argv);
  const current = c.state.kubeconfig?.['current-context'];
  const valid = (c.state.minikube?.profiles ?? []).map((/** @type {any} */ p) => {
    const st = statusOf(p);
    const statusName = st.Host !== 'Running' ? st.Host : st.APIServer === 'Running' ? 'OK' : st.APIServer === 'Paused' ? 'Paused' : 'Error';
    const node = {
      Name: '',
      IP: p.ip ?? '192.168.49.2',
      Port: p.apiServerPort ?? 8443,
      KubernetesVersion: p.kubernetesVersion ?? 'v1.32.0',
      ContainerRuntime: p.containerRuntime ?? 'docker',
      ControlPlane: true,
      Worker: true,
    };
    return {
      Name: p.name,
      Status: c.flags.light ? 'Skipped' : statusName,
      Config: {
        Name: p.name,
        KeepContext: false,
        EmbedCerts: false,
        MinikubeISO: '',
        KicBaseImage: 'gcr.io/k8s-minikube/kicbase:v0.0.46',
        Memory: p.memory ?? 3900,
        CPUs: p.cpus ?? 2,
        DiskSize: 20000,
        Driver: p.driver ?? 'docker',
        HyperkitVpnKitSock: '',
        HyperkitVSockPorts: [],
        DockerEnv: null,
        ContainerVolumeMounts: null,
        InsecureRegistry: null,
        RegistryMirror: [],
        HostOnlyCIDR: '192.168.59.1/24',
        HypervVirtualSwitch: '',
        HypervUseExternalSwitch: false,
        HypervExternalAdapter: '',
        KVMNetwork: 'default',
        KVMQemuURI: 'qemu:///system',
        KVMGPU: false,
        KVMHidden: false,
        KVMNUMACount: 1,
        APIServerPort: p.apiServerPort ?? 8443,
        DockerOpt: null,
        DisableDriverMounts: false,
        NFSShare: [],
        NFSSharesRoot: '/nfsshares',
        UUID: '',
        NoVTXCheck: false,
        DNSProxy: false,
        HostDNSResolver: true,
        HostOnlyNicType: 'virtio',
        NatNicType: 'virtio',
        SSHIPAddress: '',
        SSHUser: 'root',
        SSHKey: '',
        SSHPort: 22,
        KubernetesConfig: {
          KubernetesVersion: p.kubernetesVersion ?? 'v1.32.0',
          ClusterName: p.name,
          Namespace: 'default',
          APIServerHAVIP: '',
          APIServerName: 'minikubeCA',
          APIServerNames: null,
          APIServerIPs: null,
          DNSDomain: 'cluster.local',
          ContainerRuntime: p.containerRuntime ?? 'docker',
          CRISocket: '',
          NetworkPlugin: 'cni',
          FeatureGates: '',
          ServiceCIDR: '10.96.0.0/12',
          ImageRepository: '',
          LoadBalancerStartIP: '',
          LoadBalancerEndIP: '',
          CustomIngressCert: '',
          RegistryAliases: '',
          ExtraOptions: null,
          ShouldLoadCachedImages: true,
          EnableDefaultCNI: false,
          CNI: '',
        },
        Nodes: [node],
        Addons: p.addons ?? { 'default-storageclass': true, 'storage-provisioner': true },
        CustomAddonImages: null,
        CustomAddonRegistries: null,
        VerifyComponents: { apiserver: true, system_pods: true },
        StartHostTimeout: 360000000000,
        ScheduledStop: null,
        ExposedPorts: [],
        ListenAddress: '',
        Network: '',
        Subnet: '',
        MultiNodeRequested: false,
        ExtraDisks: 0,
        CertExpiration: 94608000000000000,
        Mount: false,
        MountString: '',
        Mount9PVersion: '9p2000.L',
        MountGID: 'docker',
        MountIP: '',
        MountMSize: 262144,
        MountOptions: [],
        MountPort: 0,
        MountType: '9p',
        MountUID: 'docker',
        BinaryMirror: '',
        DisableOptimizations: false,
        DisableMetrics: false,
        DisableCoreDNSLog: false,
        CustomQemuFirmwarePath: '',
        SocketVMnetClientPath: '',
        SocketVMnetPath: '',
        StaticIP: '',
        SSHAuthSock: '',
        SSHAgentPID: 0,
        GPUs: '',
        AutoPauseInterval: 60000000000,
      },
      Active: current === p.name,
      ActiveKubeContext: current === p.name,
    };
  });
  // json.Marshal of map[string]interface{}: keys sorted
  c.io.out(`${goJson({ invalid: [], valid })}\n`);
  return 0;
}

// ---------------------------------------------------------------------------
// start / stop / delete

function start(c) {
  if (c.args.length) throw unsupported('minikube', c.argv);
  const v = c.state.minikube?.version ?? 'v1.35.0';
  const existing = findProfile(c);
  const driver = c.flags.driver ?? existing?.driver ?? 'docker';
  const runtime = c.flags['container-runtime'] ?? existing?.containerRuntime ?? 'docker';
  const k8s = c.flags['kubernetes-version'] ?? existing?.kubernetesVersion ?? 'v1.32.0';
  styled(c, 'happy', `minikube ${v} on Debian 12.0`);
  styled(
    c,
    'sparkle',
    existing ? `Using the ${driver} driver based on existing profile` : `Using the ${driver} driver based on user configuration`,
  );
  styled(c, 'starting', `Starting "${c.name}" primary control-plane node in "${c.name}" cluster`);
  styled(
    c,
    'creating',
    existing
      ? `Restarting existing ${driver} container for "${c.name}" ...`
      : `Creating ${driver} container (CPUs=${c.flags.cpus ?? 2}, Memory=${c.flags.memory ?? '3900MB'}) ...`,
  );
  styled(c, 'docker', `Preparing Kubernetes ${k8s} on ${runtime === 'docker' ? 'Docker 27.4.1' : runtime} ...`);
  styled(c, 'verifying', 'Verifying Kubernetes components...');
  styled(c, 'enabled', 'Enabled addons: storage-provisioner, default-storageclass');
  styled(c, 'ready', `Done! kubectl is now configured to use "${c.name}" cluster and "default" namespace by default`);
  c.mutate((s) => {
    s.minikube ??= {};
    s.minikube.profiles ??= [];
    let p = s.minikube.profiles.find((/** @type {any} */ x) => x.name === c.name);
    if (!p) {
      const n = s.minikube.profiles.length;
      p = {
        name: c.name,
        driver,
        containerRuntime: runtime,
        kubernetesVersion: k8s,
        ip: `192.168.${49 + n * 9}.2`,
        apiServerPort: 8443,
        dockerPort: 32772 + n * 5,
      };
      s.minikube.profiles.push(p);
    }
    p.status = { Host: 'Running', Kubelet: 'Running', APIServer: 'Running', Kubeconfig: 'Configured' };
    s.clusters ??= {};
    if (!clusterFor(s, 'minikube', c.name)) {
      s.clusters[c.name] = {
        provider: 'minikube',
        providerName: c.name,
        serverVersion: k8s,
        nodes: [{ kind: 'Node', name: c.name, kubeletVersion: k8s, internalIP: p.ip }],
        objects: ['default', 'kube-system', 'kube-public', 'kube-node-lease'].map((ns) => ({ kind: 'Namespace', name: ns })),
        images: [],
        logs: {},
      };
    }
    upsertKubeconfig(
      s,
      c.name,
      c.name,
      `https://127.0.0.1:${(p.dockerPort ?? 32772) + 1}`,
      {
        'certificate-authority': path.join(miniPath(c), 'ca.crt'),
        extensions: [
          {
            name: 'cluster_info',
            extension: { 'last-update': new Date().toUTCString().replace('GMT', 'UTC'), provider: 'minikube.sigs.k8s.io', version: v },
          },
        ],
      },
      {
        'client-certificate': path.join(miniPath(c), 'profiles', c.name, 'client.crt'),
        'client-key': path.join(miniPath(c), 'profiles', c.name, 'client.key'),
      },
    );
    if (!c.flags['keep-context']) s.kubeconfig['current-context'] = c.name;
  });
  return 0;
}

/** Add or refresh a context/cluster/user triple in the kubeconfig (as `minikube start`, `kind create` do). */
export function upsertKubeconfig(s, name, ctxName, server, clusterExtra = {}, user = {}) {
  s.kubeconfig ??= { apiVersion: 'v1', kind: 'Config', clusters: [], contexts: [], users: [], preferences: {}, 'current-context': '' };
  const kc = s.kubeconfig;
  const put = (/** @type {any[]} */ list, /** @type {any} */ entry) => {
    const i = list.findIndex((x) => x.name === entry.name);
    if (i >= 0) list[i] = entry;
    else list.push(entry);
  };
  put((kc.clusters ??= []), { name, cluster: { server, ...clusterExtra } });
  put((kc.users ??= []), { name, user });
  put((kc.contexts ??= []), { name: ctxName, context: { cluster: name, user: name, namespace: 'default' } });
}

function stop(c) {
  if (c.args.length || c.flags.all) throw unsupported('minikube', c.argv);
  const r = partial(c);
  if (!r.profile) return r.exit;
  styled(c, 'stopping', `Stopping node "${c.name}"  ...`);
  if ((r.profile.driver ?? 'docker') === 'docker') styled(c, 'stopping', `Powering off "${c.name}" via SSH ...`);
  styled(c, 'stopped', '1 node stopped.');
  c.mutate((s) => {
    const p = s.minikube.profiles.find((/** @type {any} */ x) => x.name === c.name);
    p.status = { Host: 'Stopped', Kubelet: 'Stopped', APIServer: 'Stopped', Kubeconfig: 'Stopped' };
  });
  return 0;
}

function del(c) {
  if (c.args.length || c.flags.all || c.flags.purge) throw unsupported('minikube', c.argv);
  const p = findProfile(c);
  if (!p) {
    styled(c, 'meh', `"${c.name}" profile does not exist, trying anyways.`);
    styled(c, 'deleted', `Removed all traces of the "${c.name}" cluster.`);
    return 0;
  }
  styled(c, 'deleting', `Deleting "${c.name}" in ${p.driver ?? 'docker'} ...`);
  styled(c, 'deleting', `Deleting container "${c.name}" ...`);
  styled(c, 'deleting', `Removing ${path.join(miniPath(c), 'machines', c.name)} ...`);
  styled(c, 'deleted', `Removed all traces of the "${c.name}" cluster.`);
  c.mutate((s) => {
    s.minikube.profiles = s.minikube.profiles.filter((/** @type {any} */ x) => x.name !== c.name);
    const b = clusterFor(s, 'minikube', c.name);
    if (b) delete s.clusters[b.name];
    removeKubeconfig(s, c.name);
    if (s.helm?.releases) s.helm.releases = s.helm.releases.filter((/** @type {any} */ r) => r.cluster !== c.name);
  });
  return 0;
}

/** Drop the context, cluster and user called `name` from the kubeconfig. */
export function removeKubeconfig(s, name) {
  const kc = s.kubeconfig;
  if (!kc) return;
  kc.contexts = (kc.contexts ?? []).filter((/** @type {any} */ x) => x.name !== name);
  kc.clusters = (kc.clusters ?? []).filter((/** @type {any} */ x) => x.name !== name);
  kc.users = (kc.users ?? []).filter((/** @type {any} */ x) => x.name !== name);
  if (kc['current-context'] === name) kc['current-context'] = '';
}
