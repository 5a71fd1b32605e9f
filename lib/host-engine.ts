// The host's Docker engine for deploy, connected in one round of process starts instead of three:
// the docker CLI that resolveDockerCli will pick is almost always the first on PATH (or DOCKER_CLI),
// so its version, its buildx plugin, the daemon's version and the planned images are asked at once.
// When another CLI wins after all, the usual connectEngine runs (and says what is wrong, if anything).
import { Docker, dockerCandidates, resolveDockerCli, type DockerCli } from './docker.ts';
import type { Runner } from './exec.ts';
import { connectEngine, type Engine } from './images/build.ts';
import type { ImagePlan } from './images/plan.ts';
import type { Logger } from './log.ts';

/**
 * What the image pipeline asks the engine before it builds, in one call: each planned image, its
 * `:dev` tag and the bases (the base check and the sizes then need no call of their own). Deploy
 * asks the same while it connects; the engine remembers the answers.
 */
export function refsToInspect(plans: readonly ImagePlan[]): string[] {
  return [...plans.flatMap((p) => [p.ref, p.devRef]), ...new Set(plans.map((p) => p.base))];
}

export async function connectHostEngine(opts: {
  log: Logger;
  run: Runner;
  env?: NodeJS.ProcessEnv;
  plans?: readonly ImagePlan[];
}): Promise<Engine> {
  const env = opts.env ?? process.env;
  const first = env.DOCKER_CLI?.trim() || dockerCandidates(env)[0];
  if (!first) return connectEngine({ log: opts.log, run: opts.run, env: opts.env });
  // Filled in once resolved: the Docker object keeps this object, and with it what it has inspected.
  const cli: DockerCli = { path: first, version: '', buildMode: 'buildx' };
  const docker = new Docker(cli, opts.run, {}, opts.log, opts.env);
  const [resolved, serverVersion] = await Promise.all([
    resolveDockerCli(opts.run, env),
    docker.serverVersion().catch((error: unknown) => error as Error),
    opts.plans?.length ? docker.inspectImages(refsToInspect(opts.plans)).catch(() => undefined) : undefined,
  ]);
  if (resolved.path !== first) return connectEngine({ log: opts.log, run: opts.run, env: opts.env });
  if (serverVersion instanceof Error) throw serverVersion;
  Object.assign(cli, resolved);
  return { docker, cli, serverVersion, target: 'host' };
}
