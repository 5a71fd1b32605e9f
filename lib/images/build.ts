// Building: the Docker engine that builds (the host's, or the cluster's own via
// docker-env), and one BuildKit build per planned image that the engine lacks.
import { existsSync } from 'node:fs';
import type { Config } from '../config.ts';
import {
  Docker,
  ImagePullError,
  looksLikePullFailure,
  resolveDockerCli,
  type BuildStep,
  type DockerCli,
  type ImageInfo,
} from '../docker.ts';
import { ExitCode, ToolkitError } from '../errors.ts';
import { createRunner, type Runner } from '../exec.ts';
import { formatDuration, type Logger } from '../log.ts';
import type { ClusterProvider } from '../providers/types.ts';
import { diagnoseBuildFailure, type BuildHint } from './build-hints.ts';
import { LABEL_DIGEST, type ImageName, type ImagePlan } from './plan.ts';
import type { SizeReport } from './sizes.ts';

const BUILD_TIMEOUT_MS = 45 * 60_000;
const FAILURE_TAIL_LINES = 30;
/** Passed through to builds when set, like Docker's own predefined proxy args; not part of the digest. */
const PROXY_ARGS = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

// --- the engine --------------------------------------------------------------
export interface EngineOptions {
  log: Logger;
  run?: Runner;
  env?: NodeJS.ProcessEnv;
  /** Build straight into the cluster's engine when the provider has one (minikube docker-env). */
  provider?: ClusterProvider;
}

export interface Engine {
  docker: Docker;
  cli: DockerCli;
  serverVersion: string;
  /** 'host', or the provider whose engine is targeted. */
  target: string;
}

export interface EngineSummary {
  cli: string;
  cliVersion: string;
  buildMode: string;
  serverVersion: string;
  target: string;
}

export async function connectEngine(opts: EngineOptions): Promise<Engine> {
  const run = opts.run ?? createRunner({ log: opts.log, env: opts.env });
  const cli = await resolveDockerCli(run, opts.env ?? process.env);
  const providerEnv = (await opts.provider?.dockerEnv?.()) ?? undefined;
  const docker = new Docker(cli, run, providerEnv ?? {}, opts.log, opts.env);
  const serverVersion = await docker.serverVersion();
  return { docker, cli, serverVersion, target: providerEnv ? `${opts.provider!.name}'s Docker engine` : 'host' };
}

export function engineSummary(engine: Engine): EngineSummary {
  return {
    cli: engine.cli.path,
    cliVersion: engine.cli.version,
    buildMode: engine.cli.buildMode,
    serverVersion: engine.serverVersion,
    target: engine.target,
  };
}

// --- building ----------------------------------------------------------------
export interface StepSummary {
  name: string;
  cached: boolean;
}

export interface ImageResult {
  name: ImageName;
  ref: string;
  devRef: string;
  digest: string;
  action: 'built' | 'skipped';
  durationMs: number;
  steps: StepSummary[];
  size?: SizeReport;
}

export interface BuildOptions {
  log: Logger;
  force?: boolean;
  noCache?: boolean;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Overrides BUILD_CA_BUNDLE (tests). */
  caBundle?: string;
}

/** The extra CA bundle for builds: BUILD_CA_BUNDLE, else what Node or OpenSSL are told to trust here. */
export function caBundleFor(config: Config, env: NodeJS.ProcessEnv = process.env): { file: string; from: string } | undefined {
  const candidates: [string | undefined, string][] = [
    [config.buildCaBundle, 'BUILD_CA_BUNDLE'],
    [env.NODE_EXTRA_CA_CERTS, 'NODE_EXTRA_CA_CERTS'],
    [env.SSL_CERT_FILE, 'SSL_CERT_FILE'],
  ];
  for (const [file, from] of candidates) if (file && existsSync(file)) return { file, from };
  return undefined;
}

export interface BuildFailure {
  name: string;
  step?: string;
  reason: string;
  /** A known cause read from the step's output (build-hints.ts): what went wrong and what to do. */
  hint?: BuildHint;
}

export class ImageBuildError extends ToolkitError {
  constructor(readonly failures: BuildFailure[]) {
    const hinted = failures.filter((f) => f.hint);
    const causes = new Set(failures.map((f) => f.hint?.cause));
    super(
      failures
        .map((f) => `${f.name} image build failed${f.step ? ` at ${f.step}` : ''}: ${f.hint ? `${f.hint.reason} (${f.reason})` : f.reason}`)
        .join('\n'),
      ExitCode.failed,
      hinted.length
        ? [...new Set(hinted.flatMap((f) => f.hint!.advice))].join('\n  ')
        : 'the failing step and its output are shown above; fix it and run again (unchanged images are not rebuilt)',
      // A known cause's own code (build-hints.ts) when every failure has it; IMAGE_BUILD otherwise.
      causes.size === 1 && hinted.length ? hinted[0]!.hint!.code : 'IMAGE_BUILD',
    );
  }
}

