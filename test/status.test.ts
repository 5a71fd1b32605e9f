// status on the fake kit: healthy (exit 0), degraded (exit 1: a crashing backend,
// its last restart reason and warning events; a release that is not installed),
// unreachable (exit 3), images against the current sources' content tags, --json,
// --watch in a pipe and on a terminal (through util-linux `script`), usage errors.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CheckContext } from '../lib/checks/types.ts';
import { WORKLOAD_CHECKS } from '../lib/checks/workloads.ts';
import type { KubeObject } from '../lib/kubectl.ts';
import { workloadProgress } from '../lib/status/progress.ts';
import type { Deployment } from '../lib/status/types.ts';
import { deployFixture, plannedRefs, type DeployFixture } from './support/deploy-fixture.ts';
import { REPO_ROOT } from './support/tools.ts';
import { ptyAvailable, shellLine } from './support/pty.ts';

test("one definition of ready: validate's workloads.available follows workloadProgress (a spec the controller has not seen, old replicas left)", async () => {
  const check = WORKLOAD_CHECKS.find((c) => c.id === 'workloads.available')!;
  const deployment = (generation: number, status: Record<string, number>): Deployment & KubeObject => ({
    kind: 'Deployment',
    metadata: {
      name: 'todo-chatbot-frontend',
      generation,
      labels: { 'app.kubernetes.io/component': 'frontend' },
    } as KubeObject['metadata'],
    spec: { replicas: 2 },
    status: { observedGeneration: 2, replicas: 2, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2, ...status },
  });
  const verdict = async (o: Deployment & KubeObject) => {
    const ctx = {
      target: { context: 'c', namespace: 'todo', release: 'todo-chatbot' },
      once: async (key: string) => (key === 'release-objects' ? [o] : []),
    } as unknown as CheckContext;
    return { validate: (await check.run(ctx)).status, rollout: workloadProgress(o).done };
  };
  assert.equal(await verdict(deployment(2, {})), { validate: 'pass', rollout: true });
  assert.equal(await verdict(deployment(3, {})), { validate: 'fail', rollout: false }, 'the controller has not seen generation 3 yet');
  assert.equal(
    await verdict(deployment(2, { replicas: 3, readyReplicas: 3, availableReplicas: 3 })),
    { validate: 'fail', rollout: false },
    'an old replica is still there',
  );
});

const pods = (fake: DeployFixture, component: string) => {
  const cluster = Object.values(fake.state().clusters)[0]!;
  return cluster.objects!.filter((o) => o.kind === 'Pod' && o.labels?.['app.kubernetes.io/component'] === component);
};

test('healthy: release, images matching the sources, workloads, Services with URLs, no warnings; exit 0; nothing changed', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    const refs = plannedRefs();
    const r = await fake.script('status', []);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, 'todo-chatbot in namespace todo · context kind-todo (kind)');
    assert.match(r.stdout, /Release {4}revision 1 deployed · chart todo-chatbot-0\.1\.0 · app 0\.1\.0 · deployed \d+s ago/);
    assert.match(r.stdout, /✓ frontend {4}Deployment {3}2\/2 ready {3}pods: 2 Running · restarts 0/);
    assert.match(r.stdout, /✓ postgresql {2}StatefulSet {2}1\/1 ready/);
    assert.match(r.stdout, `frontend: ${refs.frontend}  matches the sources`);
    assert.match(r.stdout, `backend: ${refs.backend}  matches the sources`);
    assert.match(r.stdout, /frontend {4}NodePort {3}3000:30080 {3}http:\/\/172\.18\.0\.\d:30080/);
    assert.match(r.stdout, /postgresql {2}ClusterIP {2}5432 +in-cluster only/);
    assert.match(r.stdout, /Warnings \(last 10 min\)\n {2}none/);
    assert.match(r.stdout, /✓ healthy\n$/);
    // Read-only: only reads were made (no helm upgrade/rollback/uninstall, no kubectl delete/create/apply).
    const writes = fake
      .calls()
      .filter(
        (c) =>
          ['upgrade', 'install', 'rollback', 'uninstall', 'delete', 'create', 'apply', 'patch', 'scale'].includes(
            c.argv.find((a) => !a.startsWith('-') && !a.includes('=')) ?? '',
          ) || c.argv.includes('delete'),
      );
    assert.equal(writes, []);
    const json = await fake.script('status', ['--json']);
    assert.is(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout);
    assert.is(doc.ok, true);
    assert.is(doc.health, 'healthy');
    assert.is(doc.exitCode, 0);
    assert.is(doc.context, 'kind-todo');
    assert.is(doc.provider, 'kind');
    assert.equal(
      { ...doc.revision, updated: undefined },
      {
        revision: 1,
        status: 'deployed',
        chart: 'todo-chatbot-0.1.0',
        appVersion: '0.1.0',
        updated: undefined,
        description: doc.revision.description,
      },
    );
    const backend = doc.workloads.find((w: any) => w.component === 'backend');
    assert.equal(
      { ready: backend.ready, desired: backend.desired, done: backend.done, phases: backend.phases, restarts: backend.restarts },
      { ready: 1, desired: 1, done: true, phases: { Running: 1 }, restarts: 0 },
    );
    assert.equal(backend.images, [{ container: 'backend', image: refs.backend, sources: 'current' }]);
    assert.match(doc.services.find((s: any) => s.component === 'frontend').url, /^http:\/\/172\.18\.0\.\d:30080$/);
    assert.equal(doc.problems, []);
  } finally {
    fake.cleanup();
  }
});

