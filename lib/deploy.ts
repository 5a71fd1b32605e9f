// The deploy job, six numbered stages: prerequisites and configuration, cluster,
// images, release, rollout, done. Idempotent: a second run with nothing changed
// builds, loads and upgrades nothing. Every check that needs no cluster (configuration,
// tools, app inputs, values against the chart) passes before anything is started or built.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { clusterStage } from './cluster.ts';
import { loadConfig, type Config } from './config.ts';
import { ExitCode, PrereqError, ToolkitError, UsageError } from './errors.ts';
import { createRunner, type Runner } from './exec.ts';
import { parse } from 'yaml';
import { chartDigest, deployDescription, deployedValues, detectHelm, isUnchanged, recoverPending, releaseStatus, rollbackRelease, upgrade, writePrivateValues, type HelmInfo } from './helm.ts';
import { formatImageRef, imageValues, underRegistry, type ImageRef } from './image-ref.ts';
import { buildPipeline } from './images/pipeline.ts';
import { planImages, type ImagePlan } from './images/plan.ts';
import { Kubectl, releaseSelector, RolloutError } from './kube.ts';
import { watchRollout } from './rollout.ts';
import { checkDumpDir, failureReport, writeDump } from './failure-dump.ts';
import { Logger } from './log.ts';
import { pollIntervalMs, RolloutProgress } from './rollout-progress.ts';
import { checkPrereqs, type PrereqReport, type ToolName } from './prereqs.ts';
import { providerFor } from './providers/index.ts';
import type { ClusterProvider } from './providers/types.ts';
import { registerSecret } from './redact.ts';
import { CHART_PATH, REPO_ROOT } from './render.ts';
import { checkNodePorts, renderChecked, wantedNodePorts } from './values-check.ts';

const CHART_DIR = path.join(REPO_ROOT, CHART_PATH);

export interface DeployOptions {
  configFlags: Record<string, string>;
  envFile?: string;
  root: string;
  skipBuild: boolean;
  env?: NodeJS.ProcessEnv;
  noWait?: boolean;
  dryRun?: boolean;
  allowRemote?: boolean;
  /** --dump-dir: where a failed rollout writes describe, events and logs of the release (CI artifacts). */
  dumpDir?: string;
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

/** Stage 1, part 1: configuration (exit 2 on bad values) then prerequisites (exit 3). Changes nothing. */
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
export function deployValues(config: Config, refs: { frontend: ImageRef; backend: ImageRef }): Record<string, unknown> {
  return {
    frontend: { image: imageValues(refs.frontend), service: { nodePort: config.frontendNodePort } },
    backend: { image: imageValues(refs.backend), service: { nodePort: config.backendNodePort } },
    config: { openaiModel: config.openaiModel, openaiBaseUrl: config.openaiBaseUrl ?? '' },
    secrets: { openaiApiKey: config.openaiApiKey ?? '' },
    database: { mode: config.databaseMode, ...(config.databaseMode === 'external' ? { external: { url: config.databaseUrl ?? '' } } : {}) },
  };
}

/** A --values file as a map; exit 2 naming it when it is not YAML or not a map (Helm would refuse it too). */
function readValuesFile(f: { given: string; file: string }): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parse(readFileSync(f.file, 'utf8')) ?? {};
  } catch (error) {
    throw new ToolkitError(`--values ${f.given}: not valid YAML: ${(error as Error).message.split('\n')[0]}`, ExitCode.usage, 'fix the YAML at the line named', 'VALUES_INVALID');
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ToolkitError(`--values ${f.given}: the top level must be a map of keys (it is a ${Array.isArray(doc) ? 'list' : typeof doc})`, ExitCode.usage, 'a values file looks like `frontend:\n  replicaCount: 2`', 'VALUES_INVALID');
  return doc as Record<string, unknown>;
}

/** Helm's merge of user values (pkg/cli/values mergeMaps): maps merge, anything else is replaced. */
export function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
    out[key] = isMap(prev) && isMap(value) ? mergeValues(prev, value) : value;
  }
  return out;
}

/**
 * Renders the chart with the values (generated + --values) through a private file; exit 2
 * VALUES_INVALID on values the chart refuses. Outside --dry-run, a stand-in PostgreSQL
 * password is added when none is given: an install reads (or generates) the real one from
 * the cluster, which `helm template` cannot, and the chart's other rules must still run here.
 */
