// Rollout progress: per-workload lines with the why from the current pods; a TTY redraws
// them in place, a pipe prints on change and every 10 s, --json one event per change;
// a summary line per workload at the end. Unit tests with a clock, then deploy on the
// fakes in a pipe, with --json and on a pseudo-terminal (util-linux `script`).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { podWhy, type WorkloadProgress } from '../lib/status/progress.ts';
import type { KubeEvent, Pod } from '../lib/status/types.ts';
import { createLogger, type LogMode } from '../lib/log.ts';
import { RolloutProgress, workloadLine } from '../lib/rollout-progress.ts';
import { todoChatbotObjects, type FakeObject } from './fakes/kit.ts';
import { deployFixture, type DeployFixture } from './support/deploy-fixture.ts';
import { Capture } from './support/tmp.ts';
import { REPO_ROOT } from './support/tools.ts';
import { ptyAvailable, shellLine } from './support/pty.ts';

const backend = (over: Partial<WorkloadProgress> = {}): WorkloadProgress => ({
  kind: 'Deployment',
  name: 'backend',
  desired: 1,
  ready: 0,
  updated: 1,
  available: 0,
  done: false,
  why: 'ContainerCreating (pulling image)',
  ...over,
});

function progress(mode: LogMode) {
  const out = new Capture();
  let clock = 0;
  const log = createLogger({ mode, out, err: out });
  const p = new RolloutProgress(log, () => clock);
  return { p, out, log, tick: (ms: number) => (clock += ms) };
}

test('a workload line says replicas, why and for how long', () => {
  assert.is(workloadLine(backend(), 12_400), 'backend 0/1 ContainerCreating (pulling image, 12s)');
  assert.is(workloadLine(backend({ why: 'running, not ready' }), 3000), 'backend 0/1 running, not ready (3s)');
  assert.is(workloadLine(backend({ ready: 2, desired: 2, done: true, name: 'frontend' })), 'frontend 2/2 ready');
});

test('podWhy: the waiting reason of the first not-ready container, "pulling image" while the last pull event is Pulling', () => {
  const pod: Pod = {
    metadata: { name: 'b-1' },
    status: {
      phase: 'Pending',
      containerStatuses: [{ name: 'backend', image: 'b', ready: false, state: { waiting: { reason: 'ContainerCreating' } } }],
    },
  };
  const ev = (reason: string): KubeEvent => ({ metadata: { name: reason }, reason });
  assert.is(podWhy(pod, [ev('Scheduled'), ev('Pulling')]), 'ContainerCreating (pulling image)');
  assert.is(podWhy(pod, [ev('Pulling'), ev('Pulled')]), 'ContainerCreating');
  assert.is(podWhy({ metadata: { name: 'p' }, status: { phase: 'Pending' } }, []), 'Pending');
});

test('plain: a line on every change and at least every 10 s; a summary line per workload at the end', () => {
  const { p, out, tick } = progress('plain');
  p.update([backend()]);
  tick(2000);
  p.update([backend()]); // unchanged, 2 s later: nothing
  assert.is(out.text.trim().split('\n').length, 1);
  tick(8000);
  p.update([backend()]); // unchanged for 10 s: repeated
  assert.is(out.text.trim().split('\n').length, 2);
  assert.match(out.text, 'backend 0/1 ContainerCreating (pulling image, 10s)');
  tick(500);
  p.update([backend({ why: 'running, not ready' })]); // changed: at once
  assert.match(out.text.trim().split('\n').at(-1)!, 'backend 0/1 running, not ready (0s)');
  tick(1000);
  const done = backend({ ready: 1, done: true, why: undefined });
  p.update([done]);
  p.finish([done]);
  assert.match(out.text, /✓ backend 1\/1 ready \(rollout 11\.5s\)/);
  assert.not.match(out.text, '\x1b[');
});

test('--json: one rollout event per change, none for an unchanged look; summary results', () => {
  const { p, out, tick } = progress('json');
  p.update([backend()]);
  tick(15_000);
  p.update([backend()]);
  p.update([backend({ ready: 1, done: true })]);
  p.finish();
  const events = out.text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const rollout = events.filter((e) => e.type === 'rollout');
  assert.is(rollout.length, 2);
  assert.equal(rollout[0].workloads[0], {
    kind: 'Deployment',
    name: 'backend',
    ready: 0,
    desired: 1,
    updated: 1,
    done: false,
    why: 'ContainerCreating (pulling image)',
  });
  assert.equal(
    events.filter((e) => e.type === 'result').map((e) => [e.workload, e.status]),
    [['backend', 'ok']],
  );
});

