// The images on a real Docker engine: they build, run as non-root, turn healthy,
// run read-only, pass --test, skip when unchanged, rebuild only what changed, and
// show the failing step of a broken Dockerfile. Base images are offline stand-ins
// (test/support/base-images.ts); no registry is needed.
//   node --import tsx test/images.test.ts
import { randomBytes } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Docker } from '../lib/docker.ts';
import { startBackground } from '../lib/exec.ts';
import { waitHealthy } from '../lib/images/container-test.ts';
import { hashContext } from '../lib/images/context-hash.ts';
import { parseDockerignore } from '../lib/images/dockerignore.ts';
import { DOCKERFILES_DIR, LABEL_DIGEST } from '../lib/images/plan.ts';
import { ensureBaseImages, type BaseImages } from './support/base-images.ts';
import { engineTest, ensureDocker, runBuildImages, type ScriptRun } from './support/docker.ts';
import { tempDir } from './support/tmp.ts';
import { REPO_ROOT } from './support/tools.ts';

const setup = await ensureDocker({ log: (line) => console.log(`  ${line}`) });
const it = engineTest(test, setup);
const docker = (setup.ok ? setup.docker : undefined) as Docker;
const FRONTEND_DIR = path.join(REPO_ROOT, 'app/frontend');
const BACKEND_DIR = path.join(REPO_ROOT, 'app/backend');
let bases: BaseImages;
const cleanups: Array<() => Promise<void> | void> = [];

// Own repositories, so a developer's todo-frontend:dev is never touched. The
// Debian stand-in Node base (~210 MB) is bigger than the official alpine one
// (~160 MB), so the budgets here allow the stand-in base plus 150 MB; the bench
// checks the app-layer targets.
let budgets = { frontend: '', backend: '' };
function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_IMAGE: bases.nodeImage,
    PYTHON_IMAGE: bases.pythonImage,
    FRONTEND_IMAGE: 'todo-test-frontend',
    BACKEND_IMAGE: 'todo-test-backend',
    FRONTEND_DIR,
    BACKEND_DIR,
    FRONTEND_SIZE_BUDGET_MB: budgets.frontend,
    BACKEND_SIZE_BUDGET_MB: budgets.backend,
    ...extra,
  };
}
const JSON_ARGS = ['--json', '--dotenv', os.devNull];

function imageResults(run: ScriptRun): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const e of run.events) if (e.type === 'result' && typeof e.image === 'string' && typeof e.action === 'string') out[e.image] = e;
  return out;
}
function plannedRef(run: ScriptRun, image: string): string {
  const e = run.events.find((ev) => ev.type === 'result' && ev.image === image && typeof ev.digest === 'string');
  assert.ok(e, `no Inputs event for ${image}:\n${run.stdout}`);
  return e!.ref as string;
}
function explain(run: ScriptRun): string {
  return `exit ${run.code}\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`;
}
const refs = { frontend: '', backend: '' };
const name = (what: string) => `todo-imgtest-${randomBytes(3).toString('hex')}-${what}`;

test.before(async () => {
  if (!setup.ok) return;
  const started = performance.now();
  bases = await ensureBaseImages(docker, { log: (line) => console.log(`  ${line}`) });
  const size = async (ref: string) => String(Math.ceil((await docker.inspectImage(ref))!.Size / 1e6) + 150);
  budgets = { frontend: await size(bases.nodeImage), backend: await size(bases.pythonImage) };
  console.log(
    `  stand-in bases ${bases.nodeImage}, ${bases.pythonImage} (${bases.built.length ? `built ${bases.built.join(', ')}` : 'cached'}) in ${Math.round((performance.now() - started) / 1000)}s`,
  );
});

test.after(async () => {
  for (const fn of cleanups.reverse()) await fn();
  if (setup.ok) await setup.stop();
});

it('both images build', async () => {
  // --force: a previous run's images would otherwise be reused (that is the next cases' point).
  const run = await runBuildImages(['--force', ...JSON_ARGS], env());
  assert.is(run.code, 0, explain(run));
  const results = imageResults(run);
  for (const image of ['frontend', 'backend'] as const) {
    assert.is(results[image]?.action, 'built', explain(run));
    refs[image] = plannedRef(run, image);
    assert.match(refs[image], new RegExp(`^todo-test-${image}:[0-9a-f]{12}$`));
    const info = await docker.inspectImage(refs[image]);
    assert.ok(info, `${refs[image]} is not in the engine`);
    assert.ok(info!.Config.Labels?.[LABEL_DIGEST]?.startsWith(refs[image].split(':')[1]!), 'the image carries its input digest');
    const dev = await docker.inspectImage(`todo-test-${image}:dev`);
    assert.is(dev?.Id, info!.Id, ':dev points at the new build');
  }
  const sizes = run.events.filter((e) => e.type === 'result' && typeof e.totalMb === 'number');
  assert.is(sizes.length, 2, 'a size line per image');
  for (const s of sizes) assert.ok((s.appMb as number) > 0 && (s.appMb as number) < (s.totalMb as number), JSON.stringify(s));
});

