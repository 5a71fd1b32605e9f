// Every problem the app analysis reports, as data: its code (explained in docs/troubleshooting.md)
// and what it is about. The message and fix are written where the problem is found (they name files).
import type { AppName, AppProblem } from './types.ts';

export const PROBLEM_CODES = [
  { code: 'APP_DIR_NOT_FOUND', about: 'FRONTEND_DIR / BACKEND_DIR is not a folder' },
  { code: 'APP_DOCKERFILE_NOT_FOUND', about: 'FRONTEND_DOCKERFILE / BACKEND_DOCKERFILE names no file' },
  { code: 'APP_BASE_IMAGE_UNRESOLVED', about: 'a FROM line uses an ARG without a default' },
  { code: 'APP_ENTRY_NOT_FOUND', about: 'no module creates the FastAPI app' },
  { code: 'APP_ENTRY_INVALID', about: 'BACKEND_APP is not module:attribute of a file in the backend folder' },
  { code: 'APP_NO_REQUIREMENTS', about: 'no requirements.txt and no PEP 621 dependencies in pyproject.toml' },
  { code: 'APP_MISSING_DEPENDENCY', about: 'fastapi or uvicorn is not a declared dependency' },
  { code: 'APP_NO_PACKAGE_JSON', about: 'the frontend folder has no (valid) package.json, or it does not depend on next' },
  { code: 'APP_NO_LOCKFILE', about: 'no package-lock.json, pnpm-lock.yaml or yarn.lock' },
  { code: 'APP_YARN_BERRY', about: 'yarn.lock is Yarn 2+ (Berry), which our Dockerfile cannot install offline' },
  { code: 'APP_NOT_STANDALONE', about: "next.config does not set output: 'standalone'" },
  { code: 'APP_NO_HEALTH_ROUTE', about: 'no health route found; probes use a fallback path' },
  { code: 'APP_NO_READINESS', about: 'the backend has no readiness route; readiness uses the liveness path' },
  { code: 'APP_ENV_MISSING', about: 'the code reads a variable without a default that nothing supplies' },
  { code: 'APP_BROWSER_URL', about: 'a NEXT_PUBLIC_ backend URL is baked into the browser bundle' },
] as const;

export type ProblemCode = (typeof PROBLEM_CODES)[number]['code'];

export function problem(app: AppName, code: ProblemCode, message: string, fix: string, blocking: boolean): AppProblem {
  return { app, code, message, fix, blocking };
}
