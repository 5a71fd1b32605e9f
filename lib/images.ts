// Container images: plan (content tags), build (skip what exists, both at once),
// check sizes against the budgets, load into a cluster, and test locally.
// (~700 lines, nine concerns: the grab-bag issue 16 splits into lib/images/ with one pipeline.)
//
// A tag is the input digest: a hash of the Dockerfile, its ignore file, the
// context files that ignore file keeps, and the build args. The same inputs give
// the same tag, so a daemon that has the tag needs no build; deployments always
// use that tag (`:dev` is only a convenience for people).
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './config.ts';
import { Docker, ImagePullError, looksLikePullFailure, resolveDockerCli, type BuildStep, type DockerCli, type HistoryEntry } from './docker.ts';
import { ExitCode, ToolkitError, UsageError } from './errors.ts';
import { formatImageRef, ImageRefError, parseImageRef, type ImageRef } from './image-ref.ts';
import { createRunner, type Runner } from './exec.ts';
import { formatDuration, type Logger } from './log.ts';
import type { ClusterProvider } from './providers/types.ts';
import { runSmokeChecks, type SmokeResult } from './smoke.ts';
import { sleep } from './sleep.ts';

export const DOCKERFILES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dockerfiles');
export const IMAGE_NAMES = ['frontend', 'backend'] as const;
export type ImageName = (typeof IMAGE_NAMES)[number];

/** Bump when the way inputs are hashed changes. */
const DIGEST_FORMAT = 'todo-images/v1';
const TAG_LENGTH = 12;
const BUILD_TIMEOUT_MS = 45 * 60_000;
const FAILURE_TAIL_LINES = 30;
const MB = 1_000_000; // as docker prints sizes
/** Passed through to builds when set, like Docker's own predefined proxy args; not part of the digest. */
const PROXY_ARGS = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];
export const LABEL_DIGEST = 'dev.todo-chatbot.input-digest';

interface ImageSpec {
  dockerfile: string;
  dirKey: string;
  dir(c: Config): string;
  repoKey: string;
  repo(c: Config): string;
  baseArg: 'NODE_IMAGE' | 'PYTHON_IMAGE';
  base(c: Config): string;
  registryArg: 'NPM_REGISTRY' | 'PIP_INDEX_URL';
  registry(c: Config): string | undefined;
  budgetKey: string;
  budgetMb(c: Config): number;
  port: number;
  /** Files the Dockerfile COPYs by name. */
  required: string[];
  /** Problems with the app folder that would only show late in the build; `files` are the kept context files. */
  detect(dir: string, files: string[]): string[];
}

const FRONTEND_HEALTH_ROUTE = /^(src\/)?app\/api\/health\/route\.(ts|js|mjs|tsx|jsx)$|^(src\/)?pages\/api\/health\.(ts|js|mjs|tsx|jsx)$/;

