// The deploy job, six numbered stages: prerequisites and configuration, cluster,
// images, release, rollout, done. Idempotent: a second run with nothing changed
// builds, loads and upgrades nothing. Every check that needs no cluster (configuration,
// tools, app inputs, values against the chart) passes before anything is started or built.
// A run that would change nothing stops after three reads (lib/deploy-fastpath.ts); a run that
// changes something overlaps what does not depend on each other (tool probes, the values check,
// the cluster reads, the engine connection). (Over 350 lines once formatted: the six stages read in order in one place; the pieces that stand alone are
// already out: deploy-fastpath, deploy-values, deploy-access, host-engine.)
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { clusterStage } from './cluster.ts';
import { loadConfig, type Config } from './config.ts';
import { ExitCode, PrereqError, ToolkitError, UsageError } from './errors.ts';
import { createRunner, type Runner } from './exec.ts';
import { parse } from 'yaml';
import {
  chartDigest,
  deployDescription,
  deployedValues,
  detectHelm,
  isUnchanged,
  recoverPending,
  releaseStatus,
  rollbackRelease,
  upgrade,
  writePrivateValues,
  type HelmInfo,
} from './helm.ts';
import { formatImageRef, imageValues, underRegistry, type ImageRef } from './image-ref.ts';
import { explainPlan, planImages, type ImagePlan } from './images/plan.ts';
import { Kubectl } from './kubectl.ts';
import { analyzeOrFail, appValues, browserUrls, needsBrowserUrl, quietPlan, type BrowserUrls } from './own-app.ts';
import type { AppAnalysis } from './app/types.ts';
import { RolloutError } from './rollout.ts';
import { checkDumpDir, failureReport, writeDump } from './failure-dump.ts';
import { Logger } from './log.ts';
import { checkPrereqs, type PrereqReport, type ToolName } from './prereqs.ts';
import { reportAccess, servicePorts } from './deploy-access.ts';
import { mergeValues, readValuesFile } from './deploy-values.ts';
export { mergeValues } from './deploy-values.ts';
import { probeUnchanged, reportUnchanged, type Unchanged } from './deploy-fastpath.ts';
import type { Engine } from './images/build.ts';
import { providerFor } from './providers/index.ts';
import type { ClusterProvider } from './providers/types.ts';
import { registerSecret } from './redact.ts';
import { CHART_PATH, REPO_ROOT } from './render.ts';
import { settleAll } from './settle.ts';
import { checkNodePorts, renderChecked, wantedNodePorts, type WantedPort } from './values-check.ts';

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
  /** --use-our-dockerfiles: build with dockerfiles/*.Dockerfile even when the app folders have their own. */
  useOurDockerfiles?: boolean;
  /** Extra values files (--values), applied after the generated one. */
  valuesFiles?: readonly string[];
  signal?: AbortSignal;
  onCleanup?: (fn: () => Promise<void> | void) => void;
}

