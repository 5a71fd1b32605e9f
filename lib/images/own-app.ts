// A user's own app in the image pipeline: which Dockerfile builds each image (theirs or ours), the
// build args that carry the app analysis's facts into it, and a line per choice for the log. The
// analysis (lib/app/) detected everything; this module only turns its facts into build inputs, so
// the content tag covers every value that reaches the build.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.ts';
import type { AppAnalysis, BuildTimeValue, Fact } from '../app/types.ts';
import type { ImageName } from './plan.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The toolkit's own reference app (app/frontend + app/backend): its full smoke checks apply. */
export function isReferenceApp(config: Pick<Config, 'frontendDir' | 'backendDir'>): boolean {
  return (
    path.resolve(config.frontendDir) === path.join(REPO_ROOT, 'app', 'frontend') &&
    path.resolve(config.backendDir) === path.join(REPO_ROOT, 'app', 'backend')
  );
}

export interface AppBuildInputs {
  kind: 'user' | 'ours';
  /** The Dockerfile chosen by the analysis (ours: under dockerfiles/). */
  dockerfile: string;
  /** Build args from the analysis; every one is part of the content tag. */
  buildArgs: Record<string, string>;
  /** The final stage's base image (the last FROM) for a user Dockerfile. */
  base?: string;
  port: number;
  healthPath: string;
  /** null: the liveness path. */
  readyPath: string | null;
  /** One line each, printed before the build: which Dockerfile and why, each build-time value and why. */
  explain: string[];
}

const where = (fact: Fact<unknown>) =>
  fact.source === 'setting' ? `set by ${fact.from}` : fact.source === 'detected' ? `found at ${fact.from}` : 'the default';

/** `NAME=value NAME2=value` for our frontend Dockerfile's NEXT_BUILD_ENV (it splits on spaces). */
export function nextBuildEnv(values: readonly BuildTimeValue[]): string {
  for (const v of values) {
    if (/\s/.test(v.value)) throw new Error(`${v.name}: a build-time value may not contain spaces (${JSON.stringify(v.value)})`);
  }
  return values.map((v) => `${v.name}=${v.value}`).join(' ');
}

/** The Dockerfile, build args, port and probe paths for one image of the analysed app. */
export function appBuildInputs(app: AppAnalysis, name: ImageName): AppBuildInputs {
  const facts = app[name];
  const choice = facts.dockerfile;
  const kind = choice.value.kind;
  const explain = [
    kind === 'user'
      ? `${name}: image from your Dockerfile ${choice.value.path} (${choice.source === 'setting' ? `set by ${choice.from}` : "the app folder's own Dockerfile"}; --use-our-dockerfiles uses ours instead)`
      : `${name}: image from our Dockerfile ${path.basename(choice.value.path)}${choice.source === 'setting' ? ` (${choice.from})` : ''}`,
  ];
  const buildArgs: Record<string, string> = {};
  if (name === 'backend') {
    const backend = app.backend;
    if (kind === 'ours') {
      Object.assign(buildArgs, {
        BACKEND_APP: backend.entry.value,
        BACKEND_APP_DIR: backend.appDir ?? '.',
        BACKEND_PORT: String(backend.port.value),
        BACKEND_HEALTH_PATH: backend.healthPath.value,
      });
      explain.push(
        `backend: runs ${backend.entry.value} (${where(backend.entry)}) on port ${backend.port.value}, liveness ${backend.healthPath.value}`,
      );
    }
    return {
      kind,
      dockerfile: choice.value.path,
      buildArgs,
      base: kind === 'user' ? choice.value.baseImages.at(-1) : undefined,
      port: backend.port.value,
      healthPath: backend.healthPath.value,
      readyPath: backend.readyPath.value,
      explain,
    };
  }
  const frontend = app.frontend;
  const healthPath = frontend.healthPath.value ?? '/';
  if (kind === 'ours') {
    Object.assign(buildArgs, { FRONTEND_PORT: String(frontend.port.value), FRONTEND_HEALTH_PATH: healthPath });
    if (frontend.buildTime.length) buildArgs.NEXT_BUILD_ENV = nextBuildEnv(frontend.buildTime);
  } else {
    for (const value of frontend.buildTime) buildArgs[value.name] = value.value;
  }
  for (const value of frontend.buildTime) explain.push(`frontend: build arg ${value.name}=${value.value || '""'}: ${value.why}`);
  return {
    kind,
    dockerfile: choice.value.path,
    buildArgs,
    base: kind === 'user' ? choice.value.baseImages.at(-1) : undefined,
    port: frontend.port.value,
    healthPath,
    readyPath: frontend.readyPath.value,
    explain,
  };
}

/**
 * What `--test` needs to run an own app like the cluster will: its ports and probe paths (from the
 * plans) and the host names its frontend build baked in (the in-cluster Service URL of server-side
 * build-time values), given to the backend container as network aliases.
 */
export function ownAppUnderTest(
  app: AppAnalysis,
  plans: readonly { name: ImageName; port: number; healthPath?: string; readyPath?: string | null }[],
) {
  const plan = (name: ImageName) => plans.find((p) => p.name === name)!;
  const side = (name: ImageName) => ({ healthPath: plan(name).healthPath ?? '/', readyPath: plan(name).readyPath ?? null });
  const backendAliases = [
    ...new Set(
      app.frontend.buildTime
        .filter((v) => v.audience === 'server')
        .flatMap((v) => {
          try {
            return [new URL(v.value).hostname];
          } catch {
            return [];
          }
        }),
    ),
  ];
  return {
    ports: { frontend: plan('frontend').port, backend: plan('backend').port },
    paths: { frontend: side('frontend'), backend: side('backend') },
    backendAliases,
  };
}
