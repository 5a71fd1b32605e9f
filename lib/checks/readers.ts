// Reads shared by the checks, each memoized in the context: one kubectl or
// helm call however many checks look at its answer.
import type { HelmRevision } from '../helm.ts';
import { ClusterUnreachableError, releaseSelector, type Kubectl, type KubeList, type KubeObject } from '../kubectl.ts';
import type { CheckContext } from './types.ts';

export interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: { configMapKeyRef?: KeyRef; secretKeyRef?: KeyRef } }[];
  envFrom?: { configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string; optional?: boolean } }[];
}
export interface KeyRef {
  name: string;
  key: string;
  optional?: boolean;
}

export type { HelmRevision } from '../helm.ts';

export const RELEASE_KINDS = 'deployments,statefulsets,pods,services,configmaps,persistentvolumeclaims';

/** What the readers need of a check context: status (lib/status.ts) reads through them too, without a check run. */
export type ReadContext = Pick<CheckContext, 'kube' | 'target' | 'signal' | 'once' | 'helm'>;

/** A fresh context for reads outside a check run (status, the rollout watch): its memo lives as long as it does. */
export function readContext(
  kube: Kubectl,
  release: string,
  signal?: AbortSignal,
  helm: ReadContext['helm'] = async () => {
    throw new Error('this read context has no helm');
  },
): ReadContext {
  const memo = new Map<string, Promise<unknown>>();
  return {
    kube,
    target: { context: kube.target.context, namespace: kube.target.namespace, release },
    signal: signal ?? new AbortController().signal,
    once<T>(key: string, fn: () => Promise<T>) {
      if (!memo.has(key)) memo.set(key, fn());
      return memo.get(key) as Promise<T>;
    },
    helm,
  };
}

/** The release's objects (by the app.kubernetes.io/instance label), in one call. */
export function releaseObjects(ctx: ReadContext): Promise<KubeObject[]> {
  return ctx.once('release-objects', async () => {
    const list = await ctx.kube.json<KubeList>([RELEASE_KINDS, '--selector', releaseSelector(ctx.target.release)], { signal: ctx.signal });
    return list.items;
  });
}

export async function ofKind(ctx: ReadContext, ...kinds: string[]): Promise<KubeObject[]> {
  return (await releaseObjects(ctx)).filter((o) => kinds.includes(o.kind ?? ''));
}

/** Deployments and StatefulSets of the release. */
export const workloads = (ctx: ReadContext) => ofKind(ctx, 'Deployment', 'StatefulSet');

/** Pods that serve: helm test hooks and finished pods are not part of the running app. */
export async function servingPods(ctx: ReadContext): Promise<KubeObject[]> {
  return (await ofKind(ctx, 'Pod')).filter(
    (p) =>
      !p.metadata.annotations?.['helm.sh/hook'] &&
      !['Succeeded', 'Failed'].includes(p.status?.phase) &&
      !(p.metadata as { deletionTimestamp?: string }).deletionTimestamp,
  );
}

export function component(o: KubeObject): string {
  return o.metadata.labels?.['app.kubernetes.io/component'] ?? o.metadata.name;
}

export function templateContainers(workload: KubeObject): Container[] {
  return [...(workload.spec?.template?.spec?.initContainers ?? []), ...(workload.spec?.template?.spec?.containers ?? [])] as Container[];
}

export function kubectlVersion(ctx: CheckContext): Promise<{
  clientVersion?: { gitVersion: string; minor: string };
  serverVersion?: { gitVersion: string; major: string; minor: string; platform?: string };
}> {
  return ctx.once('version', async () =>
    JSON.parse(await ctx.kube.exec(['version', '--output', 'json'], { clusterScoped: true, signal: ctx.signal, timeoutMs: 15_000 })),
  );
}

export function nodes(ctx: CheckContext): Promise<KubeObject[]> {
  return ctx.once('nodes', async () => (await ctx.kube.json<KubeList>(['nodes'], { clusterScoped: true, signal: ctx.signal })).items);
}

export function allServices(ctx: CheckContext): Promise<KubeObject[]> {
  return ctx.once(
    'all-services',
    async () => (await ctx.kube.json<KubeList>(['services', '--all-namespaces'], { clusterScoped: true, signal: ctx.signal })).items,
  );
}

export function endpointSlices(ctx: CheckContext): Promise<KubeObject[]> {
  return ctx.once(
    'endpointslices',
    async () =>
      (await ctx.kube.json<KubeList>(['endpointslices', '--selector', releaseSelector(ctx.target.release)], { signal: ctx.signal })).items,
  );
}

/** Named objects of one kind; missing ones are simply absent. */
export function named(ctx: CheckContext, kind: string, names: readonly string[]): Promise<KubeObject[]> {
  const unique = [...new Set(names)].sort();
  if (!unique.length) return Promise.resolve([]);
  return ctx.once<KubeObject[]>(`${kind}:${unique.join(',')}`, async () => {
    const text = await ctx.kube.exec(['get', kind, ...unique, '--ignore-not-found', '--output', 'json'], { signal: ctx.signal });
    if (!text.trim()) return [];
    // One name answers the object itself, several a List.
    const parsed = JSON.parse(text) as KubeObject & Partial<KubeList>;
    return Array.isArray(parsed.items) ? parsed.items : [parsed];
  });
}

/** The latest revision of the release (helm history: status, chart and app version in one call). */
export function latestRevision(ctx: ReadContext): Promise<HelmRevision | undefined> {
  return ctx.once('helm-history', async () => {
    try {
      const list = JSON.parse(await ctx.helm(['history', ctx.target.release, '--max', '1', '--output', 'json'])) as HelmRevision[];
      return list.at(-1);
    } catch (error) {
      if (error instanceof ClusterUnreachableError) throw error;
      if (/release: not found/.test(String((error as { stderrTail?: string }).stderrTail ?? (error as Error).message))) return undefined;
      throw error;
    }
  });
}

/** The release's values with the chart's defaults (helm get values --all). */
export function releaseValues(ctx: CheckContext): Promise<Record<string, any>> {
  return ctx.once(
    'helm-values',
    async () => JSON.parse(await ctx.helm(['get', 'values', ctx.target.release, '--all', '--output', 'json'])) ?? {},
  );
}

/** "2m ago" from an RFC 3339 time. */
export function ago(iso: string | undefined, now = Date.now()): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(t)) return 'at an unknown time';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 90) return `${s}s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)}m ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/** "a, b and 3 more" — details stay one line. */
export function list(items: readonly string[], max = 4): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
