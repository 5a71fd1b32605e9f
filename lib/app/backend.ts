// The FastAPI backend's facts: Dockerfile, ASGI entry, port, health and readiness routes,
// declared dependencies and the environment its code reads.
import path from 'node:path';
import { classifyReads, type RawRead } from './env-reads.ts';
import { readDockerfile } from './dockerfile.ts';
import { isDirectory, sourceTree, type SourceTree } from './files.ts';
import { problem } from './problems.ts';
import { hasPackage, parsePyprojectDeps, parseRequirementsTxt, type DeclaredDeps } from './python-deps.ts';
import { moduleOf, scanPython, type PyFileFacts } from './python.ts';
import { chooseDockerfile, DEFAULT_PORT, SETTING, type AnalyzeConfig, type Settings } from './settings.ts';
import type { AppProblem, BackendFacts, Fact } from './types.ts';

/** Probe paths, most specific convention first. */
export const LIVENESS_PATHS = [
  '/health',
  '/healthz',
  '/livez',
  '/api/health',
  '/api/healthz',
  '/health/live',
  '/healthcheck',
  '/ping',
] as const;
export const READINESS_PATHS = ['/ready', '/readyz', '/api/ready', '/api/readyz', '/health/ready', '/readiness'] as const;

/** Where an app module usually is, in order; `src/*` stands for any package under src/. */
const CONVENTIONAL_ENTRY_FILES = ['app/main.py', 'main.py', 'src/*/main.py', 'app.py', 'api/main.py', 'src/main.py'];
/** FastAPI serves its schema here unless openapi_url=None: a route that answers 200 without any code of the app's own. */
const FASTAPI_FALLBACK_PATH = '/openapi.json';

