// The real DevSteps: the same building blocks deploy uses, one image at a time.
// build: buildPipeline for the changed image (its output kept quiet and shown
// only when it fails: the failing step and its last lines); load: the provider's load;
// upgrade: helm upgrade with the values deploy computes, only the image refs new (not
// --reuse-values: the release then holds exactly what `deploy` would give it, so a later
// deploy of the same sources is a no-op, and a chart's new defaults apply); rollout:
// lib/rollout.ts with deploy's diagnosis; recover: helm rollback to the last good revision
// (as deploy does); smoke: lib/smoke.ts through lib/access.ts.
import { answers, openAccess, type AppAccess } from '../access.ts';
import type { Config } from '../config.ts';
import { deployValues } from '../deploy.ts';
import type { Runner } from '../exec.ts';
import { failureReport } from '../failure-dump.ts';
import {
  chartDigest,
  deployDescription,
  releaseStatus,
  rollbackRelease,
  upgrade,
  writePrivateValues,
  type HelmInfo,
  type ReleaseRef,
} from '../helm.ts';
import { parseImageRef, type ImageRef } from '../image-ref.ts';
import { connectEngine, ImageBuildError, type Engine } from '../images/build.ts';
import { createLoadQueue, loadOne, needsLoad } from '../images/load.ts';
import { buildPipeline } from '../images/pipeline.ts';
import type { ImageName } from '../images/plan.ts';
import type { Kubectl } from '../kubectl.ts';
import { browserUrls, needsBrowserUrl, quietPlan } from '../own-app.ts';
import { Logger } from '../log.ts';
import type { ClusterProvider } from '../providers/types.ts';
import { RolloutError, watchRollout } from '../rollout.ts';
import { runSmokeChecks, SMOKE_CHECKS, type BaseUrls } from '../smoke.ts';
import { Capture } from './capture.ts';
import type { DetailedError, DevSteps, SmokeSummary } from './loop.ts';

const FAILURE_LINES = 20;

export interface StepsContext {
  run: Runner;
  log: Logger;
  config: Config;
  provider: ClusterProvider;
  helm: HelmInfo;
  kubectl: Kubectl;
  ref: ReleaseRef;
  chartDir: string;
  dockerfilesDir: string;
  /** --values files, absolute, applied after the generated values. */
  valuesFiles: readonly string[];
  env?: NodeJS.ProcessEnv;
}

export interface RealSteps extends DevSteps {
  /** The app's URLs (opened on first use; a port-forward reconnects after a rollout). */
  urls(signal: AbortSignal, afterRollout?: boolean): Promise<{ urls: BaseUrls; via: AppAccess['via'] }>;
  /** Connects the Docker engine ahead of the first change (saves the first cycle about a second). */
  prepare(): Promise<void>;
  close(): Promise<void>;
}

function buildFailure(error: unknown, captured: string): DetailedError {
  const message =
    error instanceof ImageBuildError
      ? error.failures.map((f) => `${f.step ? `at ${f.step}` : ''}${f.step ? ': ' : ''}${f.reason}`).join('; ')
      : (error as Error).message;
  // The failing step's lines as buildPlanned printed them (after "last N lines of ...").
  const lines = captured.split('\n').filter((l) => l.trim());
  const from = lines.findIndex((l) => /^\s*last \d+ lines of/.test(l));
  const kept = (from >= 0 ? lines.slice(from + 1) : lines).slice(-FAILURE_LINES);
  const indent = Math.min(...kept.map((l) => /^\s*/.exec(l)![0].length));
  const details = kept.map((l) => l.slice(indent));
  return Object.assign(new Error(message.split('\n')[0]), { details, code: (error as { code?: string }).code });
}

