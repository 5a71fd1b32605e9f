// kind: nodes are containers with containerd; images are copied with `kind load docker-image`.
import { nodeImageProvider } from './node-image.ts';

export const KindProvider = nodeImageProvider({
  name: 'kind',
  contextPrefix: 'kind-',
  loadArgs: (ref, cluster) => ['load', 'docker-image', ref, '--name', cluster],
});
export type KindProvider = InstanceType<typeof KindProvider>;
