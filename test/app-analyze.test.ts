// analyzeApps and its detectors: table tests per detector (Python scanner, pydantic settings,
// requirements/pyproject, Dockerfile, next.config through the TypeScript parser, lockfiles), then the
// fixture shapes under test/fixtures/apps and the reference app, and the chart's Service name.
//   node --import tsx test/app-analyze.test.ts
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { analyzeApps, type AnalyzeConfig, type AnalyzeOptions } from '../lib/app/analyze.ts';
import { readDockerfile } from '../lib/app/dockerfile.ts';
import { chartEnvNames } from '../lib/app/env-reads.ts';
import { backendServiceUrl, chartComponentName } from '../lib/app/frontend.ts';
import { readNextConfig } from '../lib/app/next-config.ts';
import { readNodePackage } from '../lib/app/node-package.ts';
import { parsePyprojectDeps, parseRequirementsTxt } from '../lib/app/python-deps.ts';
import { scanPython } from '../lib/app/python.ts';
import { PROBLEM_CODES } from '../lib/app/problems.ts';
import { createRunner } from '../lib/exec.ts';
import { CHART_PATH, helmTemplate, splitHelmOutput } from '../lib/render.ts';
import { tempDir } from './support/tmp.ts';
import { ensureTools, REPO_ROOT } from './support/tools.ts';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/apps');
const config = (shape: string, extra: Partial<AnalyzeConfig> = {}): AnalyzeConfig => ({
  frontendDir: path.join(FIXTURES, shape, 'frontend'),
  backendDir: path.join(FIXTURES, shape, 'backend'),
  releaseName: 'todo-chatbot',
  namespace: 'todo-chatbot',
  ...extra,
});
const codes = (shape: string, opts?: AnalyzeOptions) =>
  analyzeApps(config(shape), opts).problems.map((p) => `${p.app} ${p.code}${p.blocking ? ' blocking' : ''}`);

// --- Python -------------------------------------------------------------------
const PY_APPS: Array<[string, string, string[]]> = [
  ['plain', 'from fastapi import FastAPI\napp = FastAPI()\n', ['app']],
  ['module-qualified, annotated', 'import fastapi\napi: fastapi.FastAPI = fastapi.FastAPI(title="x")\n', ['api']],
  [
    'factory',
    'from fastapi import FastAPI\n\ndef create_app():\n    application = FastAPI()\n    return application\n\napp = create_app()\n',
    ['app'],
  ],
  ['commented out', '# app = FastAPI()\n', []],
  ['in a docstring', '"""\napp = FastAPI()\n"""\n', []],
  ['inside a function only', 'def make():\n    app = FastAPI()\n', []],
  ['arguments over several lines', 'app = FastAPI(\n    title="Todo",\n    version="1",\n)\n', ['app']],
];
for (const [name, source, expected] of PY_APPS) {
  test(`python: the FastAPI app, ${name}`, () => {
    assert.equal(
      scanPython(source).apps.map((a) => a.attr),
      expected,
    );
  });
}

const PY_ENV: Array<[string, string, Array<[string, boolean]>]> = [
  ['os.getenv without default', 'import os\nX = os.getenv("SECRET_KEY")\n', [['SECRET_KEY', false]]],
  ['os.getenv with default', "import os\nX = os.getenv('LOG_LEVEL', 'info')\n", [['LOG_LEVEL', true]]],
  ['os.getenv with default None', 'X = os.getenv("A", None)\n', [['A', false]]],
  ['os.environ[...]', 'X = os.environ["DATABASE_URL"]\n', [['DATABASE_URL', false]]],
  ['os.environ.get with default', 'X = os.environ.get("PORT", "8000")\n', [['PORT', true]]],
  ['from os import getenv', 'from os import getenv\nX = getenv("TOKEN")\n', [['TOKEN', false]]],
  ['a comment and a docstring do not count', '# os.getenv("NOPE")\n"""os.environ["NOPE2"]"""\n', []],
  ['a dict .get is not os.environ', 'X = settings.get("NOPE")\nY = env.get("NOPE2")\n', []],
  ['"#" inside a string is not a comment', 'X = os.getenv("A", "#fff")\n', [['A', true]]],
];
for (const [name, source, expected] of PY_ENV) {
  test(`python env reads: ${name}`, () => {
    assert.equal(
      scanPython(source).env.map((r) => [r.name, r.hasDefault]),
      expected,
    );
  });
}

