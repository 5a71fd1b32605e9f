// A rollout that takes longer than a minute (about 30 polls with one abort signal):
// the poll's sleep must not leave an abort listener behind per round, or Node
// prints MaxListenersExceededWarning after ten. Takes ~70 s.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { todoChatbotObjects, type FakeObject } from './fakes/kit.ts';
import { deployFixture } from './support/deploy-fixture.ts';

test('a 65 s rollout on the fakes: exit 0 and nothing on stderr', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    fake.update((s) => {
      const objects = todoChatbotObjects();
      const frontend = objects.find((o: FakeObject) => o.kind === 'Deployment' && o.name === '{{ fullname }}-frontend')!;
      frontend.containers[0].args = ['--slow']; // a changed pod template: fresh pods
      frontend.podStatus = { frontend: 'ContainerCreating' };
      s.helm!.onUpgrade![0]!.objects = objects;
    });
    const deploying = fake.script('deploy', ['--skip-build', '--timeout', '3m']);
    await new Promise((resolve) => setTimeout(resolve, 65_000));
    // The containers start.
    fake.update((s) => {
      for (const cluster of Object.values(s.clusters)) {
        for (const o of (cluster.objects ?? []) as FakeObject[]) {
          if (o.kind === 'Pod' && String(o.name).startsWith('todo-chatbot-frontend-')) for (const c of o.containers ?? []) delete c.status;
        }
      }
    });
    const r = await deploying;
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\[5\/6\] Rollout: .*todo-chatbot-frontend 2\/2/);
    assert.is(r.stderr, '');
  } finally {
    fake.cleanup();
  }
});

test.run();
