// The one image pipeline, for build-images, deploy and the dev loop:
//   plan → build (skipped when the engine has the tag) → sizes → load → container test.
// Options choose the steps. Each image runs its own chain (build → sizes → load), so
// loading one image starts while another is still building; a caller acts per image
// through onEvent, and an AbortSignal cancels what is running (a newer change wins).
import type { AppAnalysis } from '../app/types.ts';
import type { Config } from '../config.ts';
import { ExitCode, ToolkitError, UsageError } from '../errors.ts';
import type { Runner } from '../exec.ts';
import type { Logger, StepRecord } from '../log.ts';
import type { ClusterProvider } from '../providers/types.ts';
import {
  buildOne,
  combineImageErrors,
  connectEngine,
  createBuilder,
  engineSummary,
  prepareBuilds,
  skipBuild,
  type Engine,
  type EngineSummary,
  type ImageResult,
} from './build.ts';
import { testContainers, type ContainerTestReport } from './container-test.ts';
import { createLoadQueue, loadOne, needsLoad } from './load.ts';
import { appRuntimeEnv } from '../own-app.ts';
import { isReferenceApp, ownAppUnderTest } from './own-app.ts';
import { refsToInspect } from '../host-engine.ts';
import { explainPlan, planImages, type ImageName, type ImagePlan } from './plan.ts';
export { explainPlan } from './plan.ts';
import { measureSize, overBudgetText, sizeError, type SizeMode, type SizeReport } from './sizes.ts';

/** What happens to each image, in order, as it happens (several images interleave). */
export type PipelineEvent =
  | { type: 'planned'; image: ImageName; plan: ImagePlan }
  | { type: 'built' | 'skipped'; image: ImageName; result: ImageResult }
  | { type: 'sized'; image: ImageName; size: SizeReport }
  /** loaded: false when the nodes already had it or the cluster's own engine built it. */
  | { type: 'loaded'; image: ImageName; ref: string; loaded: boolean }
  /** The image is in place: built and sized, and loaded when load is on. The last one's event means all are. */
  | { type: 'ready'; image: ImageName; result: ImageResult }
  | { type: 'failed'; image: ImageName; error: unknown };

export interface PipelineOptions {
  config: Config;
  log: Logger;
  /** The images to build (and load); default all. Planning and the container test may still need the others. */
  only?: readonly ImageName[];
  /** Plans made earlier (deploy plans in its first stage); else planned here. */
  plans?: readonly ImagePlan[];
  dockerfilesDir?: string;
  /** The app analysis (analyzeApps): which Dockerfiles, build args, ports and health paths. */
  app: AppAnalysis;
  /** An engine connected earlier (a dev loop connects once); else connected here (to the provider's engine when it has one). */
  engine?: Engine;
  run?: Runner;
  env?: NodeJS.ProcessEnv;
  /** The cluster: its engine is built into when it has one (minikube docker-env); the target of load. A function is called after planning, so bad inputs fail first. */
  provider?: ClusterProvider | (() => Promise<ClusterProvider>);
  force?: boolean;
  noCache?: boolean;
  /** Overrides BUILD_CA_BUNDLE (tests). */
  caBundle?: string;
  /** Size budgets: 'fail' (default; exit 1 IMAGE_SIZE, the image is not loaded), 'warn' (⚠ lines), 'off'. */
  sizes?: SizeMode | 'off';
  /** Load into the provider's nodes (default: whenever a provider is given). */
  load?: boolean;
  /** Then run both images locally and the app checks (needs both: the others must already be built). */
  test?: boolean;
  /** Each phase as a numbered log step (build-images); default: inline, inside the caller's own step. */
  steps?: boolean;
  signal?: AbortSignal;
  /** Registers cleanup that also runs on Ctrl-C (the container test's containers). */
  onCleanup?: (fn: () => Promise<void>) => void;
  onEvent?: (event: PipelineEvent) => void;
}

export interface PipelineReport {
  engine: EngineSummary;
  plans: ImagePlan[];
  /** One per image built or skipped (the `only` ones), in plan order. */
  images: ImageResult[];
  built: number;
  loaded: number;
  test?: ContainerTestReport;
}

/** The numbered steps a run with these options shows (for log.plan); empty without `steps`. */
export function pipelineSteps(opts: Pick<PipelineOptions, 'steps' | 'plans' | 'engine' | 'test'>): string[] {
  if (!opts.steps) return [];
  return [...(opts.plans ? [] : ['Inputs']), ...(opts.engine ? [] : ['Docker engine']), 'Images', ...(opts.test ? ['Container test'] : [])];
}

