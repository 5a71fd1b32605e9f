// The deploy job, six numbered stages: prerequisites and configuration, cluster,
// images, release, rollout, done. Idempotent: a second run with nothing changed
// builds, loads and upgrades nothing.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { clusterStage } from './cluster.ts';
import { loadConfig, type Config } from './config.ts';
import { ExitCode, PrereqError, ToolkitError, UsageError } from './errors.ts';
import { createRunner, type Runner } from './exec.ts';
import { chartDigest, deployDescription, detectHelm, isUnchanged, recoverPending, releaseStatus, rollbackRelease, upgrade, writePrivateValues } from './helm.ts';
import { buildPlanned, connectEngine, loadIntoCluster, planImages, type ImagePlan } from './images.ts';
import { Kubectl, RolloutError, watchRollout } from './kube.ts';
import type { Logger } from './log.ts';
import { checkPrereqs, type PrereqReport, type ToolName } from './prereqs.ts';
import { providerFor } from './providers/index.ts';
import type { ClusterProvider } from './providers/types.ts';
import { registerSecret } from './redact.ts';
import { CHART_PATH, helmTemplate, REPO_ROOT } from './render.ts';

export interface DeployOptions {
  configFlags: Record<string, string>;
  envFile?: string;
  root: string;
  skipBuild: boolean;
  env?: NodeJS.ProcessEnv;
  noWait?: boolean;
  dryRun?: boolean;
  allowRemote?: boolean;
  /** Extra values files (--values), applied after the generated one. */
  valuesFiles?: readonly string[];
  signal?: AbortSignal;
  onCleanup?: (fn: () => Promise<void> | void) => void;
}

