// What the toolkit found in the user's app folders (issue: "your own app").
// Computed once by analyzeApps() (lib/app/analyze.ts); read by doctor, build-images and deploy, so every
// command acts on the same facts. Each fact says where it came from, because doctor must explain itself.
import type { ErrorCode } from '../error-codes.ts';

/** Where a fact came from: found in the app's files, set in .env/flags, or the toolkit's default. */
export type FactSource = 'detected' | 'setting' | 'default';

export interface Fact<T> {
  value: T;
  source: FactSource;
  /** `file:line` when detected, the setting's name (e.g. `BACKEND_APP`) when set. */
  from?: string;
}

export type AppName = 'frontend' | 'backend';

export interface DockerfileChoice {
  /** `user`: the app folder's own Dockerfile (or FRONTEND_DOCKERFILE/BACKEND_DOCKERFILE); `ours`: dockerfiles/<app>.Dockerfile. */
  kind: 'user' | 'ours';
  path: string;
  /** FROM references, in order (build stages included). */
  baseImages: string[];
}

/** An environment variable the app's code reads. */
export interface EnvRead {
  name: string;
  /** `file:line` of the first read. */
  from: string;
  /** The name looks like a credential (…SECRET, …KEY, …TOKEN, …PASSWORD). */
  secretLike: boolean;
  /** How it reaches the container: set by the toolkit/chart, declared in APP_SECRETS / APP_ENV, or not at all.
   * `dockerfile`: an ENV line of the user's own Dockerfile sets it. */
  suppliedBy: 'toolkit' | 'APP_SECRETS' | 'APP_ENV' | 'dockerfile' | 'default-in-code' | 'missing';
}

/** A value Next.js bakes into the build (rewrites()/redirects() env reads, NEXT_PUBLIC_*). */
export interface BuildTimeValue {
  /** The build arg / env name, e.g. BACKEND_URL or NEXT_PUBLIC_API_URL. */
  name: string;
  /** `server`: read by next.config rewrites()/redirects() (in-cluster URL); `browser`: NEXT_PUBLIC_* (URL a browser reaches). */
  audience: 'server' | 'browser';
  /**
   * Where the value comes from: `service-url` the backend's in-cluster Service (server reads);
   * `own-proxy` the frontend's own rewrites() proxy path (same origin); `access-url` the backend's
   * URL as a browser reaches it, which only deploy knows (after the cluster stage).
   */
  source: 'service-url' | 'own-proxy' | 'access-url';
  from: string;
  /** The value the toolkit will pass as a build arg (depends on release name, namespace and access URL). */
  value: string;
  /** One line for the user, printed before the build. */
  why: string;
}

export interface AppProblem {
  app: AppName;
  /** An error code documented in docs/troubleshooting.md. */
  code: ErrorCode;
  message: string;
  fix: string;
  /** true: the app cannot be deployed until fixed (doctor exits 2). */
  blocking: boolean;
}

export interface BackendFacts {
  dir: string;
  dockerfile: Fact<DockerfileChoice>;
  /** ASGI entry, `module:attribute` (e.g. `app.main:app`, `main:app`). */
  entry: Fact<string>;
  /** Folder (relative to `dir`) the entry module is imported from, when not `dir` itself: `src` for a
   * src layout (`src/<pkg>/main.py` → entry `<pkg>.main:app`, run with `uvicorn --app-dir src`). */
  appDir?: string;
  port: Fact<number>;
  /** Liveness path. */
  healthPath: Fact<string>;
  /** Readiness path; null: none, readiness falls back to the liveness path (warned once). */
  readyPath: Fact<string | null>;
  requirements: Fact<{ kind: 'requirements.txt' | 'pyproject.toml'; path: string }>;
  env: EnvRead[];
}

export interface FrontendFacts {
  dir: string;
  dockerfile: Fact<DockerfileChoice>;
  port: Fact<number>;
  healthPath: Fact<string | null>;
  readyPath: Fact<string | null>;
  packageManager: Fact<'npm' | 'pnpm' | 'yarn'>;
  /** next.config sets `output: 'standalone'` (read with a real parser, comments ignored). */
  standalone: Fact<boolean>;
  buildTime: BuildTimeValue[];
  env: EnvRead[];
}

export interface AppAnalysis {
  frontend: FrontendFacts;
  backend: BackendFacts;
  problems: AppProblem[];
  /** No blocking problem. */
  deployable: boolean;
}