/** Which tools a deploy needs, given the configured provider. */
export function requiredTools(
  config: Pick<Config, 'provider'>,
  skipBuild: boolean,
  dryRun = false,
): { required: ToolName[]; optional: ToolName[] } {
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

/** Stage 1, part 1: configuration and the --values files (exit 2 on bad values). Changes nothing, runs no tool. */
export function configStage(log: Logger, opts: DeployOptions): Config {
  const { config, warnings } = loadConfig({ flags: opts.configFlags, envFile: opts.envFile, root: opts.root, env: opts.env });
  for (const warning of warnings) log.warn(warning);
  for (const file of opts.valuesFiles ?? []) {
    if (!existsSync(path.resolve(opts.root, file)))
      throw new UsageError(
        `--values ${file}: file not found`,
        'give the path of a YAML values file (relative to the repository root or absolute)',
      );
  }
  return config;
}

/** Stage 1: configuration (exit 2 on bad values) then prerequisites (exit 3). Changes nothing. */
export async function checkStage(
  log: Logger,
  opts: DeployOptions,
  run: Runner,
  loaded?: Config,
  provider?: ClusterProvider['name'],
): Promise<{ config: Config; prereqs: PrereqReport }> {
  const config = loaded ?? configStage(log, opts);
  const tools = requiredTools(config, opts.skipBuild, opts.dryRun);
  // The optional tools are for a provider auto-detection may find; one already found needs only its own.
  const { required, optional } = provider ? { ...tools, optional: tools.optional.filter((t) => t === provider) } : tools;
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

/** The values deploy generates: image refs, ports, settings and (only here) the secrets; with the app analysis, its ports, paths and variables. */
export function deployValues(
  config: Config,
  refs: { frontend: ImageRef; backend: ImageRef },
  app?: AppAnalysis,
  browser?: BrowserUrls,
): Record<string, unknown> {
  const base = {
    frontend: { image: imageValues(refs.frontend), service: { nodePort: config.frontendNodePort } },
    backend: { image: imageValues(refs.backend), service: { nodePort: config.backendNodePort } },
    config: { openaiModel: config.openaiModel, openaiBaseUrl: config.openaiBaseUrl ?? '' },
    secrets: { openaiApiKey: config.openaiApiKey ?? '' },
    database: { mode: config.databaseMode, ...(config.databaseMode === 'external' ? { external: { url: config.databaseUrl ?? '' } } : {}) },
  };
  return app ? mergeValues(base, appValues(config, app, browser)) : base;
}

/**
 * Renders the chart with the values (generated + --values) through a private file; exit 2
 * VALUES_INVALID on values the chart refuses. Outside --dry-run, a stand-in PostgreSQL
 * password is added when none is given: an install reads (or generates) the real one from
 * the cluster, which `helm template` cannot, and the chart's other rules must still run here.
 */
async function renderValues(
  run: Runner,
  helm: Pick<HelmInfo, 'bin'>,
  config: Config,
  generated: Record<string, unknown>,
  userValues: readonly Record<string, unknown>[],
  extraFiles: readonly { given: string; file: string }[],
  opts: DeployOptions,
): Promise<string> {
  const auth =
    (userValues.reduce(mergeValues, {}) as { postgresql?: { auth?: { password?: string; existingSecret?: string } } }).postgresql?.auth ??
    {};
  const standIn = !opts.dryRun && config.databaseMode === 'postgres' && !auth.password && !auth.existingSecret;
  const values = standIn
    ? mergeValues(generated, {
        postgresql: {
          auth: {
            password: randomBytes(18)
              .toString('base64url')
              .replace(/[^A-Za-z0-9]/g, 'x'),
          },
        },
      })
    : generated;
  const privateValues = writePrivateValues(values);
  opts.onCleanup?.(() => privateValues.remove());
  try {
    return await renderChecked(run, {
      helmBin: helm.bin,
      chartDir: CHART_DIR,
      releaseName: config.releaseName,
      namespace: config.namespace,
      valuesFiles: [privateValues.file, ...extraFiles.map((f) => f.file)],
      sources: { generated, userFiles: extraFiles },
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

async function imagesStage(
  run: Runner,
  log: Logger,
  config: Config,
  provider: ClusterProvider | undefined,
  plans: ImagePlan[],
  opts: DeployOptions,
  app: AppAnalysis,
  engine?: () => Promise<Engine>,
): Promise<ImagesOutcome> {
  const imageOf = (name: string) => plans.find((p) => p.name === name)!.image;
  let built = 0;
  let loaded = 0;
  if (provider && !opts.skipBuild) {
    // Sizes over budget are a warning here: build-images is where budgets fail a job.
    const { buildPipeline } = await import('./images/pipeline.ts');
    const report = await buildPipeline({
      config,
      log,
      run,
      env: opts.env,
      provider,
      plans,
      app,
      sizes: 'warn',
      signal: opts.signal,
      engine: await engine?.(),
    });
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

/** The namespace (undefined: it will be created) and the NodePort pre-flight; either read proves the API server answers (exit 3 CLUSTER_UNREACHABLE otherwise). */
async function clusterChecks(kubectl: Kubectl, config: Config, wantedPorts: WantedPort[], signal?: AbortSignal): Promise<unknown> {
  // settleAll: an unreachable cluster is reported once both reads have ended (no tool call outlives deploy).
  const [ns] = await settleAll([
    kubectl.getOptional('namespace', config.namespace, { clusterScoped: true, signal }),
    checkNodePorts(kubectl, { namespace: config.namespace, release: config.releaseName }, wantedPorts, signal),
  ]);
  return ns;
}

/** The failing pod's events and logs and the commands for more; with --dump-dir, the release's describe, events and logs as files. */
async function reportFailure(log: Logger, kubectl: Kubectl, error: RolloutError, release: string, dumpDir?: string): Promise<void> {
  const lines = await failureReport(kubectl, error.diagnosis, release).catch(() => []);
  if (lines.length)
    log.result('info', `what to look at next (${error.diagnosis.code}):`, lines, {
      pod: error.diagnosis.pod,
      container: error.diagnosis.container,
    });
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
  const log =
    opts.dryRun && outLog.mode !== 'json'
      ? new Logger({ mode: outLog.mode, verbose: outLog.verbose, out: process.stderr, err: process.stderr })
      : outLog;
  const run = createRunner({ log, env: opts.env });
  log.plan(DEPLOY_STEPS.length);
  const extraFiles = (opts.valuesFiles ?? []).map((given) => ({ given, file: path.resolve(opts.root, given) }));

  // Stage 1 holds every check that needs no cluster: configuration, tools, app inputs,
  // values against the chart's schema. Nothing is started, built or changed before it passes.
  const description = deployDescription({ chartDigest: chartDigest(CHART_DIR) });
  const first = await log.step(DEPLOY_STEPS[0], async (step) => {
    const dumpDir = opts.dumpDir ? checkDumpDir(opts.dumpDir, opts.root) : undefined;
    const config = configStage(log, opts);
    // What the app folders hold, read once (pure file reads): the plans and the values below use these facts.
    const app = analyzeOrFail(config, log, { useOurDockerfiles: opts.useOurDockerfiles });
    const plans = planImages({ config, app });
    for (const plan of plans) explainPlan(log, plan);
    // A --registry that cannot prefix an image reference fails here, not after the build.
    if (config.registry) for (const plan of plans) underRegistry(plan.image, config.registry);
    const planned = { frontend: plans.find((p) => p.name === 'frontend')!.image, backend: plans.find((p) => p.name === 'backend')!.image };
    const generated = deployValues(config, planned, app);
    const userValues = extraFiles.map(readValuesFile);
    // Nothing to change: three reads and done (lib/deploy-fastpath.ts); else the full deploy, every guard included.
    const fast = opts.dryRun
      ? undefined
      : await probeUnchanged({
          run,
          log,
          config,
          plans,
          required: requiredTools(config, opts.skipBuild).required,
          wanted: userValues.reduce(mergeValues, generated),
          description,
          env: opts.env,
          allowRemote: opts.allowRemote,
          signal: opts.signal,
        });
    if (fast?.unchanged) {
      step.summary = 'tools on PATH; the release holds these values, the nodes these images';
      return { config, app, fast };
    }
    if (fast) log.debug(`full deploy: ${fast.reason}`);
    // The image pipeline's modules load while the tools are probed (a no-op never needs them).
    if (!opts.skipBuild) import('./images/pipeline.ts').catch(() => undefined);
    const chartDefaults = (parse(readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8')) ?? {}) as Record<string, unknown>;
    const wantedPorts = wantedNodePorts([generated, ...userValues].reduce(mergeValues, chartDefaults), {
      generated,
      userFiles: extraFiles,
    });
    // The cluster stage's reads start now too when the probe found a local (or allowed) cluster that runs; they change nothing.
    const clusterReads =
      fast?.provider && fast.target
        ? settleLater(
            clusterChecks(
              new Kubectl(run, { context: fast.target.context, namespace: config.namespace }),
              config,
              wantedPorts,
              opts.signal,
            ),
          )
        : undefined;
    // The host's engine is connected while the tools are probed and the values rendered (minikube's is known only later).
    const engine =
      !opts.skipBuild && fast?.provider && !fast.provider.dockerEnv
        ? settleLater(import('./host-engine.ts').then(({ connectHostEngine }) => connectHostEngine({ log, run, env: opts.env, plans })))
        : undefined;
    // The render runs during the version probes when every tool is on PATH (the probe got as far as the context); else after them.
    const render = () => renderValues(run, { bin: 'helm' }, config, generated, userValues, extraFiles, opts);
    const rendering = fast?.target ? settleLater(render()) : undefined;
    try {
      const { prereqs } = await checkStage(log, opts, run, config, fast?.target?.provider);
      const helm = helmOf(prereqs) ?? (await detectHelm(run));
      const rendered = await (rendering ?? render)();
      step.summary = `${prereqs.results.filter((r) => r.status === 'ok').length} tools ready, values valid`;
      return { config, app, plans, helm, rendered, userValues, wantedPorts, dumpDir, fast, engine, clusterReads };
    } catch (error) {
      // A failed check waits for the render, whose finally removes the private values file.
      // So does the work started beside the checks (engine, cluster reads): nothing of this run outlives it.
      await Promise.allSettled([rendering?.(), engine?.(), clusterReads?.()]);
      throw error;
    }
  });
  if ('fast' in first && first.fast?.unchanged) {
    await reportUnchanged(log, DEPLOY_STEPS, first.config, first.fast);
    return ExitCode.ok;
  }
  const { config, app, plans, helm, rendered, userValues, wantedPorts, dumpDir, fast, engine, clusterReads } = first as Exclude<
    typeof first,
    { fast: Unchanged }
  >;

  const cluster = await log.step(DEPLOY_STEPS[1], async (step) => {
    if (opts.dryRun) {
      step.summary = 'dry run: the cluster is not contacted';
      return undefined;
    }
    // The runner's environment (createRunner's default): the kubeconfig is then read from its files.
    const result = await clusterStage(run, config, log, { allowRemote: Boolean(opts.allowRemote), env: opts.env ?? process.env });
    const kubectl = new Kubectl(run, { context: result.target.context, namespace: config.namespace });
    const ns =
      clusterReads && fast?.target?.context === result.target.context && !result.started
        ? await clusterReads()
        : await clusterChecks(kubectl, config, wantedPorts, opts.signal);
    step.summary = `${result.target.context} (${result.target.provider}${result.started ? ', started' : ''}), namespace ${config.namespace}${ns ? '' : ' (will be created)'}`;
    // The provider the fast-path probe made holds its node listing: no second `kubectl get nodes`.
    const same =
      fast?.provider && fast.target?.context === result.target.context && fast.provider.name === result.target.provider && !result.started;
    return { ...result, kubectl, provider: same ? fast.provider! : providerFor(run, result.target, log, config.registry) };
  });

  // Browser code that calls the backend directly needs the URL a browser reaches baked into the
  // frontend: known now that the cluster is (node address + NodePort). The frontend is planned again with it.
  const browser = cluster && needsBrowserUrl(app) ? await browserUrls(cluster.provider, config, log) : undefined;
  const built = browser
    ? quietPlan(config, { useOurDockerfiles: opts.useOurDockerfiles, browserBackendUrl: browser.backend })
    : { app, plans };
  if (browser) for (const plan of built.plans.filter((p) => p.name === 'frontend')) explainPlan(log, plan);

  const images = await log.step(DEPLOY_STEPS[2], async (step) => {
    const outcome = await imagesStage(run, log, config, cluster?.provider, built.plans, opts, built.app, engine);
    step.summary = opts.dryRun
      ? `dry run: ${formatImageRef(outcome.refs.frontend)}, ${formatImageRef(outcome.refs.backend)}`
      : `${outcome.built} built, ${outcome.loaded} loaded${opts.skipBuild ? ' (--skip-build)' : ''}`;
    return outcome;
  });

  const values = deployValues(config, images.refs, built.app, browser);
  // A rendered Secret carries them base64-encoded (dry-run prints it): mask that form too.
  for (const secret of [config.openaiApiKey, config.databaseUrl, ...Object.values(config.appSecrets)])
    if (secret) registerSecret(Buffer.from(secret).toString('base64'));
  const wanted = userValues.reduce(mergeValues, values);
  const ref = { context: cluster?.target.context ?? '', namespace: config.namespace, release: config.releaseName };

  const release = await log.step(DEPLOY_STEPS[3], async (step) => {
    if (opts.dryRun) {
      // The values are the ones stage 1 rendered (no provider: the planned refs).
      if (log === outLog) log.event({ type: 'manifests', yaml: rendered });
      else outLog.print(rendered.trimEnd());
      step.summary = `rendered with helm ${helm.version} (nothing applied)`;
      return { action: 'rendered' as const, changed: false, revision: 0 };
    }
    // The probe's read serves when it can only lead to an upgrade; a pending or matching release is read again now.
    const early = fast?.release;
    const current =
      early &&
      fast?.target?.context === ref.context &&
      !early.status?.status.startsWith('pending-') &&
      !isUnchanged(early.status, description, early.status?.values, wanted)
        ? early.status
        : await releaseStatus(run, helm, ref);
    const recovery = await recoverPending(run, helm, ref, current);
    if (recovery.action === 'rolled-back')
      log.warn(`release ${ref.release} was left ${recovery.from} by an interrupted run: rolled back to revision ${recovery.to}`);
    if (recovery.action === 'uninstalled')
      log.warn(`release ${ref.release} was left ${recovery.from} by an interrupted install: uninstalled it`);
    const now = recovery.action === 'none' ? current : await releaseStatus(run, helm, ref);
    const deployed = now?.status === 'deployed' && now.description === description ? await deployedValues(run, helm, ref, now) : undefined;
    if (isUnchanged(now, description, deployed, wanted)) {
      step.summary = `unchanged (revision ${now!.revision}, helm ${helm.version})`;
      return { action: 'unchanged' as const, changed: false, revision: now!.revision };
    }
    const privateValues = writePrivateValues(values);
    opts.onCleanup?.(() => privateValues.remove());
    let revision: number | undefined;
    try {
      const nodePortKeys = Object.fromEntries(wantedPorts.map((w) => [w.port, w.key]));
      revision = await upgrade(
        run,
        helm,
        { ...ref, chart: CHART_DIR, valuesFiles: [privateValues.file, ...extraFiles.map((f) => f.file)], description, nodePortKeys },
        opts.signal,
      );
    } finally {
      privateValues.remove();
    }
    // helm upgrade prints the revision; helm status only when it did not.
    revision ??= (await releaseStatus(run, helm, ref))?.revision;
    const action = now && now.status !== 'uninstalled' ? ('upgraded' as const) : ('installed' as const);
    step.summary = `${action} ${ref.release} revision ${revision} (helm ${helm.version})`;
    return { action, changed: true, revision: revision ?? 0 };
  });

  // The ports the Services have, not the configured ones (the cluster assigns them when the values leave nodePort unset):
  // helm has created the Services, so they are read while the rollout is watched.
  const unknownPorts = { frontend: undefined, backend: undefined };
  const assignedPorts =
    cluster && !opts.dryRun
      ? settleLater(servicePorts(cluster.kubectl, config.releaseName, opts.signal).catch(() => unknownPorts))
      : undefined;
  await log.step(DEPLOY_STEPS[4], async (step) => {
    if (opts.dryRun || opts.noWait || !cluster) {
      step.summary = opts.dryRun ? 'dry run' : 'skipped (--no-wait)';
      return;
    }
    // Loaded when needed: a no-op redeploy never gets here (modules cost start-up time).
    const [{ watchRollout }, { pollIntervalMs, RolloutProgress }] = await Promise.all([
      import('./rollout.ts'),
      import('./rollout-progress.ts'),
    ]);
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
    const ports = await assignedPorts!();
    await reportAccess(log, step, { config, target: cluster.target, provider: cluster.provider, ports });
  });
  const releaseWord = { rendered: 'rendered, not applied', unchanged: 'unchanged', installed: 'installed', upgraded: 'upgraded' }[
    release.action
  ];
  log.summary(
    `deployed ${config.releaseName} to ${cluster?.target.context ?? 'nowhere (dry run)'}: ${images.built} built, ${images.loaded} loaded, release ${releaseWord}`,
  );
  return ExitCode.ok;
}

/** Starts work now; its error surfaces only when awaited (never as an unhandled rejection). */
function settleLater<T>(promise: Promise<T>): () => Promise<T> {
  promise.catch(() => undefined);
  return () => promise;
}

/** Helm's binary, major and version from the prerequisite probe (no second `helm version`). */
function helmOf(prereqs: PrereqReport): HelmInfo | undefined {
  const probe = prereqs.results.find((r) => r.tool === 'helm' && r.status === 'ok');
  return probe?.version && (probe.major === 3 || probe.major === 4)
    ? { bin: 'helm', major: probe.major, version: probe.version }
    : undefined;
}
