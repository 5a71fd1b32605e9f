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

/**
 * The images every node of the context reports (Node status.images, which kubelet
 * fills from the container runtime). kubelet caps the list (nodeStatusMaxImages,
 * 50 by default, largest first), so a missing image here may still be there: the
 * caller then loads it again, which is harmless.
 */
export async function nodeImages(run: Runner, context: string): Promise<Set<string>[]> {
  const result = await run('kubectl', ['--context', context, '--request-timeout=20s', 'get', 'nodes', '--output', 'json'], { timeoutMs: 30_000 });
  const list = JSON.parse(result.stdout) as { items: { status?: { images?: { names?: string[] }[] } }[] };
  return list.items.map((node) => new Set((node.status?.images ?? []).flatMap((i) => i.names ?? []).map(qualifyImageRef)));
}

/** True when every node has the image. `cache` holds one node listing per run until a load. */
export async function allNodesHave(run: Runner, context: string, ref: string, cache?: { nodes?: Promise<Set<string>[]> }): Promise<boolean> {
  const nodes = await (cache ? (cache.nodes ??= nodeImages(run, context)) : nodeImages(run, context));
  const want = qualifyImageRef(ref);
  return nodes.length > 0 && nodes.every((names) => names.has(want));
}

/** The first node's InternalIP when the host can route to it (Linux, where kind/k3d nodes sit on a local bridge). */
export async function nodeAddressOnLinux(run: Runner, context: string, platform: NodeJS.Platform = process.platform): Promise<string | undefined> {
  if (platform !== 'linux') return undefined;
  const result = await run('kubectl', ['--context', context, '--request-timeout=20s', 'get', 'nodes', '--output', 'json'], { timeoutMs: 30_000, nothrow: true });
  if (result.exitCode !== 0) return undefined;
  const list = JSON.parse(result.stdout) as { items: { status?: { addresses?: { type: string; address: string }[] } }[] };
  return list.items[0]?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}