export function analyzeBackend(config: AnalyzeConfig, settings: Settings, problems: AppProblem[]): BackendFacts {
  const dir = config.backendDir;
  const found = isDirectory(dir);
  if (!found)
    problems.push(
      problem(
        'backend',
        'APP_DIR_NOT_FOUND',
        `backend folder ${dir} does not exist`,
        'set BACKEND_DIR (or --backend) to the folder with your FastAPI app (where requirements.txt or pyproject.toml is)',
        true,
      ),
    );
  const tree = sourceTree(dir, ['.py']);
  const scans = new Map<string, PyFileFacts>();
  for (const rel of tree.files) scans.set(rel, scanPython(tree.read(rel) ?? ''));
  const dockerfile = chooseDockerfile('backend', dir, settings, config, problems);
  const image = readDockerfile(dockerfile.text);
  const userImage = dockerfile.fact.value.kind === 'user' ? image : undefined;
  const dockerfileName = path.basename(dockerfile.fact.value.path);

  const { entry, appDir } = findEntry(
    scans,
    tree,
    settings,
    userImage ? { ...userImage, file: dockerfileName } : undefined,
    found,
    problems,
  );
  const port: Fact<number> = settings.port.backend
    ? { value: settings.port.backend, source: 'setting', from: SETTING.port.backend }
    : userImage?.port
      ? { value: userImage.port.value, source: 'detected', from: `${dockerfileName}:${userImage.port.line}` }
      : { value: DEFAULT_PORT.backend, source: 'default' };

  const routes = fullRoutes(scans);
  const openapiDisabled = [...scans.values()].some((s) => s.openapiDisabled);
  const live = firstOf(LIVENESS_PATHS, routes);
  const ready = firstOf(READINESS_PATHS, routes);
  let healthPath: Fact<string>;
  if (settings.healthPath.backend) healthPath = { value: settings.healthPath.backend, source: 'setting', from: SETTING.healthPath.backend };
  else if (live) healthPath = { value: live.path, source: 'detected', from: live.from };
  else {
    healthPath = { value: openapiDisabled ? LIVENESS_PATHS[0] : FASTAPI_FALLBACK_PATH, source: 'default' };
    if (found) {
      problems.push(
        openapiDisabled
          ? problem(
              'backend',
              'APP_NO_HEALTH_ROUTE',
              `no health route found in ${dir} (looked for ${LIVENESS_PATHS.join(', ')}), and openapi_url=None turns off ${FASTAPI_FALLBACK_PATH}`,
              `add \`@app.get("/health")\` returning {"status": "ok"}, or set ${SETTING.healthPath.backend} to a path that answers 200`,
              true,
            )
          : problem(
              'backend',
              'APP_NO_HEALTH_ROUTE',
              `no health route found in ${dir} (looked for ${LIVENESS_PATHS.join(', ')}); the probes use ${FASTAPI_FALLBACK_PATH}, which FastAPI serves`,
              `add \`@app.get("/health")\` returning {"status": "ok"} (cheap, no database), or set ${SETTING.healthPath.backend}`,
              false,
            ),
      );
    }
  }
  let readyPath: Fact<string | null>;
  if (settings.readyPath.backend) readyPath = { value: settings.readyPath.backend, source: 'setting', from: SETTING.readyPath.backend };
  else if (ready) readyPath = { value: ready.path, source: 'detected', from: ready.from };
  else {
    readyPath = { value: null, source: 'default' };
    if (found)
      problems.push(
        problem(
          'backend',
          'APP_NO_READINESS',
          `no readiness route found (looked for ${READINESS_PATHS.join(', ')}); readiness uses the liveness path ${healthPath.value}, so a pod that cannot reach its database still gets traffic`,
          `add \`@app.get("/ready")\` that checks the database and returns 503 when it cannot, or set ${SETTING.readyPath.backend}`,
          false,
        ),
      );
  }

  const deps = readDeps(tree, dir, found, problems);
  const requirements: BackendFacts['requirements'] = deps
    ? { value: { kind: deps.kind, path: deps.path }, source: 'detected', from: deps.kind }
    : { value: { kind: 'requirements.txt', path: path.join(dir, 'requirements.txt') }, source: 'default' };
  if (deps && !deps.poetryOnly) {
    const ours = dockerfile.fact.value.kind === 'ours';
    if (!hasPackage(deps, 'fastapi'))
      problems.push(
        problem(
          'backend',
          'APP_MISSING_DEPENDENCY',
          `${deps.kind} does not list fastapi`,
          `add fastapi (pinned, e.g. fastapi==0.115.0) to ${deps.kind}`,
          true,
        ),
      );
    if (!hasPackage(deps, 'uvicorn', { of: 'fastapi', extra: 'standard' }))
      problems.push(
        problem(
          'backend',
          'APP_MISSING_DEPENDENCY',
          `${deps.kind} does not list uvicorn${ours ? ', which our Dockerfile runs' : ''}`,
          `add uvicorn (or fastapi[standard]) to ${deps.kind}`,
          ours,
        ),
      );
  }

  const raw: RawRead[] = [];
  for (const [rel, scan] of scans) for (const r of scan.env) raw.push({ name: r.name, from: `${rel}:${r.line}`, hasDefault: r.hasDefault });
  const env = classifyReads(raw, {
    app: 'backend',
    dockerfileEnv: image.env,
    dockerfileKind: dockerfile.fact.value.kind,
    appSecrets: settings.appSecrets,
    appEnv: settings.appEnv,
    buildTime: [],
  });

  return { dir, dockerfile: dockerfile.fact, entry, ...(appDir ? { appDir } : {}), port, healthPath, readyPath, requirements, env };
}

function findEntry(
  scans: Map<string, PyFileFacts>,
  tree: SourceTree,
  settings: Settings,
  userImage: { asgiApp?: { value: string; line: number }; file: string } | undefined,
  found: boolean,
  problems: AppProblem[],
): { entry: Fact<string>; appDir?: string } {
  if (settings.backendApp) {
    const m = /^([A-Za-z_][\w.]*):([A-Za-z_]\w*)$/.exec(settings.backendApp);
    const file =
      m &&
      [`${m[1]!.split('.').join('/')}.py`, `${m[1]!.split('.').join('/')}/__init__.py`].find(
        (f) => tree.exists(f) || tree.exists(`src/${f}`),
      );
    if (found && !file)
      problems.push(
        problem(
          'backend',
          'APP_ENTRY_INVALID',
          `BACKEND_APP=${settings.backendApp}: ${m ? `no ${m[1]!.split('.').join('/')}.py in ${tree.dir}` : 'not module:attribute'}`,
          'set BACKEND_APP to the module path and the FastAPI object, like main:app or app.main:app (the module relative to the backend folder)',
          true,
        ),
      );
    return {
      entry: { value: settings.backendApp, source: 'setting', from: 'BACKEND_APP' },
      ...(file && !tree.exists(file) ? { appDir: 'src' } : {}),
    };
  }
  if (userImage?.asgiApp)
    return { entry: { value: userImage.asgiApp.value, source: 'detected', from: `${userImage.file}:${userImage.asgiApp.line}` } };
  const rank = (rel: string) => {
    const i = CONVENTIONAL_ENTRY_FILES.findIndex((pattern) =>
      new RegExp(`^${pattern.replace('.', '\\.').replace('*', '[^/]+')}$`).test(rel),
    );
    return i === -1 ? CONVENTIONAL_ENTRY_FILES.length + rel.split('/').length : i;
  };
  const candidates = [...scans].filter(([, s]) => s.apps.length).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  const best = candidates[0];
  if (!best) {
    if (found)
      problems.push(
        problem(
          'backend',
          'APP_ENTRY_NOT_FOUND',
          `no Python file in ${tree.dir} creates a FastAPI app at module level (looked for \`app = FastAPI(...)\`, or \`app = create_app()\` with a factory that makes one)`,
          'set BACKEND_APP=<module>:<attribute>, e.g. BACKEND_APP=main:app for main.py with `app = FastAPI()`',
          true,
        ),
      );
    return { entry: { value: 'app.main:app', source: 'default' } };
  }
  const [rel, scan] = best;
  const attr = scan.apps.find((a) => a.attr === 'app') ?? scan.apps[0]!;
  const src = /^src\/[^/]+\//.test(rel) && !tree.exists('src/__init__.py');
  const module = moduleOf(src ? rel.slice('src/'.length) : rel);
  return { entry: { value: `${module}:${attr.attr}`, source: 'detected', from: `${rel}:${attr.line}` }, ...(src ? { appDir: 'src' } : {}) };
}

