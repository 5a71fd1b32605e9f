// The fake-kit additions validate relies on: container env / envFrom kept on
// Deployments and StatefulSets, and the todo-chatbot builder's ConfigMaps,
// Secrets and references shaped like the chart's templates.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTodoChatbotCluster, type FakeCluster } from './fakes/kit.ts';

let fake: FakeCluster;
test.before(async () => {
  fake = await createTodoChatbotCluster({ provider: 'kind' });
});
test.after(() => fake.cleanup());

const get = async (args: string[]) => {
  const r = await fake.run('kubectl', ['--context', 'kind-todo', '--namespace', 'todo', 'get', ...args, '--output', 'json']);
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};

test('env and envFrom of compact containers appear in the pod template as core/v1 EnvVar / EnvFromSource', async () => {
  const backend = await get(['deployment', 'todo-chatbot-backend']);
  const c = backend.spec.template.spec.containers[0];
  assert.equal(c.envFrom, [{ configMapRef: { name: 'todo-chatbot-backend' } }]);
  assert.equal(c.env[0], { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { key: 'password', name: 'todo-chatbot-postgresql' } } });
  const db = await get(['statefulset', 'todo-chatbot-postgresql']);
  assert.equal(db.spec.template.spec.containers[0].env, [
    { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { key: 'password', name: 'todo-chatbot-postgresql' } } },
  ]);
  // A container without them has neither field (omitempty).
  const plain = await get(['pods', '--selector', 'app.kubernetes.io/component=frontend']);
  assert.not.ok('env' in plain.items[0].spec.containers[0]);
});

test("the builder's ConfigMaps carry the chart's keys, rendered from the release values", async () => {
  const front = await get(['configmap', 'todo-chatbot-frontend']);
  assert.equal(front.data, {
    BACKEND_URL: 'http://todo-chatbot-backend:8000',
    HOSTNAME: '0.0.0.0',
    NEXT_TELEMETRY_DISABLED: '1',
    PORT: '3000',
  });
  const back = await get(['configmap', 'todo-chatbot-backend']);
  assert.equal(Object.keys(back.data).sort(), [
    'APP_VERSION',
    'CORS_ORIGINS',
    'DATA_DIR',
    'LOG_LEVEL',
    'OPENAI_MODEL',
    'PORT',
    'WEB_CONCURRENCY',
  ]);
  assert.is(back.data.APP_VERSION, '0.1.0');
  const secret = await get(['secret', 'todo-chatbot-postgresql']);
  assert.equal(Object.keys(secret.data), ['password']);
});

test.run();
