// logs on the fake kit: every pod's stream with its prefix, the backend's JSON lines
// made readable, lines written later, a restarted container and a new pod (rollout)
// followed, --component, --grep, --since, --previous, --json, usage errors, an
// unreachable cluster, and Ctrl-C leaving no kubectl behind.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatLine, parseLogsFlags, readableJson, shortPodName } from '../lib/logs.ts';
import type { FakeState } from './fakes/kit.ts';
import { deployFixture, type DeployFixture } from './support/deploy-fixture.ts';
import { REPO_ROOT } from './support/tools.ts';
import { ptyAvailable, shellLine } from './support/pty.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BACKEND = 'todo/todo-chatbot-backend/backend';
const FRONTEND = 'todo/todo-chatbot-frontend/frontend';
const cluster = (s: FakeState) => Object.values(s.clusters)[0]!;
const podOf = (s: FakeState, component: string) =>
  cluster(s).objects!.find((o) => o.kind === 'Pod' && o.labels?.['app.kubernetes.io/component'] === component)!;

interface Live {
  stdout(): string;
  stderr(): string;
  pid: number;
  waitFor(what: string | RegExp, ms?: number): Promise<void>;
  done: Promise<number | null>;
}

/** The logs script, running; its output readable while it runs. */
function start(fake: DeployFixture, args: string[]): Live {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', 'logs.ts'), '--dotenv', fake.envFile, ...args],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...fake.env, CI: 'true', NO_COLOR: '1', TMPDIR: fake.tmp },
    },
  );
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const done = new Promise<number | null>((r) => child.on('close', r));
  return {
    stdout: () => out,
    stderr: () => err,
    pid: child.pid!,
    done,
    async waitFor(what, ms = 15_000) {
      const t0 = Date.now();
      const seen = () => (typeof what === 'string' ? (out + err).includes(what) : what.test(out + err));
      while (!seen()) {
        if (Date.now() - t0 > ms) throw new Error(`no ${what} within ${ms}ms; stdout:\n${out}\nstderr:\n${err}`);
        await sleep(50);
      }
    },
  };
}

/** Processes of this fake cluster still alive (their environment names its state file). */
function survivors(fake: DeployFixture): string[] {
  const state = fake.env.FAKE_STATE!;
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`FAKE_STATE=${state}`);
      } catch {
        return false;
      }
    });
}

const withLogs = (fake: DeployFixture) =>
  fake.update((s) => {
    cluster(s).logs = {
      [BACKEND]: {
        current: '{"ts":"2026-01-01T00:00:00.000+00:00","level":"info","msg":"Application startup complete","logger":"app","port":8000}\n',
      },
      [FRONTEND]: { current: '▲ Next.js ready on 0.0.0.0:3000\n' },
    };
  });