test('python: pydantic BaseSettings fields are env reads (upper-cased, env_prefix, aliases, defaults)', () => {
  const source = [
    'from pydantic import Field',
    'from pydantic_settings import BaseSettings, SettingsConfigDict',
    '',
    'class Settings(BaseSettings):',
    '    model_config = SettingsConfigDict(env_prefix="TODO_", env_file=".env")',
    '    database_url: str',
    '    log_level: str = "info"',
    '    api_key: str = Field(..., alias="OPENAI_API_KEY")',
    '    timeout: int = Field(default=5)',
    '    _private: int = 0',
    '',
    '    def helper(self) -> None:',
    '        local: int = 1',
    '',
    'class Other:',
    '    not_env: str',
  ].join('\n');
  assert.equal(
    scanPython(source).env.map((r) => [r.name, r.hasDefault]),
    [
      ['TODO_DATABASE_URL', false],
      ['TODO_LOG_LEVEL', true],
      ['OPENAI_API_KEY', false],
      ['TODO_TIMEOUT', true],
    ],
  );
  const v1 = 'class S(BaseSettings):\n    secret: str\n\n    class Config:\n        env_prefix = "APP_"\n';
  assert.equal(
    scanPython(v1).env.map((r) => r.name),
    ['APP_SECRET'],
    'pydantic v1 inner Config',
  );
});

test('python: routes with APIRouter and include_router prefixes', () => {
  const routes = scanPython(
    'router = APIRouter(prefix="/ops", tags=["x"])\n\n@router.get("/healthz")\ndef h(): ...\n\n@app.api_route("/ready", methods=["GET"])\ndef r(): ...\n',
  );
  assert.equal(routes.routers, { router: '/ops' });
  assert.equal(
    routes.routes.map((r) => `${r.owner} ${r.path}`),
    ['router /healthz', 'app /ready'],
  );
  assert.equal(scanPython('app.include_router(health.router, prefix="/api")\n').includes, [{ router: 'health.router', prefix: '/api' }]);
  assert.equal(
    scanPython('@app.get(path="/livez")\nasync def l(): ...\n').routes.map((r) => r.path),
    ['/livez'],
    'the path as a keyword',
  );
  assert.equal(scanPython('# @app.get("/health")\n').routes, [], 'a commented-out route');
});

// --- dependencies ----------------------------------------------------------------
test('requirements.txt: names normalised, comments, options, markers and extras', () => {
  const pkgs = parseRequirementsTxt(
    '# pinned\nFastAPI==0.115.0  # web\nuvicorn[standard]>=0.30 ; python_version >= "3.9"\n-r base.txt\n--index-url https://x\ntyping_extensions\nhttps://example.com/x.whl\n',
  );
  assert.equal(pkgs, [
    { name: 'fastapi', extras: [] },
    { name: 'uvicorn', extras: ['standard'] },
    { name: 'typing-extensions', extras: [] },
  ]);
});

test('pyproject.toml: PEP 621 dependencies over several lines; Poetry-only is reported as no list', () => {
  const pep621 = parsePyprojectDeps(
    '[build-system]\nrequires = ["hatchling"]\n\n[project]\nname = "api"\ndependencies = [\n  "fastapi[standard]>=0.110",  # web\n  \'sqlmodel\',\n]\n\n[tool.ruff]\nline-length = 100\n',
  );
  assert.equal(
    pep621.packages.map((p) => p.name),
    ['fastapi', 'sqlmodel'],
  );
  assert.equal(pep621.packages[0]!.extras, ['standard']);
  const poetry = parsePyprojectDeps('[tool.poetry.dependencies]\npython = "^3.11"\nfastapi = "^0.110"\n');
  assert.equal([poetry.hasProjectDeps, poetry.poetry], [false, true]);
});

