// The cluster-provider interface: how images built on the host reach a local
// cluster. build-images --load and deploy talk to a provider only through this;
// the implementations (minikube, kind, k3d, docker-desktop, generic) live beside it.
import type { ProviderName } from '../config.ts';
import type { ImageRef } from '../image-ref.ts';

export interface ClusterProvider {
  /** A concrete provider, never 'auto'. */
  readonly name: Exclude<ProviderName, 'auto'>;
  /** Whether the cluster's nodes can already run `ref` (e.g. `todo-frontend:3f9a1c2b7d4e`). */
  hasImage(ref: string): Promise<boolean>;
  /** Makes `ref`, present in the host's Docker engine, available to the cluster's nodes. */
  loadImage(ref: string): Promise<void>;
  /**
   * When the cluster runs its own Docker engine that builds can target directly
   * (minikube's `docker-env`), the environment that points the docker CLI at it
   * (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH...). Images are then built
   * there and loadImage is never needed. Undefined: build on the host and load.
   */
  dockerEnv?(): Promise<Record<string, string> | undefined>;
  /**
   * An address on which the host reaches the nodes' NodePorts (minikube ip, 127.0.0.1 for
   * docker-desktop), or undefined when a NodePort is not reachable from the host (kind/k3d
   * without port mappings, minikube docker driver on macOS) and a port-forward is needed.
   */
  nodeAddress(): Promise<string | undefined>;
  /**
   * The image the cluster should run for a locally built `ref`: the same ref for
   * local providers (no deployRef); for a registry (generic) the pushed ref pinned by digest.
   */
  deployRef?(ref: ImageRef): Promise<ImageRef>;
  /** False when two loads at once would collide (k3d imports share one tools container per cluster). */
  readonly concurrentLoads?: boolean;
}

/** How a provider is chosen for a configuration (implemented with the providers). */
export type ResolveProvider = (opts: {
  provider: ProviderName;
  kubeContext: string | undefined;
  minikubeProfile: string;
}) => Promise<ClusterProvider>;
