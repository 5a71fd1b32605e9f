// k3d: k3s nodes in containers; images are copied with `k3d image import`.
import { nodeImageProvider } from './node-image.ts';

export const K3dProvider = nodeImageProvider({
  name: 'k3d',
  contextPrefix: 'k3d-',
  loadArgs: (ref, cluster) => ['image', 'import', ref, '--cluster', cluster],
  // k3d imports through one tools container per cluster: two at once collide.
  concurrentLoads: false,
});
export type K3dProvider = InstanceType<typeof K3dProvider>;
