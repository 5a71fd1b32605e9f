// build-images without a Docker engine: flags and help, bad inputs and their
// exit codes, the .dockerignore matcher, content tags, BuildKit progress parsing,
// the choice of docker CLI, and the smoke checks against a local stand-in server.
//   node --import tsx test/images-inputs.test.ts
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../lib/config.ts';
import { PlainProgress, resolveDockerCli } from '../lib/docker.ts';
import { createRunner } from '../lib/exec.ts';
import { hashContext } from '../lib/images/context-hash.ts';
import { isIgnored, parseDockerignore } from '../lib/images/dockerignore.ts';
import { DOCKERFILES_DIR, parseOnly } from '../lib/images/plan.ts';
import { plannedImages } from '../lib/own-app.ts';
import { SMOKE_CHECKS, runSmokeChecks } from '../lib/smoke.ts';
import { runBuildImages } from './support/docker.ts';
import { tempDir } from './support/tmp.ts';
import { REPO_ROOT } from './support/tools.ts';

const FRONTEND_DIR = path.join(REPO_ROOT, 'app/frontend');
const BACKEND_DIR = path.join(REPO_ROOT, 'app/backend');
const NO_DOTENV = ['--dotenv', os.devNull];
const cleanups: Array<() => void> = [];
test.after(() => cleanups.forEach((fn) => fn()));

function temp(prefix: string): string {
  const t = tempDir(prefix);
  cleanups.push(t.cleanup);
  return t.dir;
}
function write(dir: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
}
/** A copy of an app folder as its Dockerfile's ignore file keeps it. */
function copyApp(from: string, image: 'frontend' | 'backend'): string {
  const dir = temp(`${image}-`);
  const ignore = readFileSync(path.join(DOCKERFILES_DIR, `${image}.Dockerfile.dockerignore`), 'utf8');
  for (const file of hashContext(from, parseDockerignore(ignore)).files) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    copyFileSync(path.join(from, file), path.join(dir, file));
  }
  return dir;
}
/** The frontend's plan, as build-images makes it (the app analysis first). */
const frontendPlan = (c: ReturnType<typeof config>, dockerfilesDir?: string) =>
  plannedImages(c, { dockerfilesDir }).find((p) => p.name === 'frontend')!;

function config(env: Record<string, string> = {}) {
  return loadConfig({ env: { FRONTEND_DIR, BACKEND_DIR, ...env }, envFile: os.devNull, root: REPO_ROOT }).config;
}
const errorEvent = (events: Record<string, unknown>[]) => events.find((e) => e.type === 'error');

// --- the script's surface ------------------------------------------------------
test('--help lists every flag and an example', async () => {
  const run = await runBuildImages(['--help']);
  assert.is(run.code, 0);
  for (const flag of [
    '--force',
    '--only',
    '--test',
    '--load',
    '--json',
    '--verbose',
    '--cold',
    '--dockerfiles',
    '--frontend-dir',
    '--node-image',
  ])
    assert.match(run.stdout, flag);
  assert.match(run.stdout, /Examples:\n  npx zx scripts\/build-images\.ts/);
});

test('a bad --only value and an unknown flag exit 2 with the fix', async () => {
  const only = await runBuildImages(['--only', 'frontnd', '--json', ...NO_DOTENV]);
  assert.is(only.code, 2);
  assert.match(String(errorEvent(only.events)?.message), '--only frontnd: must be frontend or backend');
  const unknown = await runBuildImages(['--forse']);
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, 'did you mean --force?');
  assert.equal(parseOnly('backend,frontend'), ['backend', 'frontend']);
});

