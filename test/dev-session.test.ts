// npm run dev end to end on the fake kit (kind), on a copy of the repository in a temp dir
// (the scripts, the chart, the Dockerfiles and the app: the real app/ is never edited):
// a backend edit, a frontend edit, a chart edit, edits in ignored folders (no cycle), a
// build that fails (the loop survives, the next good edit deploys), a crash-looping
// rollout (diagnosis, rollback, then recovery), the cluster going away (pause, resume), and
// Ctrl-C mid-build (exit 130, no process of the session left). The smoke checks run
// against the real app servers behind the fake port-forwards.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { todoChatbotObjects, type FakeObject, type FakeState } from './fakes/kit.ts';
import { startBackend, startFrontend, type AppServer } from './support/app-servers.ts';
import { deployFixture, plannedRefs, type DeployFixture } from './support/deploy-fixture.ts';
import { REPO_ROOT } from './support/tools.ts';
import { copyRepo, loopbackOnly } from './support/dev-repo.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cluster = (s: FakeState) => Object.values(s.clusters)[0]!;

interface Live {
  out(): string;
  pid: number;
  waitFor(what: string | RegExp, ms?: number): Promise<RegExpMatchArray | string>;
  done: Promise<number | null>;
}

function startDev(fake: DeployFixture, repo: string, args: string[] = [], opts: { logs?: boolean } = {}): Live {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(repo, 'scripts', 'dev.ts'), '--dotenv', fake.envFile, ...(opts.logs ? [] : ['--no-logs']), ...args],
    {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...fake.env, CI: 'true', NO_COLOR: '1', TMPDIR: fake.tmp },
    },
  );
  let all = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (all += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (all += d));
  const done = new Promise<number | null>((r) => child.on('close', r));
  return {
    out: () => all,
    pid: child.pid!,
    done,
    async waitFor(what, ms = 60_000) {
      const t0 = Date.now();
      for (;;) {
        const m = typeof what === 'string' ? (all.includes(what) ? what : null) : all.match(what);
        if (m) return m;
        if (Date.now() - t0 > ms) throw new Error(`no ${what} within ${ms}ms; output:\n${all}`);
        await sleep(50);
      }
    },
  };
}

/** Processes of this fake cluster still alive (their environment names its state file). */
function survivors(fake: DeployFixture): string[] {
  const state = fake.env.FAKE_STATE!;
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`FAKE_STATE=${state}`);
      } catch {
        return false;
      }
    });
}

function editTemplate(s: FakeState, name: string, edit: (o: FakeObject) => void) {
  const objects = todoChatbotObjects();
  const workload = objects.find((o) => o.name === `{{ fullname }}-${name}` && o.kind === 'Deployment')!;
  edit(workload);
  s.helm!.onUpgrade![0]!.objects = objects;
}

let backend: AppServer;
let frontend: AppServer;

test.before(async () => {
  backend = await startBackend();
  frontend = await startFrontend(backend.url);
});
test.after(async () => {
  await frontend?.stop();
  await backend?.stop();
});

async function session(
  opts: { built?: boolean } = {},
): Promise<{ fake: DeployFixture; repo: { dir: string; cleanup(): void }; done(): void }> {
  const fake = await deployFixture({ provider: 'kind', built: opts.built });
  await loopbackOnly(fake);
  fake.update(
    (s) =>
      (cluster(s).podPorts = {
        'todo/todo-chatbot-frontend:3000': `127.0.0.1:${frontend.port}`,
        'todo/todo-chatbot-backend:8000': `127.0.0.1:${backend.port}`,
      }),
  );
  const repo = copyRepo();
  return { fake, repo, done: () => (fake.cleanup(), repo.cleanup()) };
}