export const IMAGE_SPECS: Record<ImageName, ImageSpec> = {
  frontend: {
    dockerfile: 'frontend.Dockerfile',
    dirKey: 'FRONTEND_DIR',
    dir: (c) => c.frontendDir,
    repoKey: 'FRONTEND_IMAGE',
    repo: (c) => c.frontendImage,
    baseArg: 'NODE_IMAGE',
    base: (c) => c.nodeImage,
    registryArg: 'NPM_REGISTRY',
    registry: (c) => c.npmRegistry,
    budgetKey: 'FRONTEND_SIZE_BUDGET_MB',
    budgetMb: (c) => c.frontendSizeBudgetMb,
    port: 3000,
    required: ['package.json', 'package-lock.json'],
    detect(dir, files) {
      const problems: string[] = [];
      const configFile = files.find((f) => /^next\.config\.(ts|mts|js|mjs|cjs)$/.test(f));
      if (!configFile) problems.push('has no next.config.* (is it a Next.js app?)');
      else if (!/output\s*:\s*["'`]standalone["'`]/.test(readFileSync(path.join(dir, configFile), 'utf8'))) {
        problems.push(`${configFile} does not set output: "standalone" (the image runs the standalone server)`);
      }
      if (!files.some((f) => FRONTEND_HEALTH_ROUTE.test(f))) problems.push('has no /api/health route (app/api/health/route.ts), which the HEALTHCHECK calls');
      return problems;
    },
  },
  backend: {
    dockerfile: 'backend.Dockerfile',
    dirKey: 'BACKEND_DIR',
    dir: (c) => c.backendDir,
    repoKey: 'BACKEND_IMAGE',
    repo: (c) => c.backendImage,
    baseArg: 'PYTHON_IMAGE',
    base: (c) => c.pythonImage,
    registryArg: 'PIP_INDEX_URL',
    registry: (c) => c.pipIndexUrl,
    budgetKey: 'BACKEND_SIZE_BUDGET_MB',
    budgetMb: (c) => c.backendSizeBudgetMb,
    port: 8000,
    required: ['requirements.txt'],
    detect(dir, files) {
      const problems: string[] = [];
      if (!files.includes('app/main.py')) problems.push('has no app/main.py (the image runs uvicorn app.main:app)');
      const python = files.filter((f) => f.startsWith('app/') && f.endsWith('.py'));
      if (python.length && !python.some((f) => /["']\/health["']/.test(readFileSync(path.join(dir, f), 'utf8')))) {
        problems.push('defines no /health endpoint in app/, which the HEALTHCHECK calls');
      }
      return problems;
    },
  },
};

// --- .dockerignore -----------------------------------------------------------
export interface IgnoreRule {
  pattern: string;
  negate: boolean;
  regex: RegExp;
}

/** Docker's .dockerignore syntax: Go filepath.Match patterns plus `**`, `!` exceptions, last match wins. */
export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1).trim();
    let pattern = path.posix.normalize(line).replace(/\/+$/, '');
    if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    if (!pattern || pattern === '.') continue;
    rules.push({ pattern, negate, regex: patternToRegex(pattern) });
  }
  return rules;
}

function patternToRegex(pattern: string): RegExp {
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') i++;
        out += i + 1 >= pattern.length ? '.*' : '(.*/)?';
      } else out += '[^/]*';
    } else if (ch === '?') out += '[^/]';
    else if (ch === '\\' && i + 1 < pattern.length) out += escapeRegex(pattern[++i]!);
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) out += '\\[';
      else {
        out += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else out += escapeRegex(ch);
  }
  return new RegExp(`${out}$`);
}

function escapeRegex(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}

/** Whether Docker leaves `rel` (slash-separated, relative to the context) out of the context. */
export function isIgnored(rules: readonly IgnoreRule[], rel: string): boolean {
  const parents: string[] = [];
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) parents.push(parts.slice(0, i).join('/'));
  let ignored = false;
  for (const rule of rules) {
    const match = rule.regex.test(rel) || parents.some((p) => rule.regex.test(p));
    if (match) ignored = !rule.negate;
  }
  return ignored;
}

export interface ContextDigest {
  digest: string;
  /** The kept files, relative, sorted. */
  files: string[];
}

/** Hashes every entry the ignore rules keep: path, kind, executable bit and content (symlinks: their target). */
export function hashContext(dir: string, rules: readonly IgnoreRule[]): ContextDigest {
  const hash = createHash('sha256');
  const files: string[] = [];
  const canPrune = !rules.some((r) => r.negate);
  const walk = (relDir: string) => {
    const entries = readdirSync(path.join(dir, relDir), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      const full = path.join(dir, rel);
      const ignored = isIgnored(rules, rel);
      if (entry.isDirectory()) {
        if (ignored && canPrune) continue;
        if (!ignored) hash.update(`d ${rel}\n`);
        walk(rel);
      } else if (!ignored) {
        if (entry.isSymbolicLink()) hash.update(`l ${rel} ${readlinkSync(full)}\n`);
        else if (entry.isFile()) {
          const mode = lstatSync(full).mode & 0o111 ? 'x' : '-';
          hash.update(`f ${rel} ${mode} ${createHash('sha256').update(readFileSync(full)).digest('hex')}\n`);
          files.push(rel);
        }
      }
    }
  };
  walk('');
  return { digest: hash.digest('hex'), files };
}

