// The Next.js frontend's facts: Dockerfile, port, health routes, package manager, standalone output,
// the values Next.js bakes in at build time, and the environment its code reads.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { firstOf, LIVENESS_PATHS, READINESS_PATHS } from './backend.ts';
import { classifyReads, type RawRead } from './env-reads.ts';
import { readDockerfile } from './dockerfile.ts';
import { isDirectory, sourceTree } from './files.ts';
import { envReadsOf, type EnvReadFact } from './js-source.ts';
import { fixedPrefix, NEXT_CONFIG_FILES, nextConfigFacts, type NextConfigFacts } from './next-config.ts';
import { readNodePackage } from './node-package.ts';
import { problem } from './problems.ts';
import { chooseDockerfile, DEFAULT_PORT, SETTING, type AnalyzeConfig, type Settings } from './settings.ts';
import type { AppProblem, BuildTimeValue, Fact, FrontendFacts } from './types.ts';

const JS_EXTENSIONS = ['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.mts'];
/** Where Next.js app code lives; root-level files (middleware.ts, auth.ts) count too, config files do not. */
const SOURCE_DIRS = ['app/', 'pages/', 'src/', 'lib/', 'components/', 'utils/', 'hooks/', 'services/'];
const CONFIG_FILE = /(?:^|\/)[^/]*\.config\.[^/]+$|^\./;
/** An env name that holds the backend's address (server side, read by rewrites()). */
const SERVER_URL_NAME = /URL|API|BACKEND|HOST|ORIGIN|SERVER|ENDPOINT/;
/** A NEXT_PUBLIC_ name that holds the backend's address. */
const BROWSER_URL_NAME = /API|BACKEND/;
const ROUTE_FILE = /^(?:src\/)?app\/(.*)\/route\.(?:ts|js|mjs|tsx|jsx)$/;
const PAGES_API_FILE = /^(?:src\/)?pages\/(api\/.*?)(?:\/index)?\.(?:ts|js|mjs|tsx|jsx)$/;

/** In-cluster URL of the chart's backend Service: `<fullname>-backend`, as _helpers.tpl names it. */
export function backendServiceUrl(release: string, namespace: string, port: number): string {
  return `http://${chartComponentName(release, 'backend')}.${namespace}.svc.cluster.local:${port}`;
}

/** todo-chatbot.componentName of helm-chart/todo-chatbot/templates/_helpers.tpl (no name overrides). */
export function chartComponentName(release: string, component: string, chart = 'todo-chatbot'): string {
  const trim = (s: string, n: number) => s.slice(0, n).replace(/-+$/, '');
  const fullname = trim(release.includes(chart) ? release : `${release}-${chart}`, 63);
  const suffix = `-${component}`;
  return `${trim(fullname, 63 - suffix.length)}${suffix}`;
}

