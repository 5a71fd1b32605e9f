// kind: nodes are containers with containerd; images are copied with `kind load docker-image`.
import type { Runner } from '../exec.ts';
import type { ClusterProvider } from './types.ts';
import { allNodesHave, nodeAddressOnLinux } from './shared.ts';

export class KindProvider implements ClusterProvider {
  readonly name = 'kind' as const;
  constructor(
    private readonly run: Runner,
    readonly context: string,
    /** kind cluster name: the context without its `kind-` prefix. */
    readonly cluster = context.replace(/^kind-/, ''),
  ) {}

  /** One node listing answers every hasImage until the next load. */
  private readonly cache: { nodes?: Promise<Set<string>[]> } = {};

  hasImage(ref: string): Promise<boolean> {
    return allNodesHave(this.run, this.context, ref, this.cache);
  }

  async loadImage(ref: string): Promise<void> {
    this.cache.nodes = undefined;
    await this.run('kind', ['load', 'docker-image', ref, '--name', this.cluster], { timeoutMs: 10 * 60_000 });
  }

  nodeAddress(): Promise<string | undefined> {
    return nodeAddressOnLinux(this.run, this.context);
  }
}