async function renderValues(run: Runner, helm: HelmInfo, config: Config, generated: Record<string, unknown>, userValues: readonly Record<string, unknown>[], extraFiles: readonly { given: string; file: string }[], opts: DeployOptions): Promise<string> {
  const auth = (userValues.reduce(mergeValues, {}) as { postgresql?: { auth?: { password?: string; existingSecret?: string } } }).postgresql?.auth ?? {};
  const standIn = !opts.dryRun && config.databaseMode === 'postgres' && !auth.password && !auth.existingSecret;
  const values = standIn ? mergeValues(generated, { postgresql: { auth: { password: randomBytes(18).toString('base64url').replace(/[^A-Za-z0-9]/g, 'x') } } }) : generated;
  const privateValues = writePrivateValues(values);
  opts.onCleanup?.(() => privateValues.remove());
  try {
    return await renderChecked(run, {
      helmBin: helm.bin, chartDir: CHART_DIR, releaseName: config.releaseName, namespace: config.namespace,
      valuesFiles: [privateValues.file, ...extraFiles.map((f) => f.file)], sources: { generated, userFiles: extraFiles },
    });
  } finally {
    privateValues.remove();
  }
}

interface ImagesOutcome {
  refs: { frontend: ImageRef; backend: ImageRef };
  built: number;
  loaded: number;
}

