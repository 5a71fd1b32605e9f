// Planning: each image's inputs checked and its content tag computed, before any
// Docker engine is touched.
//
// A tag is the input digest: a hash of the Dockerfile, its ignore file, the
// context files that ignore file keeps, and the build args. The same inputs give
// the same tag, so a daemon that has the tag needs no build; deployments always
// use that tag (`:dev` is only a convenience for people).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppAnalysis } from '../app/types.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { ExitCode, ToolkitError, UsageError } from '../errors.ts';
import { formatImageRef, ImageRefError, parseImageRef, type ImageRef } from '../image-ref.ts';
import { hashContext } from './context-hash.ts';
import { ignoreFileFor, parseDockerignore } from './dockerignore.ts';
import { appBuildInputs, type AppBuildInputs } from './own-app.ts';

export const DOCKERFILES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dockerfiles');
export const IMAGE_NAMES = ['frontend', 'backend'] as const;
export type ImageName = (typeof IMAGE_NAMES)[number];

/** Bump when the way inputs are hashed changes. */
const DIGEST_FORMAT = 'todo-images/v1';
const TAG_LENGTH = 12;
export const LABEL_DIGEST = 'dev.todo-chatbot.input-digest';

export interface ImageSpec {
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
}

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
  },
};

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
  /** `user`: the app's own Dockerfile (from the app analysis); `ours`: dockerfiles/<name>.Dockerfile. */
  dockerfileKind?: 'user' | 'ours';
  /** Liveness and readiness paths the image serves (null readiness: the liveness path). */
  healthPath?: string;
  readyPath?: string | null;
  /** Lines to print before the build: the Dockerfile chosen, each build-time value and why. */
  explain?: string[];
}

export interface PlanOptions {
  config: Config;
  only?: readonly ImageName[];
  /** Folder holding <name>.Dockerfile (and <name>.Dockerfile.dockerignore); default the repository's dockerfiles/. */
  dockerfilesDir?: string;
  /**
   * The app analysis (lib/app: analyzeApps): its Dockerfile choice, entry, port, paths and
   * build-time values feed the build, and it has checked the app's files (its blocking problems
   * stop before planning), so planning itself reads no app source.
   */
  app: AppAnalysis;
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
    const own: AppBuildInputs = appBuildInputs(opts.app, name);
    // A user Dockerfile is the analysis's choice; ours may come from --dockerfiles.
    const dockerfile = own.kind === 'user' ? own.dockerfile : path.join(dockerfilesDir, spec.dockerfile);
    if (!existsSync(contextDir) || !statSync(contextDir).isDirectory()) {
      problems.push(`${name}: app folder ${contextDir} does not exist (${spec.dirKey}); point ${spec.dirKey} at the ${name} source folder`);
      continue;
    }
    if (!existsSync(dockerfile)) {
      problems.push(
        `${name}: Dockerfile ${dockerfile} does not exist; restore dockerfiles/${spec.dockerfile} or point --dockerfiles at a folder that has it`,
      );
      continue;
    }
    const ignoreFile = ignoreFileFor(dockerfile, contextDir);
    const ignoreText = ignoreFile ? readFileSync(ignoreFile, 'utf8') : '';
    const context = hashContext(contextDir, parseDockerignore(ignoreText));
    const buildArgs: Record<string, string> = { ...(own.kind === 'user' ? {} : { [spec.baseArg]: spec.base(config) }), ...own.buildArgs };
    const registry = spec.registry(config);
    if (registry) buildArgs[spec.registryArg] = registry;
    const digest = createHash('sha256')
      .update(
        JSON.stringify({
          format: DIGEST_FORMAT,
          dockerfile: readFileSync(dockerfile, 'utf8'),
          ignore: ignoreText,
          context: context.digest,
          buildArgs: Object.entries(buildArgs).sort(([a], [b]) => (a < b ? -1 : 1)),
        }),
      )
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
      base: own.base ?? spec.base(config),
      baseArg: own.kind === 'user' ? `the FROM line of ${dockerfile}` : spec.baseArg,
      budgetMb: spec.budgetMb(config),
      budgetKey: spec.budgetKey,
      port: own.port,
      files: context.files.length,
      dockerfileKind: own.kind,
      healthPath: own.healthPath,
      readyPath: own.readyPath,
      explain: own.explain,
    });
  }
  if (problems.length) {
    throw new ToolkitError(
      problems.length === 1
        ? problems[0]!
        : `${problems.length} problems with the image inputs:\n${problems.map((p) => `  ${p}`).join('\n')}`,
      ExitCode.usage,
      'fix the app folder or the setting named above; nothing was built',
      'IMAGE_INPUT',
    );
  }
  return plans;
}

/** --only's value: frontend, backend, or both comma-separated. */
export function parseOnly(value: string | undefined): ImageName[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.filter((n) => !(IMAGE_NAMES as readonly string[]).includes(n));
  if (bad.length || !names.length)
    throw new UsageError(`--only ${value}: must be ${IMAGE_NAMES.join(' or ')} (or both, comma-separated)`, 'for example --only frontend');
  return names as ImageName[];
}

/** The plan's choices, one line each, before anything is built (which Dockerfile, each build-time value and why). */
export function explainPlan(log: Pick<Logger, 'result'>, plan: ImagePlan): void {
  for (const line of plan.explain ?? []) log.result('info', line, [], { image: plan.name, explain: line });
}
