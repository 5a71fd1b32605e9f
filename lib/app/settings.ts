// The settings that steer the analysis (BACKEND_APP, ports, health paths, Dockerfiles, APP_SECRETS,
// APP_ENV), read from the options argument first and then from Config fields of the same meaning, so
// analyzeApps works before and after those keys exist in lib/config.ts.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.ts';
import { readDockerfile } from './dockerfile.ts';
import { readText } from './files.ts';
import { problem } from './problems.ts';
import type { AppName, AppProblem, DockerfileChoice, Fact } from './types.ts';

const OUR_DOCKERFILES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dockerfiles');

export interface AnalyzeOptions {
  dockerfiles?: { frontend?: string; backend?: string };
  /** USE_OUR_DOCKERFILES: ignore the app folders' own Dockerfiles. */
  useOurs?: boolean;
  /** BACKEND_APP, `module:attribute`. */
  backendApp?: string;
  frontendPort?: number;
  backendPort?: number;
  frontendHealthPath?: string;
  frontendReadyPath?: string;
  backendHealthPath?: string;
  backendReadyPath?: string;
  /** APP_SECRETS / APP_ENV: variable names (APP_ENV entries may be NAME=value; the value is not used). */
  appSecrets?: readonly string[];
  appEnv?: readonly string[];
  /** The backend's URL as a browser reaches it (NodePort or port-forward URL), for NEXT_PUBLIC_ values; known at deploy. */
  browserBackendUrl?: string;
}

/** What analyzeApps needs from Config; the optional fields are the app settings once lib/config.ts has them. */
export type AnalyzeConfig = Pick<Config, 'frontendDir' | 'backendDir' | 'releaseName' | 'namespace'> &
  Partial<Pick<Config, 'nodeImage' | 'pythonImage'>> & {
    frontendDockerfile?: string;
    backendDockerfile?: string;
    useOurDockerfiles?: boolean;
    backendApp?: string;
    frontendPort?: number;
    backendPort?: number;
    frontendHealthPath?: string;
    frontendReadyPath?: string;
    backendHealthPath?: string;
    backendReadyPath?: string;
    appSecrets?: readonly string[] | string | Readonly<Record<string, string>>;
    appEnv?: readonly string[] | string | Readonly<Record<string, string>>;
  };

export interface Settings extends Required<Pick<AnalyzeOptions, 'useOurs'>> {
  dockerfile: Partial<Record<AppName, string>>;
  backendApp?: string;
  port: Partial<Record<AppName, number>>;
  healthPath: Partial<Record<AppName, string>>;
  readyPath: Partial<Record<AppName, string>>;
  appSecrets: string[];
  appEnv: string[];
  browserBackendUrl?: string;
}

/** `A,B` / `['A','B']` / `{A: '1'}` / `['A=1']` → names. */
function names(value: AnalyzeConfig['appEnv']): string[] {
  if (value === undefined) return [];
  const list = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : Object.keys(value);
  return list.map((v) => String(v).split('=')[0]!.trim()).filter(Boolean);
}

export function resolveSettings(config: AnalyzeConfig, opts: AnalyzeOptions): Settings {
  return {
    useOurs: opts.useOurs ?? config.useOurDockerfiles ?? false,
    dockerfile: {
      frontend: opts.dockerfiles?.frontend ?? config.frontendDockerfile,
      backend: opts.dockerfiles?.backend ?? config.backendDockerfile,
    },
    backendApp: opts.backendApp ?? config.backendApp,
    port: { frontend: opts.frontendPort ?? config.frontendPort, backend: opts.backendPort ?? config.backendPort },
    healthPath: {
      frontend: opts.frontendHealthPath ?? config.frontendHealthPath,
      backend: opts.backendHealthPath ?? config.backendHealthPath,
    },
    readyPath: { frontend: opts.frontendReadyPath ?? config.frontendReadyPath, backend: opts.backendReadyPath ?? config.backendReadyPath },
    appSecrets: names(opts.appSecrets ?? config.appSecrets),
    appEnv: names(opts.appEnv ?? config.appEnv),
    browserBackendUrl: opts.browserBackendUrl,
  };
}

/** The setting names, for `from` and for fixes. */
export const SETTING = {
  dockerfile: { frontend: 'FRONTEND_DOCKERFILE', backend: 'BACKEND_DOCKERFILE' },
  port: { frontend: 'FRONTEND_PORT', backend: 'BACKEND_PORT' },
  healthPath: { frontend: 'FRONTEND_HEALTH_PATH', backend: 'BACKEND_HEALTH_PATH' },
  readyPath: { frontend: 'FRONTEND_READY_PATH', backend: 'BACKEND_READY_PATH' },
} as const;

export const DEFAULT_PORT: Record<AppName, number> = { frontend: 3000, backend: 8000 };

export interface ChosenDockerfile {
  fact: Fact<DockerfileChoice>;
  /** The Dockerfile's text, read once (empty when it cannot be read). */
  text: string;
}

/**
 * The setting's Dockerfile; else the app folder's own `Dockerfile` (unless USE_OUR_DOCKERFILES); else ours.
 * Our Dockerfiles' base image ARG is what NODE_IMAGE / PYTHON_IMAGE set.
 */
export function chooseDockerfile(
  app: AppName,
  dir: string,
  settings: Settings,
  config: AnalyzeConfig,
  problems: AppProblem[],
): ChosenDockerfile {
  const setting = settings.dockerfile[app];
  const ours = path.join(OUR_DOCKERFILES, `${app}.Dockerfile`);
  let kind: DockerfileChoice['kind'] = 'ours';
  let file = ours;
  let source: Fact<DockerfileChoice>['source'] = 'default';
  let from: string | undefined;
  if (setting) {
    const wanted = path.resolve(dir, setting);
    if (existsSync(wanted)) {
      file = wanted;
      kind = path.resolve(wanted) === ours ? 'ours' : 'user';
      source = 'setting';
      from = SETTING.dockerfile[app];
    } else {
      problems.push(
        problem(
          app,
          'APP_DOCKERFILE_NOT_FOUND',
          `${SETTING.dockerfile[app]}=${setting}: no such file (looked for ${wanted})`,
          `give the path of the ${app}'s Dockerfile (relative to ${dir}, or absolute), or leave ${SETTING.dockerfile[app]} empty`,
          true,
        ),
      );
    }
  } else if (!settings.useOurs && existsSync(path.join(dir, 'Dockerfile'))) {
    file = path.join(dir, 'Dockerfile');
    kind = 'user';
    source = 'detected';
    from = 'Dockerfile';
  }
  const text = readText(file) ?? '';
  const overrides = kind === 'ours' ? { NODE_IMAGE: config.nodeImage, PYTHON_IMAGE: config.pythonImage } : {};
  const facts = readDockerfile(text, overrides);
  for (const ref of facts.unresolved) {
    problems.push(
      problem(
        app,
        'APP_BASE_IMAGE_UNRESOLVED',
        `${path.basename(file)}: FROM ${ref} uses a build argument without a default`,
        `give the ARG a default above the FROM line (ARG BASE=node:22-alpine), so the toolkit knows which base image to provide`,
        false,
      ),
    );
  }
  return { fact: { value: { kind, path: file, baseImages: facts.baseImages }, source, ...(from ? { from } : {}) }, text };
}