test('degraded: a crash-looping backend (ready/desired, phase, restarts, last reason), a warning event, sources changed; exit 1', async () => {
  const fake = await deployFixture({ provider: 'docker-desktop', backendTag: 'oldtag123456' });
  try {
    const now = new Date().toISOString();
    fake.update((s) => {
      const cluster = Object.values(s.clusters)[0]!;
      const pod = cluster.objects!.find((o) => o.kind === 'Pod' && o.labels?.['app.kubernetes.io/component'] === 'backend')!;
      pod.containers[0].status = 'CrashLoopBackOff';
      pod.containers[0].restartCount = 4;
      pod.containers[0].lastState = { reason: 'Error', exitCode: 3 };
      cluster.objects!.push(
        {
          kind: 'Event',
          namespace: 'todo',
          involvedObject: { kind: 'Pod', name: pod.name },
          reason: 'BackOff',
          message: 'Back-off restarting failed container backend',
          type: 'Warning',
          count: 7,
          lastTimestamp: now,
        },
        {
          kind: 'Event',
          namespace: 'todo',
          involvedObject: { kind: 'Pod', name: pod.name },
          reason: 'Unhealthy',
          message: 'an hour old',
          type: 'Warning',
          lastTimestamp: new Date(Date.now() - 3_600_000).toISOString(),
        },
        {
          kind: 'Event',
          namespace: 'todo',
          involvedObject: { kind: 'Pod', name: pod.name },
          reason: 'Pulled',
          message: 'normal, not a warning',
          type: 'Normal',
          lastTimestamp: now,
        },
      );
    });
    const backendPod = pods(fake, 'backend')[0]!.name;
    const r = await fake.script('status', []);
    assert.is(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /✗ backend {5}Deployment {3}0\/1 ready {3}pods: 1 CrashLoopBackOff · restarts 4 \(last: Error, exit 3, \d+s ago\)/,
    );
    assert.match(r.stdout, 'backend: todo-backend:oldtag123456  backend: sources changed since deploy (now ');
    assert.match(r.stdout, `frontend: ${plannedRefs().frontend}  matches the sources`);
    assert.match(r.stdout, `Pod/${backendPod} BackOff ×7: Back-off restarting failed container backend`);
    assert.not.match(r.stdout, 'an hour old');
    assert.not.match(r.stdout, 'not a warning');
    assert.match(r.stdout, /✗ degraded: backend: 0\/1 ready \(1 CrashLoopBackOff\)\n$/);
    assert.match(r.stdout, 'http://127.0.0.1:30080');
    const doc = JSON.parse((await fake.script('status', ['--json'])).stdout);
    assert.is(doc.health, 'degraded');
    assert.is(doc.exitCode, 1);
    const backend = doc.workloads.find((w: any) => w.component === 'backend');
    assert.equal(backend.lastRestart.reason, 'Error');
    assert.equal(backend.lastRestart.exitCode, 3);
    assert.is(backend.lastRestart.pod, backendPod);
    assert.is(backend.images[0].sources, 'changed');
    assert.is(backend.images[0].sourcesTag, plannedRefs().backend.split(':')[1]);
    assert.equal(
      doc.events.map((e: any) => e.reason),
      ['BackOff'],
    );
  } finally {
    fake.cleanup();
  }
});