/** Which tools a deploy needs, given the configured provider. */
export function requiredTools(config: Pick<Config, 'provider'>, skipBuild: boolean, dryRun = false): { required: ToolName[]; optional: ToolName[] } {
  if (dryRun) return { required: ['helm'], optional: [] };
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
  for (const file of opts.valuesFiles ?? []) {
    if (!existsSync(path.resolve(opts.root, file))) throw new UsageError(`--values ${file}: file not found`, 'give the path of a YAML values file (relative to the repository root or absolute)');
  }
  const { required, optional } = requiredTools(config, opts.skipBuild, opts.dryRun);
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

/** The values deploy generates: image refs, ports, settings and (only here) the secrets. */
export function deployValues(config: Config, refs: { frontend: string; backend: string }): Record<string, unknown> {
  const split = (ref: string) => ({ repository: ref.slice(0, ref.lastIndexOf(':')), tag: ref.slice(ref.lastIndexOf(':') + 1) });
  return {
    frontend: { image: split(refs.frontend), service: { nodePort: config.frontendNodePort } },
    backend: { image: split(refs.backend), service: { nodePort: config.backendNodePort } },
    config: { openaiModel: config.openaiModel, openaiBaseUrl: config.openaiBaseUrl ?? '' },
    secrets: { openaiApiKey: config.openaiApiKey ?? '' },
    database: { mode: config.databaseMode, ...(config.databaseMode === 'external' ? { external: { url: config.databaseUrl ?? '' } } : {}) },
  };
}

interface ImagesOutcome {
  refs: { frontend: string; backend: string };
  built: number;
  loaded: number;
}

async function imagesStage(run: Runner, log: Logger, config: Config, provider: ClusterProvider | undefined, plans: ImagePlan[], opts: DeployOptions): Promise<ImagesOutcome> {
  const refOf = (name: string) => plans.find((p) => p.name === name)!.ref;
  let built = 0;
  let loaded = 0;
  if (provider && !opts.skipBuild) {
    const engine = await connectEngine({ log, run, env: opts.env, provider });
    log.info(`building in ${engine.target}`);
    const results = await buildPlanned(engine, plans, config, { log, signal: opts.signal, env: opts.env });
    built = results.filter((r) => r.action === 'built').length;
    loaded = await loadIntoCluster(engine, provider, results, log);
  } else if (provider) {
    // --skip-build: the images must exist; load what the node lacks.
    for (const plan of plans) {
      if (await provider.hasImage(plan.ref)) {
        log.ok(`${plan.name}: ${provider.name} already has ${plan.ref}`);
        continue;
      }
      await provider.loadImage(plan.ref).catch((error: unknown) => {
        throw new ToolkitError(
          `${plan.name}: ${plan.ref} is neither on the cluster nor loadable (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
          ExitCode.failed,
          'run deploy without --skip-build to build it (the tag follows the sources)',
          'IMAGE_NOT_BUILT',
        );
      });
      loaded++;
      log.ok(`${plan.name}: loaded ${plan.ref} into ${provider.name}`);
    }
  }
  const refs = { frontend: refOf('frontend'), backend: refOf('backend') };
  if (provider?.deployRef) {
    refs.frontend = await provider.deployRef(refs.frontend);
    refs.backend = await provider.deployRef(refs.backend);
  }
  return { refs, built, loaded };
}

export async function deploy(log: Logger, opts: DeployOptions): Promise<number> {
  const run = createRunner({ log, env: opts.env });
  log.plan(DEPLOY_STEPS.length);
  const { config } = await log.step(DEPLOY_STEPS[0], async (step) => {
    const checked = await checkStage(log, opts, run);
    step.summary = `${checked.prereqs.results.filter((r) => r.status === 'ok').length} tools ready`;
    return checked;
  });

  const cluster = await log.step(DEPLOY_STEPS[1], async (step) => {
    if (opts.dryRun) {
      step.summary = 'dry run: the cluster is not contacted';
      return undefined;
    }
    const result = await clusterStage(run, config, log, { allowRemote: Boolean(opts.allowRemote), env: opts.env });
    const kubectl = new Kubectl(run, { context: result.target.context, namespace: config.namespace });
    // One read proves the API server answers (exit 3 CLUSTER_UNREACHABLE otherwise).
    const ns = await kubectl.getOptional('namespace', config.namespace, { clusterScoped: true, signal: opts.signal });
    step.summary = `${result.target.context} (${result.target.provider}${result.started ? ', started' : ''}), namespace ${config.namespace}${ns ? '' : ' (will be created)'}`;
    return { ...result, kubectl, provider: providerFor(run, result.target, log, config.registry) };
  });

  const plans = planImages({ config });
  const images = await log.step(DEPLOY_STEPS[2], async (step) => {
    const outcome = await imagesStage(run, log, config, cluster?.provider, plans, opts);
    step.summary = opts.dryRun
      ? `dry run: ${outcome.refs.frontend}, ${outcome.refs.backend}`
      : `${outcome.built} built, ${outcome.loaded} loaded${opts.skipBuild ? ' (--skip-build)' : ''}`;
    return outcome;
  });

  const chartDir = path.join(REPO_ROOT, CHART_PATH);
  const extraFiles = (opts.valuesFiles ?? []).map((f) => path.resolve(opts.root, f));
  const values = deployValues(config, images.refs);
  // A rendered Secret carries them base64-encoded (dry-run prints it): mask that form too.
  for (const secret of [config.openaiApiKey, config.databaseUrl]) if (secret) registerSecret(Buffer.from(secret).toString('base64'));
  const description = deployDescription({ chartDigest: chartDigest(chartDir), values, extraValues: extraFiles.map((f) => readFileSync(f, 'utf8')) });
  const ref = { context: cluster?.target.context ?? '', namespace: config.namespace, release: config.releaseName };

  const release = await log.step(DEPLOY_STEPS[3], async (step) => {
    const helm = await detectHelm(run);
    const privateValues = writePrivateValues(values);
    opts.onCleanup?.(() => privateValues.remove());
    try {
      const valuesFiles = [privateValues.file, ...extraFiles];
      if (opts.dryRun) {
        const rendered = await helmTemplate(run, { helmBin: helm.bin, chartDir, releaseName: config.releaseName, namespace: config.namespace, valuesFiles });
        log.print(rendered);
        step.summary = `rendered with helm ${helm.version} (nothing applied)`;
        return { helm, changed: false, previous: undefined as number | undefined, revision: 0 };
      }
      const current = await releaseStatus(run, helm, ref);
      const recovery = await recoverPending(run, helm, ref, current);
      if (recovery.action === 'rolled-back') log.warn(`release ${ref.release} was left ${recovery.from} by an interrupted run: rolled back to revision ${recovery.to}`);
      if (recovery.action === 'uninstalled') log.warn(`release ${ref.release} was left ${recovery.from} by an interrupted install: uninstalled it`);
      const now = recovery.action === 'none' ? current : await releaseStatus(run, helm, ref);
      if (isUnchanged(now, description)) {
        step.summary = `unchanged (revision ${now!.revision}, helm ${helm.version})`;
        return { helm, changed: false, previous: now?.revision, revision: now!.revision };
      }
      await upgrade(run, helm, { ...ref, chart: chartDir, valuesFiles, description }, opts.signal);
      const after = await releaseStatus(run, helm, ref);
      step.summary = `${now ? 'upgraded' : 'installed'} ${ref.release} revision ${after?.revision} (helm ${helm.version})`;
      return { helm, changed: true, previous: now?.revision, revision: after?.revision ?? 0 };
    } finally {
      privateValues.remove();
    }
  });

  await log.step(DEPLOY_STEPS[4], async (step) => {
    if (opts.dryRun || opts.noWait || !cluster) {
      step.summary = opts.dryRun ? 'dry run' : 'skipped (--no-wait)';
      return;
    }
    try {
      const ready = await watchRollout(cluster.kubectl, {
        release: config.releaseName,
        timeoutMs: config.deployTimeoutMs,
        signal: opts.signal,
        nodeHasImage: (image) => cluster.provider.hasImage(image),
        previousLogs: async (pod, container) => cluster.kubectl.exec(['logs', pod, '--container', container, '--previous', '--tail', '20']),
        onProgress: (workloads) => log.debug(workloads.map((w) => `${w.name} ${w.ready}/${w.desired}`).join(', ')),
      });
      step.summary = ready.map((w) => `${w.name} ${w.ready}/${w.desired}`).join(', ');
    } catch (error) {
      if (error instanceof RolloutError && release.changed) {
        const undone = await rollbackRelease(run, release.helm, ref, release.revision).catch((e: unknown) => {
          log.warn(`rollback failed too: ${e instanceof Error ? e.message : String(e)}`);
          return undefined;
        });
        if (undone?.action === 'rolled-back') log.warn(`rolled ${ref.release} back to revision ${undone.to}`);
        if (undone?.action === 'uninstalled') log.warn(`uninstalled ${ref.release}: its first install did not become ready`);
      }
      throw error;
    }
  });

  await log.step(DEPLOY_STEPS[5], async (step) => {
    if (opts.dryRun || !cluster) {
      step.summary = 'dry run: nothing was changed';
      return;
    }
    const address = await cluster.provider.nodeAddress().catch(() => undefined);
    const urls = address
      ? { frontend: `http://${address}:${config.frontendNodePort}`, backend: `http://${address}:${config.backendNodePort}` }
      : undefined;
    if (urls) log.result('ok', `frontend ${urls.frontend}  backend ${urls.backend}`, [], { urls });
    else {
      const how = cluster.target.provider === 'minikube'
        ? `minikube -p ${cluster.target.minikubeProfile} service ${config.releaseName}-frontend -n ${config.namespace} --url`
        : `kubectl --context ${cluster.target.context} -n ${config.namespace} port-forward svc/${config.releaseName}-frontend 3000:3000`;
      log.result('info', `the NodePorts are not reachable from this host directly; open a tunnel: ${how}`, [], { tunnel: how });
    }
    log.info(`next: npx zx scripts/validate.ts${config.kubeContext ? ` --context ${cluster.target.context}` : ''}`);
    step.summary = urls ? urls.frontend : 'tunnel needed';
  });
  log.summary(`deployed ${config.releaseName} to ${cluster?.target.context ?? 'nowhere (dry run)'}: ${images.built} built, ${images.loaded} loaded, release ${release.changed ? 'upgraded' : 'unchanged'}`);
  return ExitCode.ok;
}

