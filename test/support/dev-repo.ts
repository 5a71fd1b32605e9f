// A copy of the parts of the repository `npm run dev` runs from (scripts, lib, the chart,
// the Dockerfiles, the app without its build output; node_modules linked), for the dev
// tests and bench: they edit the copy, never app/ itself.
import { appendFileSync, cpSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './app-servers.ts';
import type { DeployFixture } from './deploy-fixture.ts';
import { REPO_ROOT } from './tools.ts';
import { tempDir } from './tmp.ts';

export function copyRepo(): { dir: string; cleanup(): void } {
  const tmp = tempDir('dev-repo-');
  for (const part of ['lib', 'scripts', 'helm-chart', 'dockerfiles', 'package.json', 'tsconfig.json'])
    cpSync(path.join(REPO_ROOT, part), path.join(tmp.dir, part), { recursive: true });
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(tmp.dir, 'node_modules'));
  const keep = (src: string) => !/\/(node_modules|\.next|\.venv|__pycache__|\.pytest_cache)(\/|$)/.test(src);
  mkdirSync(path.join(tmp.dir, 'app'));
  for (const app of ['frontend', 'backend'])
    cpSync(path.join(REPO_ROOT, 'app', app), path.join(tmp.dir, 'app', app), { recursive: true, filter: keep });
  return tmp;
}

/**
 * Traffic stays on 127.0.0.1: the node's address is loopback and the NodePorts are free ports
 * nothing listens on, so the probe of them is refused and the app is reached by port-forward.
 */
export async function loopbackOnly(fake: DeployFixture): Promise<void> {
  fake.update((s) => (Object.values(s.clusters)[0]!.nodes![0]!.internalIP = '127.0.0.1'));
  appendFileSync(fake.envFile, `FRONTEND_NODEPORT=${await freePort([30100, 31000])}\nBACKEND_NODEPORT=${await freePort([31000, 32000])}\n`);
}
