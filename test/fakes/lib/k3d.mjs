// fake k3d (v5): cluster list -o json, image import, cluster delete.
// Sources: k3d-io/k3d cmd/cluster/clusterList.go (jsonOutput), pkg/types/types.go
// (Cluster, Node), cmd/image/imageImport.go (log lines via logrus text format).
import { goJson, parseFlags, unsupported, normalizeImageRef, sha256 } from './core.mjs';
import { clusterFor } from './cluster.mjs';
import { copyImage, removeKubeconfig } from './minikube.mjs';

/** image import failures are modelled (the image is then not copied). */
export function handlesFailure(argv) {
  return argv[0] === 'image' && argv[1] === 'import';
}

const started = Date.now();
/** logrus TextFormatter without a TTY-less timestamp: "INFO[0000] msg". */
function log(ctx, level, msg) {
  const secs = String(Math.floor((Date.now() - started) / 1000)).padStart(4, '0');
  ctx.io.err(`${level}[${secs}] ${msg}\n`);
}

/** @param {import('./main.mjs').Ctx} ctx */
export async function handle(ctx) {
  const [noun, verb, ...rest] = ctx.argv;
  const { flags, args, unknown } = parseFlags(rest, {
    output: 'string',
    o: ['string', 'output'],
    'no-headers': 'bool',
    cluster: 'list',
    c: ['list', 'cluster'],
    mode: 'string',
    m: ['string', 'mode'],
    'keep-tarball': 'bool',
    'keep-tools': 'bool',
    all: 'bool',
    a: ['bool', 'all'],
  });
  if (unknown.length) throw unsupported('k3d', ctx.argv);
  const clusters = ctx.state.k3d?.clusters ?? [];
  if (noun === 'cluster' && (verb === 'list' || verb === 'ls' || verb === 'get') && flags.output === 'json') {
    const wanted = args.length ? args : clusters.map((c) => c.name);
    /** @type {any[]} */ const out = [];
    for (const n of [...wanted].sort()) {
      const c = clusters.find((x) => x.name === n);
      if (!c) {
        log(ctx, 'FATA', `failed to get cluster '${n}': No nodes found for given cluster`);
        return 1;
      }
      out.push(clusterJson(c));
    }
    ctx.io.out(goJson(out) + '\n');
    return 0;
  }
  if (noun === 'image' && (verb === 'import' || verb === 'load') && args.length) {
    const names = flags.cluster ?? ['k3s-default'];
    let failed = false;
    for (const name of names) {
      log(ctx, 'INFO', `Importing image(s) into cluster '${name}'`);
      const c = clusters.find((x) => x.name === name);
      const backing = clusterFor(ctx.state, 'k3d', name);
      const hostImages = ctx.state.docker?.images ?? [];
      const imgs = args.map((ref) => ({
        ref,
        img: hostImages.find((/** @type {any} */ i) =>
          (i.repoTags ?? []).some((/** @type {string} */ t) => normalizeImageRef(t) === normalizeImageRef(ref)),
        ),
      }));
      const missing = imgs.find((i) => !i.img);
      let err;
      if (!c || !backing) err = `failed to get cluster: No nodes found for given cluster`;
      else if (missing) err = `failed to save image(s): Error response from daemon: No such image: ${normalizeImageRef(missing.ref)}`;
      else if (ctx.rule) err = ctx.rule.error ?? 'failed to import images in node: exit status 1';
      if (err) {
        if (ctx.rule?.stderr) ctx.io.err(ctx.rule.stderr);
        else log(ctx, 'ERRO', `Failed to import image(s) into cluster '${name}': ${err}`);
        failed = true;
        continue;
      }
      log(ctx, 'INFO', `Importing images into nodes...`);
      for (const i of imgs)
        log(ctx, 'INFO', `Importing images from tarball '/k3d/images/k3d-${name}-images.tar' into node 'k3d-${name}-server-0'...`);
      log(ctx, 'INFO', `Removing the tarball(s) from image volume...`);
      log(ctx, 'INFO', `Successfully imported image(s)`);
      ctx.mutate((s) => {
        for (const i of imgs) copyImage(s.clusters[/** @type {any} */ (backing).name], i.img, i.ref);
      });
    }
    if (failed) {
      log(ctx, 'WARN', 'At least one error occurred while trying to import the image(s) into the selected cluster(s)');
      return ctx.rule?.exitCode ?? 1;
    }
    log(ctx, 'INFO', `Successfully imported ${args.length} image(s) into ${names.length} cluster(s)`);
    return 0;
  }
  if (noun === 'cluster' && verb === 'delete' && args.length === 1) {
    const name = /** @type {string} */ (args[0]);
    if (!clusters.some((c) => c.name === name)) {
      log(ctx, 'ERRO', `Failed to get cluster ${name}: No nodes found for given cluster`);
      log(ctx, 'INFO', `No clusters found`);
      return 0;
    }
    log(ctx, 'INFO', `Deleting cluster '${name}'`);
    log(ctx, 'INFO', `Deleting cluster network 'k3d-${name}'`);
    log(ctx, 'INFO', `Removing cluster details from default kubeconfig...`);
    log(ctx, 'INFO', `Successfully deleted cluster ${name}!`);
    ctx.mutate((s) => {
      s.k3d.clusters = s.k3d.clusters.filter((/** @type {any} */ c) => c.name !== name);
      const b = clusterFor(s, 'k3d', name);
      if (b) delete s.clusters[b.name];
      removeKubeconfig(s, `k3d-${name}`);
    });
    return 0;
  }
  throw unsupported('k3d', ctx.argv);
}

/** k3d's jsonOutput: the Cluster fields, then server/agent counts. */
function clusterJson(c) {
  const running = c.running !== false;
  const servers = c.servers ?? 1;
  const agents = c.agents ?? 0;
  const image = c.image ?? 'rancher/k3s:v1.31.5-k3s1';
  const node = (/** @type {string} */ role, /** @type {number} */ i) => ({
    name: `k3d-${c.name}-${role}-${i}`,
    role,
    image,
    volumes: [`k3d-${c.name}-images:/k3d/images`],
    env: [`K3S_TOKEN=${sha256(c.name).slice(0, 20)}`],
    Cmd: [],
    created: c.created ?? '2025-01-01T00:00:00Z',
    runtimeLabels: { 'k3d.cluster': c.name, 'k3d.role': role },
    Networks: [`k3d-${c.name}`],
    ExtraHosts: [],
    serverOpts:
      role === 'server' ? { kubeAPI: { Binding: { HostIp: '0.0.0.0', HostPort: String(c.apiPort ?? 6550) } } } : { kubeAPI: null },
    agentOpts: {},
    GPURequest: '',
    Memory: '',
    State: { Running: running, Status: running ? 'running' : 'exited', Started: '' },
    IP: { IP: `172.18.0.${i + 2}`, Static: false },
    K3dEntrypoint: true,
  });
  const nodes = [
    ...Array.from({ length: servers }, (_, i) => node('server', i)),
    ...Array.from({ length: agents }, (_, i) => node('agent', i)),
  ];
  return {
    name: c.name,
    network: { name: `k3d-${c.name}`, id: sha256(`net/${c.name}`), ipam: { ipPrefix: '172.18.0.0/16', ipsUsed: null }, Members: null },
    clusterToken: sha256(c.name).slice(0, 20),
    nodes,
    InitNode: null,
    imageVolume: `k3d-${c.name}-images`,
    serversRunning: running ? servers : 0,
    serversCount: servers,
    agentsRunning: running ? agents : 0,
    agentsCount: agents,
    hasLoadbalancer: true,
  };
}
