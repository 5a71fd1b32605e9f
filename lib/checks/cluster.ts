// cluster: the context answers, its version, a Ready node, the namespace.
import { kubectlVersion, list, nodes } from './readers.ts';
import { CheckFailure, fail, pass, warn, type Check } from './types.ts';

/** The oldest Kubernetes minor the chart is tested against (kubectl-validate schemas 1.30). */
const MIN_MINOR = 27;

export const CLUSTER_CHECKS: readonly Check[] = [
  {
    id: 'cluster.context',
    group: 'cluster',
    title: 'kube context reachable',
    hint: 'start the cluster (minikube start, or docker start for kind/k3d) or pick another context with --context / KUBE_CONTEXT',
    async run(ctx) {
      const v = await kubectlVersion(ctx);
      if (!v.serverVersion) throw new CheckFailure(`context ${ctx.target.context}: the API server sent no version`);
      return pass(`context ${ctx.target.context} answers`);
    },
  },
  {
    id: 'cluster.version',
    group: 'cluster',
    title: 'server version',
    dependsOn: ['cluster.context'],
    hint: `use Kubernetes 1.${MIN_MINOR} or newer, and a kubectl within one minor version of the server`,
    async run(ctx) {
      const { serverVersion: server, clientVersion: client } = await kubectlVersion(ctx);
      const minor = Number.parseInt(server?.minor ?? '', 10);
      const clientMinor = Number.parseInt(client?.minor ?? '', 10);
      const text = `server ${server?.gitVersion}, kubectl ${client?.gitVersion ?? '?'}`;
      if (Number.isFinite(minor) && minor < MIN_MINOR) return fail(`${text}: Kubernetes 1.${minor} is older than 1.${MIN_MINOR}`);
      if (Number.isFinite(minor) && Number.isFinite(clientMinor) && Math.abs(minor - clientMinor) > 1)
        return warn(`${text}: more than one minor version apart`);
      return pass(text);
    },
  },
  {
    id: 'cluster.node-ready',
    group: 'cluster',
    title: 'a node is Ready',
    dependsOn: ['cluster.context'],
    hint: (t) =>
      `\`kubectl --context ${t.context} describe nodes\` shows why; on minikube, \`minikube status -p <profile>\` and \`minikube logs -p <profile>\``,
    async run(ctx) {
      const all = await nodes(ctx);
      const ready = (n: (typeof all)[number]) =>
        (n.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
      const good = all.filter(ready);
      if (!all.length) return fail('the cluster has no nodes');
      if (!good.length)
        return fail(
          `no node is Ready: ${list(all.map((n) => `${n.metadata.name} (${(n.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready')?.reason ?? 'no Ready condition'})`))}`,
        );
      const kubelet = good[0]!.status?.nodeInfo?.kubeletVersion;
      return pass(`${good.length}/${all.length} Ready: ${list(good.map((n) => n.metadata.name))}${kubelet ? ` (kubelet ${kubelet})` : ''}`);
    },
  },
  {
    id: 'cluster.namespace',
    group: 'cluster',
    title: 'namespace exists',
    dependsOn: ['cluster.context'],
    hint: 'deploy first (npx zx scripts/deploy.ts creates the namespace), or name the right one with --namespace / NAMESPACE',
    async run(ctx) {
      const ns = await ctx.once('namespace', () =>
        ctx.kube.getOptional('namespace', ctx.target.namespace, { clusterScoped: true, signal: ctx.signal }),
      );
      if (!ns) return fail(`namespace ${ctx.target.namespace} does not exist in context ${ctx.target.context}`);
      const phase = ns.status?.phase ?? 'Active';
      if (phase !== 'Active') return fail(`namespace ${ctx.target.namespace} is ${phase}`);
      return pass(`namespace ${ctx.target.namespace} is Active`);
    },
  },
];