// --- Dockerfile --------------------------------------------------------------------
test('Dockerfile: base images with ARG defaults, stages left out, port and ASGI app from CMD', () => {
  const facts = readDockerfile(
    [
      '# syntax comment',
      'ARG PY=3.12',
      'ARG BASE=python:${PY}-slim',
      'FROM ${BASE} AS build',
      'RUN pip install \\',
      '    -r requirements.txt',
      'FROM build AS test',
      'FROM --platform=linux/amd64 gcr.io/distroless/python3',
      'ENV APP_MODE=prod PORT=9000',
      'CMD ["uvicorn", "api.server:application", "--host", "0.0.0.0", "--port", "9001"]',
    ].join('\n'),
  );
  assert.equal(facts.baseImages, ['python:3.12-slim', 'gcr.io/distroless/python3']);
  assert.equal(facts.port?.value, 9001, 'CMD --port wins over ENV PORT');
  assert.equal(facts.asgiApp?.value, 'api.server:application');
  assert.equal(facts.env, ['APP_MODE', 'PORT']);
  assert.equal(readDockerfile('FROM node:22\nEXPOSE 3001/tcp\nCMD node server.js --port 4000\n').port?.value, 3001, 'EXPOSE first');
  assert.equal(readDockerfile('ARG X\nFROM ${X}\n').unresolved, ['${X}']);
  assert.equal(
    readDockerfile('ARG NODE_IMAGE=node:22-alpine\nFROM ${NODE_IMAGE}\n', { NODE_IMAGE: 'mirror/node:22' }).baseImages,
    ['mirror/node:22'],
    'a build arg override',
  );
});

// --- next.config -------------------------------------------------------------------
const NEXT_CONFIGS: Array<[string, string, string, boolean]> = [
  ['plain', 'next.config.mjs', 'export default { output: "standalone" };', true],
  ['commented out (line comment)', 'next.config.mjs', 'export default {\n  // output: "standalone",\n  reactStrictMode: true,\n};', false],
  ['commented out (block comment)', 'next.config.js', 'module.exports = {\n  /* output: "standalone", */\n};', false],
  ['in a string only', 'next.config.js', 'const note = "output: \'standalone\'";\nmodule.exports = {};', false],
  ['another output', 'next.config.ts', 'const c: NextConfig = { output: "export" };\nexport default c;', false],
  [
    'TypeScript with a type',
    'next.config.ts',
    'import type { NextConfig } from "next";\nconst nextConfig: NextConfig = { output: \'standalone\' };\nexport default nextConfig;',
    true,
  ],
  ['assigned later', 'next.config.cjs', 'const c = {};\nc.output = `standalone`;\nmodule.exports = c;', true],
];
for (const [name, file, text, expected] of NEXT_CONFIGS) {
  test(`next.config standalone: ${name}`, () => {
    assert.is(readNextConfig(file, text).standaloneLine !== undefined, expected);
  });
}

test('next.config: env reads in rewrites()/redirects(), directly and through a module-level constant; the proxy path', () => {
  const facts = readNextConfig(
    'next.config.mjs',
    [
      'const api = process.env.API_ORIGIN || "http://localhost:8000";',
      'const unrelated = process.env.UNUSED;',
      'export default {',
      '  env: { X: process.env.NOT_IN_REWRITES },',
      '  async rewrites() {',
      '    return [{ source: "/backend/:path*", destination: `${api}/:path*` }];',
      '  },',
      '  redirects: async () => [{ source: "/old", destination: `${process.env["DOCS_URL"]}/new`, permanent: false }],',
      '};',
    ].join('\n'),
  );
  assert.equal(
    facts.buildTimeReads.map((r) => `${r.name} ${r.in}`),
    ['API_ORIGIN rewrites()', 'DOCS_URL redirects()'],
  );
  assert.equal(facts.proxies, [{ source: '/backend/:path*', destinationPath: '/:path*', name: 'API_ORIGIN' }]);
});

// --- lockfiles ---------------------------------------------------------------------
test('package manager from the lockfile; Yarn Berry recognised; no lockfile', () => {
  const dir = tempDir('tck-pm-');
  try {
    const at = (files: Record<string, string>) => {
      rmSync(dir.dir, { recursive: true, force: true });
      mkdirSync(dir.dir, { recursive: true });
      for (const [name, text] of Object.entries({ 'package.json': '{"dependencies":{"next":"15.0.0"}}', ...files }))
        writeFileSync(path.join(dir.dir, name), text);
      const facts = readNodePackage(dir.dir);
      return [facts.lockfile?.manager ?? 'none', facts.yarnBerry];
    };
    assert.equal(at({ 'package-lock.json': '{}' }), ['npm', false]);
    assert.equal(at({ 'pnpm-lock.yaml': "lockfileVersion: '9.0'\n" }), ['pnpm', false]);
    assert.equal(at({ 'yarn.lock': '# yarn lockfile v1\n' }), ['yarn', false]);
    assert.equal(at({ 'yarn.lock': '__metadata:\n  version: 8\n' }), ['yarn', true]);
    assert.equal(at({}), ['none', false]);
  } finally {
    dir.cleanup();
  }
});

