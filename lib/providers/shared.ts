// Helpers the provider modules share: image reference forms and node image lists.
import type { Runner } from '../exec.ts';

/** "x:1" → "docker.io/library/x:1", the fully qualified form containerd and kubelet report. */
export function qualifyImageRef(ref: string): string {
  const withTag = /[:@][^/]*$/.test(ref) ? ref : `${ref}:latest`;
  const first = withTag.split('/')[0]!;
  const hasRegistry = withTag.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return withTag;
  return withTag.includes('/') ? `docker.io/${withTag}` : `docker.io/library/${withTag}`;
}

export function sameImage(a: string, b: string): boolean {
  return qualifyImageRef(a) === qualifyImageRef(b);
}

interface NodeItem {
  status?: { images?: { names?: string[] }[]; addresses?: { type: string; address: string }[] };
}

/** `kubectl get nodes`, once: the images and the addresses of every node come from the same listing. */
export async function nodeList(run: Runner, context: string): Promise<NodeItem[]> {
  const result = await run('kubectl', ['--context', context, '--request-timeout=20s', 'get', 'nodes', '--output', 'json'], {
    timeoutMs: 30_000,
  });
  return (JSON.parse(result.stdout) as { items: NodeItem[] }).items;
}

/**
 * The images every node of the context reports (Node status.images, which kubelet
 * fills from the container runtime). kubelet caps the list (nodeStatusMaxImages,
 * 50 by default, largest first), so a missing image here may still be there: the
 * caller then loads it again, which is harmless.
 */
export async function nodeImages(run: Runner, context: string, listed?: Promise<NodeItem[]>): Promise<Set<string>[]> {
  const items = await (listed ?? nodeList(run, context));
  return items.map((node) => new Set((node.status?.images ?? []).flatMap((i) => i.names ?? []).map(qualifyImageRef)));
}

/** One node listing per run, shared by hasImage and nodeAddress (a provider remembers what it loads since). */
export interface NodeListCache {
  list?: Promise<NodeItem[]>;
}

function cachedList(run: Runner, context: string, cache: NodeListCache): Promise<NodeItem[]> {
  if (!cache.list) {
    const list = nodeList(run, context);
    cache.list = list;
    // A failed listing is not kept: the next question asks again.
    list.catch(() => {
      if (cache.list === list) cache.list = undefined;
    });
  }
  return cache.list;
}

/** True when every node has the image. `cache` holds one node listing per run. */
export async function allNodesHave(run: Runner, context: string, ref: string, cache?: NodeListCache): Promise<boolean> {
  const nodes = await nodeImages(run, context, cache ? cachedList(run, context, cache) : undefined);
  const want = qualifyImageRef(ref);
  return nodes.length > 0 && nodes.every((names) => names.has(want));
}

/** The first node's InternalIP when the host can route to it (Linux, where kind/k3d nodes sit on a local bridge). */
export async function nodeAddressOnLinux(
  run: Runner,
  context: string,
  platform: NodeJS.Platform = process.platform,
  cache?: NodeListCache,
): Promise<string | undefined> {
  if (platform !== 'linux') return undefined;
  const items = await (cache ? cachedList(run, context, cache) : nodeList(run, context)).catch(() => undefined);
  return items?.[0]?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}