// --- planning ----------------------------------------------------------------
export interface ImagePlan {
  name: ImageName;
  contextDir: string;
  dockerfile: string;
  ignoreFile: string | undefined;
  buildArgs: Record<string, string>;
  digest: string;
  repo: string;
  /** The content-tagged image, typed: what deploy hands to providers and the chart. */
  image: ImageRef;
  /** `image` as text (`todo-frontend:3f9a1c2b7d4e`), for the docker CLI. */
  ref: string;
  devRef: string;
  base: string;
  baseArg: string;
  budgetMb: number;
  budgetKey: string;
  port: number;
  files: number;
}

export interface PlanOptions {
  config: Config;
  only?: readonly ImageName[];
  /** Folder holding <name>.Dockerfile (and <name>.Dockerfile.dockerignore); default the repository's dockerfiles/. */
  dockerfilesDir?: string;
}

/** The ignore file BuildKit uses: <Dockerfile>.dockerignore beside the Dockerfile, else the context's .dockerignore. */
export function ignoreFileFor(dockerfile: string, contextDir: string): string | undefined {
  return [`${dockerfile}.dockerignore`, path.join(contextDir, '.dockerignore')].find((f) => existsSync(f));
}

/** Checks the inputs and computes every image's tag; touches no Docker engine. */
export function planImages(opts: PlanOptions): ImagePlan[] {
  const { config } = opts;
  const dockerfilesDir = path.resolve(opts.dockerfilesDir ?? DOCKERFILES_DIR);
  const problems: string[] = [];
  const plans: ImagePlan[] = [];
  for (const name of opts.only?.length ? opts.only : IMAGE_NAMES) {
    const spec = IMAGE_SPECS[name];
    const contextDir = spec.dir(config);
    const dockerfile = path.join(dockerfilesDir, spec.dockerfile);
    if (!existsSync(contextDir) || !statSync(contextDir).isDirectory()) {
      problems.push(`${name}: app folder ${contextDir} does not exist (${spec.dirKey}); point ${spec.dirKey} at the ${name} source folder`);
      continue;
    }
    if (!existsSync(dockerfile)) {
      problems.push(`${name}: Dockerfile ${dockerfile} does not exist; restore dockerfiles/${spec.dockerfile} or point --dockerfiles at a folder that has it`);
      continue;
    }
    const missing = spec.required.filter((f) => !existsSync(path.join(contextDir, f)));
    if (missing.length) {
      problems.push(`${name}: ${contextDir} has no ${missing.join(' or ')}, which the Dockerfile copies (${spec.dirKey})`);
      continue;
    }
    const ignoreFile = ignoreFileFor(dockerfile, contextDir);
    const ignoreText = ignoreFile ? readFileSync(ignoreFile, 'utf8') : '';
    const context = hashContext(contextDir, parseDockerignore(ignoreText));
    const appProblems = spec.detect(contextDir, context.files);
    if (appProblems.length) {
      problems.push(...appProblems.map((p) => `${name}: ${contextDir} ${p}`));
      continue;
    }
    const buildArgs: Record<string, string> = { [spec.baseArg]: spec.base(config) };
    const registry = spec.registry(config);
    if (registry) buildArgs[spec.registryArg] = registry;
    const digest = createHash('sha256')
      .update(JSON.stringify({
        format: DIGEST_FORMAT,
        dockerfile: readFileSync(dockerfile, 'utf8'),
        ignore: ignoreText,
        context: context.digest,
        buildArgs: Object.entries(buildArgs).sort(([a], [b]) => (a < b ? -1 : 1)),
      }))
      .digest('hex');
    const repo = spec.repo(config);
    let image: ImageRef;
    try {
      image = parseImageRef(`${repo}:${digest.slice(0, TAG_LENGTH)}`, spec.repoKey);
    } catch (error) {
      if (!(error instanceof ImageRefError)) throw error;
      problems.push(`${name}: ${error.message} (${spec.repoKey}=${repo})`);
      continue;
    }
    plans.push({
      name,
      contextDir,
      dockerfile,
      ignoreFile,
      buildArgs,
      digest,
      repo,
      image,
      ref: formatImageRef(image),
      devRef: `${repo}:dev`,
      base: spec.base(config),
      baseArg: spec.baseArg,
      budgetMb: spec.budgetMb(config),
      budgetKey: spec.budgetKey,
      port: spec.port,
      files: context.files.length,
    });
  }
  if (problems.length) {
    throw new ToolkitError(
      problems.length === 1 ? problems[0]! : `${problems.length} problems with the image inputs:\n${problems.map((p) => `  ${p}`).join('\n')}`,
      ExitCode.usage,
      'fix the app folder or the setting named above; nothing was built',
      'IMAGE_INPUT',
    );
  }
  return plans;
}

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