// --- the chart's names ---------------------------------------------------------------
test("the backend Service URL uses the chart's naming (_helpers.tpl componentName)", () => {
  assert.is(chartComponentName('todo-chatbot', 'backend'), 'todo-chatbot-backend');
  assert.is(chartComponentName('demo', 'backend'), 'demo-todo-chatbot-backend');
  assert.is(chartComponentName('my-todo-chatbot-2', 'backend'), 'my-todo-chatbot-2-backend');
  assert.is(chartComponentName('a'.repeat(53), 'backend').length, 63);
  assert.is(backendServiceUrl('demo', 'apps', 8080), 'http://demo-todo-chatbot-backend.apps.svc.cluster.local:8080');
});

test('chartComponentName names the backend Service as the chart does (helm template, several release names)', async () => {
  const helm = (await ensureTools()).HELM3_BIN!;
  const password = tempDir('tck-svc-');
  try {
    const values = path.join(password.dir, 'values.yaml');
    writeFileSync(values, `postgresql:\n  auth:\n    password: ${randomBytes(12).toString('hex')}\n`);
    const run = createRunner();
    for (const release of ['todo-chatbot', 'demo', 'my-todo-chatbot-2', `r${'x'.repeat(51)}`]) {
      const docs = splitHelmOutput(
        await helmTemplate(run, {
          helmBin: helm,
          chartDir: path.join(REPO_ROOT, CHART_PATH),
          releaseName: release,
          valuesFiles: [values],
          skipTests: true,
        }),
      );
      const services = docs
        .filter((d) => (d.object as { kind?: string })?.kind === 'Service')
        .map((d) => (d.object as { metadata: { name: string } }).metadata.name);
      assert.ok(services.includes(chartComponentName(release, 'backend')), `${chartComponentName(release, 'backend')} in ${services}`);
    }
  } finally {
    password.cleanup();
  }
});

test('the env names the chart sets are read from its templates', () => {
  const backend = chartEnvNames('backend');
  for (const name of ['DATABASE_URL', 'OPENAI_API_KEY', 'PORT', 'CORS_ORIGINS', 'LOG_LEVEL'])
    assert.ok(backend.includes(name), `${name} in ${backend}`);
  assert.ok(chartEnvNames('frontend').includes('BACKEND_URL'));
  assert.not.ok(backend.includes('BACKEND_URL'), "the frontend's ConfigMap is not the backend's");
});

// --- the fixtures and the reference app ----------------------------------------------
test('reference app: our Dockerfiles, app.main:app, /health and /ready, /api/health, standalone, npm; nothing to fix', () => {
  const start = performance.now();
  const a = analyzeApps({
    frontendDir: path.join(REPO_ROOT, 'app/frontend'),
    backendDir: path.join(REPO_ROOT, 'app/backend'),
    releaseName: 'todo-chatbot',
    namespace: 'todo-chatbot',
  });
  const ms = performance.now() - start;
  assert.equal([a.backend.entry.value, a.backend.healthPath.value, a.backend.readyPath.value], ['app.main:app', '/health', '/ready']);
  assert.equal([a.frontend.healthPath.value, a.frontend.standalone.value, a.frontend.packageManager.value], ['/api/health', true, 'npm']);
  assert.equal([a.frontend.dockerfile.value.kind, a.backend.dockerfile.value.kind], ['ours', 'ours']);
  assert.equal(a.problems, []);
  assert.ok(a.deployable);
  // A loose bound (a loaded CI machine): the brief's 200 ms target is checked by eye in doctor's output.
  assert.ok(ms < 2000, `analyzeApps took ${ms.toFixed(0)} ms`);
});

test('root-main: main:app at the folder root', () => {
  const a = analyzeApps(config('root-main'));
  assert.equal(a.backend.entry, { value: 'main:app', source: 'detected', from: 'main.py:4' });
  assert.is(a.backend.healthPath.value, '/health');
  assert.is(a.backend.readyPath.value, null);
  assert.equal(codes('root-main'), ['backend APP_NO_READINESS']);
});

