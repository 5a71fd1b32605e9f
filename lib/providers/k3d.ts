// k3d: k3s nodes in containers; images are copied with `k3d image import`.
import type { Runner } from '../exec.ts';
import type { ClusterProvider } from './types.ts';
import { allNodesHave, nodeAddressOnLinux } from './shared.ts';

export class K3dProvider implements ClusterProvider {
  readonly name = 'k3d' as const;
  readonly concurrentLoads = false;
  constructor(
    private readonly run: Runner,
    readonly context: string,
    /** k3d cluster name: the context without its `k3d-` prefix. */
    readonly cluster = context.replace(/^k3d-/, ''),
  ) {}

  /** One node listing answers every hasImage until the next load. */
  private readonly cache: { nodes?: Promise<Set<string>[]> } = {};

  hasImage(ref: string): Promise<boolean> {
    return allNodesHave(this.run, this.context, ref, this.cache);
  }

  async loadImage(ref: string): Promise<void> {
    this.cache.nodes = undefined;
    await this.run('k3d', ['image', 'import', ref, '--cluster', this.cluster], { timeoutMs: 10 * 60_000 });
  }

  nodeAddress(): Promise<string | undefined> {
    return nodeAddressOnLinux(this.run, this.context);
  }
}
