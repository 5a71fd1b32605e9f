// Stage 2 of deploy: which cluster, whether we may touch it, and a stopped
// minikube profile started once. Other providers are never started by us.
import type { Config } from './config.ts';
import { ExitCode, PrereqError, ToolkitError } from './errors.ts';
import { CommandError, type Runner } from './exec.ts';
import type { Logger } from './log.ts';
import { checkTool, TOOL_SPECS } from './prereqs.ts';
import { assertLocal, resolveTarget, type ClusterTarget } from './providers/index.ts';
import { INVALID_PROFILE } from './providers/minikube.ts';

/** minikube profile-list statuses that mean the API server is up. */
const MINIKUBE_UP = new Set(['OK', 'Running']);

/** Commands that change a cluster; each one passes the same guard before its first change. */
export type ChangingCommand = 'deploy' | 'teardown';

/** True when `minikube profile list` says the profile is not running (Stopped, Paused, …). */
export function minikubeStopped(target: ClusterTarget): boolean {
  const status = target.minikube?.status;
  return target.provider === 'minikube' && status !== undefined && !MINIKUBE_UP.has(status);
}

/**
 * May `command` change this cluster? A local one, yes; any other only with --allow-remote,
 * so a deploy or teardown never reaches a shared cluster by accident. The decision is
 * assertLocal's (providers); the words name the command.
 */
export function assertMayChange(target: ClusterTarget, allowRemote: boolean, command: ChangingCommand, log?: Logger): void {
  try {
    assertLocal(target, allowRemote);
  } catch (error) {
    if (!(error instanceof ToolkitError)) throw error;
    throw new ToolkitError(
      `context ${target.context} (${target.server || 'unknown server'}) is not a local cluster (minikube, kind, k3d, docker-desktop, or an API server on a loopback address): refusing to change it with ${command}`,
      error.exitCode,
      `switch to a local context (--context minikube), or pass \`${command} --allow-remote\` if you really mean this cluster${command === 'deploy' ? ' (with --registry for the images)' : ''}`,
      error.code,
    );
  }
  if (!target.local) log?.warn(`${command}: changing ${target.context}, which is not a local cluster (--allow-remote)`);
}

/** How to mend a profile minikube cannot start or read (it deletes that cluster and its data). */
const deleteHint = (profile: string) =>
  `if the profile is broken, \`minikube delete -p ${profile}\` and run again (this deletes that cluster and its data)`;

/**
 * The context is a minikube cluster: minikube itself must be installed (it starts the
 * profile and loads the images), else exit 3 PREREQ before anything changes. With
 * CLUSTER_PROVIDER=auto deploy's first stage only warned about it.
 */
export async function requireMinikube(run: Runner, target: ClusterTarget): Promise<void> {
  // minikube answered `profile list` with this profile: it is installed.
  if (target.provider !== 'minikube' || target.minikube) return;
  const result = await checkTool(run, TOOL_SPECS.find((s) => s.tool === 'minikube')!);
  if (result.status === 'ok') return;
  throw new PrereqError(`context ${target.context} is a minikube cluster (${target.detectedBy}), but ${result.message}`, result.hint);
}

export async function ensureMinikubeRunning(run: Runner, target: ClusterTarget, config: Config, log: Logger): Promise<boolean> {
  const status = target.minikube?.status;
  if (!target.minikubeProfile || status === undefined || MINIKUBE_UP.has(status)) return false;
  const profile = target.minikubeProfile;
  if (status === INVALID_PROFILE) {
    throw new ToolkitError(
      `minikube lists profile ${profile} as invalid: its configuration cannot be read`,
      ExitCode.prereq,
      `\`minikube delete -p ${profile}\`, then run again (this deletes that cluster and its data); \`minikube profile list\` shows it`,
      'MINIKUBE_PROFILE_INVALID',
    );
  }
  const args = [
    'start',
    '--profile',
    profile,
    '--driver',
    config.minikubeDriver,
    '--cpus',
    String(config.minikubeCpus),
    '--memory',
    `${config.minikubeMemoryMb}mb`,
  ];
  log.warn(`minikube profile ${profile} is ${status}: starting it (minikube ${args.join(' ')})`);
  try {
    await run('minikube', args, { timeoutMs: 10 * 60_000 });
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    throw new ToolkitError(
      `minikube start -p ${profile} failed: ${error.stderrTail.trim().split('\n').slice(-3).join(' ') || `exit ${error.toolExitCode}`}`,
      ExitCode.prereq,
      `run \`minikube start -p ${profile} --alsologtostderr\` to see why; often Docker is not running, or the driver (${config.minikubeDriver}) or memory (${config.minikubeMemoryMb} MB) does not fit this machine; ${deleteHint(profile)}`,
      'MINIKUBE_START_FAILED',
    );
  }
  log.ok(`started minikube profile ${profile}`);
  return true;
}

export async function clusterStage(
  run: Runner,
  config: Config,
  log: Logger,
  opts: { allowRemote: boolean; env?: NodeJS.ProcessEnv },
): Promise<{ target: ClusterTarget; started: boolean }> {
  const target = await resolveTarget(run, config, opts.env);
  log.result('info', `context ${target.context}: ${target.provider} (${target.detectedBy}), API server ${target.server || 'unknown'}`, [], {
    context: target.context,
    provider: target.provider,
    server: target.server,
  });
  assertMayChange(target, opts.allowRemote, 'deploy', log);
  await requireMinikube(run, target);
  const started = target.provider === 'minikube' ? await ensureMinikubeRunning(run, target, config, log) : false;
  return { target, started };
}
