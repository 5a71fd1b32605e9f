// kind and k3d are one provider: nodes are containers whose containerd holds the images,
// NodePorts sit on a local bridge (reachable on Linux), and an image reaches the nodes by
// one command of the tool. Only that command, the context prefix and whether two loads
// may run at once differ; each is a row here.
import type { Runner } from '../exec.ts';
import type { ClusterProvider } from './types.ts';
import { allNodesHave, nodeAddressOnLinux, type NodeListCache } from './shared.ts';

export interface NodeImageTool<Name extends ClusterProvider['name']> {
  name: Name;
  /** The prefix the tool puts before the cluster name in the context it writes (kind-dev). */
  contextPrefix: string;
  /** The command that copies `ref` from the host's engine into every node of `cluster`. */
  loadArgs(ref: string, cluster: string): string[];
  /** False when two loads at once would collide. */
  concurrentLoads?: false;
}

export interface NodeImageProvider<Name extends ClusterProvider['name']> extends ClusterProvider {
  readonly name: Name;
  readonly context: string;
  /** The tool's cluster name: the context without its prefix. */
  readonly cluster: string;
}

/** A provider class for a tool whose nodes are containers that take images by one command. */
export function nodeImageProvider<Name extends ClusterProvider['name']>(tool: NodeImageTool<Name>) {
  const prefix = new RegExp(`^${tool.contextPrefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
  return class implements NodeImageProvider<Name> {
    readonly name = tool.name;
    readonly concurrentLoads = tool.concurrentLoads;
    /** One node listing answers every hasImage (an image loaded since is known to be there) and nodeAddress. */
    private readonly cache: NodeListCache = {};

    constructor(
      private readonly run: Runner,
      readonly context: string,
      readonly cluster = context.replace(prefix, ''),
    ) {}

    /** Loaded by this run: the listing taken before still answers for the other images. */
    private readonly loaded = new Set<string>();

    async hasImage(ref: string): Promise<boolean> {
      return this.loaded.has(ref) || allNodesHave(this.run, this.context, ref, this.cache);
    }

    async loadImage(ref: string): Promise<void> {
      this.loaded.delete(ref);
      await this.run(tool.name, tool.loadArgs(ref, this.cluster), { timeoutMs: 10 * 60_000 });
      this.loaded.add(ref);
    }

    nodeAddress(): Promise<string | undefined> {
      return nodeAddressOnLinux(this.run, this.context, process.platform, this.cache);
    }
  };
}
