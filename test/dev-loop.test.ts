// The dev loop's logic with fake steps: a burst of saves is one cycle, changes during a
// cycle are coalesced into the next, a newer change aborts a running build of the same
// image, failures (build, upgrade, rollout) never end the loop and keep their targets for
// the next cycle, an unreachable cluster pauses and resumes, and the status line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DevLoop, type CycleReport, type DevSteps, type SmokeSummary } from '../lib/dev/loop.ts';
import { statusLine } from '../lib/dev/status.ts';
import { ToolkitError } from '../lib/errors.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fake steps: every call is recorded; builds take `buildMs` and honour their signal. */
function fakeSteps(over: Partial<DevSteps> & { buildMs?: number } = {}) {
  const calls: string[] = [];
  let version = 0;
  const steps: DevSteps = {
    async build(image, signal) {
      calls.push(`build ${image}`);
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, over.buildMs ?? 20);
        signal.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            calls.push(`aborted ${image}`);
            reject(signal.reason);
          },
          { once: true },
        );
      });
      return { ref: `todo-${image}:v${++version}`, built: true };
    },
    async load(image, ref, _signal, fresh) {
      calls.push(`load ${ref}${fresh ? '' : ' (asks the nodes first)'}`);
      return true;
    },
    async upgrade(refs) {
      calls.push(`upgrade ${refs.frontend} ${refs.backend}`);
      return calls.filter((c) => c.startsWith('upgrade')).length + 1;
    },
    async rollout() {
      calls.push('rollout');
    },
    async recover(rev) {
      calls.push(`recover ${rev}`);
      return `rolled back to revision ${rev! - 1}`;
    },
    async smoke(): Promise<SmokeSummary> {
      calls.push('smoke');
      return { passed: 7, total: 7, failed: [] };
    },
    async reachable() {
      return true;
    },
  };
  for (const [k, v] of Object.entries(over)) if (k !== 'buildMs') (steps as any)[k] = v;
  return { steps, calls };
}

function loop(steps: DevSteps, extra: Partial<ConstructorParameters<typeof DevLoop>[1]> = {}) {
  const reports: CycleReport[] = [];
  const notices: string[] = [];
  const l = new DevLoop(steps, {
    debounceMs: 100,
    pollMs: 30,
    refs: { frontend: 'todo-frontend:v0', backend: 'todo-backend:v0' },
    onReport: (r) => reports.push(r),
    onNotice: (kind, m) => notices.push(`${kind}: ${m}`),
    ...extra,
  });
  return { l, reports, notices };
}