test('a missing app folder exits 2 naming FRONTEND_DIR; nothing touches Docker', async () => {
  const missing = path.join(temp('gone-'), 'nope');
  const run = await runBuildImages(['--json', ...NO_DOTENV], { FRONTEND_DIR: missing, DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
  assert.is(run.code, 2);
  const error = errorEvent(run.events)!;
  // The app analysis is build-images' first step: it names the folder and the setting.
  assert.match(String(error.message), `frontend folder ${missing} does not exist`);
  assert.match(String(error.hint), 'FRONTEND_DIR');
  assert.is(error.code, 'APP_DIR_NOT_FOUND');
});

test('a missing Dockerfile exits 2 naming it and --dockerfiles', async () => {
  const empty = temp('dockerfiles-');
  const run = await runBuildImages(['--only', 'backend', '--dockerfiles', empty, '--json', ...NO_DOTENV], { BACKEND_DIR });
  assert.is(run.code, 2);
  assert.match(String(errorEvent(run.events)?.message), `${path.join(empty, 'backend.Dockerfile')} does not exist`);
  assert.match(String(errorEvent(run.events)?.message), '--dockerfiles');
});

test('a frontend without standalone output: exit 2 before any build (the analysis; a missing health route is only a warning there)', async () => {
  const fe = copyApp(FRONTEND_DIR, 'frontend');
  const nextConfig = readFileSync(path.join(fe, 'next.config.ts'), 'utf8');
  writeFileSync(path.join(fe, 'next.config.ts'), nextConfig.replace(/output:\s*["']standalone["'],?/, ''));
  const feRun = await runBuildImages(['--only', 'frontend', '--json', ...NO_DOTENV], {
    FRONTEND_DIR: fe,
    DOCKER_HOST: 'unix:///nonexistent/docker.sock',
  });
  assert.is(feRun.code, 2);
  assert.match(String(errorEvent(feRun.events)?.message), /does not set output: ["']standalone["']/);
});

test('a Docker daemon that does not answer exits 3 with how to start one', async () => {
  const run = await runBuildImages(['--json', ...NO_DOTENV], { FRONTEND_DIR, BACKEND_DIR, DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
  assert.is(run.code, 3, run.stdout + run.stderr);
  const error = errorEvent(run.events)!;
  assert.match(String(error.message), 'the Docker daemon at unix:///nonexistent/docker.sock does not answer');
  assert.match(String(error.hint), 'DOCKER_HOST');
});

// --- tags ----------------------------------------------------------------------
test('content tags: same inputs same tag; a source line, a build arg or the Dockerfile change it; ignored files do not', () => {
  const fe = copyApp(FRONTEND_DIR, 'frontend');
  const tag = (env: Record<string, string> = {}, dockerfilesDir?: string) =>
    frontendPlan(config({ FRONTEND_DIR: fe, ...env }), dockerfilesDir).ref;
  const first = tag();
  assert.match(first, /^todo-frontend:[0-9a-f]{12}$/);
  assert.is(frontendPlan(config()).ref, first, 'the folder does not matter, its content does');
  write(fe, { 'node_modules/left-pad/index.js': 'x', '.env.local': 'SECRET=1', 'e2e/new.e2e.ts': 'x', '.next/cache/x': 'x' });
  assert.is(tag(), first, 'ignored files do not change the tag');
  assert.is.not(tag({ NPM_REGISTRY: 'https://npm.example.com/' }), first, 'a build arg does');
  assert.is.not(tag({ NODE_IMAGE: 'node:22-bookworm-slim' }), first, 'the base image does');
  const dockerfiles = temp('df-');
  // Both are planned (build-images plans both); only the frontend's Dockerfile is edited.
  for (const f of ['frontend.Dockerfile', 'frontend.Dockerfile.dockerignore', 'backend.Dockerfile', 'backend.Dockerfile.dockerignore'])
    copyFileSync(path.join(DOCKERFILES_DIR, f), path.join(dockerfiles, f));
  assert.is(tag({}, dockerfiles), first);
  writeFileSync(
    path.join(dockerfiles, 'frontend.Dockerfile'),
    `${readFileSync(path.join(dockerfiles, 'frontend.Dockerfile'), 'utf8')}\nLABEL x=y\n`,
  );
  assert.is.not(tag({}, dockerfiles), first, 'the Dockerfile does');
  const page = path.join(fe, 'app/page.tsx');
  writeFileSync(page, `${readFileSync(page, 'utf8')}// one more line\n`);
  const edited = tag();
  assert.is.not(edited, first, 'a source line does');
  chmodSync(page, 0o755);
  assert.is.not(tag(), edited, 'the executable bit does');
});

test('.dockerignore matching follows Docker: **, *, ?, [..], parent directories, ! exceptions, last match wins', () => {
  const rules = parseDockerignore(
    [
      '# comment',
      '',
      '**/node_modules',
      '*.md',
      '!README.md',
      'build/',
      '/logs/*.log',
      '!logs/keep.log',
      'src/**/*.test.ts',
      'x?z',
      '[ab].txt',
      '  spaced  ',
    ].join('\n'),
  );
  const table: [string, boolean][] = [
    ['node_modules/a/b.js', true],
    ['pkg/node_modules/x.js', true],
    ['notes.md', true],
    ['README.md', false],
    ['docs/notes.md', false], // *.md matches the root only
    ['build/out.js', true],
    ['logs/a.log', true],
    ['logs/keep.log', false],
    ['src/a/b/c.test.ts', true],
    ['src/c.test.ts', true],
    ['src/c.ts', false],
    ['xyz', true],
    ['xyyz', false],
    ['a.txt', true],
    ['c.txt', false],
    ['spaced', true],
    ['comment', false],
  ];
  for (const [file, ignored] of table) assert.is(isIgnored(rules, file), ignored, file);
});

// --- BuildKit output -------------------------------------------------------------
test('plain progress: steps in order, cached ones, the failing step with its output', () => {
  const seen: string[] = [];
  const progress = new PlainProgress((s) => seen.push(s.name));
  const sample = [
    '#1 [internal] load build definition from backend.Dockerfile',
    '#1 sha256:0123abcd',
    '#1 transferring dockerfile: 2.34kB done',
    '#1 DONE 0.0s',
    '#5 [builder 1/4] FROM mirror.example.com/library/python:3.11-slim',
    '#5 CACHED',
    '#6 [builder 2/4] RUN python -m venv /opt/venv',
    '#6 CACHED',
    '#7 [builder 3/4] RUN pip install -r requirements.txt',
    '#7 0.512 Collecting fastapi',
    '#8 [2/2] COPY . .',
    '#7 1.204 ERROR: No matching distribution found for fastapi==999',
    '#7 ERROR: executor failed running [/bin/sh -c pip install -r requirements.txt]: exit code: 1',
    '------',
    ' > [builder 3/4] RUN pip install -r requirements.txt:',
    '------',
  ].join('\n');
  // Chunks split mid-line, as a pipe delivers them.
  for (let i = 0; i < sample.length; i += 37) progress.feed(sample.slice(i, i + 37));
  progress.end();
  assert.equal(seen, [
    '[builder 1/4] FROM mirror.example.com/library/python:3.11-slim',
    '[builder 2/4] RUN python -m venv /opt/venv',
    '[builder 3/4] RUN pip install -r requirements.txt',
    '[2/2] COPY . .',
  ]);
  assert.equal(
    progress.dockerfileSteps().map((s) => s.cached),
    [true, true, false, false],
  );
  const failed = progress.failedStep()!;
  assert.is(failed.name, '[builder 3/4] RUN pip install -r requirements.txt');
  assert.equal(failed.output, ['Collecting fastapi', 'ERROR: No matching distribution found for fastapi==999']);
  assert.match(failed.error!, 'exit code: 1');
});

// --- which docker CLI builds -------------------------------------------------------
test('the docker CLI: buildx if any has it, else an old CLI with the engine BuildKit, else a clear error', async () => {
  const fake = (dir: string, version: string, buildx: boolean) => {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'docker');
    writeFileSync(
      file,
      `#!/bin/sh\ncase "$1" in\n  --version) echo "Docker version ${version}, build abc";;\n  buildx) ${buildx ? 'echo "github.com/docker/buildx v0.20.0"' : 'echo "docker: \'buildx\' is not a docker command." >&2; exit 1'};;\nesac\n`,
    );
    chmodSync(file, 0o755);
  };
  const root = temp('clis-');
  fake(path.join(root, 'new'), '28.2.2', false);
  fake(path.join(root, 'old'), '20.10.24+dfsg1', false);
  fake(path.join(root, 'withbuildx'), '27.5.1', true);
  const run = createRunner();
  const at = (...dirs: string[]) => ({ PATH: dirs.map((d) => path.join(root, d)).join(path.delimiter) });
  assert.equal(await resolveDockerCli(run, at('new', 'old')), {
    path: path.join(root, 'old', 'docker'),
    version: '20.10.24',
    buildMode: 'builtin',
  });
  assert.equal(await resolveDockerCli(run, at('new', 'withbuildx', 'old')), {
    path: path.join(root, 'withbuildx', 'docker'),
    version: '27.5.1',
    buildMode: 'buildx',
  });
  assert.is(
    (await resolveDockerCli(run, { ...at('new', 'old'), DOCKER_CLI: path.join(root, 'withbuildx', 'docker') })).buildMode,
    'buildx',
  );
  try {
    await resolveDockerCli(run, at('new'));
    assert.unreachable('a v28 CLI without buildx cannot build');
  } catch (error) {
    assert.match((error as Error).message, 'version 28.2.2 needs the buildx plugin');
    assert.is((error as { exitCode?: number }).exitCode, 3);
  }
});

// --- smoke checks -----------------------------------------------------------------
interface FakeApp {
  server: Server;
  url: string;
  title: string;
  tasks: Map<number, { id: number; title: string; completed: boolean }>;
  next: number;
}

async function fakeApp(): Promise<FakeApp> {
  const app: FakeApp = { server: createServer(), url: '', title: 'Todo Chatbot', tasks: new Map(), next: 1 };
  app.server.on('request', (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const send = (status: number, data?: unknown, type = 'application/json') => {
        res.writeHead(status, { 'content-type': type });
        res.end(data === undefined ? '' : typeof data === 'string' ? data : JSON.stringify(data));
      };
      const url = new URL(req.url ?? '/', 'http://x');
      const taskMatch = /^\/api\/[\w.-]+\/tasks(?:\/(\d+))?(\/complete)?$/.exec(url.pathname);
      if (url.pathname === '/health' || url.pathname === '/api/health') return send(200, { status: 'ok', version: '0.1.0' });
      if (url.pathname === '/ready') return send(200, { status: 'ready' });
      if (url.pathname === '/') return send(200, `<html><head><title>${app.title}</title></head></html>`, 'text/html; charset=utf-8');
      if (url.pathname === '/api/tasks') return send(200, []);
      if (/^\/api\/[\w.-]+\/chat$/.test(url.pathname)) {
        const id = app.next++;
        app.tasks.set(id, { id, title: 'smoke-test task', completed: false });
        return send(200, { conversation_id: 1, response: 'added', tool_calls: [{ name: 'add_task', arguments: {}, result: { id } }] });
      }
      if (taskMatch && !taskMatch[1] && req.method === 'POST') {
        const id = app.next++;
        const task = { id, title: (JSON.parse(body) as { title: string }).title, completed: false };
        app.tasks.set(id, task);
        return send(201, task);
      }
      if (taskMatch && !taskMatch[1]) return send(200, [...app.tasks.values()]);
      const task = app.tasks.get(Number(taskMatch?.[1]));
      if (!task) return send(404, { detail: 'Task not found' });
      if (taskMatch?.[2]) return send(200, Object.assign(task, { completed: true }));
      if (req.method === 'DELETE') {
        app.tasks.delete(task.id);
        return send(204);
      }
      return send(200, task);
    });
  });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  app.url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return app;
}

test('smoke checks: all pass against a conforming app and leave no task behind', async () => {
  const app = await fakeApp();
  try {
    const results = await runSmokeChecks({ frontend: app.url, backend: app.url });
    assert.equal(
      results.map((r) => r.id),
      SMOKE_CHECKS.map((c) => c.id),
    );
    assert.ok(
      results.every((r) => r.ok),
      JSON.stringify(results.filter((r) => !r.ok)),
    );
    assert.is(app.tasks.size, 0, 'the round trips cleaned up');
  } finally {
    app.server.close();
  }
});

test('smoke checks: a wrong page title and an unreachable backend fail with the reason and a hint', async () => {
  const app = await fakeApp();
  app.title = 'Create Next App';
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const deadPort = (closed.address() as AddressInfo).port;
  closed.close();
  try {
    const byId = (id: string) => SMOKE_CHECKS.filter((c) => c.id === `app.${id}`);
    const [home] = await runSmokeChecks({ frontend: app.url, backend: app.url }, byId('frontend-home'));
    assert.is(home!.ok, false);
    assert.match(home!.detail, 'has no <title>Todo Chatbot</title>');
    assert.ok(home!.hint);
    const [task] = await runSmokeChecks({ frontend: app.url, backend: `http://127.0.0.1:${deadPort}` }, byId('task-roundtrip'));
    assert.is(task!.ok, false);
    assert.match(task!.detail, 'ECONNREFUSED');
  } finally {
    app.server.close();
  }
});

test.run();