/** Plans (unless given), connects, runs every image's chain at once, then the container test. */
export async function buildPipeline(opts: PipelineOptions): Promise<PipelineReport> {
  const { log, config } = opts;
  const phase = <T>(title: string, body: () => Promise<T>, summary: (value: T) => string): Promise<T> =>
    opts.steps
      ? log.step(title, async (step: StepRecord) => {
          const value = await body();
          step.summary = summary(value);
          return value;
        })
      : body();
  const wanted = (name: ImageName) => !opts.only?.length || opts.only.includes(name);

  // The container test runs both images, so both are planned; `only` limits what is built.
  const plans = opts.plans
    ? [...opts.plans]
    : await phase(
        'Inputs',
        async () => {
          const all = planImages({ config, only: opts.test ? undefined : opts.only, dockerfilesDir: opts.dockerfilesDir, app: opts.app });
          for (const plan of all) {
            log.result('info', `${plan.name}: ${plan.ref} from ${plan.files} files in ${plan.contextDir}`, [], {
              image: plan.name,
              ref: plan.ref,
              digest: plan.digest,
            });
            explainPlan(log, plan);
          }
          return all;
        },
        (all) => all.map((p) => p.ref).join(', '),
      );
  for (const plan of plans) opts.onEvent?.({ type: 'planned', image: plan.name, plan });
  const mine = plans.filter((p) => wanted(p.name));
  const provider = typeof opts.provider === 'function' ? await opts.provider() : opts.provider;

  const engine =
    opts.engine ??
    (await phase(
      'Docker engine',
      () => connectEngine({ log, run: opts.run, env: opts.env, provider }),
      (e) =>
        `${e.target}, engine ${e.serverVersion}, ${e.cli.buildMode === 'buildx' ? 'buildx' : `built-in BuildKit via docker ${e.cli.version}`}`,
    ));

  const outcome = await phase(
    'Images',
    () => runChains(engine, mine, { ...opts, provider }),
    (o) =>
      `${o.images.filter((r) => r.action === 'built').length} built, ${o.images.filter((r) => r.action === 'skipped').length} up to date${provider && opts.load !== false ? `, ${o.loaded} loaded` : ''}`,
  );

  let test: ContainerTestReport | undefined;
  if (opts.test) {
    const others = plans.filter((p) => !mine.includes(p));
    const present = await engine.docker.inspectImages(others.map((p) => p.ref));
    const missing = others.filter((p) => !present.has(p.ref));
    if (missing.length)
      throw new UsageError(
        `--test needs ${missing.map((p) => p.ref).join(', ')}, which is not built`,
        'run build-images --test without --only',
      );
    const ref = (name: ImageName) => plans.find((p) => p.name === name)!.ref;
    // An own app is checked on its own ports and paths; ours with our app's full smoke checks.
    const app = !isReferenceApp(config) ? { ...ownAppUnderTest(opts.app, plans), env: appRuntimeEnv(config, opts.app) } : undefined;
    test = await phase(
      'Container test',
      () =>
        testContainers(
          engine.docker,
          { frontend: ref('frontend'), backend: ref('backend') },
          { log, signal: opts.signal, onCleanup: opts.onCleanup, app },
        ),
      (r) => `${r.results.length} smoke checks passed`,
    );
  }
  return {
    engine: engineSummary(engine),
    plans,
    images: outcome.images,
    built: outcome.images.filter((r) => r.action === 'built').length,
    loaded: outcome.loaded,
    test,
  };
}

/** Every image's build → sizes → load, concurrently; the errors of all of them, combined, at the end. */
async function runChains(
  engine: Engine,
  plans: readonly ImagePlan[],
  opts: PipelineOptions & { provider?: ClusterProvider },
): Promise<{ images: ImageResult[]; loaded: number }> {
  const { log, signal } = opts;
  const emit = (event: PipelineEvent) => opts.onEvent?.(event);
  const checkAborted = () => {
    if (signal?.aborted) throw new ToolkitError('interrupted during the image build', ExitCode.interrupted);
  };
  checkAborted();
  const present = await engine.docker.inspectImages(refsToInspect(plans));
  const toBuild = plans.filter((p) => opts.force || !present.has(p.ref));
  await prepareBuilds(engine, toBuild, log, signal);
  const builder = createBuilder(
    engine,
    opts.config,
    { log, noCache: opts.noCache, signal, env: opts.env, caBundle: opts.caBundle },
    toBuild.map((p) => p.name),
  );
  const sizeMode = opts.sizes ?? 'fail';
  const provider = opts.load === false ? undefined : opts.provider;
  if (provider && !needsLoad(engine)) log.ok(`built in ${engine.target}: nothing to load`);
  const serial = provider ? createLoadQueue(provider) : undefined;
  // A load that waited its turn (k3d) does not start once the run is cancelled.
  const queue =
    serial &&
    (<T>(job: () => Promise<T>) =>
      serial(() => {
        checkAborted();
        return job();
      }));
  const over: string[] = [];
  let loaded = 0;

  const chain = async (plan: ImagePlan): Promise<ImageResult> => {
    const result = toBuild.includes(plan) ? await buildOne(builder, plan) : await skipBuild(engine, plan, present, log);
    emit({ type: result.action, image: plan.name, result });
    const sizing =
      sizeMode === 'off'
        ? undefined
        : (async () => {
            checkAborted();
            result.size = await measureSize(engine, plan, log, sizeMode);
            emit({ type: 'sized', image: plan.name, size: result.size });
            if (result.size.overBudget) over.push(overBudgetText(plan, result.size));
          })();
    // 'fail': an image over its budget is not loaded, so the size comes first; 'warn' only
    // reports it, so the load does not wait for it (its 'sized' event may follow 'loaded').
    if (sizeMode === 'fail') {
      await sizing;
      if (result.size?.overBudget) return result; // not loaded: the job fails below
    } else sizing?.catch(() => undefined);
    if (provider) {
      checkAborted();
      const didLoad = needsLoad(engine) && (await loadOne(provider, plan, log, queue));
      if (didLoad) loaded++;
      emit({ type: 'loaded', image: plan.name, ref: plan.ref, loaded: didLoad });
    }
    await sizing;
    emit({ type: 'ready', image: plan.name, result });
    return result;
  };

  const settled = await Promise.allSettled(
    plans.map(async (plan) => {
      try {
        return await chain(plan);
      } catch (error) {
        emit({ type: 'failed', image: plan.name, error });
        throw error;
      }
    }),
  );
  const errors = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []));
  if (errors.length) throw combineImageErrors(errors);
  if (over.length && sizeMode === 'fail') throw sizeError(over);
  return { images: settled.map((s) => (s as PromiseFulfilledResult<ImageResult>).value), loaded };
}