test('a burst of 20 saves within a second is one cycle, built, loaded, upgraded, rolled out and smoke-checked once', async () => {
  const { steps, calls } = fakeSteps();
  const { l, reports } = loop(steps, { debounceMs: 150 });
  for (let i = 0; i < 20; i++) {
    l.change('backend');
    await sleep(45);
  }
  await sleep(20);
  await l.idle();
  assert.is(reports.length, 1);
  assert.equal(calls, ['build backend', 'load todo-backend:v1', 'upgrade todo-frontend:v0 todo-backend:v1', 'rollout', 'smoke']);
  assert.is(reports[0]!.outcome, 'ok');
  assert.equal(l.refs, { frontend: 'todo-frontend:v0', backend: 'todo-backend:v1' });
  assert.match(statusLine(reports[0]!), /^#1 backend changed → built \d+\.\ds · loaded \d+\.\ds · rolled \d+\.\ds · smoke ok \(7\/7\)$/);
});

test('changes arriving during a cycle are coalesced into one next cycle', async () => {
  const { steps, calls } = fakeSteps();
  let release!: () => void;
  steps.rollout = async () => {
    calls.push('rollout');
    if (calls.filter((c) => c === 'rollout').length === 1) await new Promise<void>((r) => (release = r));
  };
  const { l, reports } = loop(steps);
  l.change('backend');
  while (!calls.includes('rollout')) await sleep(5);
  // During the rollout: a frontend edit, a chart edit, more backend edits.
  l.change('frontend');
  l.change('chart');
  l.change('backend');
  await sleep(300);
  assert.is(reports.length, 0, 'the second cycle waits for the first');
  release();
  await l.idle();
  assert.is(reports.length, 2);
  assert.equal(reports[1]!.targets, ['frontend', 'backend', 'chart']);
  assert.is(calls.filter((c) => c.startsWith('upgrade')).length, 2);
  assert.match(statusLine(reports[1]!), /^#2 frontend \+ backend \+ chart changed → built/);
});

test('a newer change to an image aborts its running build; the next cycle builds the newer sources', async () => {
  const { steps, calls } = fakeSteps({ buildMs: 400 });
  const { l, reports } = loop(steps);
  l.change('frontend');
  while (!calls.includes('build frontend')) await sleep(5);
  await sleep(50);
  l.change('frontend');
  await sleep(20);
  assert.ok(calls.includes('aborted frontend'), calls.join('\n'));
  await l.idle();
  assert.equal(
    reports.map((r) => r.outcome),
    ['superseded', 'ok'],
  );
  assert.match(statusLine(reports[0]!), /superseded · a newer change is next$/);
  assert.equal(
    calls.filter((c) => c.startsWith('upgrade')),
    ['upgrade todo-frontend:v1 todo-backend:v0'],
  );
});

test('a change to the other image does not abort a running build', async () => {
  const { steps, calls } = fakeSteps({ buildMs: 200 });
  const { l, reports } = loop(steps);
  l.change('frontend');
  while (!calls.includes('build frontend')) await sleep(5);
  l.change('backend');
  await l.idle();
  assert.not.ok(
    calls.some((c) => c.startsWith('aborted')),
    calls.join('\n'),
  );
  assert.equal(
    reports.map((r) => [r.outcome, r.targets.join()]),
    [
      ['ok', 'frontend'],
      ['ok', 'backend'],
    ],
  );
});

test('a failed build keeps the loop alive with the step and last lines; the next good edit deploys it', async () => {
  const { steps, calls } = fakeSteps();
  const build = steps.build;
  let broken = true;
  steps.build = async (image, signal) => {
    if (broken && image === 'backend') {
      calls.push('build backend (fails)');
      throw Object.assign(new Error('backend build failed at [5/6] RUN python -m compileall app: exit code 1'), {
        details: ['  File "app/main.py", line 3', 'SyntaxError: invalid syntax'],
      });
    }
    return build(image, signal);
  };
  const { l, reports } = loop(steps);
  l.change('backend');
  await l.idle();
  assert.is(reports[0]!.outcome, 'build-failed');
  assert.equal(reports[0]!.details, ['  File "app/main.py", line 3', 'SyntaxError: invalid syntax']);
  assert.match(
    statusLine(reports[0]!),
    /^#1 backend changed → build failed: backend build failed at \[5\/6\] RUN python -m compileall app: exit code 1 · waiting for the next change$/,
  );
  assert.not.ok(calls.some((c) => c.startsWith('upgrade')));
  // A frontend edit now also rebuilds the still-broken backend: nothing half-deployed.
  l.change('frontend');
  await l.idle();
  assert.equal(reports[1]!.targets, ['frontend', 'backend']);
  assert.is(reports[1]!.outcome, 'build-failed');
  broken = false;
  l.change('backend');
  await l.idle();
  assert.is(reports[2]!.outcome, 'ok');
  assert.equal(reports[2]!.targets, ['frontend', 'backend']);
  assert.is(l.refs.backend.startsWith('todo-backend:v'), true);
});

test('a failed rollout shows the diagnosis, recovers the last good revision, and the loop goes on', async () => {
  const { steps, calls } = fakeSteps();
  let crash = true;
  steps.rollout = async () => {
    calls.push('rollout');
    if (crash) throw new ToolkitError('backend: container backend keeps crashing (CrashLoopBackOff)', 1, 'see the logs', 'CRASH_LOOP');
  };
  const { l, reports } = loop(steps);
  l.change('backend');
  await l.idle();
  assert.is(reports[0]!.outcome, 'rollout-failed');
  assert.ok(calls.includes('recover 2'), calls.join('\n'));
  assert.match(
    statusLine(reports[0]!),
    /rollout failed: backend: container backend keeps crashing \(CrashLoopBackOff\) → rolled back to revision 1 · waiting for the next change$/,
  );
  assert.is(l.refs.backend, 'todo-backend:v0', 'the deployed ref stays the last good one');
  crash = false;
  l.change('backend');
  await l.idle();
  assert.is(reports[1]!.outcome, 'ok');
});

test('a chart-only change builds nothing and only upgrades', async () => {
  const { steps, calls } = fakeSteps();
  const { l, reports } = loop(steps);
  l.change('chart');
  await l.idle();
  assert.equal(calls, ['upgrade todo-frontend:v0 todo-backend:v0', 'rollout', 'smoke']);
  assert.match(statusLine(reports[0]!), /^#1 chart changed → rolled \d+\.\ds · smoke ok/);
});

test('a save that leaves the content tag as it was deploys nothing', async () => {
  const { steps, calls } = fakeSteps();
  steps.build = async (image) => ({ ref: `todo-${image}:v0`, built: false });
  const { l, reports } = loop(steps);
  l.change('backend');
  await l.idle();
  assert.is(reports[0]!.outcome, 'unchanged');
  assert.not.ok(calls.some((c) => c.startsWith('upgrade') || c.startsWith('load')));
  assert.match(statusLine(reports[0]!), /build up to date · same content tag, nothing to deploy$/);
});

test('an image the engine already had (a revert) is loaded only after asking the nodes; a fresh build is loaded directly', async () => {
  const { steps, calls } = fakeSteps();
  steps.build = async (image) => ({ ref: `todo-${image}:older`, built: false });
  const { l } = loop(steps);
  l.change('backend');
  await l.idle();
  assert.ok(calls.includes('load todo-backend:older (asks the nodes first)'), calls.join('\n'));
});

test('smoke failures are reported but the change stays deployed', async () => {
  const { steps } = fakeSteps();
  steps.smoke = async () => ({ passed: 6, total: 7, failed: [{ name: 'chat-roundtrip', detail: 'HTTP 500' }] });
  const { l, reports } = loop(steps);
  l.change('backend');
  await l.idle();
  assert.is(reports[0]!.outcome, 'smoke-failed');
  assert.is(l.refs.backend, 'todo-backend:v1');
  assert.match(statusLine(reports[0]!), /smoke failed \(chat-roundtrip; 6\/7 passed\)$/);
});

test('an unreachable cluster pauses the loop with one message and resumes the pending change when it answers', async () => {
  const { steps, calls } = fakeSteps();
  let up = false;
  let asked = 0;
  steps.upgrade = async (refs) => {
    calls.push(`upgrade ${refs.backend}`);
    if (!up)
      throw new ToolkitError('the cluster of context kind-todo does not answer: connection refused', 3, 'start it', 'CLUSTER_UNREACHABLE');
    return 3;
  };
  steps.reachable = async () => {
    asked++;
    return up;
  };
  const { l, reports, notices } = loop(steps);
  l.change('backend');
  while (!l.isPaused) await sleep(5);
  assert.is(reports[0]!.outcome, 'paused');
  l.change('frontend'); // kept while paused
  await sleep(200);
  assert.ok(asked >= 3, `asked ${asked}`);
  assert.is(notices.length, 1, notices.join('\n'));
  assert.match(
    notices[0]!,
    /^paused: the cluster of context kind-todo does not answer: connection refused; paused until the cluster answers/,
  );
  assert.is(reports.length, 1, 'no cycle while paused');
  up = true;
  await sleep(60);
  await l.idle();
  assert.match(notices[1]!, /^resumed: /);
  assert.is(reports.length, 2);
  assert.equal(reports[1]!.targets, ['frontend', 'backend']);
  assert.is(reports[1]!.outcome, 'ok');
});

test('a failing helm upgrade (a broken chart) keeps the loop alive', async () => {
  const { steps } = fakeSteps();
  let broken = true;
  const upgrade = steps.upgrade;
  steps.upgrade = async (refs, signal) => {
    if (broken) throw new Error('UPGRADE FAILED: template: todo-chatbot/templates/x.yaml:3: unexpected "}"');
    return upgrade(refs, signal);
  };
  const { l, reports } = loop(steps);
  l.change('chart');
  await l.idle();
  assert.is(reports[0]!.outcome, 'upgrade-failed');
  assert.match(statusLine(reports[0]!), /helm upgrade failed: UPGRADE FAILED: template/);
  broken = false;
  l.change('chart');
  await l.idle();
  assert.is(reports[1]!.outcome, 'ok');
});

test('stop() aborts a running build and reports nothing more', async () => {
  const { steps, calls } = fakeSteps({ buildMs: 5000 });
  const { l, reports } = loop(steps);
  l.change('backend');
  while (!calls.includes('build backend')) await sleep(5);
  const t0 = Date.now();
  await l.stop();
  assert.ok(Date.now() - t0 < 500);
  assert.ok(calls.includes('aborted backend'));
  assert.is(reports.length, 0);
  l.change('backend');
  await sleep(150);
  assert.is(calls.filter((c) => c === 'build backend').length, 1);
});

test.run();