export async function connectEngine(opts: EngineOptions): Promise<Engine> {
  const run = opts.run ?? createRunner({ log: opts.log, env: opts.env });
  const cli = await resolveDockerCli(run, opts.env ?? process.env);
  const providerEnv = (await opts.provider?.dockerEnv?.()) ?? undefined;
  const docker = new Docker(cli, run, providerEnv ?? {}, opts.log);
  const serverVersion = await docker.serverVersion();
  return { docker, cli, serverVersion, target: providerEnv ? `${opts.provider!.name}'s Docker engine` : 'host' };
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

export class ImageBuildError extends ToolkitError {
  constructor(readonly failures: { name: string; step?: string; reason: string }[]) {
    super(
      failures.map((f) => `${f.name} image build failed${f.step ? ` at ${f.step}` : ''}: ${f.reason}`).join('\n'),
      ExitCode.failed,
      'the failing step and its output are shown above; fix it and run again (unchanged images are not rebuilt)',
      'IMAGE_BUILD',
    );
  }
}

function shortStep(step: BuildStep): string {
  return step.name.length > 100 ? `${step.name.slice(0, 97)}...` : step.name;
}

/**
 * Builds the planned images that the engine does not have yet (all of them with
 * force), concurrently, then makes `:dev` point at each. Returns one result per plan.
 */
export async function buildPlanned(engine: Engine, plans: readonly ImagePlan[], config: Config, opts: BuildOptions): Promise<ImageResult[]> {
  const { docker } = engine;
  const { log } = opts;
  const present = await docker.inspectImages(plans.flatMap((p) => [p.ref, p.devRef]));
  const toBuild = plans.filter((p) => opts.force || !present.has(p.ref));
  const results = new Map<ImageName, ImageResult>();

  for (const plan of plans.filter((p) => !toBuild.includes(p))) {
    results.set(plan.name, { name: plan.name, ref: plan.ref, devRef: plan.devRef, digest: plan.digest, action: 'skipped', durationMs: 0, steps: [] });
    log.result('ok', `${plan.name}: ${plan.ref} is up to date, not rebuilt`, [], { image: plan.name, ref: plan.ref, action: 'skipped' });
  }

  if (toBuild.length) {
    log.info(`building ${toBuild.map((p) => p.name).join(' and ')} in ${engine.target === 'host' ? 'the host\'s Docker engine' : engine.target}`);
    // A base image that cannot be had fails fast, with the setting that fixes it.
    await Promise.all(toBuild.map((p) => docker.ensureBaseImage(p.base, p.baseArg, opts.signal)));
    const ca = opts.caBundle ? { file: opts.caBundle, from: 'option' } : caBundleFor(config, opts.env);
    if (ca) log.debug(`extra CA bundle for builds from ${ca.from} (passed as the build_ca secret)`);
    const proxyArgs = Object.fromEntries(PROXY_ARGS.filter((k) => (opts.env ?? process.env)[k]).map((k) => [k, (opts.env ?? process.env)[k]!]));
    const width = Math.max(...toBuild.map((p) => p.name.length));
    const outcomes = await Promise.all(
      toBuild.map(async (plan) => {
        log.info(`  ${plan.name.padEnd(width)}  building ${plan.ref} (${plan.files} context files, ${engine.cli.buildMode === 'buildx' ? 'buildx' : 'engine BuildKit'})`);
        const outcome = await docker.build({
          dockerfile: plan.dockerfile,
          context: plan.contextDir,
          tags: [plan.ref, plan.devRef],
          buildArgs: { ...plan.buildArgs, ...proxyArgs },
          labels: { [LABEL_DIGEST]: plan.digest, 'org.opencontainers.image.title': `todo-${plan.name}` },
          secrets: ca ? { build_ca: ca.file } : {},
          noCache: opts.noCache,
          timeoutMs: BUILD_TIMEOUT_MS,
          signal: opts.signal,
          onStep: (step) => log.event({ type: 'progress', image: plan.name, step: step.name }, () => `  ${plan.name.padEnd(width)}  ${shortStep(step)}`),
        });
        return { plan, outcome };
      }),
    );
    const failures: { name: string; step?: string; reason: string }[] = [];
    for (const { plan, outcome } of outcomes) {
      const steps = outcome.progress.dockerfileSteps().map((s) => ({ name: s.name, cached: s.cached }));
      if (outcome.ok) {
        const cached = steps.filter((s) => s.cached).length;
        log.result('ok', `${plan.name}: built ${plan.ref} in ${formatDuration(outcome.durationMs)} (${cached} of ${steps.length} steps cached)`, [], {
          image: plan.name, ref: plan.ref, action: 'built', durationMs: Math.round(outcome.durationMs), steps,
        });
        results.set(plan.name, { name: plan.name, ref: plan.ref, devRef: plan.devRef, digest: plan.digest, action: 'built', durationMs: outcome.durationMs, steps });
        continue;
      }
      if (opts.signal?.aborted) continue;
      const failed = outcome.progress.failedStep();
      // The base was there a moment ago; a FROM that still fails (e.g. a registry-qualified stage) is a pull problem.
      if (failed && /^\[(internal\] load metadata for|[^\]]*\] FROM) /.test(failed.name) && looksLikePullFailure(`${failed.name} ${failed.error}`)) {
        throw new ImagePullError(plan.base, plan.baseArg, failed.error ?? 'the build could not resolve it');
      }
      const output = failed?.output.length ? failed.output : outcome.progress.lines.filter(Boolean);
      const tailLines = output.slice(-FAILURE_TAIL_LINES);
      const reason = outcome.timedOut ? `timed out after ${formatDuration(BUILD_TIMEOUT_MS)}` : (failed?.error ?? `docker build exited with ${outcome.exitCode}`);
      log.result('fail', `${plan.name}: build failed${failed ? ` at ${failed.name}` : ''}`, [`error: ${reason}`, `last ${tailLines.length} lines of ${failed ? 'that step' : 'the build'}:`, ...tailLines], {
        image: plan.name, action: 'failed', step: failed?.name, reason, output: tailLines,
      });
      failures.push({ name: plan.name, step: failed?.name, reason });
    }
    if (opts.signal?.aborted) throw new ToolkitError('interrupted during the image build', ExitCode.interrupted);
    if (failures.length) throw new ImageBuildError(failures);
  }

  // `:dev` follows the latest build or skip, for people; never used by deploy.
  const ids = await docker.inspectImages(plans.map((p) => p.ref));
  for (const plan of plans) {
    const id = ids.get(plan.ref)?.Id;
    if (id && present.get(plan.devRef)?.Id !== id && results.get(plan.name)?.action === 'skipped') await docker.tag(plan.ref, plan.devRef);
  }
  return plans.map((p) => results.get(p.name)!);
}