async function imagesStage(run: Runner, log: Logger, config: Config, provider: ClusterProvider | undefined, plans: ImagePlan[], opts: DeployOptions): Promise<ImagesOutcome> {
  const imageOf = (name: string) => plans.find((p) => p.name === name)!.image;
  let built = 0;
  let loaded = 0;
  if (provider && !opts.skipBuild) {
    // Sizes over budget are a warning here: build-images is where budgets fail a job.
    const report = await buildPipeline({ config, log, run, env: opts.env, provider, plans, sizes: 'warn', signal: opts.signal });
    built = report.built;
    loaded = report.loaded;
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
  const refs = { frontend: imageOf('frontend'), backend: imageOf('backend') };
  if (provider?.deployRef) {
    refs.frontend = await provider.deployRef(refs.frontend);
    refs.backend = await provider.deployRef(refs.backend);
  }
  return { refs, built, loaded };
}

/** The NodePorts the release's Services have now (assigned by the cluster when the values leave them unset). */
async function servicePorts(kubectl: Kubectl, release: string, signal?: AbortSignal): Promise<{ frontend?: number; backend?: number }> {
  const list = await kubectl.json(['services', '--selector', releaseSelector(release)], { signal });
  const port = (suffix: string) => list.items.find((s) => s.metadata.name.endsWith(suffix))?.spec?.ports?.find((p: { nodePort?: number }) => typeof p.nodePort === 'number')?.nodePort as number | undefined;
  return { frontend: port('-frontend'), backend: port('-backend') };
}

/** The failing pod's events and logs and the commands for more; with --dump-dir, the release's describe, events and logs as files. */
async function reportFailure(log: Logger, kubectl: Kubectl, error: RolloutError, release: string, dumpDir?: string): Promise<void> {
  const lines = await failureReport(kubectl, error.diagnosis, release).catch(() => []);
  if (lines.length) log.result('info', `what to look at next (${error.diagnosis.code}):`, lines, { pod: error.diagnosis.pod, container: error.diagnosis.container });
  if (!dumpDir) return;
  const files = await writeDump(kubectl, release, dumpDir).catch((e: unknown) => {
    log.warn(`--dump-dir: could not write the dump: ${e instanceof Error ? e.message : String(e)}`);
    return [];
  });
  if (files.length) log.info(`wrote ${files.length} files (describe.txt, events.txt, logs/) to ${dumpDir}`);
}

export async function deploy(outLog: Logger, opts: DeployOptions): Promise<number> {
  // --dry-run: stdout carries only the manifests (or, with --json, the JSON events,
  // the manifests among them); the progress of a text run goes to stderr.
  const log = opts.dryRun && outLog.mode !== 'json' ? new Logger({ mode: outLog.mode, verbose: outLog.verbose, out: process.stderr, err: process.stderr }) : outLog;
  const run = createRunner({ log, env: opts.env });
  log.plan(DEPLOY_STEPS.length);
  const extraFiles = (opts.valuesFiles ?? []).map((given) => ({ given, file: path.resolve(opts.root, given) }));

  // Stage 1 holds every check that needs no cluster: configuration, tools, app inputs,
  // values against the chart's schema. Nothing is started, built or changed before it passes.
  const { config, plans, helm, rendered, userValues, wantedPorts, dumpDir } = await log.step(DEPLOY_STEPS[0], async (step) => {
    const dumpDir = opts.dumpDir ? checkDumpDir(opts.dumpDir, opts.root) : undefined;
    const { config, prereqs } = await checkStage(log, opts, run);
    const plans = planImages({ config });
    // A --registry that cannot prefix an image reference fails here, not after the build.
    if (config.registry) for (const plan of plans) underRegistry(plan.image, config.registry);
    const helm = await detectHelm(run);
    const planned = { frontend: plans.find((p) => p.name === 'frontend')!.image, backend: plans.find((p) => p.name === 'backend')!.image };
    const generated = deployValues(config, planned);
    const userValues = extraFiles.map(readValuesFile);
    const rendered = await renderValues(run, helm, config, generated, userValues, extraFiles, opts);
    const chartDefaults = (parse(readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8')) ?? {}) as Record<string, unknown>;
    const wantedPorts = wantedNodePorts([generated, ...userValues].reduce(mergeValues, chartDefaults), { generated, userFiles: extraFiles });
    step.summary = `${prereqs.results.filter((r) => r.status === 'ok').length} tools ready, values valid`;
    return { config, plans, helm, rendered, userValues, wantedPorts, dumpDir };
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
    await checkNodePorts(kubectl, { namespace: config.namespace, release: config.releaseName }, wantedPorts, opts.signal);
    step.summary = `${result.target.context} (${result.target.provider}${result.started ? ', started' : ''}), namespace ${config.namespace}${ns ? '' : ' (will be created)'}`;
    return { ...result, kubectl, provider: providerFor(run, result.target, log, config.registry) };
  });

  const images = await log.step(DEPLOY_STEPS[2], async (step) => {
    const outcome = await imagesStage(run, log, config, cluster?.provider, plans, opts);
    step.summary = opts.dryRun
      ? `dry run: ${formatImageRef(outcome.refs.frontend)}, ${formatImageRef(outcome.refs.backend)}`
      : `${outcome.built} built, ${outcome.loaded} loaded${opts.skipBuild ? ' (--skip-build)' : ''}`;
    return outcome;
  });

  const values = deployValues(config, images.refs);
  // A rendered Secret carries them base64-encoded (dry-run prints it): mask that form too.
  for (const secret of [config.openaiApiKey, config.databaseUrl]) if (secret) registerSecret(Buffer.from(secret).toString('base64'));
  const wanted = userValues.reduce(mergeValues, values);
  const description = deployDescription({ chartDigest: chartDigest(CHART_DIR) });
  const ref = { context: cluster?.target.context ?? '', namespace: config.namespace, release: config.releaseName };

  const release = await log.step(DEPLOY_STEPS[3], async (step) => {
    if (opts.dryRun) {
      // The values are the ones stage 1 rendered (no provider: the planned refs).
      if (log === outLog) log.event({ type: 'manifests', yaml: rendered });
      else outLog.print(rendered.trimEnd());
      step.summary = `rendered with helm ${helm.version} (nothing applied)`;
      return { action: 'rendered' as const, changed: false, revision: 0 };
    }
    const current = await releaseStatus(run, helm, ref);
    const recovery = await recoverPending(run, helm, ref, current);
    if (recovery.action === 'rolled-back') log.warn(`release ${ref.release} was left ${recovery.from} by an interrupted run: rolled back to revision ${recovery.to}`);
    if (recovery.action === 'uninstalled') log.warn(`release ${ref.release} was left ${recovery.from} by an interrupted install: uninstalled it`);
    const now = recovery.action === 'none' ? current : await releaseStatus(run, helm, ref);
    const deployed = now?.status === 'deployed' && now.description === description ? await deployedValues(run, helm, ref) : undefined;
    if (isUnchanged(now, description, deployed, wanted)) {
      step.summary = `unchanged (revision ${now!.revision}, helm ${helm.version})`;
      return { action: 'unchanged' as const, changed: false, revision: now!.revision };
    }
    const privateValues = writePrivateValues(values);
    opts.onCleanup?.(() => privateValues.remove());
    try {
      const nodePortKeys = Object.fromEntries(wantedPorts.map((w) => [w.port, w.key]));
      await upgrade(run, helm, { ...ref, chart: CHART_DIR, valuesFiles: [privateValues.file, ...extraFiles.map((f) => f.file)], description, nodePortKeys }, opts.signal);
    } finally {
      privateValues.remove();
    }
    const after = await releaseStatus(run, helm, ref);
    const action = now && now.status !== 'uninstalled' ? ('upgraded' as const) : ('installed' as const);
    step.summary = `${action} ${ref.release} revision ${after?.revision} (helm ${helm.version})`;
    return { action, changed: true, revision: after?.revision ?? 0 };
  });

  await log.step(DEPLOY_STEPS[4], async (step) => {
    if (opts.dryRun || opts.noWait || !cluster) {
      step.summary = opts.dryRun ? 'dry run' : 'skipped (--no-wait)';
      return;
    }
    const progress = new RolloutProgress(log);
    try {
      const ready = await watchRollout(cluster.kubectl, {
        release: config.releaseName,
        context: cluster.target.context,
        timeoutMs: config.deployTimeoutMs,
        signal: opts.signal,
        nodeHasImage: (image) => cluster.provider.hasImage(image),
        previousLogs: async (pod, container) => cluster.kubectl.exec(['logs', pod, '--container', container, '--previous', '--tail', '20']),
        intervalMs: pollIntervalMs(log),
        onProgress: (workloads) => progress.update(workloads),
      });
      progress.finish(ready);
      step.summary = ready.map((w) => `${w.name} ${w.ready}/${w.desired}`).join(', ');
    } catch (error) {
      // Read before the rollback: it takes the failing pods (their events and logs) away.
      if (error instanceof RolloutError) await reportFailure(log, cluster.kubectl, error, config.releaseName, dumpDir);
      if (error instanceof RolloutError && release.changed) {
        const undone = await rollbackRelease(run, helm, ref, release.revision).catch((e: unknown) => {
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
    // The ports the Services have, not the configured ones: the cluster assigns them when the values leave nodePort unset.
    const assigned = await servicePorts(cluster.kubectl, config.releaseName, opts.signal).catch(() => ({ frontend: undefined, backend: undefined }));
    const ports = { frontend: assigned.frontend ?? config.frontendNodePort, backend: assigned.backend ?? config.backendNodePort };
    const address = await cluster.provider.nodeAddress().catch(() => undefined);
    const urls = address
      ? { frontend: `http://${address}:${ports.frontend}`, backend: `http://${address}:${ports.backend}` }
      : undefined;
    if (urls) log.result('ok', `frontend ${urls.frontend}  backend ${urls.backend}`, [], { urls, nodePorts: ports });
    else {
      const how = cluster.target.provider === 'minikube'
        ? `minikube -p ${cluster.target.minikubeProfile} service ${config.releaseName}-frontend -n ${config.namespace} --url`
        : `kubectl --context ${cluster.target.context} -n ${config.namespace} port-forward svc/${config.releaseName}-frontend 3000:3000`;
      // npm run open keeps the tunnel up (and reconnects it after a pod restart); the raw command is there for those who want it.
      log.result('info', `the NodePorts (frontend ${ports.frontend}, backend ${ports.backend}) are not reachable from this host directly; open a tunnel with \`npm run open\` (or by hand: ${how})`, [], { tunnel: how, open: 'npm run open', nodePorts: ports });
    }
    log.info(`next: npx zx scripts/validate.ts${config.kubeContext ? ` --context ${cluster.target.context}` : ''}`);
    step.summary = urls ? urls.frontend : 'tunnel needed';
  });
  const releaseWord = { rendered: 'rendered, not applied', unchanged: 'unchanged', installed: 'installed', upgraded: 'upgraded' }[release.action];
  log.summary(`deployed ${config.releaseName} to ${cluster?.target.context ?? 'nowhere (dry run)'}: ${images.built} built, ${images.loaded} loaded, release ${releaseWord}`);
  return ExitCode.ok;
}
