// Any other cluster: images go through a registry and are deployed by digest, so
// the exact bytes that were built run, whatever the registry's tags do later.
import { ExitCode, ToolkitError } from '../errors.ts';
import type { Runner } from '../exec.ts';
import type { ClusterProvider } from './types.ts';

export class GenericProvider implements ClusterProvider {
  readonly name = 'generic' as const;
  private readonly digests = new Map<string, string>();
  constructor(
    private readonly run: Runner,
    readonly registry: string | undefined,
    /** Where the host reaches NodePorts: 127.0.0.1 when the cluster runs on this machine, else unknown. */
    private readonly localAddress?: string,
  ) {}

  private remoteRef(ref: string): string {
    if (!this.registry) {
      throw new ToolkitError('this cluster is not a local provider, so images must go through a registry, and none is set', ExitCode.usage, 'pass --registry <host/path> (or REGISTRY=) that the cluster can pull from', 'REGISTRY_REQUIRED');
    }
    return `${this.registry.replace(/\/+$/, '')}/${ref}`;
  }

  async hasImage(ref: string): Promise<boolean> {
    // A RepoDigest for the registry's repository means this image was pushed there already.
    const remote = this.remoteRef(ref);
    const result = await this.run('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', ref], { nothrow: true, timeoutMs: 30_000 });
    if (result.exitCode !== 0) return false;
    const repo = remote.slice(0, remote.lastIndexOf(':'));
    const digest = (JSON.parse(result.stdout || '[]') as string[] | null ?? []).find((d) => d.startsWith(`${repo}@`));
    if (digest) this.digests.set(ref, digest);
    return Boolean(digest);
  }

  async loadImage(ref: string): Promise<void> {
    const remote = this.remoteRef(ref);
    await this.run('docker', ['tag', ref, remote], { timeoutMs: 30_000 });
    const pushed = await this.run('docker', ['push', remote], { timeoutMs: 15 * 60_000 });
    const digest = /digest: (sha256:[a-f0-9]{64})/.exec(pushed.stdout)?.[1];
    if (!digest) throw new ToolkitError(`docker push ${remote} printed no digest`, ExitCode.failed, 'check the registry with `docker push` by hand', 'IMAGE_PUSH_FAILED');
    this.digests.set(ref, `${remote.slice(0, remote.lastIndexOf(':'))}@${digest}`);
  }

  async deployRef(ref: string): Promise<string> {
    return this.digests.get(ref) ?? ref;
  }

  async nodeAddress(): Promise<string | undefined> {
    return this.localAddress;
  }
}