test('pretty: the block is redrawn in place (cursor up, clear line), never over other output', () => {
  const { p, out, log, tick } = progress('pretty');
  const frontend: WorkloadProgress = { ...backend({ name: 'frontend', desired: 2, why: 'ContainerCreating' }) };
  p.update([backend(), frontend]);
  tick(1000);
  p.update([backend(), frontend]);
  assert.match(
    out.text,
    '\x1b[2A\x1b[2K  backend 0/1 ContainerCreating (pulling image, 1s)\n\x1b[2K  frontend 0/2 ContainerCreating (1s)\n',
  );
  assert.is(out.text.split('\x1b[2A').length, 2, 'moved up once, over the first block');
  log.warn('something else');
  p.update([backend(), frontend]);
  assert.is(out.text.split('\x1b[2A').length, 2, 'a line written in between is not drawn over');
  assert.match(out.text, /something else\n\x1b\[2K {2}backend/);
});

test('pretty: a line wider than the terminal is cut, so the redraw stays in place', () => {
  const out = Object.assign(new Capture(), { columns: 30 });
  const log = createLogger({ mode: 'pretty', out, err: out });
  log.live(['todo-chatbot-backend 0/1 ContainerCreating (pulling image, 12s)']);
  assert.is(out.text, '\x1b[2K  todo-chatbot-backend 0/1 C…\n');
});

/** The release's frontend pods stay ContainerCreating until `start` is called. */
function slowFrontend(fake: DeployFixture): () => void {
  fake.update((s) => {
    const objects = todoChatbotObjects();
    const frontend = objects.find((o: FakeObject) => o.kind === 'Deployment' && o.name === '{{ fullname }}-frontend')!;
    frontend.containers[0].args = ['--slow'];
    frontend.podStatus = { frontend: 'ContainerCreating' };
    s.helm!.onUpgrade![0]!.objects = objects;
  });
  return () =>
    fake.update((s) => {
      for (const cluster of Object.values(s.clusters)) {
        for (const o of (cluster.objects ?? []) as FakeObject[]) {
          if (o.kind === 'Pod' && String(o.name).startsWith('todo-chatbot-frontend-')) for (const c of o.containers ?? []) delete c.status;
        }
      }
    });
}

/**
 * Waits until the rollout watch has looked at the waiting frontend twice (each look at a pod
 * that is not ready reads the events), however loaded the machine: a fixed sleep raced the
 * helm upgrade (started before it, the frontend never started; after the watch, nothing waited).
 */
async function watchedTwice(fake: DeployFixture, before: number): Promise<void> {
  const looks = () => fake.calls('kubectl').filter((c) => c.argv.includes('events')).length - before;
  const deadline = Date.now() + 90_000;
  while (looks() < 2) {
    if (Date.now() > deadline) throw new Error('the rollout watch never looked at the waiting frontend');
    await new Promise((r) => setTimeout(r, 100));
  }
}
const eventReads = (fake: DeployFixture) => fake.calls('kubectl').filter((c) => c.argv.includes('events')).length;

test('deploy in a pipe: the waiting workload is named with its reason, then a summary line per workload', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    const start = slowFrontend(fake);
    const before = eventReads(fake);
    const deploying = fake.script('deploy', ['--skip-build', '--timeout', '2m']);
    await watchedTwice(fake, before);
    start();
    const r = await deploying;
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /todo-chatbot-frontend 0\/2 ContainerCreating \(\d+s\)/);
    assert.match(r.stdout, /✓ todo-chatbot-frontend 2\/2 ready \(rollout [\d.]+s\)/);
    assert.match(r.stdout, /✓ todo-chatbot-backend 1\/1 ready/);
  } finally {
    fake.cleanup();
  }
});

test('deploy --json: one rollout event per change, each different from the one before', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    const again = slowFrontend(fake);
    const before = eventReads(fake);
    const json = fake.script('deploy', ['--skip-build', '--timeout', '2m', '--json']);
    await watchedTwice(fake, before);
    again();
    const j = await json;
    assert.is(j.code, 0, j.stdout + j.stderr);
    const rollout = j.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === 'rollout');
    assert.ok(rollout.length >= 2, j.stdout);
    assert.ok(
      rollout.some((e) => e.workloads.some((w: { why?: string }) => w.why === 'ContainerCreating')),
      j.stdout,
    );
    for (let i = 1; i < rollout.length; i++) assert.not.equal(rollout[i].workloads, rollout[i - 1].workloads);
  } finally {
    fake.cleanup();
  }
});

test('deploy on a terminal (pseudo-terminal via `script`): live lines redrawn in place; a change shows within 1 s', async () => {
  if (!ptyAvailable()) return;
  const fake = await deployFixture({ provider: 'kind' });
  try {
    const start = slowFrontend(fake);
    const cmd = shellLine([
      process.execPath,
      '--import',
      'tsx',
      path.join(REPO_ROOT, 'scripts', 'deploy.ts'),
      '--dotenv',
      fake.envFile,
      '--skip-build',
      '--timeout',
      '2m',
    ]);
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], {
      cwd: REPO_ROOT,
      env: { ...fake.env, TMPDIR: fake.tmp, FORCE_COLOR: '1', CI: '', NO_COLOR: '' },
    });
    let out = '';
    let startedAt = 0;
    let seenAt = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!startedAt && /frontend 0\/2 ContainerCreating \(2s\)/.test(out)) {
        start();
        startedAt = Date.now();
      }
      if (startedAt && !seenAt && /frontend [12]\/2/.test(out.slice(out.lastIndexOf('ContainerCreating')))) seenAt = Date.now();
    });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.is(code, 0, out);
    assert.match(out, /\x1b\[\dA\x1b\[2K {2}todo-chatbot-(backend|frontend)/, 'redrawn in place');
    assert.match(out, /frontend 0\/2 ContainerCreating \(1s\)/);
    assert.match(out, /✓ todo-chatbot-frontend 2\/2 ready \(rollout/);
    assert.ok(seenAt && seenAt - startedAt < 1000, `the change showed ${seenAt - startedAt} ms after it happened`);
  } finally {
    fake.cleanup();
  }
});

test.run();