function shortStep(step: BuildStep): string {
  return step.name.length > 100 ? `${step.name.slice(0, 97)}...` : step.name;
}

/** What every build of one run shares: the engine, the CA secret, the proxy args, the width of the name column. */
export interface Builder {
  engine: Engine;
  log: Logger;
  noCache?: boolean;
  signal?: AbortSignal;
  ca?: { file: string; from: string };
  proxyArgs: Record<string, string>;
  width: number;
}

export function createBuilder(engine: Engine, config: Config, opts: BuildOptions, names: readonly string[]): Builder {
  const env = opts.env ?? process.env;
  const ca = opts.caBundle ? { file: opts.caBundle, from: 'option' } : caBundleFor(config, env);
  if (ca) opts.log.debug(`extra CA bundle for builds from ${ca.from} (passed as the build_ca secret)`);
  const proxyArgs = Object.fromEntries(PROXY_ARGS.filter((k) => env[k]).map((k) => [k, env[k]!]));
  return {
    engine,
    log: opts.log,
    noCache: opts.noCache,
    signal: opts.signal,
    ca,
    proxyArgs,
    width: Math.max(0, ...names.map((n) => n.length)),
  };
}

/** The planned images the engine has (and their `:dev` tags), read once. */
export function inspectPlanned(engine: Engine, plans: readonly ImagePlan[]): Promise<Map<string, ImageInfo>> {
  return engine.docker.inspectImages(plans.flatMap((p) => [p.ref, p.devRef]));
}

/** The result for an image the engine already has; `:dev` is moved to it when it points elsewhere. */
export async function skipBuild(
  engine: Engine,
  plan: ImagePlan,
  present: ReadonlyMap<string, ImageInfo>,
  log: Logger,
): Promise<ImageResult> {
  log.result('ok', `${plan.name}: ${plan.ref} is up to date, not rebuilt`, [], { image: plan.name, ref: plan.ref, action: 'skipped' });
  // `:dev` follows the latest build or skip, for people; never used by deploy.
  const id = present.get(plan.ref)?.Id;
  if (id && present.get(plan.devRef)?.Id !== id) await engine.docker.tag(plan.ref, plan.devRef);
  return { name: plan.name, ref: plan.ref, devRef: plan.devRef, digest: plan.digest, action: 'skipped', durationMs: 0, steps: [] };
}

/**
 * Builds one planned image (tagged with its content tag and `:dev`). Throws
 * ImagePullError when its base cannot be had, ImageBuildError naming the failing
 * step (shown with its output), or exit 130 when the signal aborted it.
 */
