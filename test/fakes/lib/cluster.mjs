// Which cluster a kubectl/helm call talks to, and whether its API server answers.

/**
 * @param {any} state
 * @param {string | undefined} contextName --context / --kube-context, else current-context
 * @returns {{ok: true, name: string, context: any, clusterName: string, cluster: any, server: string, namespace: string} | {ok: false, reason: 'no-current' | 'missing', name?: string}}
 */
export function resolveContext(state, contextName) {
  const kc = state.kubeconfig ?? {};
  const name = contextName ?? kc['current-context'];
  if (!name) return { ok: false, reason: 'no-current' };
  const ctx = (kc.contexts ?? []).find((/** @type {any} */ c) => c.name === name);
  if (!ctx) return { ok: false, reason: 'missing', name };
  const clusterName = ctx.context?.cluster;
  const cl = (kc.clusters ?? []).find((/** @type {any} */ c) => c.name === clusterName);
  return {
    ok: true,
    name,
    context: ctx.context ?? {},
    clusterName,
    cluster: cl?.cluster ?? {},
    server: cl?.cluster?.server ?? 'http://localhost:8080',
    namespace: ctx.context?.namespace || 'default',
  };
}

/** "https://127.0.0.1:32771" -> "127.0.0.1:32771" @param {string} server */
export function hostPort(server) {
  try {
    const u = new URL(server);
    return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
  } catch {
    return server;
  }
}

/**
 * Is the API server of kube cluster `clusterName` up? The provider's own state
 * decides (a stopped minikube profile, a stopped kind or k3d cluster), else the
 * cluster's `apiServer` field ('Running' by default).
 * @param {any} state @param {string} clusterName
 */
export function apiServerUp(state, clusterName) {
  const c = state.clusters?.[clusterName];
  if (!c) return false;
  const pname = c.providerName ?? clusterName;
  if (c.provider === 'minikube') {
    const p = (state.minikube?.profiles ?? []).find((/** @type {any} */ x) => x.name === pname);
    return !!p && (p.status?.APIServer ?? 'Running') === 'Running';
  }
  if (c.provider === 'kind') {
    const k = (state.kind?.clusters ?? []).find((/** @type {any} */ x) => x.name === pname);
    return !!k && k.running !== false;
  }
  if (c.provider === 'k3d') {
    const k = (state.k3d?.clusters ?? []).find((/** @type {any} */ x) => x.name === pname);
    return !!k && k.running !== false;
  }
  return (c.apiServer ?? 'Running') === 'Running';
}

/** Find the kube cluster that backs a provider's cluster ('minikube', 'kind', 'k3d'). */
export function clusterFor(state, provider, providerName) {
  for (const [name, c] of Object.entries(state.clusters ?? {})) {
    if (/** @type {any} */ (c).provider === provider && /** @type {any} */ (c.providerName ?? name) === providerName)
      return { name, cluster: /** @type {any} */ (c) };
  }
  return undefined;
}
