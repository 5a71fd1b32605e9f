// Any other cluster: images go through a registry and are deployed by digest, so
// the exact bytes that were built run, whatever the registry's tags do later.
import { ExitCode, ToolkitError } from '../errors.ts';
import type { Runner } from '../exec.ts';
import { formatImageRef, imageName, parseImageRef, underRegistry, type ImageRef } from '../image-ref.ts';
import type { ClusterProvider } from './types.ts';

/**
 * The digest `docker push` reports for `tag`: the daemon ends a push with
 * `<tag>: digest: sha256:<hex> size: <bytes>` (moby distribution/push_v2.go, and
 * the containerd image store's push alike).
 */
export function pushedDigest(output: string, tag: string): string | undefined {
  const escaped = tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped}: digest: (sha256:[a-f0-9]{64}) size: \\d+\\s*$`, 'm').exec(output)?.[1];
}

export class GenericProvider implements ClusterProvider {
  readonly name = 'generic' as const;
  /** Local build ref (text) → the pushed image pinned by digest. */
  private readonly pinned = new Map<string, ImageRef>();
  constructor(
    private readonly run: Runner,
    readonly registry: string | undefined,
    /** Where the host reaches NodePorts: 127.0.0.1 when the cluster runs on this machine, else unknown. */
    private readonly localAddress?: string,
  ) {}

  /** The local build ref under the registry: `todo-frontend:abc` → `host:5000/team/todo-frontend:abc`. */
  remoteRef(ref: string): ImageRef {
    if (!this.registry) {
      throw new ToolkitError(
        'this cluster is not a local provider, so images must go through a registry, and none is set',
        ExitCode.usage,
        'pass --registry <host/path> (or REGISTRY=) that the cluster can pull from',
        'REGISTRY_REQUIRED',
      );
    }
    return underRegistry(parseImageRef(ref), this.registry);
  }

  async hasImage(ref: string): Promise<boolean> {
    // A RepoDigest for the registry's repository means this image was pushed there already.
    const remote = this.remoteRef(ref);
    const result = await this.run('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', ref], {
      nothrow: true,
      timeoutMs: 30_000,
    });
    if (result.exitCode !== 0) return false;
    const digests = ((JSON.parse(result.stdout || '[]') as string[] | null) ?? []).flatMap((d) => {
      try {
        return [parseImageRef(d)];
      } catch {
        return []; // not ours to judge: only a digest of the registry's repository counts
      }
    });
    const found = digests.find((d) => d.digest && imageName(d) === imageName(remote));
    if (found) this.pinned.set(ref, { ...remote, digest: found.digest });
    return Boolean(found);
  }

  async loadImage(ref: string): Promise<void> {
    const remote = this.remoteRef(ref);
    const text = formatImageRef(remote);
    await this.run('docker', ['tag', ref, text], { timeoutMs: 30_000 });
    const pushed = await this.run('docker', ['push', text], { timeoutMs: 15 * 60_000 });
    const digest = pushedDigest(pushed.stdout, remote.tag ?? 'latest');
    if (!digest)
      throw new ToolkitError(
        `docker push ${text} printed no digest`,
        ExitCode.failed,
        `check the registry with \`docker push ${text}\` by hand`,
        'IMAGE_PUSH_FAILED',
      );
    this.pinned.set(ref, { ...remote, digest });
  }

  async deployRef(ref: ImageRef): Promise<ImageRef> {
    return this.pinned.get(formatImageRef(ref)) ?? ref;
  }

  async nodeAddress(): Promise<string | undefined> {
    return this.localAddress;
  }
}