export async function buildOne(builder: Builder, plan: ImagePlan): Promise<ImageResult> {
  const { engine, log, width } = builder;
  log.info(
    `  ${plan.name.padEnd(width)}  building ${plan.ref} (${plan.files} context files, ${engine.cli.buildMode === 'buildx' ? 'buildx' : 'engine BuildKit'})`,
  );
  const outcome = await engine.docker.build({
    dockerfile: plan.dockerfile,
    context: plan.contextDir,
    tags: [plan.ref, plan.devRef],
    buildArgs: { ...plan.buildArgs, ...builder.proxyArgs },
    labels: { [LABEL_DIGEST]: plan.digest, 'org.opencontainers.image.title': `todo-${plan.name}` },
    secrets: builder.ca ? { build_ca: builder.ca.file } : {},
    noCache: builder.noCache,
    timeoutMs: BUILD_TIMEOUT_MS,
    signal: builder.signal,
    onStep: (step) =>
      log.event({ type: 'progress', image: plan.name, step: step.name }, () => `  ${plan.name.padEnd(width)}  ${shortStep(step)}`),
  });
  const steps = outcome.progress.dockerfileSteps().map((s) => ({ name: s.name, cached: s.cached }));
  if (outcome.ok) {
    const cached = steps.filter((s) => s.cached).length;
    log.result(
      'ok',
      `${plan.name}: built ${plan.ref} in ${formatDuration(outcome.durationMs)} (${cached} of ${steps.length} steps cached)`,
      [],
      {
        image: plan.name,
        ref: plan.ref,
        action: 'built',
        durationMs: Math.round(outcome.durationMs),
        steps,
      },
    );
    return {
      name: plan.name,
      ref: plan.ref,
      devRef: plan.devRef,
      digest: plan.digest,
      action: 'built',
      durationMs: outcome.durationMs,
      steps,
    };
  }
  if (builder.signal?.aborted) throw new ToolkitError(`interrupted during the ${plan.name} image build`, ExitCode.interrupted);
  const failed = outcome.progress.failedStep();
  // The base was there a moment ago; a FROM that still fails (e.g. a registry-qualified stage) is a pull problem.
  if (
    failed &&
    /^\[(internal\] load metadata for|[^\]]*\] FROM) /.test(failed.name) &&
    looksLikePullFailure(`${failed.name} ${failed.error}`)
  ) {
    if (plan.dockerfileKind === 'user') {
      const image = /load metadata for (\S+)|FROM (\S+)/.exec(failed.name)?.slice(1).find(Boolean) ?? plan.base;
      throw new ToolkitError(
        `base image ${image} of ${plan.dockerfile} cannot be pulled: ${failed.error ?? 'the build could not resolve it'}`,
        ExitCode.failed,
        `make ${image} available to the engine (docker pull / docker load), or change that FROM line to a mirror you can reach (e.g. mirror.example.com/library/${image.split('/').pop()})`,
        'IMAGE_PULL',
      );
    }
    throw new ImagePullError(plan.base, plan.baseArg, failed.error ?? 'the build could not resolve it');
  }
  const output = failed?.output.length ? failed.output : outcome.progress.lines.filter(Boolean);
  const tailLines = output.slice(-FAILURE_TAIL_LINES);
  const reason = outcome.timedOut
    ? `timed out after ${formatDuration(BUILD_TIMEOUT_MS)}`
    : (failed?.error ?? `docker build exited with ${outcome.exitCode}`);
  const hint = outcome.timedOut
    ? undefined
    : diagnoseBuildFailure([reason, ...output].join('\n'), { kind: plan.dockerfileKind ?? 'ours', path: plan.dockerfile });
  log.result(
    'fail',
    `${plan.name}: build failed${failed ? ` at ${failed.name}` : ''}`,
    [
      `error: ${reason}`,
      `last ${tailLines.length} lines of ${failed ? 'that step' : 'the build'}:`,
      ...tailLines,
      ...(hint ? [`likely cause: ${hint.reason}`, ...hint.advice.map((a) => `fix: ${a}`)] : []),
    ],
    {
      image: plan.name,
      action: 'failed',
      step: failed?.name,
      reason,
      output: tailLines,
      ...(hint ? { cause: hint.cause, advice: hint.advice } : {}),
    },
  );
  throw new ImageBuildError([{ name: plan.name, step: failed?.name, reason, hint }]);
}

/** Says where the builds run and makes every base image present first: one that cannot be had fails fast, with the setting that fixes it. */
export async function prepareBuilds(engine: Engine, toBuild: readonly ImagePlan[], log: Logger, signal?: AbortSignal): Promise<void> {
  if (!toBuild.length) return;
  log.info(
    `building ${toBuild.map((p) => p.name).join(' and ')} in ${engine.target === 'host' ? "the host's Docker engine" : engine.target}`,
  );
  // A user Dockerfile's FROM lines are its own: BuildKit pulls them (a failure names the line).
  await Promise.all(
    toBuild.filter((p) => p.dockerfileKind !== 'user').map((p) => engine.docker.ensureBaseImage(p.base, p.baseArg, signal)),
  );
}

/**
 * The one error for several images' failures: interruption first, then a base
 * that cannot be pulled, then every build failure together; else the first error.
 */
export function combineImageErrors(errors: readonly unknown[]): unknown {
  const interrupted = errors.find((e) => e instanceof ToolkitError && e.exitCode === ExitCode.interrupted);
  if (interrupted) return new ToolkitError('interrupted during the image build', ExitCode.interrupted);
  const pull = errors.find((e) => e instanceof ImagePullError);
  if (pull) return pull;
  const builds = errors.filter((e): e is ImageBuildError => e instanceof ImageBuildError);
  if (builds.length > 1) return new ImageBuildError(builds.flatMap((e) => e.failures));
  return builds[0] ?? errors[0];
}

/**
 * Builds the planned images that the engine does not have yet (all of them with
 * force), concurrently, and makes `:dev` point at each. Returns one result per plan.
 * (The pipeline runs the same pieces per image; this is the all-at-once form.)
 */
export async function buildPlanned(
  engine: Engine,
  plans: readonly ImagePlan[],
  config: Config,
  opts: BuildOptions,
): Promise<ImageResult[]> {
  const present = await inspectPlanned(engine, plans);
  const toBuild = plans.filter((p) => opts.force || !present.has(p.ref));
  await prepareBuilds(engine, toBuild, opts.log, opts.signal);
  const builder = createBuilder(
    engine,
    config,
    opts,
    toBuild.map((p) => p.name),
  );
  const settled = await Promise.allSettled(
    plans.map((plan) => (toBuild.includes(plan) ? buildOne(builder, plan) : skipBuild(engine, plan, present, opts.log))),
  );
  const errors = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []));
  if (errors.length) throw combineImageErrors(errors);
  return settled.map((s) => (s as PromiseFulfilledResult<ImageResult>).value);
}
