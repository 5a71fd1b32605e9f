// Failure dumps: every rollout failure prints the failing pod's events, its container's last
// log lines (and the previous container's) and the kubectl commands for more; --dump-dir
// writes describe, events and logs of the release as files; a dump folder that cannot be
// written is a usage error before anything changes.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { todoChatbotObjects, type FakeObject } from './fakes/kit.ts';
import { deployFixture } from './support/deploy-fixture.ts';

const KEY = 'sk-dump-test-0123456789abcdef';

test("a rollout timeout: the pod's events, its last log lines and the previous container's, the commands; --dump-dir files without secrets", async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    fake.update((s) => {
      const objects = todoChatbotObjects();
      const frontend = objects.find((o: FakeObject) => o.kind === 'Deployment' && o.name === '{{ fullname }}-frontend')!;
      frontend.containers[0].args = ['--changed'];
      // Running once restarted, its readiness probe not passing yet.
      Object.assign(frontend.containers[0], { ready: false, restartCount: 1, lastState: { reason: 'Error', exitCode: 1 } });
      s.helm!.onUpgrade![0]!.objects = objects;
      const cluster = s.clusters[Object.keys(s.clusters)[0]!]!;
      cluster.objects!.push({
        kind: 'Event',
        name: 'fe.x1',
        namespace: 'todo',
        involvedObject: { kind: 'Pod', name: 'todo-chatbot-frontend-*', namespace: 'todo' },
        reason: 'Unhealthy',
        message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
        type: 'Warning',
        count: 2,
      });
      cluster.logs!['todo/todo-chatbot-frontend/frontend'] = {
        current: 'starting\nwaiting for the cache volume\n',
        previous: 'the run before died\n',
      };
    });
    const dump = path.join(fake.tmp, 'artifacts', 'rollout-dump');
    const r = await fake.script('deploy', ['--skip-build', '--timeout', '2s', '--dump-dir', dump], { env: { OPENAI_API_KEY: KEY } });
    assert.is(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, 'code: ROLLOUT_TIMEOUT');
    assert.match(r.stdout, /what to look at next \(ROLLOUT_TIMEOUT\):/);
    assert.match(
      r.stdout,
      /events of pod todo-chatbot-frontend-\S+:\n\s+Warning Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503 \(×2\)/,
    );
    assert.match(r.stdout, /last 2 log lines of container frontend:\n\s+starting\n\s+waiting for the cache volume/);
    assert.match(r.stdout, /last 1 log lines of the previous container frontend:\n\s+the run before died/);
    assert.match(r.stdout, /kubectl --context kind-todo -n todo logs pod\/todo-chatbot-frontend-\S+ --container frontend --previous/);
    assert.match(r.stdout, /kubectl --context kind-todo -n todo get events --field-selector involvedObject.name=todo-chatbot-frontend-/);
    assert.match(r.stdout, `to ${dump}`);
    // The files, written before the rollback took the pods away.
    assert.ok(existsSync(path.join(dump, 'describe.txt')));
    assert.match(readFileSync(path.join(dump, 'events.txt'), 'utf8'), /Pod\/todo-chatbot-frontend-\S+ Warning Unhealthy/);
    const logs = readdirSync(path.join(dump, 'logs'));
    const frontendLog = logs.find((n) => /^todo-chatbot-frontend-.*\.frontend\.log$/.test(n));
    assert.ok(frontendLog, logs.join(', '));
    assert.match(readFileSync(path.join(dump, 'logs', frontendLog!), 'utf8'), 'waiting for the cache volume');
    for (const name of ['describe.txt', 'events.txt', ...logs.map((n) => `logs/${n}`)]) {
      const text = readFileSync(path.join(dump, name), 'utf8');
      assert.not.match(text, KEY, name);
      assert.not.match(text, Buffer.from(KEY).toString('base64'), name);
    }
    assert.not.match(r.stdout + r.stderr, KEY);
    // Secrets are never read: no `get secret`, no describe of Secrets.
    for (const call of fake.calls('kubectl')) assert.not.match(call.argv.join(' '), /\b(get|describe) .*secret/i);
  } finally {
    fake.cleanup();
  }
});

test('--dump-dir that cannot be written: exit 2 DUMP_DIR_UNWRITABLE before anything is built or applied', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    const file = path.join(fake.tmp, 'a-file');
    writeFileSync(file, 'x');
    fake.clearCalls();
    const r = await fake.script('deploy', ['--dump-dir', path.join(file, 'dump')]);
    assert.is(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /--dump-dir \S+: cannot write the failure dump there: \S+a-file is a file, not a folder/);
    assert.match(r.stderr, 'code: DUMP_DIR_UNWRITABLE');
    assert.equal(fake.calls('helm').filter((c) => c.argv[0] === 'upgrade').length, 0);
    assert.equal(fake.calls('docker').filter((c) => c.argv.includes('build')).length, 0);
  } finally {
    fake.cleanup();
  }
});

test.run();
