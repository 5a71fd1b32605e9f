// A copy of the parts of the repository `npm run dev` runs from (scripts, lib, the chart,
// the Dockerfiles, the app without its build output; node_modules linked), for the dev
// tests and bench: they edit the copy, never app/ itself.
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './tools.ts';
import { tempDir } from './tmp.ts';

export function copyRepo(): { dir: string; cleanup(): void } {
  const tmp = tempDir('dev-repo-');
  for (const part of ['lib', 'scripts', 'helm-chart', 'dockerfiles', 'package.json', 'tsconfig.json']) cpSync(path.join(REPO_ROOT, part), path.join(tmp.dir, part), { recursive: true });
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(tmp.dir, 'node_modules'));
  const keep = (src: string) => !/\/(node_modules|\.next|\.venv|__pycache__|\.pytest_cache)(\/|$)/.test(src);
  mkdirSync(path.join(tmp.dir, 'app'));
  for (const app of ['frontend', 'backend']) cpSync(path.join(REPO_ROOT, 'app', app), path.join(tmp.dir, 'app', app), { recursive: true, filter: keep });
  return tmp;
}