/** The route of the table's first path that the app has. */
export function firstOf<R extends { path: string }>(table: readonly string[], routes: readonly R[]): R | undefined {
  for (const wanted of table) {
    const route = routes.find((r) => r.path === wanted);
    if (route) return route;
  }
  return undefined;
}

interface FullRoute {
  path: string;
  from: string;
}

/** Route paths with their APIRouter prefix and a literal include_router prefix (`module.router` matched by file name). */
function fullRoutes(scans: Map<string, PyFileFacts>): FullRoute[] {
  const includes = [...scans.values()].flatMap((s) => s.includes);
  const routes: FullRoute[] = [];
  for (const [rel, scan] of scans) {
    const moduleName =
      path.posix.basename(rel, '.py') === '__init__' ? path.posix.basename(path.posix.dirname(rel)) : path.posix.basename(rel, '.py');
    for (const r of scan.routes) {
      const routerPrefix = scan.routers[r.owner];
      let full = r.path;
      if (routerPrefix !== undefined) {
        const include = includes.find((i) => i.router === `${moduleName}.${r.owner}` || i.router === r.owner);
        full = `${include?.prefix ?? ''}${routerPrefix}${r.path}`;
      }
      routes.push({ path: full.replace(/\/+$/, '') || '/', from: `${rel}:${r.line}` });
    }
  }
  return routes;
}

function readDeps(tree: SourceTree, dir: string, found: boolean, problems: AppProblem[]): DeclaredDeps | undefined {
  const requirements = tree.read('requirements.txt');
  if (requirements !== undefined)
    return { kind: 'requirements.txt', path: path.join(dir, 'requirements.txt'), packages: parseRequirementsTxt(requirements) };
  const pyproject = tree.read('pyproject.toml');
  if (pyproject !== undefined) {
    const parsed = parsePyprojectDeps(pyproject);
    if (parsed.hasProjectDeps) return { kind: 'pyproject.toml', path: path.join(dir, 'pyproject.toml'), packages: parsed.packages };
    if (found)
      problems.push(
        problem(
          'backend',
          'APP_NO_REQUIREMENTS',
          `pyproject.toml in ${dir} has no [project] dependencies${parsed.poetry ? ' (only [tool.poetry.dependencies], which the image build does not read)' : ''}`,
          parsed.poetry
            ? 'write a requirements.txt: `poetry export -f requirements.txt -o requirements.txt --without-hashes`, or move the dependencies to [project] dependencies (PEP 621)'
            : 'list the dependencies under [project] dependencies = ["fastapi==…", "uvicorn==…"], or add a requirements.txt',
          true,
        ),
      );
    return undefined;
  }
  if (found)
    problems.push(
      problem(
        'backend',
        'APP_NO_REQUIREMENTS',
        `no requirements.txt or pyproject.toml in ${dir}`,
        'add a requirements.txt with pinned versions (`pip freeze > requirements.txt` in your virtualenv), including fastapi and uvicorn',
        true,
      ),
    );
  return undefined;
}