test("own-dockerfiles: the folders' Dockerfiles are used; base images, ports and entry come from them", () => {
  const a = analyzeApps(config('own-dockerfiles'));
  assert.equal(
    [a.frontend.dockerfile.value.kind, a.frontend.dockerfile.source, a.frontend.dockerfile.from],
    ['user', 'detected', 'Dockerfile'],
  );
  assert.equal(a.frontend.dockerfile.value.baseImages, ['node:22-alpine']);
  assert.equal(a.backend.dockerfile.value.baseImages, ['python:3.12-slim']);
  assert.equal([a.frontend.port.value, a.backend.port.value], [3001, 8080]);
  assert.equal(a.backend.entry.value, 'server:app');
  // USE_OUR_DOCKERFILES: ours, with NODE_IMAGE as the base
  const ours = analyzeApps(config('own-dockerfiles', { nodeImage: 'node:22-bookworm-slim' }), { useOurs: true });
  assert.equal([ours.frontend.dockerfile.value.kind, ours.frontend.dockerfile.value.baseImages], ['ours', ['node:22-bookworm-slim']]);
  assert.equal([ours.frontend.port.value, ours.backend.port.value], [3000, 8000]);
  // A setting naming a missing file is blocking
  const missing = analyzeApps(config('own-dockerfiles'), { dockerfiles: { backend: 'docker/api.Dockerfile' } });
  assert.ok(missing.problems.some((p) => p.code === 'APP_DOCKERFILE_NOT_FOUND' && p.blocking));
});

test('rewrites-url: BACKEND_URL read in rewrites() is a server build-time value: the in-cluster Service URL', () => {
  const a = analyzeApps(config('rewrites-url', { releaseName: 'demo', namespace: 'apps' }));
  assert.equal(
    a.frontend.buildTime.map((b) => [b.name, b.audience, b.value]),
    [['BACKEND_URL', 'server', 'http://demo-todo-chatbot-backend.apps.svc.cluster.local:8000']],
  );
  assert.match(a.frontend.buildTime[0]!.why, /rewrites\(\)/);
  assert.equal(a.backend.readyPath, { value: '/ready', source: 'detected', from: 'app/main.py:8' });
  assert.equal(codes('rewrites-url'), []);
});

test('public-api-url: NEXT_PUBLIC_API_URL is a browser build-time value (the access URL given, else a warning)', () => {
  const given = analyzeApps(config('public-api-url'), { browserBackendUrl: 'http://127.0.0.1:30800' });
  assert.equal(
    given.frontend.buildTime.map((b) => [b.name, b.audience, b.value, b.from]),
    [['NEXT_PUBLIC_API_URL', 'browser', 'http://127.0.0.1:30800', 'lib/api.js:2']],
  );
  assert.equal(codes('public-api-url', { browserBackendUrl: 'http://127.0.0.1:30800' }), ['backend APP_NO_READINESS']);
  assert.equal(codes('public-api-url'), ['frontend APP_BROWSER_URL', 'backend APP_NO_READINESS']);
  assert.is(given.backend.healthPath.value, '/healthz');
  assert.equal(
    given.backend.env.map((e) => [e.name, e.suppliedBy]),
    [['CORS_ORIGINS', 'toolkit']],
  );
});

test("a NEXT_PUBLIC_ URL behind the app's own rewrites() proxy gets the same-origin path", () => {
  const dir = tempDir('tck-proxy-');
  try {
    cpSync(path.join(FIXTURES, 'public-api-url'), dir.dir, { recursive: true });
    writeFileSync(
      path.join(dir.dir, 'frontend/next.config.mjs'),
      'export default {\n  output: "standalone",\n  async rewrites() {\n    return [{ source: "/backend/:path*", destination: `${process.env.BACKEND_URL}/:path*` }];\n  },\n};\n',
    );
    const a = analyzeApps({ ...config('x'), frontendDir: path.join(dir.dir, 'frontend'), backendDir: path.join(dir.dir, 'backend') });
    assert.equal(
      a.frontend.buildTime.map((b) => [b.name, b.audience, b.value]),
      [
        ['BACKEND_URL', 'server', 'http://todo-chatbot-backend.todo-chatbot.svc.cluster.local:8000'],
        ['NEXT_PUBLIC_API_URL', 'browser', '/backend'],
      ],
    );
    assert.not.ok(a.problems.some((p) => p.code === 'APP_BROWSER_URL'));
  } finally {
    dir.cleanup();
  }
});

