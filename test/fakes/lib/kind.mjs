// fake kind: get clusters, load docker-image, delete cluster.
// Sources: sigs.k8s.io/kind pkg/cmd/kind/get/clusters/clusters.go,
// pkg/cmd/kind/load/docker-image/docker-image.go, pkg/cmd/kind/app/main.go ("ERROR: " prefix).
import { parseFlags, unsupported, normalizeImageRef } from './core.mjs';
import { clusterFor } from './cluster.mjs';
import { copyImage, removeKubeconfig } from './minikube.mjs';

/** load docker-image failures are modelled (the image is then not copied). */
export function handlesFailure(argv) {
  return argv[0] === 'load';
}

/** @param {import('./main.mjs').Ctx} ctx */
export async function handle(ctx) {
  const [verb, what, ...rest] = ctx.argv;
  const { flags, args, unknown } = parseFlags(rest, { name: 'string', n: ['string', 'name'], nodes: 'string', kubeconfig: 'string' });
  if (unknown.length) throw unsupported('kind', ctx.argv);
  const name = flags.name ?? ctx.env.KIND_CLUSTER_NAME ?? 'kind';
  const clusters = ctx.state.kind?.clusters ?? [];
  if (verb === 'get' && what === 'clusters' && !args.length && !flags.name) {
    if (!clusters.length) ctx.io.err('No kind clusters found.\n');
    for (const c of [...clusters].map((c) => c.name).sort()) ctx.io.out(`${c}\n`);
    return 0;
  }
  if (verb === 'load' && what === 'docker-image' && args.length && !flags.nodes) {
    const hostImages = ctx.state.docker?.images ?? [];
    const found = args.map((ref) => ({
      ref,
      img: hostImages.find((/** @type {any} */ i) =>
        (i.repoTags ?? []).some((/** @type {string} */ t) => normalizeImageRef(t) === normalizeImageRef(ref)),
      ),
    }));
    const missing = found.find((f) => !f.img || (ctx.state.docker?.daemon ?? 'up') !== 'up');
    if (missing) {
      ctx.io.err(`ERROR: image: "${missing.ref}" not present locally\n`);
      return 1;
    }
    const kc = clusters.find((c) => c.name === name);
    const backing = clusterFor(ctx.state, 'kind', name);
    if (!kc || !backing || kc.running === false) {
      ctx.io.err(`ERROR: no nodes found for cluster "${name}"\n`);
      return 1;
    }
    const node = `${name}-control-plane`;
    const toLoad = found.filter(
      (f) =>
        !(backing.cluster.images ?? []).some(
          (/** @type {any} */ i) =>
            i.id === f.img.id && (i.repoTags ?? []).some((/** @type {string} */ t) => normalizeImageRef(t) === normalizeImageRef(f.ref)),
        ),
    );
    for (const f of toLoad) ctx.io.err(`Image: "${f.ref}" with ID "${f.img.id}" not yet present on node "${node}", loading...\n`);
    if (ctx.rule && toLoad.length) {
      if (ctx.rule.stdout) ctx.io.out(ctx.rule.stdout);
      ctx.io.err(
        ctx.rule.stderr ??
          `ERROR: failed to load image: command "docker exec --privileged -i ${node} ctr --namespace=k8s.io images import --all-platforms --digests --snapshotter=overlayfs -" failed with error: exit status 1\n`,
      );
      return ctx.rule.exitCode ?? 1;
    }
    ctx.mutate((s) => {
      for (const f of toLoad) copyImage(s.clusters[backing.name], f.img, f.ref);
    });
    return 0;
  }
  if (verb === 'delete' && what === 'cluster' && !args.length) {
    ctx.io.err(`Deleting cluster "${name}" ...\n`);
    const kc = clusters.find((c) => c.name === name);
    if (kc) ctx.io.err(`Deleted nodes: ["${name}-control-plane"]\n`);
    ctx.mutate((s) => {
      if (!s.kind) return;
      s.kind.clusters = s.kind.clusters.filter((/** @type {any} */ c) => c.name !== name);
      const b = clusterFor(s, 'kind', name);
      if (b) delete s.clusters[b.name];
      removeKubeconfig(s, `kind-${name}`);
      if (s.helm?.releases) s.helm.releases = s.helm.releases.filter((/** @type {any} */ r) => r.cluster !== `kind-${name}`);
    });
    return 0;
  }
  throw unsupported('kind', ctx.argv);
}
