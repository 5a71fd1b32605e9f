// minikube: a profile's node runs its own container runtime. With the docker
// runtime, builds go straight into the node's daemon (docker-env); with another
// runtime, images are loaded and then checked, since `minikube image load` can
// report success without the image arriving (kubernetes/minikube#18021).
import { ExitCode, ToolkitError } from '../errors.ts';
import type { Runner } from '../exec.ts';
import type { ClusterProvider } from './types.ts';
import { sameImage } from './shared.ts';

export interface MinikubeProfileInfo {
  name: string;
  /** OK, Running, Stopped, Paused, Error, … as `minikube profile list` says. */
  status: string;
  driver: string;
  runtime: string;
}

interface ProfileListJson {
  valid?: { Name: string; Status: string; Config?: { Driver?: string; KubernetesConfig?: { ContainerRuntime?: string } } }[];
  invalid?: { Name: string }[];
}

/** The status given to a profile that `minikube profile list` puts under "invalid". */
export const INVALID_PROFILE = 'Invalid';

/** `minikube profile list -o json` (valid and invalid profiles); an empty list when minikube is absent or has no profiles. */
export async function minikubeProfiles(run: Runner): Promise<MinikubeProfileInfo[]> {
  const result = await run('minikube', ['profile', 'list', '--output', 'json'], { nothrow: true, timeoutMs: 30_000 }).catch(
    () => undefined,
  );
  if (!result || !result.stdout.trim().startsWith('{')) return [];
  try {
    const parsed = JSON.parse(result.stdout) as ProfileListJson;
    const valid = (parsed.valid ?? []).map((p) => ({
      name: p.Name,
      status: p.Status,
      driver: p.Config?.Driver ?? 'docker',
      runtime: p.Config?.KubernetesConfig?.ContainerRuntime ?? 'docker',
    }));
    // A profile whose config minikube cannot read is listed under "invalid": only `minikube delete` mends it.
    const invalid = (parsed.invalid ?? []).map((p) => ({ name: p.Name, status: INVALID_PROFILE, driver: 'docker', runtime: 'docker' }));
    return [...valid, ...invalid];
  } catch {
    return [];
  }
}

/** Parses `minikube docker-env --shell bash` (export K="V" lines). */
export function parseDockerEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const match of text.matchAll(/^export ([A-Z_]+)="(.*)"$/gm)) env[match[1]!] = match[2]!;
  return env;
}

/** Drivers whose node lives in a container or VM the host cannot route to on macOS/Windows. */
const TUNNEL_DRIVERS = new Set(['docker', 'podman']);

export class MinikubeProvider implements ClusterProvider {
  readonly name = 'minikube' as const;
  constructor(
    private readonly run: Runner,
    readonly profile: string,
    private readonly info: { driver: string; runtime: string } = { driver: 'docker', runtime: 'docker' },
    private readonly platform: NodeJS.Platform = process.platform,
  ) {}

  private mk(args: string[], timeoutMs = 60_000) {
    return this.run('minikube', ['--profile', this.profile, ...args], { timeoutMs });
  }

  async dockerEnv(): Promise<Record<string, string> | undefined> {
    if (this.info.runtime !== 'docker') return undefined;
    const env = parseDockerEnv((await this.mk(['docker-env', '--shell', 'bash'])).stdout);
    if (!env.DOCKER_HOST)
      throw new ToolkitError(
        `minikube docker-env for profile ${this.profile} printed no DOCKER_HOST`,
        ExitCode.failed,
        `run \`minikube -p ${this.profile} docker-env\` to see why`,
        'MINIKUBE_DOCKER_ENV',
      );
    return env;
  }

  /** One `minikube image ls` answers every hasImage until a load (which then checks with a fresh one). */
  private listing?: Promise<string[]>;

  async hasImage(ref: string): Promise<boolean> {
    const listing = (this.listing ??= this.mk(['image', 'ls', '--format', 'short']).then((r) =>
      r.stdout
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    ));
    listing.catch(() => {
      if (this.listing === listing) this.listing = undefined;
    });
    return (await listing).some((line) => sameImage(line, ref));
  }

  async loadImage(ref: string): Promise<void> {
    await this.mk(['image', 'load', ref], 10 * 60_000);
    this.listing = undefined;
    if (!(await this.hasImage(ref))) {
      throw new ToolkitError(
        `minikube image load ${ref} finished but profile ${this.profile} does not list the image`,
        ExitCode.failed,
        `retry, or load it by hand: \`minikube -p ${this.profile} image load ${ref}\` then \`minikube -p ${this.profile} image ls\``,
        'IMAGE_LOAD_FAILED',
      );
    }
  }

  async nodeAddress(): Promise<string | undefined> {
    // On macOS/Windows the docker driver's node IP is inside Docker's VM: a tunnel is needed.
    if (TUNNEL_DRIVERS.has(this.info.driver) && this.platform !== 'linux') return undefined;
    const ip = (await this.mk(['ip'], 30_000)).stdout.trim();
    return ip || undefined;
  }
}