test('unit: pod prefixes, readable JSON lines, --json objects, flag checks', () => {
  assert.is(shortPodName('todo-chatbot-backend-7f9c8d6b5-x2x4z', 'todo-chatbot'), 'backend-7f9c…x2x4z');
  assert.is(shortPodName('todo-chatbot-postgresql-0', 'todo-chatbot'), 'postgresql-0');
  assert.is(
    readableJson({ ts: 'x', level: 'error', msg: 'db connect failed', logger: 'app.db', attempt: 3, error: 'timed out' }),
    'ERROR db connect failed  attempt=3 error="timed out"',
  );
  assert.is(readableJson({ level: 'info', msg: 'GET /health', exc: 'Traceback …' }), 'INFO  GET /health\nTraceback …');
  const json = JSON.parse(
    formatLine(
      { pod: 'p', container: 'c', component: 'backend', line: '{"msg":"m"}', fields: { msg: 'm' } },
      { release: 'r', json: true, color: false, width: 0 },
    ),
  );
  assert.equal(json, { type: 'log', pod: 'p', container: 'c', component: 'backend', line: '{"msg":"m"}', fields: { msg: 'm' } });
  assert.match(
    formatLine(
      { pod: 'todo-chatbot-backend-7f9c8d6b5-x2x4z', container: 'backend', component: 'backend', line: 'x' },
      { release: 'todo-chatbot', json: false, color: true, width: 0 },
    ),
    '\x1b[35mbackend-7f9c…x2x4z\x1b[39m x',
  );
  assert.equal(parseLogsFlags({ component: ['frontend,backend', 'backend'], since: '10m' }).components, ['frontend', 'backend']);
  assert.is(parseLogsFlags({ since: '10m' }).sinceSeconds, 600);
  assert.throws(() => parseLogsFlags({ component: ['api'] }), /--component api: not a component/);
  assert.throws(() => parseLogsFlags({ since: 'soon' }), /--since soon: not a duration/);
  assert.throws(() => parseLogsFlags({ grep: '(' }), /--grep \(: not a regular expression/);
});

test('follows every pod: prefixes, readable JSON, later lines, a restart and a rollout; Ctrl-C: exit 130, no kubectl left', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    withLogs(fake);
    const live = start(fake, []);
    await live.waitFor('Application startup complete');
    await live.waitFor('+ postgresql-0 postgresql');
    assert.match(live.stdout(), /^backend-\w{4}…\w{5} {2}INFO  Application startup complete {2}port=8000$/m);
    await live.waitFor(/Next\.js ready[^]*Next\.js ready/);
    assert.match(live.stdout(), /^frontend-\w{4}…\w{5} ▲ Next\.js ready on 0\.0\.0\.0:3000$/m);
    assert.is(live.stdout().split('Next.js ready').length, 3, 'both frontend pods');
    // A line written later comes out as it is written.
    fake.update((s) => {
      cluster(s).logs![BACKEND]!.current += '{"level":"error","msg":"database unreachable","logger":"app.db","attempt":3}\n';
    });
    await live.waitFor(/ERROR database unreachable {2}attempt=3/);
    // A restart: the old stream ends, the new container's stream starts.
    fake.update((s) => {
      const c = podOf(s, 'backend').containers[0];
      c.restartCount = 1;
      c.lastState = { reason: 'Error', exitCode: 1 };
      cluster(s).logs![BACKEND] = { previous: 'old run\n', current: 'second run started\n' };
    });
    await live.waitFor('second run started');
    assert.match(live.stderr(), /- backend-\w{4}…\w{5} backend\n[^]*\+ backend-\w{4}…\w{5} backend/);
    // A rollout: a new frontend pod appears and is followed.
    fake.update((s) => {
      const old = podOf(s, 'frontend');
      cluster(s).objects!.push({ ...structuredClone(old), name: 'todo-chatbot-frontend-9d8e7f6a5b-newp1' });
      cluster(s).logs!['todo/todo-chatbot-frontend-9d8e7f6a5b-newp1/frontend'] = { current: 'new pod here\n' };
    });
    await live.waitFor(/^frontend-9d8e…newp1 new pod here$/m);
    process.kill(live.pid, 'SIGINT');
    assert.is(await live.done, 130);
    await sleep(300);
    assert.equal(survivors(fake), [], 'no kubectl of this run is still running');
    // Every stream was a `kubectl logs --follow` with the context and namespace named.
    const follows = fake.calls('kubectl').filter((c) => c.argv.includes('logs'));
    assert.ok(follows.length >= 6, `${follows.length} streams`);
    for (const c of follows) assert.equal(c.argv.slice(0, 5), ['--context', 'kind-todo', '--namespace', 'todo', 'logs']);
  } finally {
    fake.cleanup();
  }
});

test('the API server goes away and comes back: a warning, then the same containers followed again without repeating their lines', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    withLogs(fake);
    // The fake dates every line from the container's start (as kubelet would these): an hour ago.
    fake.update((s) => {
      podOf(s, 'backend').containers[0].startedAt = new Date(Date.now() - 3_600_000).toISOString();
    });
    const live = start(fake, ['--component', 'backend']);
    await live.waitFor('Application startup complete');
    await live.waitFor('+ backend');
    fake.update((s) => {
      s.kind!.clusters![0]!.running = false;
    });
    await live.waitFor(/the cluster of context kind-todo does not answer: .*; retrying/);
    fake.update((s) => {
      s.kind!.clusters![0]!.running = true;
    });
    await live.waitFor('the cluster answers again');
    await live.waitFor(/\+ backend[^]*\+ backend/);
    // The fake dates lines by the container's start, so a line is only seen by a follow that is already reading: wait for the resumed one.
    for (let t0 = Date.now(); !survivors(fake).some((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--since=')); ) {
      if (Date.now() - t0 > 10_000) throw new Error('no resumed kubectl logs --follow --since');
      await sleep(50);
    }
    await sleep(700);
    fake.update((s) => {
      cluster(s).logs![BACKEND]!.current += 'after the return\n';
    });
    await live.waitFor('after the return');
    process.kill(live.pid, 'SIGINT');
    assert.is(await live.done, 130);
    assert.is(live.stdout().split('Application startup complete').length, 2, 'shown once');
    const resumed = fake
      .calls('kubectl')
      .filter((c) => c.argv.includes('--follow'))
      .at(-1)!;
    assert.ok(
      resumed.argv.some((a) => /^--since=\d+s$/.test(a)),
      resumed.argv.join(' '),
    );
  } finally {
    fake.cleanup();
  }
});

