// analyzeApps: what the toolkit finds in the frontend and backend folders, computed once and read by
// doctor, build-images and deploy. Pure reads of files (no docker, no kubectl, no network).
import { analyzeBackend } from './backend.ts';
import { analyzeFrontend } from './frontend.ts';
import { resolveSettings, type AnalyzeConfig, type AnalyzeOptions } from './settings.ts';
import type { AppAnalysis, AppProblem } from './types.ts';

export type { AnalyzeConfig, AnalyzeOptions } from './settings.ts';

export function analyzeApps(config: AnalyzeConfig, opts: AnalyzeOptions = {}): AppAnalysis {
  const settings = resolveSettings(config, opts);
  const problems: AppProblem[] = [];
  const backend = analyzeBackend(config, settings, problems);
  const frontend = analyzeFrontend(config, settings, backend.port.value, problems);
  for (const app of [frontend, backend]) {
    const which = app === frontend ? 'frontend' : 'backend';
    for (const read of app.env) {
      if (read.suppliedBy !== 'missing') continue;
      const fix = read.secretLike
        ? `add ${read.name}=<value> to .env and list it in APP_SECRETS=${read.name} (it reaches the pod through a Secret)`
        : read.name.startsWith('NEXT_PUBLIC_')
          ? `add ${read.name}=<value> to .env and list it in APP_ENV=${read.name}; \`next build\` inlines NEXT_PUBLIC_ values, so it must be set when the image is built`
          : `add ${read.name}=<value> to .env and list it in APP_ENV=${read.name}, or give it a default in the code`;
      problems.push({
        app: which,
        code: 'APP_ENV_MISSING',
        message: `${read.from} reads ${read.name} without a default, and nothing sets it in the cluster`,
        fix,
        blocking: false,
      });
    }
  }
  // Blocking first, then the frontend's before the backend's, keeping the order found within each.
  const appOrder = { frontend: 0, backend: 1 } as const;
  problems.sort((a, b) => Number(b.blocking) - Number(a.blocking) || appOrder[a.app] - appOrder[b.app]);
  return { frontend, backend, problems, deployable: !problems.some((p) => p.blocking) };
}
