// HTTP checks for a user's own app, which shares none of our app's API: its probe paths (from the
// app analysis or the settings) answer 2xx, and its home page renders. The same SmokeCheck shape as
// lib/smoke.ts, so `build-images --test` runs them the same way.
import { request, SmokeFailure, type SmokeCheck, type SmokeOptions } from './smoke.ts';

export interface AppPaths {
  frontend: { healthPath: string; readyPath?: string | null };
  backend: { healthPath: string; readyPath?: string | null };
}

const joinUrl = (base: string, pathname: string) => `${base.replace(/\/+$/, '')}${pathname}`;

async function expect2xx(url: string, what: string, opts?: SmokeOptions & { headers?: Record<string, string> }): Promise<string> {
  const answer = await request('GET', url, opts);
  // A redirect is an answer too (e.g. / → /login): the server is up and routing.
  if (answer.status < 200 || answer.status >= 400) throw new SmokeFailure(`GET ${what} → ${answer.status}: ${answer.text.slice(0, 200)}`);
  return `${answer.status} (${Math.round(answer.durationMs)} ms)`;
}

/** The checks for an own app: each distinct probe path of each side, then the home page. */
export function ownAppChecks(paths: AppPaths): SmokeCheck[] {
  const checks: SmokeCheck[] = [];
  for (const side of ['backend', 'frontend'] as const) {
    const { healthPath, readyPath } = paths[side];
    checks.push({
      id: `${side}-health`,
      name: `${side} ${healthPath}`,
      hint: `the ${side} does not answer on its liveness path: look at the ${side} logs, or set ${side.toUpperCase()}_HEALTH_PATH to a path it serves`,
      logs: side,
      run: (urls, opts) => expect2xx(joinUrl(urls[side], healthPath), healthPath, opts),
    });
    if (readyPath && readyPath !== healthPath) {
      checks.push({
        id: `${side}-ready`,
        name: `${side} ${readyPath}`,
        hint: `the ${side} is not ready: look at the ${side} logs (a dependency it checks may be down), or set ${side.toUpperCase()}_READY_PATH`,
        logs: side,
        dependsOn: [`${side}-health`],
        run: (urls, opts) => expect2xx(joinUrl(urls[side], readyPath), readyPath, opts),
      });
    }
  }
  checks.push({
    id: 'frontend-home',
    name: 'home page',
    hint: 'the page does not render: look at the frontend logs for a server error',
    logs: 'frontend',
    dependsOn: ['frontend-health'],
    run: (urls, opts) => expect2xx(joinUrl(urls.frontend, '/'), '/', { ...opts, headers: { accept: 'text/html' } }),
  });
  return checks;
}