export function analyzeFrontend(config: AnalyzeConfig, settings: Settings, backendPort: number, problems: AppProblem[]): FrontendFacts {
  const dir = config.frontendDir;
  const found = isDirectory(dir);
  if (!found)
    problems.push(
      problem(
        'frontend',
        'APP_DIR_NOT_FOUND',
        `frontend folder ${dir} does not exist`,
        'set FRONTEND_DIR (or --frontend) to the folder with your Next.js app (where package.json is)',
        true,
      ),
    );
  const dockerfile = chooseDockerfile('frontend', dir, settings, config, problems);
  const ours = dockerfile.fact.value.kind === 'ours';
  const image = readDockerfile(dockerfile.text);
  const dockerfileName = path.basename(dockerfile.fact.value.path);

  // package.json, lockfile
  const pkg = readNodePackage(dir);
  if (found && !pkg.packageJson)
    problems.push(
      problem(
        'frontend',
        'APP_NO_PACKAGE_JSON',
        pkg.packageJsonError ? `package.json in ${dir} is not valid JSON (${pkg.packageJsonError})` : `no package.json in ${dir}`,
        'point FRONTEND_DIR at the Next.js app folder (the one with package.json and next.config)',
        true,
      ),
    );
  else if (found && !pkg.packageJson!.dependencies.next)
    problems.push(
      problem(
        'frontend',
        'APP_NO_PACKAGE_JSON',
        `package.json in ${dir} does not depend on next`,
        'point FRONTEND_DIR at the Next.js app folder, or add next to its dependencies',
        ours,
      ),
    );
  if (found && pkg.packageJson && !pkg.lockfile)
    problems.push(
      problem(
        'frontend',
        'APP_NO_LOCKFILE',
        `no lockfile in ${dir} (package-lock.json, pnpm-lock.yaml or yarn.lock): the image would install whatever versions are newest that day`,
        'run your package manager once (`npm install`, `pnpm install` or `yarn install`) and commit the lockfile it writes',
        ours,
      ),
    );
  if (pkg.yarnBerry)
    problems.push(
      problem(
        'frontend',
        'APP_YARN_BERRY',
        `yarn.lock in ${dir} is a Yarn 2+ (Berry) lockfile; our Dockerfile installs with Yarn classic (v1) and cannot fetch Yarn 2+ offline`,
        'use your own Dockerfile (FRONTEND_DOCKERFILE, or a Dockerfile in the frontend folder), or switch the app to npm or pnpm',
        ours,
      ),
    );
  const packageManager: Fact<'npm' | 'pnpm' | 'yarn'> = pkg.lockfile
    ? { value: pkg.lockfile.manager, source: 'detected', from: pkg.lockfile.file }
    : { value: 'npm', source: 'default' };

  // next.config
  const configFile = NEXT_CONFIG_FILES.find((f) => isFile(dir, f));
  const tree = sourceTree(dir, JS_EXTENSIONS);
  const next: NextConfigFacts = configFile ? nextConfigFacts(configFile, tree.read(configFile) ?? '') : { buildTimeReads: [], proxies: [] };
  const standalone: Fact<boolean> =
    configFile && next.standaloneLine
      ? { value: true, source: 'detected', from: `${configFile}:${next.standaloneLine}` }
      : { value: false, source: configFile ? 'detected' : 'default', ...(configFile ? { from: configFile } : {}) };
  if (found && !standalone.value) {
    problems.push(
      problem(
        'frontend',
        'APP_NOT_STANDALONE',
        configFile
          ? `${configFile} does not set output: 'standalone'${ours ? '; our Dockerfile runs the standalone server (.next/standalone/server.js)' : ''}`
          : `no next.config in ${dir}${ours ? "; our Dockerfile needs output: 'standalone'" : ''}`,
        configFile
          ? `add \`output: "standalone",\` to the config object in ${configFile}`
          : 'create next.config.mjs with `export default { output: "standalone" };`',
        ours,
      ),
    );
  }

  // Routes the app serves itself
  const basePath = next.basePath ?? '';
  const routePaths = tree.files.flatMap((rel) => {
    const m = ROUTE_FILE.exec(rel) ?? PAGES_API_FILE.exec(rel);
    if (!m) return [];
    const segments = m[1]!.split('/').filter((s) => !/^\(.*\)$/.test(s) && !s.startsWith('@'));
    return [{ path: `${basePath}/${segments.join('/')}`, from: rel }];
  });
  const live = firstOf(
    LIVENESS_PATHS.map((p) => `${basePath}${p}`),
    routePaths,
  );
  const ready = firstOf(
    READINESS_PATHS.map((p) => `${basePath}${p}`),
    routePaths,
  );
  const port: Fact<number> = settings.port.frontend
    ? { value: settings.port.frontend, source: 'setting', from: SETTING.port.frontend }
    : !ours && image.port
      ? { value: image.port.value, source: 'detected', from: `${dockerfileName}:${image.port.line}` }
      : { value: DEFAULT_PORT.frontend, source: 'default' };
  let healthPath: Fact<string | null>;
  if (settings.healthPath.frontend)
    healthPath = { value: settings.healthPath.frontend, source: 'setting', from: SETTING.healthPath.frontend };
  else if (live) healthPath = { value: live.path, source: 'detected', from: live.from };
  else {
    healthPath = { value: `${basePath}/` || '/', source: 'default' };
    if (found)
      problems.push(
        problem(
          'frontend',
          'APP_NO_HEALTH_ROUTE',
          `no health route found in ${dir} (looked for app/api/health/route.ts, pages/api/health.ts and the like); the probes use ${healthPath.value}, which renders the home page on every probe`,
          `add app/api/health/route.ts with \`export function GET() { return Response.json({ status: "ok" }); }\`, or set ${SETTING.healthPath.frontend}`,
          false,
        ),
      );
  }
  // The frontend has nothing of its own to be ready for: without a readiness route it uses the liveness path, as our chart does.
  const readyPath: Fact<string | null> = settings.readyPath.frontend
    ? { value: settings.readyPath.frontend, source: 'setting', from: SETTING.readyPath.frontend }
    : ready
      ? { value: ready.path, source: 'detected', from: ready.from }
      : { value: null, source: 'default' };

  // Env reads in the app's source and in next.config
  const sourceFiles = tree.files.filter(
    (rel) => !CONFIG_FILE.test(rel) && (SOURCE_DIRS.some((d) => rel.startsWith(d)) || !rel.includes('/')),
  );
  const reads: Array<EnvReadFact & { from: string }> = [];
  for (const rel of sourceFiles) {
    const text = tree.read(rel) ?? '';
    if (!text.includes('process.env')) continue;
    for (const r of envReadsOf(rel, text)) reads.push({ ...r, from: `${rel}:${r.line}` });
  }

  // Build-time values
  const buildTime: BuildTimeValue[] = [];
  const serviceUrl = backendServiceUrl(config.releaseName, config.namespace, backendPort);
  for (const r of next.buildTimeReads) {
    if (r.name.startsWith('NEXT_PUBLIC_') || !SERVER_URL_NAME.test(r.name) || r.name === 'NODE_ENV') continue;
    buildTime.push({
      name: r.name,
      audience: 'server',
      source: 'service-url',
      from: `${configFile}:${r.line}`,
      value: serviceUrl,
      why: `${configFile} ${r.in} reads ${r.name} during \`next build\` (Next.js bakes the result in): it gets the backend's in-cluster Service URL`,
    });
  }
  // Only a rewrites() proxy to the backend counts: the app's own /api routes (a health route) say nothing about where the backend is.
  const proxies = next.proxies.map((p) => ({
    source: fixedPrefix(p.source),
    kept: fixedPrefix(p.destinationPath) === fixedPrefix(p.source),
  }));
  const publicReads = [
    ...reads,
    ...next.buildTimeReads.map((r) => ({ ...r, hasDefault: false, orFallback: false, from: `${configFile}:${r.line}` })),
  ].filter((r) => r.name.startsWith('NEXT_PUBLIC_') && BROWSER_URL_NAME.test(r.name));
  for (const r of publicReads) {
    if (buildTime.some((b) => b.name === r.name)) continue;
    const proxy = proxies[0];
    const value = settings.browserBackendUrl ?? (proxy ? (proxy.kept ? '' : proxy.source) : '');
    const why = settings.browserBackendUrl
      ? `${r.from} reads ${r.name}, which Next.js inlines into the browser bundle at build time: it gets the backend's URL as a browser reaches it`
      : proxy
        ? `${r.from} reads ${r.name}, inlined into the browser bundle at build time: it gets ${value ? `"${value}"` : 'an empty value'} so the browser calls the frontend's own ${proxy.source} proxy (same origin, no CORS)`
        : `${r.from} reads ${r.name}, inlined into the browser bundle at build time: it gets the backend's access URL, known at deploy`;
    buildTime.push({
      name: r.name,
      audience: 'browser',
      source: proxy && !settings.browserBackendUrl ? 'own-proxy' : 'access-url',
      from: r.from,
      value,
      why,
    });
    if (!settings.browserBackendUrl && !proxy)
      problems.push(
        problem(
          'frontend',
          'APP_BROWSER_URL',
          `${r.from}: the browser calls the backend directly at ${r.name}; the image then holds one cluster's address, and the backend must allow the frontend's origin (CORS)`,
          `proxy the backend through the frontend instead: in next.config, rewrites() { return [{ source: "/api/:path*", destination: \`\${process.env.BACKEND_URL}/api/:path*\` }]; } and call "/api/..." (or keep it: deploy passes the backend's access URL)`,
          false,
        ),
      );
    if (value === '' && r.orFallback)
      problems.push(
        problem(
          'frontend',
          'APP_BROWSER_URL',
          `${r.from}: ${r.name} is passed empty (same origin), but \`||\` replaces an empty value with its fallback`,
          `use \`??\` instead of \`||\` after process.env.${r.name}`,
          false,
        ),
      );
  }

  const env = classifyReads(
    [...reads, ...next.buildTimeReads.map((r) => ({ name: r.name, from: `${configFile}:${r.line}`, hasDefault: false }))].map(
      (r): RawRead => ({ name: r.name, from: r.from, hasDefault: r.hasDefault }),
    ),
    {
      app: 'frontend',
      dockerfileEnv: image.env,
      dockerfileKind: dockerfile.fact.value.kind,
      appSecrets: settings.appSecrets,
      appEnv: settings.appEnv,
      buildTime: buildTime.map((b) => b.name),
    },
  );
  return { dir, dockerfile: dockerfile.fact, port, healthPath, readyPath, packageManager, standalone, buildTime, env };
}

function isFile(dir: string, rel: string): boolean {
  return existsSync(path.join(dir, rel)) && !isDirectory(path.join(dir, rel));
}
