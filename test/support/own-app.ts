// Shared by the own-app tests on the real engine: the fixture apps (test/fixtures/apps/<shape>), the
// environment that points build-images at one, and the user Dockerfiles' FROM images satisfied by
// the offline stand-ins (tagged under the names those Dockerfiles use, and untagged afterwards).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Docker } from '../../lib/docker.ts';
import type { BaseImages } from './base-images.ts';
import { REPO_ROOT } from './tools.ts';

export const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/apps');
/** Budgets that fit the Debian stand-in bases (bigger than the official alpine/slim ones). */
const BUDGET_MB = '600';

/** build-images' environment for one fixture: its folders, the stand-in bases, repositories of its own. */
export function fixtureEnv(shape: string, bases: BaseImages, extra: Record<string, string> = {}): Record<string, string> {
  return {
    FRONTEND_DIR: path.join(FIXTURES, shape, 'frontend'),
    BACKEND_DIR: path.join(FIXTURES, shape, 'backend'),
    NODE_IMAGE: bases.nodeImage,
    PYTHON_IMAGE: bases.pythonImage,
    FRONTEND_IMAGE: `todo-ownapp-${shape}-frontend`,
    BACKEND_IMAGE: `todo-ownapp-${shape}-backend`,
    FRONTEND_SIZE_BUDGET_MB: BUDGET_MB,
    BACKEND_SIZE_BUDGET_MB: BUDGET_MB,
    ...extra,
  };
}

/** The FROM images the fixtures' own Dockerfiles name, by stand-in kind. */
const USER_BASES: Record<string, 'node' | 'python'> = { 'node:22-alpine': 'node', 'python:3.12-slim': 'python' };

/** Tags the stand-ins under the fixtures' FROM names where the engine lacks them; returns the untagging. */
export async function tagUserBases(docker: Docker, bases: BaseImages): Promise<() => Promise<void>> {
  const added: string[] = [];
  for (const [name, kind] of Object.entries(USER_BASES)) {
    if (await docker.inspectImage(name)) continue;
    await docker.tag(kind === 'node' ? bases.nodeImage : bases.pythonImage, name);
    added.push(name);
  }
  return async () => {
    for (const name of added) await docker.exec(['image', 'rm', name], { nothrow: true, timeoutMs: 60_000 });
  };
}

export const randomSecret = () => `s3cr3t-${randomBytes(12).toString('hex')}`;

/** The results of the container test's checks, by id. */
export function checkResults(events: Record<string, unknown>[]): Record<string, boolean> {
  return Object.fromEntries(
    events.filter((e) => e.type === 'result' && typeof e.check === 'string').map((e) => [e.check as string, e.ok as boolean]),
  );
}
