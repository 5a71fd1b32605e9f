// HTTP checks for a user's own app, which shares none of our app's API: its probe paths (from the
// app analysis or the settings) answer 2xx, and its home page renders as a Next.js page (it loads
// assets from /_next/, which a stray server or a proxy's page does not). Ordinary app checks under
// the ids of ours (app.backend-health…), so `build-images --test` and validate run and report them alike.
import { joinUrl, request, type HttpOptions } from './http.ts';
import { CheckFailure, logsHint, pass, type Check } from './checks/types.ts';

export interface AppPaths {
  frontend: { healthPath: string; readyPath?: string | null };
  backend: { healthPath: string; readyPath?: string | null };
}

async function expect2xx(
  url: string,
  what: string,
  opts: HttpOptions & { headers?: Record<string, string> },
  page?: (text: string) => string | undefined,
): Promise<string> {
  const answer = await request('GET', url, opts);
  // A redirect is an answer too (e.g. / → /login): the server is up and routing.
  if (answer.status < 200 || answer.status >= 400) throw new CheckFailure(`GET ${what} → ${answer.status}: ${answer.text.slice(0, 200)}`);
  const wrong = answer.status < 300 ? page?.(answer.text) : undefined;
  if (wrong) throw new CheckFailure(`GET ${what} → ${answer.status}, but ${wrong}`);
  return `${answer.status} (${Math.round(answer.durationMs)} ms)`;
}

/** A page Next.js rendered references its assets under /_next/ (with a basePath or assetPrefix before it). */
const notNextPage = (html: string) =>
  html.includes('/_next/')
    ? undefined
    : `the page loads nothing from /_next/: it is not a page the Next.js frontend rendered (${JSON.stringify(html.slice(0, 120))})`;

/** The checks for an own app: each distinct probe path of each side, then the home page. */
export function ownAppChecks(paths: AppPaths): Check[] {
  const checks: Check[] = [];
  for (const side of ['backend', 'frontend'] as const) {
    const { healthPath, readyPath } = paths[side];
    checks.push({
      id: `app.${side}-health`,
      group: 'app',
      title: `${side} ${healthPath}`,
      hint: logsHint(
        `the ${side} does not answer on its liveness path: look at the ${side} logs, or set ${side.toUpperCase()}_HEALTH_PATH to a path it serves`,
        side,
      ),
      async run(ctx) {
        return pass(await expect2xx(joinUrl((await ctx.access()).urls[side], healthPath), healthPath, ctx.http));
      },
    });
    if (readyPath && readyPath !== healthPath) {
      checks.push({
        id: `app.${side}-ready`,
        group: 'app',
        title: `${side} ${readyPath}`,
        hint: logsHint(
          `the ${side} is not ready: look at the ${side} logs (a dependency it checks may be down), or set ${side.toUpperCase()}_READY_PATH`,
          side,
        ),
        dependsOn: [`app.${side}-health`],
        async run(ctx) {
          return pass(await expect2xx(joinUrl((await ctx.access()).urls[side], readyPath), readyPath, ctx.http));
        },
      });
    }
  }
  checks.push({
    id: 'app.frontend-home',
    group: 'app',
    title: 'home page',
    hint: logsHint(
      'the page does not render, or something other than the frontend answered: look at the frontend logs for a server error, and check FRONTEND_PORT',
      'frontend',
    ),
    dependsOn: ['app.frontend-health'],
    async run(ctx) {
      return pass(
        await expect2xx(
          joinUrl((await ctx.access()).urls.frontend, '/'),
          '/',
          { ...ctx.http, headers: { accept: 'text/html' } },
          notNextPage,
        ),
      );
    },
  });
  return checks;
}
