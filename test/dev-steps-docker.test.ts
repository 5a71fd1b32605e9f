// The dev loop's real build step on the real Docker engine (a copy of the backend and a
// small Dockerfile that compiles it on the offline stand-in Python image): a good build,
// a syntax error (the failing step and its last lines, as the status line and the detail
// show them), the fix building again, and a newer change aborting a running build
// (the docker build process ends; nothing of it is left running).
import { appendFileSync, cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../lib/config.ts';
import { createSteps } from '../lib/dev/steps.ts';
import type { DetailedError } from '../lib/dev/loop.ts';
import { createRunner } from '../lib/exec.ts';
import { Logger } from '../lib/log.ts';
import type { ClusterProvider } from '../lib/providers/types.ts';
import { ensureStandIn } from './support/base-images.ts';
import { ensureDocker } from './support/docker.ts';
import { REPO_ROOT } from './support/tools.ts';
import { Capture, tempDir } from './support/tmp.ts';

const setup = await ensureDocker();
const DOCKERFILE = `ARG PYTHON_IMAGE
FROM \${PYTHON_IMAGE}
WORKDIR /app
COPY . .
RUN python -c "import time, os; time.sleep(float(os.environ.get('SLOW', '0')))" && python -m py_compile app/main.py
`;

/** Build processes (docker build / buildx) whose argv names this test's context dir. */
function buildProcesses(contextDir: string): string[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
        return argv.includes('build') && argv.includes(contextDir);
      } catch {
        return false;
      }
    });
}

if (!setup.ok) {
  if (process.env.CI) throw new Error(`no Docker engine: ${setup.reason}`);
  console.log(`  skipped: no Docker engine (${setup.reason})`);
} else {
  const python = await ensureStandIn('python', setup.docker);
  const tmp = tempDir('dev-steps-docker-');
  const backendDir = path.join(tmp.dir, 'backend');
  const dockerfiles = path.join(tmp.dir, 'dockerfiles');
  cpSync(path.join(REPO_ROOT, 'app', 'backend'), backendDir, {
    recursive: true,
    filter: (src) => !/\/(\.venv|__pycache__|\.pytest_cache)(\/|$)/.test(src),
  });
  mkdirSync(dockerfiles);
  writeFileSync(path.join(dockerfiles, 'backend.Dockerfile'), DOCKERFILE);
  cpSync(path.join(REPO_ROOT, 'dockerfiles', 'backend.Dockerfile.dockerignore'), path.join(dockerfiles, 'backend.Dockerfile.dockerignore'));
  // Both images are planned (as deploy plans them); only the backend is built here.
  for (const f of ['frontend.Dockerfile', 'frontend.Dockerfile.dockerignore'])
    cpSync(path.join(REPO_ROOT, 'dockerfiles', f), path.join(dockerfiles, f));
  const { config } = loadConfig({
    root: tmp.dir,
    envFile: path.join(tmp.dir, 'none.env'),
    env: {
      BACKEND_DIR: backendDir,
      FRONTEND_DIR: path.join(REPO_ROOT, 'app', 'frontend'),
      PYTHON_IMAGE: python,
      BACKEND_IMAGE: 'todo-devtest-backend',
    },
  });
  const provider: ClusterProvider = {
    name: 'kind',
    hasImage: async () => false,
    loadImage: async () => undefined,
    nodeAddress: async () => undefined,
  };
  const log = new Logger({ mode: 'plain', out: new Capture(), err: new Capture() });
  const steps = createSteps({
    run: createRunner({ log }),
    log,
    config,
    provider,
    helm: {} as never,
    kubectl: {} as never,
    ref: { context: 'x', namespace: 'x', release: 'x' },
    chartDir: tmp.dir,
    dockerfilesDir: dockerfiles,
    valuesFiles: [],
  });
  const built: string[] = [];
  const main = path.join(backendDir, 'app', 'main.py');

  test('a good build, a syntax error (the failing step and its lines), then the fix builds', async () => {
    appendFileSync(main, `\n# dev test ${Date.now()}\n`);
    const first = await steps.build('backend', new AbortController().signal);
    built.push(first.ref);
    assert.ok(first.built, 'built');
    assert.match(first.ref, /^todo-devtest-backend:[0-9a-f]{12}$/);
    assert.ok((await setup.docker.inspectImages([first.ref])).has(first.ref));

    appendFileSync(main, 'def broken(:\n');
    const error = await steps.build('backend', new AbortController().signal).then(
      () => undefined,
      (e: DetailedError) => e,
    );
    assert.ok(error, 'the build fails');
    assert.match(error!.message, /^at \[\d\/\d\] RUN python -c .*py_compile app\/main\.py: .*exit code: 1/);
    assert.ok(
      error!.details!.some((l) => /SyntaxError/.test(l)),
      error!.details!.join('\n'),
    );
    assert.ok(error!.details!.length <= 20);

    writeFileSync(main, readFileSync(main, 'utf8').replace('def broken(:\n', '# fixed\n'));
    const fixed = await steps.build('backend', new AbortController().signal);
    built.push(fixed.ref);
    assert.ok(fixed.built);
    assert.is.not(fixed.ref, first.ref);
  });

  test('a newer change aborts a running build: it ends at once and no docker build is left', async () => {
    writeFileSync(path.join(dockerfiles, 'backend.Dockerfile'), DOCKERFILE.replace("get('SLOW', '0')", "get('SLOW', '60')"));
    const controller = new AbortController();
    const t0 = Date.now();
    const running = steps.build('backend', controller.signal).then(
      () => 'built',
      (e: Error) => e,
    );
    while (!buildProcesses(backendDir).length) {
      if (Date.now() - t0 > 30_000) throw new Error('the build did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 2000));
    controller.abort(new Error('backend changed again during its build'));
    const outcome = await running;
    assert.instance(outcome, Error);
    assert.match((outcome as Error).message, /changed again/);
    assert.ok(Date.now() - t0 < 40_000, 'did not wait out the 60 s step');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(buildProcesses(backendDir), [], 'the docker build process ended');
  });

  test.after(async () => {
    await createRunner()('docker', ['rmi', '--force', ...built], { nothrow: true });
    tmp.cleanup();
    await setup.stop(); // the daemon ensureDocker started when none answered (a no-op otherwise)
  });
  test.run();
}