export function createSteps(ctx: StepsContext): RealSteps {
  const { run, config, provider, helm, kubectl, ref } = ctx;
  let engine: Promise<Engine> | undefined;
  let access: AppAccess | undefined;
  const engineOnce = () =>
    (engine ??= connectEngine({
      log: new Logger({ mode: 'plain', out: new Capture(), err: new Capture() }),
      run,
      env: ctx.env,
      provider,
    }).catch((e) => {
      engine = undefined;
      throw e;
    }));
  const queue = createLoadQueue(provider);
  // The app analysis, as deploy does it, each cycle (an edit may change what it finds, e.g. a next.config
  // rewrite): the same build args and tags as deploy, and the same chart values.
  const plan = async () => {
    const first = quietPlan(config, { dockerfilesDir: ctx.dockerfilesDir });
    if (!needsBrowserUrl(first.app)) return first;
    const browser = await browserUrls(provider, config, ctx.log);
    return browser ? { ...quietPlan(config, { dockerfilesDir: ctx.dockerfilesDir, browserBackendUrl: browser.backend }), browser } : first;
  };
  const deployed = async (image: ImageRef): Promise<ImageRef> => (provider.deployRef ? provider.deployRef(image) : image);

  return {
    async build(image: ImageName, signal) {
      const out = new Capture();
      const quiet = new Logger({ mode: 'plain', out, err: out });
      try {
        // The one image pipeline, this image only, without its load (the next step) and size budgets (deploy's job).
        const { app, plans } = await plan();
        const report = await buildPipeline({
          config,
          log: quiet,
          only: [image],
          plans,
          app,
          dockerfilesDir: ctx.dockerfilesDir,
          engine: await engineOnce(),
          run,
          env: ctx.env,
          provider,
          load: false,
          sizes: 'off',
          signal,
        });
        const result = report.images.find((r) => r.name === image)!;
        return { ref: result.ref, built: result.action === 'built' };
      } catch (error) {
        if (signal.aborted) throw signal.reason ?? error;
        throw buildFailure(error, out.text);
      }
    },

    async load(image, imageRef, _signal, fresh) {
      if (!needsLoad(await engineOnce())) return false; // built in the cluster's own engine
      // A tag this cycle built is on no node yet: load without asking (one kubectl call less per cycle).
      if (fresh) return queue(async () => (await provider.loadImage(imageRef), true));
      return loadOne(
        provider,
        { name: image, ref: imageRef },
        new Logger({ mode: 'plain', out: new Capture(), err: new Capture() }),
        queue,
      );
    },

    async upgrade(refs, signal) {
      const images = {
        frontend: await deployed(parseImageRef(refs.frontend, 'FRONTEND_IMAGE')),
        backend: await deployed(parseImageRef(refs.backend, 'BACKEND_IMAGE')),
      };
      const planned = await plan();
      const values = deployValues(config, images, planned.app, 'browser' in planned ? planned.browser : undefined);
      const privateValues = writePrivateValues(values);
      try {
        // The chart digest of the chart as it is now: a later deploy of the same state sees "unchanged".
        await upgrade(
          run,
          helm,
          {
            ...ref,
            chart: ctx.chartDir,
            valuesFiles: [privateValues.file, ...ctx.valuesFiles],
            description: deployDescription({ chartDigest: chartDigest(ctx.chartDir) }),
          },
          signal,
        );
      } finally {
        privateValues.remove();
      }
      // The revision is only needed after a failed rollout (recover reads it then): no helm status per cycle.
      return undefined;
    },

    async rollout(signal) {
      try {
        await watchRollout(kubectl, {
          release: ref.release,
          context: ref.context,
          timeoutMs: config.deployTimeoutMs,
          signal,
          nodeHasImage: (image) => provider.hasImage(image),
          previousLogs: async (pod, container) => kubectl.exec(['logs', pod, '--container', container, '--previous', '--tail', '20']),
          intervalMs: 500,
        });
      } catch (error) {
        // The diagnosis and what to look at, read before the rollback takes the failing pods away.
        if (error instanceof RolloutError) {
          const lines = await failureReport(kubectl, error.diagnosis, ref.release).catch(() => []);
          // failureReport holds the pod's events and logs (the diagnosis' own detail lines say the same).
          const detail = lines.length ? lines : (error.diagnosis.details ?? []);
          ctx.log.result('fail', `${error.diagnosis.code}: ${error.diagnosis.message}`, [...detail, `hint: ${error.diagnosis.hint}`]);
        }
        throw error;
      }
    },

    async recover(failedRevision) {
      const revision = failedRevision ?? (await releaseStatus(run, helm, ref))?.revision ?? 0;
      const undone = await rollbackRelease(run, helm, ref, revision);
      return undone.action === 'rolled-back'
        ? `rolled back to revision ${undone.to}`
        : `uninstalled ${ref.release} (its first install never became ready)`;
    },

    async smoke(signal): Promise<SmokeSummary> {
      const { urls } = await this.urls(signal, true);
      const results = await runSmokeChecks(urls, SMOKE_CHECKS, undefined, { signal });
      const failed = results.filter((r) => !r.ok).map((r) => ({ name: r.id, detail: r.detail }));
      if (failed.length)
        ctx.log.result(
          'warn',
          `smoke checks failed against ${urls.frontend}`,
          failed.map((f) => `${f.name}: ${f.detail}`),
        );
      return { passed: results.length - failed.length, total: results.length, failed };
    },

    async reachable(signal) {
      try {
        await kubectl.getOptional('namespace', ref.namespace, { clusterScoped: true, signal });
        return true;
      } catch {
        return false;
      }
    },

    async urls(signal, afterRollout = false) {
      if (!access) {
        access = await openAccess({
          kube: kubectl,
          release: ref.release,
          nodeAddress: () => provider.nodeAddress(),
          env: ctx.env,
          log: ctx.log,
          signal,
          keepPorts: true,
        });
        return { urls: access.urls, via: access.via };
      }
      // A port-forward holds on to the pod it started with: after a rollout that may be an old pod,
      // still answering while it terminates (the smoke checks would test the old version) or about
      // to drop. Forward again, to the same local ports, so the checks reach the new pods.
      if (access.via === 'port-forward' && afterRollout) await access.reconnect();
      else if (access.via === 'port-forward') {
        // A forward ends with its pod; a rollout replaces the pods.
        const up = await Promise.all([
          answers(`${access.urls.frontend}/api/health`, (b) => typeof (b as { status?: unknown })?.status === 'string', 2000, signal),
          answers(`${access.urls.backend}/health`, (b) => typeof (b as { status?: unknown })?.status === 'string', 2000, signal),
        ]);
        if (!up.every(Boolean)) await access.reconnect();
      }
      return { urls: access.urls, via: access.via };
    },

    async prepare() {
      await engineOnce();
    },

    async close() {
      await access?.close();
      access = undefined;
    },
  };
}
