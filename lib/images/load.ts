// Loading: making images built on the host available to the cluster's nodes
// through the provider (nothing to do when they were built in the cluster's engine).
import { formatDuration, type Logger } from '../log.ts';
import type { ClusterProvider } from '../providers/types.ts';
import type { Engine } from './build.ts';
import type { ImageName } from './plan.ts';

export interface LoadTarget {
  name: ImageName;
  ref: string;
}

/** Whether images built in this engine must be loaded (false when the cluster's own engine built them). */
export function needsLoad(engine: Pick<Engine, 'target'>): boolean {
  return engine.target === 'host';
}

/**
 * Runs loads one at a time where the provider cannot take two at once (k3d), else
 * at once; a load of one image may then start while another is still building.
 */
export function createLoadQueue(provider: ClusterProvider): <T>(job: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  if (provider.concurrentLoads !== false) return (job) => job();
  return (job) => {
    const next = tail.then(job, job);
    tail = next.catch(() => undefined);
    return next;
  };
}

/** Loads one image unless the nodes have it; returns whether it was loaded. */
export async function loadOne(
  provider: ClusterProvider,
  image: LoadTarget,
  log: Logger,
  queue: ReturnType<typeof createLoadQueue> = (job) => job(),
): Promise<boolean> {
  if (await provider.hasImage(image.ref)) {
    log.result('ok', `${image.name}: ${provider.name} already has ${image.ref}`, [], { image: image.name, ref: image.ref, loaded: false });
    return false;
  }
  await queue(async () => {
    const started = performance.now();
    await provider.loadImage(image.ref);
    log.result('ok', `${image.name}: loaded ${image.ref} into ${provider.name} in ${formatDuration(performance.now() - started)}`, [], {
      image: image.name,
      ref: image.ref,
      loaded: true,
    });
  });
  return true;
}

/** Loads the images the cluster's nodes lack (concurrently where the provider allows); returns how many were loaded. */
export async function loadIntoCluster(
  engine: Engine,
  provider: ClusterProvider,
  images: readonly LoadTarget[],
  log: Logger,
): Promise<number> {
  if (!needsLoad(engine)) {
    log.ok(`built in ${engine.target}: nothing to load`);
    return 0;
  }
  const queue = createLoadQueue(provider);
  const loaded = await Promise.all(images.map((image) => loadOne(provider, image, log, queue)));
  return loaded.filter(Boolean).length;
}