test('not installed: exit 1 with the reason; unreachable cluster: exit 3 with the cause, in text and --json', async () => {
  const fake = await deployFixture({ provider: 'kind', deploy: false });
  try {
    const r = await fake.script('status', []);
    assert.is(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, 'Release    not installed');
    assert.match(r.stdout, '✗ degraded: release todo-chatbot is not installed in namespace todo');

    fake.update((s) => {
      s.kind!.clusters![0]!.running = false;
    });
    fake.clearCalls();
    const down = await fake.script('status', []);
    assert.is(down.code, 3, down.stdout + down.stderr);
    // Every tool call status started had ended when it exited: none is recorded after.
    const callsAtExit = fake.calls().length;
    await new Promise((r) => setTimeout(r, 1500));
    assert.is(fake.calls().length, callsAtExit, 'a tool call outlived status');
    assert.match(down.stdout, 'todo-chatbot in namespace todo · context kind-todo (kind)');
    assert.match(down.stdout, /✗ the cluster of context kind-todo does not answer: .*refused/);
    const doc = JSON.parse((await fake.script('status', ['--json'])).stdout);
    assert.is(doc.health, 'unreachable');
    assert.is(doc.exitCode, 3);
  } finally {
    fake.cleanup();
  }
});

test('usage: --interval without --watch, a bad duration, an unknown flag: exit 2; --help', async () => {
  const fake = await deployFixture({ provider: 'kind', deploy: false });
  try {
    const a = await fake.script('status', ['--interval', '5s']);
    assert.is(a.code, 2);
    assert.match(a.stderr, '--interval needs --watch');
    const b = await fake.script('status', ['--watch', '--interval', 'soon']);
    assert.is(b.code, 2);
    assert.match(b.stderr, '--interval soon: not a duration');
    const c = await fake.script('status', ['--wach']);
    assert.is(c.code, 2);
    assert.match(c.stderr, 'did you mean --watch?');
    assert.equal(fake.calls(), [], 'nothing was read before the usage error');
    const h = await fake.script('status', ['--help']);
    assert.is(h.code, 0);
    assert.match(h.stdout, /--watch +redraw every --interval until Ctrl-C/);
  } finally {
    fake.cleanup();
  }
});

/** Runs status --watch for a few looks, then Ctrl-C (SIGINT). */
async function watchFor(
  fake: DeployFixture,
  args: string[],
  done: (out: string) => boolean,
): Promise<{ code: number | null; stdout: string }> {
  let pid = 0;
  const looks = () => fake.calls('kubectl').filter((c) => c.argv.includes('events')).length;
  const before = looks();
  const running = fake.script('status', ['--watch', '--interval', '300ms', ...args], { onSpawn: (p) => (pid = p) });
  // A fourth look has started, so three were printed: counted by the fake's calls (each look reads
  // the events once), not by a fixed sleep, which a loaded machine outran.
  const deadline = Date.now() + 60_000;
  while (looks() - before < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  process.kill(pid, 'SIGINT');
  const result = await running;
  assert.ok(done(result.stdout), result.stdout);
  return result;
}

test('--watch in a pipe: a block per look until Ctrl-C (exit 130); with --json one document per line', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    const text = await watchFor(fake, [], (out) => out.split('✓ healthy').length > 3);
    assert.is(text.code, 130);
    assert.not.match(text.stdout, '\x1b[', 'no terminal codes in a pipe');
    const json = await watchFor(fake, ['--json'], (out) => out.trim().split('\n').length >= 3);
    assert.is(json.code, 130);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // Ctrl-C ends the stream with the runner's interrupted event.
    assert.equal(lines.at(-1)!.type, 'error');
    assert.match(lines.at(-1)!.message, 'interrupted (SIGINT)');
    for (const doc of lines.slice(0, -1)) assert.is(doc.health, 'healthy');
  } finally {
    fake.cleanup();
  }
});

test('--watch on a terminal (pseudo-terminal via `script`): redraws in place (cursor home + clear), coloured', async () => {
  if (!ptyAvailable()) return;
  const fake = await deployFixture({ provider: 'kind' });
  try {
    const cmd = shellLine([
      process.execPath,
      '--import',
      'tsx',
      path.join(REPO_ROOT, 'scripts', 'status.ts'),
      '--dotenv',
      fake.envFile,
      '--watch',
      '--interval',
      '300ms',
    ]);
    // `script` gives the command a pseudo-terminal; timeout sends it SIGINT after a few looks.
    const child = spawn('script', ['-qfec', `timeout --preserve-status -s INT 6 ${cmd}`, '/dev/null'], {
      cwd: REPO_ROOT,
      env: { ...fake.env, TMPDIR: fake.tmp, FORCE_COLOR: '1', CI: '', NO_COLOR: '' },
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.ok(out.split('\x1b[H\x1b[J').length > 2, `redrawn at least twice: ${JSON.stringify(out.slice(0, 300))}`);
    assert.match(out, '\x1b[32m✓ healthy\x1b[39m');
    assert.match(out, '\x1b[1mWorkloads\x1b[22m');
    assert.is(code, 130);
  } finally {
    fake.cleanup();
  }
});

test.run();