// --- sizes -------------------------------------------------------------------
export interface SizeReport {
  totalBytes: number;
  baseBytes?: number;
  appBytes?: number;
  budgetMb: number;
  overBudget: boolean;
  largestLayers: HistoryEntry[];
}

export const toMb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;

export function describeLayer(entry: HistoryEntry): string {
  const text = entry.createdBy
    .replace(/^\|\d+ (\S+=\S* )*/, '')
    .replace(/^\/bin\/sh -c (#\(nop\) )?/, '')
    .replace(/\s+/g, ' ')
    .trim();
  const what = text || '(a base image layer)';
  return `${toMb(entry.sizeBytes)} MB  ${what.length > 110 ? `${what.slice(0, 107)}...` : what}`;
}

/** Total, base and app-layer sizes of each image; over budget → exit 1 naming the largest layers. */
export async function checkSizes(engine: Engine, plans: readonly ImagePlan[], results: ImageResult[], log: Logger): Promise<void> {
  const { docker } = engine;
  const infos = await docker.inspectImages([...plans.map((p) => p.ref), ...plans.map((p) => p.base)]);
  const over: string[] = [];
  for (const plan of plans) {
    const info = infos.get(plan.ref);
    if (!info) throw new ToolkitError(`${plan.ref} vanished from the engine during the run`, ExitCode.failed, 'run build-images again', 'IMAGE_BUILD');
    const baseBytes = infos.get(plan.base)?.Size;
    const totalBytes = info.Size;
    const appBytes = baseBytes === undefined ? undefined : totalBytes - baseBytes;
    const overBudget = totalBytes > plan.budgetMb * MB;
    const history = overBudget ? await docker.history(plan.ref) : [];
    const largestLayers = [...history].sort((a, b) => b.sizeBytes - a.sizeBytes).slice(0, 5);
    const size: SizeReport = { totalBytes, baseBytes, appBytes, budgetMb: plan.budgetMb, overBudget, largestLayers };
    results.find((r) => r.name === plan.name)!.size = size;
    const line = `${plan.name}: ${toMb(totalBytes)} MB (base ${baseBytes === undefined ? '?' : toMb(baseBytes)} MB + app layers ${appBytes === undefined ? '?' : toMb(appBytes)} MB), budget ${plan.budgetMb} MB`;
    const data = { image: plan.name, totalMb: toMb(totalBytes), baseMb: baseBytes === undefined ? undefined : toMb(baseBytes), appMb: appBytes === undefined ? undefined : toMb(appBytes), budgetMb: plan.budgetMb };
    if (overBudget) {
      log.result('fail', `${line}: over budget`, ['largest layers:', ...largestLayers.map(describeLayer)], { ...data, overBudget: true, largestLayers: largestLayers.map(describeLayer) });
      over.push(`${plan.name} is ${toMb(totalBytes)} MB, over its ${plan.budgetMb} MB budget (${plan.budgetKey})`);
    } else log.result('ok', line, [], data);
  }
  if (over.length) {
    throw new ToolkitError(over.join('; '), ExitCode.failed, 'shrink the largest layers listed above, or raise the budget if the growth is intended', 'IMAGE_SIZE');
  }
}

// --- loading into a cluster --------------------------------------------------
/** Loads the images the cluster's nodes lack (concurrently where the provider allows); returns how many were loaded. */
export async function loadIntoCluster(engine: Engine, provider: ClusterProvider, results: readonly ImageResult[], log: Logger): Promise<number> {
  if (engine.target !== 'host') {
    log.ok(`built in ${engine.target}: nothing to load`);
    return 0;
  }
  const present = await Promise.all(results.map((result) => provider.hasImage(result.ref)));
  const load = async (result: ImageResult) => {
    const started = performance.now();
    await provider.loadImage(result.ref);
    log.result('ok', `${result.name}: loaded ${result.ref} into ${provider.name} in ${formatDuration(performance.now() - started)}`, [], { image: result.name, ref: result.ref, loaded: true });
  };
  const missing = results.filter((result, i) => {
    if (present[i]) log.result('ok', `${result.name}: ${provider.name} already has ${result.ref}`, [], { image: result.name, ref: result.ref, loaded: false });
    return !present[i];
  });
  if (provider.concurrentLoads === false) for (const result of missing) await load(result);
  else await Promise.all(missing.map(load));
  return missing.length;
}

// --- local container test ----------------------------------------------------
export interface TestOptions {
  log: Logger;
  signal?: AbortSignal;
  /** Registers cleanup that also runs on Ctrl-C (the script runner's onCleanup). */
  onCleanup?: (fn: () => Promise<void>) => void;
  healthTimeoutMs?: number;
}

/** Waits for a container's HEALTHCHECK to report healthy; fails fast when it exits or turns unhealthy. */
export async function waitHealthy(docker: Docker, name: string, timeoutMs: number, signal?: AbortSignal): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (signal?.aborted) throw new ToolkitError('interrupted', ExitCode.interrupted);
    const state = await docker.containerState(name);
    const health = state.Health?.Status;
    if (health === 'healthy') return Date.now() - started;
    const lastProbe = state.Health?.Log?.at(-1)?.Output?.trim();
    if (!state.Running || health === 'unhealthy' || Date.now() - started > timeoutMs) {
      const why = !state.Running ? `exited with code ${state.ExitCode}` : health === 'unhealthy' ? 'turned unhealthy' : `not healthy within ${formatDuration(timeoutMs)} (${health ?? 'no HEALTHCHECK'})`;
      const logs = await docker.logs(name, FAILURE_TAIL_LINES);
      throw new ToolkitError(
        `container ${name} ${why}${lastProbe ? `; last health probe: ${lastProbe.slice(0, 200)}` : ''}\n  last log lines:\n${logs.split('\n').map((l) => `    ${l}`).join('\n')}`,
        ExitCode.failed,
        'the container logs above show why the app did not start',
        'CONTAINER_UNHEALTHY',
      );
    }
    await sleep(500, signal);
  }
}