it('they run as non-root, with /data owned by the backend user', async () => {
  const fe = await docker.exec(
    ['run', '--rm', '--entrypoint', 'node', refs.frontend, '-e', 'process.stdout.write(`${process.getuid()}:${process.getgid()}`)'],
    { timeoutMs: 60_000 },
  );
  assert.is(fe.stdout, '1001:1001');
  const be = await docker.exec(
    [
      'run',
      '--rm',
      '--entrypoint',
      'python',
      refs.backend,
      '-c',
      'import os; s = os.stat("/data"); print(f"{os.getuid()}:{os.getgid()} {s.st_uid}:{s.st_gid}")',
    ],
    { timeoutMs: 60_000 },
  );
  assert.is(be.stdout.trim(), '1000:1000 1000:1000');
  // The app cannot rewrite its own code.
  const write = await docker.exec(
    ['run', '--rm', '--entrypoint', 'node', refs.frontend, '-e', 'require("fs").writeFileSync("/app/server.js", "")'],
    { nothrow: true, timeoutMs: 60_000 },
  );
  assert.match(write.stderr, /EACCES/);
});

it('the HEALTHCHECKs (node and python themselves) turn healthy', async () => {
  for (const [image, tool] of [
    ['frontend', 'node'],
    ['backend', 'python'],
  ] as const) {
    const info = await docker.inspectImage(refs[image]);
    assert.is(info!.Config.Healthcheck?.Test?.[0], 'CMD');
    assert.is(info!.Config.Healthcheck?.Test?.[1], tool, `${image} checks its health with ${tool}, not curl or wget`);
  }
  const backend = name('backend');
  const frontend = name('frontend');
  cleanups.push(() => docker.removeContainers([backend, frontend]));
  await docker.runDetached(['--name', backend, '--health-interval', '1s', '--publish', '127.0.0.1::8000', refs.backend]);
  await docker.runDetached(['--name', frontend, '--health-interval', '1s', '--publish', '127.0.0.1::3000', refs.frontend]);
  await Promise.all([waitHealthy(docker, backend, 90_000), waitHealthy(docker, frontend, 90_000)]);
  const port = await docker.hostPort(frontend, 3000);
  const res = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(10_000) });
  assert.is(res.status, 200);
  // The port is published on loopback only.
  const ports = await docker.exec(['port', frontend], { timeoutMs: 15_000 });
  assert.not.match(ports.stdout, /0\.0\.0\.0|::/);
  await docker.removeContainers([backend, frontend]);
});