test('no-health: the backend falls back to /openapi.json, the frontend to /, each said once', () => {
  const a = analyzeApps(config('no-health'));
  assert.equal([a.backend.healthPath.value, a.backend.healthPath.source, a.frontend.healthPath.value], ['/openapi.json', 'default', '/']);
  assert.equal(codes('no-health'), ['frontend APP_NO_HEALTH_ROUTE', 'backend APP_NO_HEALTH_ROUTE', 'backend APP_NO_READINESS']);
  const set = analyzeApps(config('no-health'), {
    backendHealthPath: '/api/tasks',
    frontendHealthPath: '/',
    backendReadyPath: '/api/tasks',
  });
  assert.equal(
    [set.backend.healthPath, set.frontend.healthPath.source],
    [{ value: '/api/tasks', source: 'setting', from: 'BACKEND_HEALTH_PATH' }, 'setting'],
  );
  assert.equal(set.problems, []);
});

test('pnpm: pnpm-lock.yaml → pnpm', () => {
  assert.equal(analyzeApps(config('pnpm')).frontend.packageManager, { value: 'pnpm', source: 'detected', from: 'pnpm-lock.yaml' });
});

test('extra-secret: BETTER_AUTH_SECRET missing (a warning with the fix), OPENAI_API_KEY set by the chart; APP_SECRETS supplies it', () => {
  const a = analyzeApps(config('extra-secret'));
  assert.equal(
    a.backend.env.map((e) => [e.name, e.secretLike, e.suppliedBy]),
    [
      ['BETTER_AUTH_SECRET', true, 'missing'],
      ['OPENAI_API_KEY', true, 'toolkit'],
      ['OPENAI_MODEL', false, 'toolkit'],
    ],
  );
  const missing = a.problems.filter((p) => p.code === 'APP_ENV_MISSING');
  assert.equal(
    missing.map((p) => [p.app, p.blocking]),
    [
      ['frontend', false],
      ['backend', false],
    ],
  );
  assert.match(missing[1]!.fix, /add BETTER_AUTH_SECRET=<value> to \.env and list it in APP_SECRETS=BETTER_AUTH_SECRET/);
  assert.ok(a.deployable);
  const declared = analyzeApps(config('extra-secret', { appSecrets: 'BETTER_AUTH_SECRET' }));
  assert.equal(declared.backend.env[0]!.suppliedBy, 'APP_SECRETS');
  assert.equal(declared.frontend.env[0]!.suppliedBy, 'APP_SECRETS');
  assert.not.ok(declared.problems.some((p) => p.code === 'APP_ENV_MISSING'));
});

// --- broken apps -------------------------------------------------------------------------
function broken(edit: (dir: string) => void, opts?: AnalyzeOptions) {
  const dir = tempDir('tck-broken-');
  try {
    cpSync(path.join(FIXTURES, 'root-main'), dir.dir, { recursive: true });
    edit(dir.dir);
    const a = analyzeApps({ ...config('x'), frontendDir: path.join(dir.dir, 'frontend'), backendDir: path.join(dir.dir, 'backend') }, opts);
    return {
      a,
      codes: a.problems.filter((p) => p.code !== 'APP_NO_READINESS').map((p) => `${p.app} ${p.code}${p.blocking ? ' blocking' : ''}`),
    };
  } finally {
    dir.cleanup();
  }
}