test('edits: backend, frontend, chart, ignored folders, a broken build, a crash loop; then Ctrl-C leaves the release and nothing running', async () => {
  const { fake, repo, done } = await session();
  const app = (rel: string) => path.join(repo.dir, 'app', rel);
  try {
    const dev = startDev(fake, repo.dir);
    await dev.waitFor(/watching \d+ folders/);
    assert.match(dev.out(), /app: http:\/\/127\.0\.0\.1:\d+ {2}api: http:\/\/127\.0\.0\.1:\d+ \(port-forwards/);

    // A backend one-line change: built, loaded, rolled, smoke ok.
    appendFileSync(app('backend/app/main.py'), '# dev edit 1\n');
    await dev.waitFor(/#1 backend changed → built \d+\.\ds · loaded \d+\.\ds · rolled \d+\.\ds · smoke ok \(\d+\/\d+\)/);
    const releaseTag = () => fake.state().helm!.releases![0]!.revisions.at(-1)!.values as any;
    const firstBackendTag = releaseTag().backend.image.tag;
    assert.ok(
      fake.calls('kind').some((c) => c.argv[0] === 'load' && c.argv.includes(`todo-backend:${firstBackendTag}`)),
      'the new backend image was loaded into kind',
    );
    assert.not.ok(
      fake.calls('docker').some((c) => c.argv.includes('build') && c.argv.some((a) => a.endsWith('frontend.Dockerfile'))),
      'the frontend was not rebuilt',
    );

    // A frontend change.
    appendFileSync(app('frontend/app/page.tsx'), '// dev edit\n');
    await dev.waitFor(/#2 frontend changed → built [\d.]+s · loaded [\d.]+s · rolled [\d.]+s · smoke ok/);

    // A chart-only change: no build, only an upgrade.
    fake.clearCalls();
    appendFileSync(path.join(repo.dir, 'helm-chart/todo-chatbot/values.yaml'), '\n# dev edit\n');
    await dev.waitFor(/#3 chart changed → rolled [\d.]+s · smoke ok/);
    assert.not.ok(
      fake.calls('docker').some((c) => c.argv.includes('build')),
      'nothing built for a chart change',
    );
    assert.is(fake.calls('helm').filter((c) => c.argv[0] === 'upgrade').length, 1);

    // Ignored: node_modules, .next, __pycache__, tests, swap files → no cycle.
    mkdirSync(app('frontend/node_modules/left-pad'), { recursive: true });
    writeFileSync(app('frontend/node_modules/left-pad/index.js'), 'x');
    mkdirSync(app('frontend/.next'), { recursive: true });
    writeFileSync(app('frontend/.next/trace'), 'x');
    mkdirSync(app('backend/app/__pycache__'), { recursive: true });
    writeFileSync(app('backend/app/__pycache__/main.cpython-311.pyc'), 'x');
    writeFileSync(app('backend/app/.main.py.swp'), 'x');
    writeFileSync(app('backend/tests/test_dev.py'), 'x');
    await sleep(1500);
    assert.not.match(dev.out(), /#4 /);

    // A build that fails: the failing step and its last lines; the loop goes on.
    fake.update((s) =>
      s.failures!.push({
        tool: 'docker',
        match: ['build'],
        times: 1,
        exitCode: 1,
        stderr:
          '#9 [5/6] RUN python -m compileall -q app\n#9 0.412   File "app/main.py", line 40\n#9 0.412     def broken(:\n#9 0.412                ^\n#9 0.412 SyntaxError: invalid syntax\n#9 ERROR: process "/bin/sh -c python -m compileall -q app" did not complete successfully: exit code: 1\n',
      }),
    );
    appendFileSync(app('backend/app/main.py'), 'def broken(:\n');
    await dev.waitFor(/#4 backend changed → build failed: at \[5\/6\] RUN python -m compileall -q app: .* · waiting for the next change/);
    assert.match(
      dev.out(),
      /\n +File "app\/main\.py", line 40\n +def broken\(:\n +\^\n +SyntaxError: invalid syntax\n/,
      dev.out().slice(-2500),
    );
    assert.not.match(dev.out(), /building todo-backend/, "only the failing step's lines are shown");
    assert.is(releaseTag().backend.image.tag, firstBackendTag, 'the broken build deployed nothing');
    // The next good edit deploys.
    writeFileSync(app('backend/app/main.py'), readFileSync(app('backend/app/main.py'), 'utf8').replace('def broken(:\n', '# fixed\n'));
    await dev.waitFor(/#5 backend changed → built [\d.]+s · loaded [\d.]+s · rolled [\d.]+s · smoke ok/);

    // A crash-looping change: the diagnosis, rolled back, and the loop goes on; then it recovers.
    const revisionBefore = fake.state().helm!.releases![0]!.revisions.at(-1)!.revision;
    fake.update((s) => {
      editTemplate(s, 'backend', (o) => (o.podStatus = { backend: 'CrashLoopBackOff' }));
      cluster(s).logs = {
        'todo/todo-chatbot-backend/backend': { previous: 'Traceback (most recent call last):\nNameError: name "oops" is not defined\n' },
      };
    });
    appendFileSync(app('backend/app/main.py'), 'oops\n');
    await dev.waitFor(
      /#6 backend changed → built [\d.]+s · loaded [\d.]+s · rollout failed: .* → rolled back to revision \d+ · waiting for the next change/,
    );
    assert.match(dev.out(), /CRASH_LOOP/);
    assert.match(dev.out(), /NameError: name "oops" is not defined/);
    const revisions = fake.state().helm!.releases![0]!.revisions;
    assert.match(revisions.at(-1)!.description!, new RegExp(`Rollback to ${revisionBefore}`));
    fake.update((s) => (s.helm!.onUpgrade![0]!.objects = todoChatbotObjects()));
    writeFileSync(app('backend/app/main.py'), readFileSync(app('backend/app/main.py'), 'utf8').replace('oops\n', '# recovered\n'));
    await dev.waitFor(/#7 backend changed → built [\d.]+s · loaded [\d.]+s · rolled [\d.]+s · smoke ok/);

    process.kill(dev.pid, 'SIGINT');
    assert.is(await dev.done, 130);
    if (process.env.DEV_TEST_VERBOSE) console.log(dev.out());
    assert.match(dev.out(), /the release todo-chatbot stays deployed/);
    await sleep(300);
    assert.equal(survivors(fake), [], 'no process of the session is still running');
    assert.is(fake.state().helm!.releases![0]!.revisions.at(-1)!.status, 'deployed');
  } finally {
    done();
  }
});

test('the cluster goes away: one message, paused; it comes back: the pending change deploys', async () => {
  const { fake, repo, done } = await session();
  try {
    const dev = startDev(fake, repo.dir);
    await dev.waitFor(/watching \d+ folders/);
    fake.update((s) => (s.kind!.clusters![0]!.running = false));
    appendFileSync(path.join(repo.dir, 'helm-chart/todo-chatbot/values.yaml'), '\n# while down\n');
    await dev.waitFor(/#1 chart changed → .*cluster unreachable · paused/);
    await dev.waitFor(/paused until the cluster answers/);
    await sleep(3000);
    assert.is(dev.out().split('paused until the cluster answers').length, 2, 'said once');
    fake.update((s) => (s.kind!.clusters![0]!.running = true));
    await dev.waitFor(/the cluster answers again: resuming/);
    await dev.waitFor(/#2 chart changed → rolled [\d.]+s · smoke ok/);
    process.kill(dev.pid, 'SIGINT');
    assert.is(await dev.done, 130);
  } finally {
    done();
  }
});

test('Ctrl-C mid-build: exit 130, the build stopped, nothing left running; --cleanup uninstalls the release', async () => {
  const { fake, repo, done } = await session();
  try {
    fake.update(
      (s) =>
        (cluster(s).logs = { 'todo/todo-chatbot-backend/backend': { current: '{"level":"info","msg":"Application startup complete"}\n' } }),
    );
    const dev = startDev(fake, repo.dir, ['--cleanup'], { logs: true });
    await dev.waitFor(/watching \d+ folders/);
    // The release's logs, with their pod prefixes.
    await dev.waitFor(/^backend-\w{4}…\w{5} +INFO  Application startup complete$/m);
    fake.update((s) => (s.latencyMs = { 'docker buildx build': 30_000, 'docker build': 30_000 }));
    fake.clearCalls();
    appendFileSync(path.join(repo.dir, 'app/backend/app/main.py'), '# slow build\n');
    // The build is running when its process exists (calls are logged when they end).
    const t0 = Date.now();
    while (!survivors(fake).some((pid) => readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('build'))) {
      if (Date.now() - t0 > 20_000) throw new Error(`no build started:\n${dev.out()}`);
      await sleep(50);
    }
    process.kill(dev.pid, 'SIGINT');
    assert.is(await dev.done, 130);
    assert.ok(Date.now() - t0 < 25_000, 'did not wait for the build');
    assert.match(dev.out(), /uninstalled todo-chatbot/);
    await sleep(300);
    assert.equal(survivors(fake), [], 'no docker build, kubectl or helm of the session left');
    assert.is(
      fake
        .state()
        .helm!.releases!.find((r) => r.name === 'todo-chatbot')
        ?.revisions.at(-1)?.status ?? 'uninstalled',
      'uninstalled',
    );
  } finally {
    done();
  }
});

test('the first deploy fails (a build): the session says so, keeps watching, and the next edit deploys everything', async () => {
  const { fake, repo, done } = await session({ built: false });
  try {
    fake.update((s) =>
      s.failures!.push({
        tool: 'docker',
        match: ['build', plannedRefs().backend],
        times: 1,
        exitCode: 1,
        stderr:
          '#7 [3/6] RUN pip install -r /tmp/requirements.txt\n#7 1.2 ERROR: No matching distribution found for fastapi==99\n#7 ERROR: process "/bin/sh -c pip install -r /tmp/requirements.txt" did not complete successfully: exit code: 1\n',
      }),
    );
    const dev = startDev(fake, repo.dir);
    await dev.waitFor(/the first deploy failed; watching anyway/);
    assert.match(dev.out(), /code: IMAGE_BUILD/);
    await dev.waitFor(/watching \d+ folders/);
    appendFileSync(path.join(repo.dir, 'app/frontend/app/page.tsx'), '// after the failed deploy\n');
    await dev.waitFor(/#1 frontend \+ backend \+ chart changed → built [\d.]+s · loaded [\d.]+s · rolled [\d.]+s · smoke ok/);
    process.kill(dev.pid, 'SIGINT');
    assert.is(await dev.done, 130);
  } finally {
    done();
  }
});

test('--help', async () => {
  const r = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', 'dev.ts'), '--help'], { cwd: REPO_ROOT });
  let out = '';
  r.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const code = await new Promise((res) => r.on('close', res));
  assert.is(code, 0);
  assert.match(out, /^dev — deploy, then watch/);
  assert.match(out, /--cleanup +uninstall the release when the session ends/);
});

test.run();