it('a --read-only run works (writable /tmp; /data on a volume)', async () => {
  const backend = name('backend');
  const frontend = name('frontend');
  const volume = name('data');
  cleanups.push(async () => {
    await docker.removeContainers([backend, frontend]);
    await docker.exec(['volume', 'rm', '--force', volume], { nothrow: true });
  });
  await docker.exec(['volume', 'create', volume]);
  const ro = ['--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--health-interval', '1s'];
  await docker.runDetached(['--name', backend, ...ro, '--volume', `${volume}:/data`, '--publish', '127.0.0.1::8000', refs.backend]);
  await docker.runDetached(['--name', frontend, ...ro, '--publish', '127.0.0.1::3000', refs.frontend]);
  await Promise.all([waitHealthy(docker, backend, 90_000), waitHealthy(docker, frontend, 90_000)]);
  const be = `http://127.0.0.1:${await docker.hostPort(backend, 8000)}`;
  const created = await fetch(`${be}/api/ro-test/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'written on a read-only root' }),
    signal: AbortSignal.timeout(10_000),
  });
  assert.is(created.status, 201, 'the backend writes its SQLite database under /data');
  const page = await fetch(`http://127.0.0.1:${await docker.hostPort(frontend, 3000)}/`, { signal: AbortSignal.timeout(15_000) });
  assert.is(page.status, 200);
  assert.match(await page.text(), '<title>Todo Chatbot</title>');
  const state = await docker.containerState(frontend);
  assert.ok(state.Running, 'the frontend keeps running on a read-only root');
});

it('--test passes and leaves no container or network behind', async () => {
  await docker.removeLabelled('dev.todo-chatbot.test'); // leftovers of an earlier, crashed run
  const run = await runBuildImages(['--test', ...JSON_ARGS], env());
  assert.is(run.code, 0, explain(run));
  const checks = run.events.filter((e) => e.type === 'result' && typeof e.check === 'string');
  // The same app checks, under the same ids, as validate --url runs.
  assert.equal(
    checks.map((c) => c.check),
    [
      'app.backend-health',
      'app.backend-ready',
      'app.frontend-health',
      'app.frontend-home',
      'app.frontend-proxy',
      'app.task-roundtrip',
      'app.chat-roundtrip',
    ],
  );
  assert.ok(
    checks.every((c) => c.ok === true),
    JSON.stringify(checks),
  );
  const containers = await docker.exec(['ps', '--all', '--quiet', '--filter', 'label=dev.todo-chatbot.test'], { timeoutMs: 15_000 });
  const networks = await docker.exec(['network', 'ls', '--quiet', '--filter', 'label=dev.todo-chatbot.test'], { timeoutMs: 15_000 });
  assert.is(containers.stdout.trim(), '', 'containers removed');
  assert.is(networks.stdout.trim(), '', 'network removed');
});

it('Ctrl-C (SIGINT/SIGTERM) during --test still removes the containers and the network', async () => {
  const labelled = async () => {
    const c = await docker.exec(['ps', '--all', '--quiet', '--filter', 'label=dev.todo-chatbot.test'], { timeoutMs: 15_000 });
    const n = await docker.exec(['network', 'ls', '--quiet', '--filter', 'label=dev.todo-chatbot.test'], { timeoutMs: 15_000 });
    return { containers: c.stdout.trim(), networks: n.stdout.trim() };
  };
  await docker.removeLabelled('dev.todo-chatbot.test'); // leftovers of an earlier, crashed run
  const script = startBackground('node', ['--import', 'tsx', 'scripts/build-images.ts', '--test', ...JSON_ARGS], {
    cwd: REPO_ROOT,
    env: env(),
  });
  try {
    const deadline = Date.now() + 60_000;
    while (!(await labelled()).containers && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok((await labelled()).containers, `the test containers never started:\n${script.stdout()}${script.stderr()}`);
    // lib/cli.ts handles SIGINT and SIGTERM alike; the runner's stop() sends SIGTERM.
    await script.stop();
    const { exitCode } = await script.exited;
    assert.is(exitCode, 130, script.stdout() + script.stderr());
    assert.equal(await labelled(), { containers: '', networks: '' });
  } finally {
    await script.stop();
  }
});

it('a second run builds nothing', async () => {
  const run = await runBuildImages(JSON_ARGS, env());
  assert.is(run.code, 0, explain(run));
  const results = imageResults(run);
  assert.is(results.frontend?.action, 'skipped');
  assert.is(results.backend?.action, 'skipped');
  assert.is(results.frontend?.ref, refs.frontend);
  assert.ok(!run.events.some((e) => e.type === 'progress'), 'no build step ran');
  console.log(`  no-op run: ${Math.round(run.durationMs)}ms`);
});

it('a one-line change to a frontend source file rebuilds only the frontend, reusing its dependency layer', async () => {
  const copy = tempDir('frontend-copy-');
  cleanups.push(copy.cleanup);
  const ignore = readFileSync(path.join(DOCKERFILES_DIR, 'frontend.Dockerfile.dockerignore'), 'utf8');
  for (const file of hashContext(FRONTEND_DIR, parseDockerignore(ignore)).files) {
    mkdirSync(path.dirname(path.join(copy.dir, file)), { recursive: true });
    copyFileSync(path.join(FRONTEND_DIR, file), path.join(copy.dir, file));
  }
  appendFileSync(path.join(copy.dir, 'app/page.tsx'), `// one-line change ${randomBytes(4).toString('hex')}\n`);
  const run = await runBuildImages(JSON_ARGS, env({ FRONTEND_DIR: copy.dir }));
  assert.is(run.code, 0, explain(run));
  const results = imageResults(run);
  assert.is(results.backend?.action, 'skipped', 'the backend is not rebuilt');
  assert.is(results.frontend?.action, 'built', 'the frontend is rebuilt');
  const changed = results.frontend!.ref as string;
  cleanups.push(() => docker.removeImages([changed]));
  assert.is.not(changed, refs.frontend, 'a new content tag');
  const steps = results.frontend!.steps as { name: string; cached: boolean }[];
  const install = steps.find((s) => /RUN .*npm ci/.test(s.name));
  const build = steps.find((s) => /RUN .*npm run build/.test(s.name));
  assert.ok(install?.cached, `npm ci reused from the cache: ${JSON.stringify(steps)}`);
  assert.ok(build && !build.cached, 'the app build ran again');
});

it('a broken Dockerfile step fails with that step and its output shown, and tags nothing', async () => {
  const dir = tempDir('dockerfiles-');
  cleanups.push(dir.cleanup);
  const marker = `broken-step-${randomBytes(4).toString('hex')}`;
  for (const file of ['frontend.Dockerfile', 'frontend.Dockerfile.dockerignore', 'backend.Dockerfile.dockerignore'])
    copyFileSync(path.join(DOCKERFILES_DIR, file), path.join(dir.dir, file));
  const original = readFileSync(path.join(DOCKERFILES_DIR, 'backend.Dockerfile'), 'utf8');
  const anchor = 'RUN python -m venv /opt/venv\n';
  assert.ok(original.includes(anchor));
  writeFileSync(path.join(dir.dir, 'backend.Dockerfile'), original.replace(anchor, `${anchor}RUN echo "${marker} says hello" && exit 7\n`));
  const run = await runBuildImages(['--only', 'backend', '--dockerfiles', dir.dir, ...JSON_ARGS], env());
  assert.is(run.code, 1, explain(run));
  const failure = run.events.find((e) => e.type === 'result' && e.status === 'fail' && e.image === 'backend');
  assert.ok(failure, explain(run));
  assert.match(String(failure!.step), `RUN echo "${marker} says hello" && exit 7`);
  assert.ok(
    (failure!.output as string[]).some((l) => l.includes(`${marker} says hello`)),
    'the step output is shown',
  );
  const error = run.events.find((e) => e.type === 'error');
  assert.match(String(error?.message), `exit 7`);
  assert.is(error?.code, 'IMAGE_BUILD');
  assert.is(await docker.inspectImage(plannedRef(run, 'backend')), undefined, 'nothing tagged for the broken inputs');
});

it('a base image that cannot be pulled: exit 1 naming the image and NODE_IMAGE, nothing tagged', async () => {
  const run = await runBuildImages(['--only', 'frontend', ...JSON_ARGS], env({ NODE_IMAGE: 'todo-no-such-base:never' }));
  assert.is(run.code, 1, explain(run));
  const error = run.events.find((e) => e.type === 'error');
  assert.is(error?.code, 'IMAGE_PULL');
  assert.match(String(error?.message), 'todo-no-such-base:never');
  assert.match(String(error?.hint), 'NODE_IMAGE=');
  assert.is(await docker.inspectImage(plannedRef(run, 'frontend')), undefined);
});

it('over the size budget: exit 1 listing the largest layers', async () => {
  const run = await runBuildImages(['--only', 'frontend', ...JSON_ARGS], env({ FRONTEND_SIZE_BUDGET_MB: '1' }));
  assert.is(run.code, 1, explain(run));
  const over = run.events.find((e) => e.type === 'result' && e.overBudget === true);
  assert.ok(over, explain(run));
  const layers = over!.largestLayers as string[];
  assert.ok(layers.length >= 2, 'several layers listed');
  assert.ok(
    layers.some((l) => /COPY .*standalone/.test(l)),
    `the app layer is named: ${layers.join(' | ')}`,
  );
  assert.is(run.events.find((e) => e.type === 'error')?.code, 'IMAGE_SIZE');
});

it('the hashed context is exactly what the engine receives', async () => {
  const ctx = tempDir('ctx-');
  const df = tempDir('df-');
  cleanups.push(ctx.cleanup, df.cleanup);
  const files = [
    'a/node_modules/x/f.js',
    'node_modules/y.js',
    'keep/f.txt',
    'top.txt',
    'b/secret.env',
    'b/keep.log',
    'b/c/deep.log',
    'src/.env.local',
    'src/app.ts',
    'docs/x.md',
    'docs/y.md',
    'weird name [1].ts',
  ];
  for (const file of files) {
    mkdirSync(path.dirname(path.join(ctx.dir, file)), { recursive: true });
    writeFileSync(path.join(ctx.dir, file), file);
  }
  const ignore = '# comment\n**/node_modules\n*.txt\n!keep/*.txt\nb/*\n!b/keep.log\n**/.env*\n/docs/?.md\n!docs/y.md\n';
  writeFileSync(path.join(df.dir, 'x.Dockerfile'), `FROM ${bases.pythonImage}\nCOPY . /ctx\nRUN cd /ctx && find . -type f | sort\n`);
  writeFileSync(path.join(df.dir, 'x.Dockerfile.dockerignore'), ignore);
  const outcome = await docker.build({
    dockerfile: path.join(df.dir, 'x.Dockerfile'),
    context: ctx.dir,
    tags: [],
    buildArgs: {},
    noCache: true,
    timeoutMs: 300_000,
  });
  assert.ok(outcome.ok, outcome.progress.lines.slice(-20).join('\n'));
  const listed = outcome.progress
    .dockerfileSteps()
    .find((s) => s.name.includes('find .'))!
    .output.map((l) => l.replace(/^\.\//, ''))
    .sort();
  assert.ok(
    listed.includes('keep/f.txt') && listed.includes('b/keep.log') && listed.includes('docs/y.md') && !listed.includes('top.txt'),
    listed.join(', '),
  );
  assert.equal(hashContext(ctx.dir, parseDockerignore(ignore)).files.sort(), listed);
});

test.run();
