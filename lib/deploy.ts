// The deploy job. Stage 1 (prerequisites and configuration) is here now; the
// cluster, image, release and rollout stages build on it.
import { loadConfig, type Config } from './config.ts';
import { ExitCode, PrereqError, ToolkitError } from './errors.ts';
import { createRunner, type Runner } from './exec.ts';
import type { Logger } from './log.ts';
import { checkPrereqs, type PrereqReport, type ToolName } from './prereqs.ts';

export interface DeployOptions {
  configFlags: Record<string, string>;
  envFile?: string;
  root: string;
  skipBuild: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Which tools a deploy needs, given the configured provider. */
export function requiredTools(config: Pick<Config, 'provider'>, skipBuild: boolean): { required: ToolName[]; optional: ToolName[] } {
  const required: ToolName[] = ['helm', 'kubectl'];
  if (!skipBuild) required.unshift('docker');
  const providerTool: Partial<Record<Config['provider'], ToolName>> = { minikube: 'minikube', kind: 'kind', k3d: 'k3d' };
  const tool = providerTool[config.provider];
  if (tool) required.push(tool);
  // With auto-detection, minikube is only needed when the context turns out to be minikube.
  const optional: ToolName[] = config.provider === 'auto' ? ['minikube'] : [];
  return { required, optional };
}

/** Stage 1: configuration (exit 2 on bad values) then prerequisites (exit 3). Changes nothing. */
export async function checkStage(log: Logger, opts: DeployOptions, run: Runner): Promise<{ config: Config; prereqs: PrereqReport }> {
  const { config, warnings } = loadConfig({ flags: opts.configFlags, envFile: opts.envFile, root: opts.root, env: opts.env });
  for (const warning of warnings) log.warn(warning);
  const { required, optional } = requiredTools(config, opts.skipBuild);
  const prereqs = await log.spin('checking tools', () => checkPrereqs(run, required, optional));
  for (const result of prereqs.results) {
    if (result.status === 'ok') log.ok(result.message);
    else if (required.includes(result.tool)) log.fail(result.message, result.hint ? [result.hint] : []);
    else log.warn(`${result.message} (only needed for minikube clusters)`, result.hint ? [result.hint] : []);
  }
  if (prereqs.problems.length) {
    const names = prereqs.problems.map((p) => `${p.tool} (${p.status})`).join(', ');
    throw new PrereqError(`prerequisites not met: ${names}`, 'fix the lines marked ✗ above, then run deploy again');
  }
  return { config, prereqs };
}

export const DEPLOY_STEPS = ['Prerequisites and configuration', 'Cluster', 'Images', 'Release', 'Rollout', 'Done'] as const;

export async function deploy(log: Logger, opts: DeployOptions): Promise<number> {
  const run = createRunner({ log, env: opts.env });
  log.plan(DEPLOY_STEPS.length);
  await log.step(DEPLOY_STEPS[0], async (step) => {
    const { prereqs } = await checkStage(log, opts, run);
    step.summary = `${prereqs.results.filter((r) => r.status === 'ok').length} tools ready`;
  });
  throw new ToolkitError(
    'the cluster, image, release and rollout stages of deploy are not available in this version',
    ExitCode.failed,
    'prerequisites and configuration are valid; deploy with helm directly until the next release (see docs/quickstart.md)',
    'NOT_IMPLEMENTED',
  );
}
