// `npm run dev`: a normal deploy, then the inner loop until Ctrl-C — watch the sources,
// rebuild only what changed, load, upgrade, watch the rollout, smoke-check, one status
// line per cycle — while the release's logs stream with their pod prefixes and the app
// stays reachable (NodePort, or port-forwards that follow the pods). Ctrl-C stops the
// watchers, a running build, the log streams and the port-forwards; --cleanup also
// uninstalls the release (as `skaffold dev` does), otherwise it stays.
import path from 'node:path';
import { loadConfig } from '../config.ts';
import { deploy, type DeployOptions } from '../deploy.ts';
import { ExitCode, ToolkitError, type ExitCodeValue } from '../errors.ts';
import { createRunner } from '../exec.ts';
import { detectHelm, uninstall } from '../helm.ts';
import { DOCKERFILES_DIR, type ImageName } from '../images/plan.ts';
import { Kubectl } from '../kubectl.ts';
import { quietPlan } from '../own-app.ts';
import type { Logger } from '../log.ts';
import { streamLogs } from '../logs.ts';
import { providerFor, resolveTarget } from '../providers/index.ts';
import { CHART_PATH, REPO_ROOT } from '../render.ts';
import { DevLoop, type CycleReport } from './loop.ts';
import { statusKind, statusLine } from './status.ts';
import { createSteps } from './steps.ts';
import { devRoots, watchRoots } from './watch.ts';

export interface DevOptions extends Pick<DeployOptions, 'configFlags' | 'envFile' | 'root' | 'valuesFiles' | 'allowRemote' | 'env'> {
  /** Uninstall the release when the session ends. */
  cleanup: boolean;
  /** Do not stream the release's logs. */
  noLogs?: boolean;
  debounceMs?: number;
  signal: AbortSignal;
  onCleanup(fn: () => Promise<void> | void): void;
  /** Where the release's log lines go; default stdout. */
  logsOut?: NodeJS.WritableStream;
  /** Called with each cycle's report (the bench). */
  onReport?(report: CycleReport): void;
}

/** Resolves when the signal aborts. */
const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

export async function devSession(log: Logger, opts: DevOptions): Promise<ExitCodeValue> {
  const chartDir = path.join(REPO_ROOT, CHART_PATH);
  // 1. A normal deploy. A failed build or rollout does not end the session: the loop
  //    starts with everything pending and the next edit deploys.
  let deployFailed: ToolkitError | undefined;
  try {
    await deploy(log, { ...opts, skipBuild: false, signal: opts.signal, onCleanup: opts.onCleanup });
  } catch (error) {
    if (opts.signal.aborted || !(error instanceof ToolkitError) || error.exitCode !== ExitCode.failed) throw error;
    deployFailed = error;
    log.error(error.message, error.hint, error.code);
    log.warn('the first deploy failed; watching anyway: the next change deploys again');
  }
  if (opts.signal.aborted) return ExitCode.interrupted;

  // 2. The same facts deploy used, read once for the session.
  const run = createRunner({ log, env: opts.env });
  const { config } = loadConfig({ flags: opts.configFlags, envFile: opts.envFile, root: opts.root, env: opts.env });
  const target = await resolveTarget(run, config, opts.env);
  const provider = providerFor(run, target, log, config.registry);
  const helm = await detectHelm(run);
  const kubectl = new Kubectl(run, { context: target.context, namespace: config.namespace });
  const ref = { context: target.context, namespace: config.namespace, release: config.releaseName };
  const steps = createSteps({
    run,
    log,
    config,
    provider,
    helm,
    kubectl,
    ref,
    chartDir,
    dockerfilesDir: DOCKERFILES_DIR,
    env: opts.env,
    valuesFiles: (opts.valuesFiles ?? []).map((f) => path.resolve(opts.root, f)),
  });
  // Errors here surface with the first build that needs the engine.
  void steps.prepare().catch(() => undefined);
  const planned = Object.fromEntries(quietPlan(config).plans.map((p) => [p.name, p.ref])) as Record<ImageName, string>;

  // 3. The loop, its watcher, the log streams and the app's URLs; all stopped by one cleanup.
  const loop = new DevLoop(steps, {
    refs: deployFailed ? { frontend: '', backend: '' } : planned,
    debounceMs: opts.debounceMs,
    onReport(report) {
      opts.onReport?.(report);
      const status = statusKind(report);
      log.result(status, statusLine(report), report.outcome === 'build-failed' ? (report.details ?? []) : [], {
        cycle: report.n,
        targets: report.targets,
        outcome: report.outcome,
        stages: report.stages.map((s) => ({ ...s, ms: Math.round(s.ms) })),
        revision: report.revision,
        smokeMs: report.smokeMs === undefined ? undefined : Math.round(report.smokeMs),
        totalMs: Math.round(report.totalMs),
      });
    },
    onNotice(kind, message) {
      if (kind === 'paused') log.warn(message);
      else log.ok(message);
    },
  });
  if (deployFailed) loop.markDirty(['frontend', 'backend', 'chart']);
  const logsStop = new AbortController();
  let logsDone: Promise<unknown> = Promise.resolve();
  const watcher = watchRoots(
    devRoots(config, { dockerfiles: DOCKERFILES_DIR, chart: chartDir }),
    (t) => loop.change(t),
    (e) => log.warn(`cannot watch: ${e.message}`),
  );
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      watcher.close();
      await loop.stop();
      logsStop.abort();
      await logsDone;
      await steps.close();
      if (opts.cleanup) {
        log.info(`--cleanup: uninstalling ${ref.release} from ${ref.context}`);
        await uninstall(run, helm, ref, { wait: true }).catch((e: unknown) =>
          log.warn(`uninstall failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`),
        );
        log.ok(
          `uninstalled ${ref.release} (namespace ${ref.namespace} and its PersistentVolumeClaims stay; npm run teardown removes them)`,
        );
      } else log.info(`the release ${ref.release} stays deployed (npm run dev -- --cleanup uninstalls it when the session ends)`);
    })());
  opts.onCleanup(stop);

  if (!deployFailed) {
    const access = await steps.urls(opts.signal).catch((e: unknown) => {
      log.warn(`the app is not reachable from here yet: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      return undefined;
    });
    if (access)
      log.result(
        'ok',
        `app: ${access.urls.frontend}  api: ${access.urls.backend} (${access.via === 'nodeport' ? 'NodePorts' : 'port-forwards, kept up across rollouts'})`,
        [],
        { urls: access.urls, via: access.via },
      );
  }
  if (!opts.noLogs) {
    logsDone = streamLogs({
      config,
      run,
      log,
      json: log.mode === 'json',
      color: log.mode === 'pretty',
      signal: logsStop.signal,
      env: opts.env,
      out: opts.logsOut,
      previous: false,
    }).catch((e: unknown) => log.warn(`log streaming stopped: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`));
  }
  log.info(
    `watching ${watcher.count} folders of ${path.relative(opts.root, config.frontendDir) || '.'}, ${path.relative(opts.root, config.backendDir) || '.'}, dockerfiles/ and the chart; Ctrl-C to stop${opts.cleanup ? ' and uninstall' : ''}`,
  );
  log.event({ type: 'watching', folders: watcher.count });

  await aborted(opts.signal);
  await stop();
  return ExitCode.interrupted;
}