test('blocking problems: no entry, no requirements, no fastapi, no lockfile, not standalone, missing folder', () => {
  const write = (file: string, text: string) => (d: string) => writeFileSync(path.join(d, file), text);
  assert.equal(broken(write('backend/main.py', 'print("no app")\n')).codes, [
    'backend APP_ENTRY_NOT_FOUND blocking',
    'backend APP_NO_HEALTH_ROUTE',
  ]);
  assert.equal(broken((d) => rmSync(path.join(d, 'backend/requirements.txt'))).codes, ['backend APP_NO_REQUIREMENTS blocking']);
  assert.equal(broken(write('backend/requirements.txt', 'uvicorn==0.30.0\n')).codes, ['backend APP_MISSING_DEPENDENCY blocking']);
  assert.equal(broken(write('backend/requirements.txt', 'fastapi[standard]==0.115.0\n')).codes, [], 'fastapi[standard] brings uvicorn');
  assert.equal(
    broken((d) => {
      rmSync(path.join(d, 'backend/requirements.txt'));
      writeFileSync(path.join(d, 'backend/pyproject.toml'), '[project]\nname = "x"\ndependencies = ["fastapi", "uvicorn"]\n');
    }).a.backend.requirements.value.kind,
    'pyproject.toml',
  );
  assert.equal(broken((d) => rmSync(path.join(d, 'frontend/package-lock.json'))).codes, ['frontend APP_NO_LOCKFILE blocking']);
  assert.equal(broken(write('frontend/next.config.mjs', 'export default {\n  // output: "standalone",\n};\n')).codes, [
    'frontend APP_NOT_STANDALONE blocking',
  ]);
  const gone = broken((d) => rmSync(path.join(d, 'backend'), { recursive: true }));
  assert.equal(gone.codes, ['backend APP_DIR_NOT_FOUND blocking']);
  assert.not.ok(gone.a.deployable);
  // BACKEND_APP: a setting wins; one that names no file is blocking
  assert.equal(broken(write('backend/main.py', 'print("no app")\n'), { backendApp: 'main:app', backendHealthPath: '/health' }).codes, []);
  assert.equal(broken(() => {}, { backendApp: 'server:app' }).codes, ['backend APP_ENTRY_INVALID blocking']);
  // With the user's own Dockerfile, what only our Dockerfile needs is a warning
  assert.equal(
    broken((d) => {
      writeFileSync(path.join(d, 'frontend/Dockerfile'), 'FROM node:22\nCMD ["npm", "start"]\n');
      writeFileSync(path.join(d, 'frontend/next.config.mjs'), 'export default {};\n');
    }).codes,
    ['frontend APP_NOT_STANDALONE'],
  );
});

test('frontend env reads: server and browser names, defaults, destructuring; NEXT_PUBLIC_ fix says build time', () => {
  const { a } = broken((d) => {
    mkdirSync(path.join(d, 'frontend/lib'));
    writeFileSync(
      path.join(d, 'frontend/lib/site.js'),
      [
        'export const name = process.env.NEXT_PUBLIC_SITE_NAME;',
        'export const level = process.env.LOG_LEVEL ?? "info";',
        'const { SESSION_TOKEN, REGION = "eu" } = process.env;',
        '// process.env.COMMENTED_OUT',
        'export const env = process.env.NODE_ENV;',
      ].join('\n'),
    );
  });
  assert.equal(
    a.frontend.env.map((e) => [e.name, e.secretLike, e.suppliedBy]),
    [
      ['NEXT_PUBLIC_SITE_NAME', false, 'missing'],
      ['LOG_LEVEL', false, 'default-in-code'],
      ['SESSION_TOKEN', true, 'missing'],
      ['REGION', false, 'default-in-code'],
      ['NODE_ENV', false, 'toolkit'],
    ],
  );
  const fixes = a.problems.filter((p) => p.code === 'APP_ENV_MISSING').map((p) => p.fix);
  assert.match(fixes[0]!, /APP_ENV=NEXT_PUBLIC_SITE_NAME; `next build` inlines NEXT_PUBLIC_ values/);
  assert.match(fixes[1]!, /APP_SECRETS=SESSION_TOKEN/);
});

test('src layout: src/<pkg>/main.py → <pkg>.main:app with appDir src', () => {
  const { a } = broken((d) => {
    rmSync(path.join(d, 'backend/main.py'));
    mkdirSync(path.join(d, 'backend/src/todo_api'), { recursive: true });
    writeFileSync(path.join(d, 'backend/src/todo_api/__init__.py'), '');
    writeFileSync(path.join(d, 'backend/src/todo_api/main.py'), 'from fastapi import FastAPI\napp = FastAPI()\n');
  });
  assert.equal([a.backend.entry.value, a.backend.appDir], ['todo_api.main:app', 'src']);
});

test('every problem code is in the table and documented in docs/troubleshooting.md', async () => {
  const { readFileSync } = await import('node:fs');
  const doc = readFileSync(path.join(REPO_ROOT, 'docs/troubleshooting.md'), 'utf8');
  for (const { code } of PROBLEM_CODES) assert.match(doc, new RegExp(`^## ${code}$`, 'm'), `${code} has a section`);
});

test.run();
