// Stage 2 of deploy: which cluster, whether we may touch it, and a stopped
// minikube profile started once. Other providers are never started by us.
import type { Config } from './config.ts';
import { ExitCode, ToolkitError } from './errors.ts';
import { CommandError, type Runner } from './exec.ts';
import type { Logger } from './log.ts';
import { assertLocal, resolveTarget, type ClusterTarget } from './providers/index.ts';

/** minikube profile-list statuses that mean the API server is up. */
const MINIKUBE_UP = new Set(['OK', 'Running']);

export async function ensureMinikubeRunning(run: Runner, target: ClusterTarget, config: Config, log: Logger): Promise<boolean> {
  const status = target.minikube?.status;
  if (!target.minikubeProfile || status === undefined || MINIKUBE_UP.has(status)) return false;
  const profile = target.minikubeProfile;
  const args = ['start', '--profile', profile, '--driver', config.minikubeDriver, '--cpus', String(config.minikubeCpus), '--memory', `${config.minikubeMemoryMb}mb`];
  log.warn(`minikube profile ${profile} is ${status}: starting it (minikube ${args.join(' ')})`);
  try {
    await run('minikube', args, { timeoutMs: 10 * 60_000 });
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    throw new ToolkitError(
      `minikube start -p ${profile} failed: ${error.stderrTail.trim().split('\n').slice(-3).join(' ') || `exit ${error.toolExitCode}`}`,
      ExitCode.prereq,
      `run \`minikube start -p ${profile} --alsologtostderr\` to see why; often Docker is not running, or the driver (${config.minikubeDriver}) or memory (${config.minikubeMemoryMb} MB) does not fit this machine`,
      'MINIKUBE_START_FAILED',
    );
  }
  log.ok(`started minikube profile ${profile}`);
  return true;
}

export async function clusterStage(run: Runner, config: Config, log: Logger, opts: { allowRemote: boolean; env?: NodeJS.ProcessEnv }): Promise<{ target: ClusterTarget; started: boolean }> {
  const target = await resolveTarget(run, config, opts.env);
  log.result('info', `context ${target.context}: ${target.provider} (${target.detectedBy}), API server ${target.server || 'unknown'}`, [], { context: target.context, provider: target.provider, server: target.server });
  assertLocal(target, opts.allowRemote);
  if (!target.local) log.warn(`deploying to ${target.context}, which is not a local cluster (--allow-remote)`);
  const started = target.provider === 'minikube' ? await ensureMinikubeRunning(run, target, config, log) : false;
  return { target, started };
}