export interface ContainerTestReport {
  network: string;
  urls: { frontend: string; backend: string };
  results: SmokeResult[];
}

/**
 * Runs both images the way a restricted pod would (non-root, read-only root with
 * tmpfs /tmp and /data, no capabilities) on a private network, ports published on
 * 127.0.0.1 only; waits for the HEALTHCHECKs, runs the smoke checks, and always
 * removes the containers and the network.
 */
export async function testContainers(docker: Docker, refs: { frontend: string; backend: string }, opts: TestOptions): Promise<ContainerTestReport> {
  const { log } = opts;
  const id = randomBytes(4).toString('hex');
  const network = `todo-test-${id}`;
  const names = { backend: `${network}-backend`, frontend: `${network}-frontend` };
  const label = `dev.todo-chatbot.test=${id}`;
  // Every docker call in flight is awaited before cleaning up: a `docker run`
  // interrupted by Ctrl-C may still create its container in the daemon.
  // Once cleanup has begun, nothing new is started.
  let inflight: Promise<unknown> = Promise.resolve();
  let cleaning: Promise<void> | undefined;
  const track = <T>(start: () => Promise<T>): Promise<T> => {
    if (cleaning) return Promise.reject(new ToolkitError('interrupted', ExitCode.interrupted));
    const p = start();
    inflight = Promise.all([inflight, p.catch(() => undefined)]);
    return p;
  };
  // One cleanup, shared: whoever calls second (the signal handler or the finally
  // below) waits for it to finish instead of exiting half-way.
  const cleanup = () =>
    (cleaning ??= (async () => {
      await inflight;
      // By label, not by name, so that whatever was created goes; a second pass
      // catches a create that the daemon finished after the first.
      await docker.removeLabelled(label);
      await sleep(300);
      await docker.removeLabelled(label);
      log.debug(`removed the test containers and network ${network}`);
    })());
  opts.onCleanup?.(cleanup);
  const restricted = ['--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--health-interval', '1s'];
  try {
    await track(() => docker.createNetwork(network, { 'dev.todo-chatbot.test': id }));
    await track(() => docker.runDetached([
      '--name', names.backend, '--label', label, '--network', network, '--network-alias', 'backend',
      '--publish', '127.0.0.1::8000', ...restricted, '--tmpfs', '/data:uid=1000,gid=1000,mode=0750',
      refs.backend,
    ]));
    await track(() => docker.runDetached([
      '--name', names.frontend, '--label', label, '--network', network, '--network-alias', 'frontend',
      '--publish', '127.0.0.1::3000', ...restricted, '--env', 'BACKEND_URL=http://backend:8000',
      refs.frontend,
    ]));
    const timeout = opts.healthTimeoutMs ?? 120_000;
    const [backendMs, frontendMs] = await Promise.all([waitHealthy(docker, names.backend, timeout, opts.signal), waitHealthy(docker, names.frontend, timeout, opts.signal)]);
    log.ok(`both containers healthy (backend ${formatDuration(backendMs)}, frontend ${formatDuration(frontendMs)})`);
    const urls = {
      backend: `http://127.0.0.1:${await docker.hostPort(names.backend, 8000)}`,
      frontend: `http://127.0.0.1:${await docker.hostPort(names.frontend, 3000)}`,
    };
    const results = await runSmokeChecks(urls, undefined, (r) =>
      log.result(r.ok ? 'ok' : 'fail', `${r.name}: ${r.detail}`, r.ok || !r.hint ? [] : [`hint: ${r.hint}`], { check: r.id, ok: r.ok, durationMs: Math.round(r.durationMs) }),
    );
    const failed = results.filter((r) => !r.ok);
    if (failed.length) {
      const logs = await Promise.all([names.backend, names.frontend].map(async (n) => `${n}:\n${(await docker.logs(n, 15)).split('\n').map((l) => `    ${l}`).join('\n')}`));
      throw new ToolkitError(
        `${failed.length} of ${results.length} smoke checks failed: ${failed.map((r) => r.id).join(', ')}\n  last log lines:\n${logs.join('\n')}`,
        ExitCode.failed,
        failed[0]!.hint,
        'SMOKE_FAILED',
      );
    }
    return { network, urls, results };
  } finally {
    await cleanup();
  }
}