test('--component, --grep and --json; --since leaves out lines older than it', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    withLogs(fake);
    fake.update((s) => {
      cluster(s).logs![BACKEND]!.current += 'plain line\n{"level":"warning","msg":"slow query","ms":1200}\n';
    });
    const live = start(fake, ['--component', 'backend', '--grep', 'slow|startup', '--json']);
    await live.waitFor('slow query');
    await live.waitFor('"type":"started"');
    process.kill(live.pid, 'SIGINT');
    assert.is(await live.done, 130);
    const lines = live
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const logs = lines.filter((l) => l.type === 'log');
    assert.equal(
      logs.map((l) => l.fields.msg),
      ['Application startup complete', 'slow query'],
    );
    assert.ok(logs.every((l) => l.component === 'backend' && l.container === 'backend'));
    assert.equal(logs[1].fields, { level: 'warning', msg: 'slow query', ms: 1200 });
    assert.ok(lines.some((l) => l.type === 'started' && l.container === 'backend'));
    assert.not.ok(
      lines.some((l) => l.container === 'frontend'),
      'no frontend stream',
    );

    // The frontend pods' containers started an hour ago: --since 10m shows none of their lines.
    fake.update((s) => {
      for (const p of cluster(s).objects!.filter((o) => o.kind === 'Pod' && o.labels?.['app.kubernetes.io/component'] === 'frontend'))
        p.containers[0].startedAt = new Date(Date.now() - 3_600_000).toISOString();
    });
    fake.clearCalls();
    const since = start(fake, ['--since', '10m']);
    await since.waitFor('Application startup complete');
    await since.waitFor('+ postgresql-0');
    await sleep(500);
    process.kill(since.pid, 'SIGINT');
    assert.is(await since.done, 130);
    assert.not.match(since.stdout(), 'Next.js ready');
    assert.ok(
      fake
        .calls('kubectl')
        .filter((c) => c.argv.includes('--follow'))
        .every((c) => c.argv.includes('--since=600s')),
    );
  } finally {
    fake.cleanup();
  }
});

test('--previous prints the run before each restart and exits 0; none restarted: a warning, exit 0', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    const none = await fake.script('logs', ['--previous']);
    assert.is(none.code, 0, none.stderr);
    assert.match(none.stdout, 'no container of todo-chatbot has restarted');
    fake.update((s) => {
      const c = podOf(s, 'backend').containers[0];
      c.restartCount = 2;
      c.lastState = { reason: 'Error', exitCode: 1 };
      cluster(s).logs![BACKEND] = {
        previous: '{"level":"critical","msg":"cannot reach the database","logger":"app"}\n',
        current: 'fine now\n',
      };
    });
    const r = await fake.script('logs', ['--previous']);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /^backend-\w{4}…\w{5} CRITICAL cannot reach the database$/m);
    assert.not.match(r.stdout, 'fine now');
    assert.ok(fake.calls('kubectl').some((c) => c.argv.includes('--previous')));
  } finally {
    fake.cleanup();
  }
});

test('on a terminal (pseudo-terminal via `script`): the pod prefix coloured by component, the level by severity', async () => {
  if (!ptyAvailable()) return;
  const fake = await deployFixture({ provider: 'kind' });
  try {
    withLogs(fake);
    const cmd = shellLine([process.execPath, '--import', 'tsx', path.join(REPO_ROOT, 'scripts', 'logs.ts'), '--dotenv', fake.envFile]);
    const child = spawn('script', ['-qfec', `timeout --preserve-status -s INT 8 ${cmd}`, '/dev/null'], {
      cwd: REPO_ROOT,
      env: { ...fake.env, TMPDIR: fake.tmp, FORCE_COLOR: '1', CI: '', NO_COLOR: '' },
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.match(out, /\x1b\[35mbackend-\w{4}…\w{5} *\x1b\[39m \x1b\[32mINFO \x1b\[39m Application startup complete/);
    assert.match(out, /\x1b\[36mfrontend-\w{4}…\w{5}\x1b\[39m ▲ Next\.js ready/);
    assert.is(code, 130);
    await sleep(300);
    assert.equal(survivors(fake), []);
  } finally {
    fake.cleanup();
  }
});

test('usage errors exit 2 before any call; an unreachable cluster exits 3', async () => {
  const fake = await deployFixture({ provider: 'kind', deploy: false });
  try {
    for (const [args, text] of [
      [['--component', 'db'], '--component db: not a component'],
      [['--since', 'later'], '--since later: not a duration'],
      [['--grep', '[a'], '--grep [a: not a regular expression'],
    ] as const) {
      const r = await fake.script('logs', [...args]);
      assert.is(r.code, 2, r.stderr);
      assert.match(r.stderr, text);
    }
    assert.equal(fake.calls(), []);
    fake.update((s) => {
      s.kind!.clusters![0]!.running = false;
    });
    const down = await fake.script('logs', []);
    assert.is(down.code, 3, down.stderr);
    assert.match(down.stderr, 'the cluster of context kind-todo does not answer');
    assert.match(down.stderr, 'CLUSTER_UNREACHABLE');
  } finally {
    fake.cleanup();
  }
});

test.run();