// --- all of it, for deploy ---------------------------------------------------
export interface BuildImagesOptions extends BuildOptions {
  config: Config;
  only?: readonly ImageName[];
  dockerfilesDir?: string;
  run?: Runner;
  provider?: ClusterProvider;
}

export interface BuildImagesReport {
  engine: { cli: string; cliVersion: string; buildMode: string; serverVersion: string; target: string };
  images: ImageResult[];
}

/** Plan, build what changed, check sizes, and (given a provider) load into the cluster. */
export async function buildImages(opts: BuildImagesOptions): Promise<BuildImagesReport> {
  const plans = planImages(opts);
  const engine = await connectEngine(opts);
  const images = await buildPlanned(engine, plans, opts.config, opts);
  await checkSizes(engine, plans, images, opts.log);
  if (opts.provider) await loadIntoCluster(engine, opts.provider, images, opts.log);
  return { engine: engineSummary(engine), images };
}

export function engineSummary(engine: Engine): BuildImagesReport['engine'] {
  return { cli: engine.cli.path, cliVersion: engine.cli.version, buildMode: engine.cli.buildMode, serverVersion: engine.serverVersion, target: engine.target };
}

/** --only's value: frontend, backend, or both comma-separated. */
export function parseOnly(value: string | undefined): ImageName[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(IMAGE_NAMES as readonly string[]).includes(n));
  if (bad.length || !names.length) throw new UsageError(`--only ${value}: must be ${IMAGE_NAMES.join(' or ')} (or both, comma-separated)`, 'for example --only frontend');
  return names as ImageName[];
}
