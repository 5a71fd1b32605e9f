// The generic provider: images pushed to a registry and deployed pinned by digest,
// typed as an ImageRef from the push to the chart's image block.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deployValues } from '../lib/deploy.ts';
import type { Config } from '../lib/config.ts';
import { createRunner, type Runner } from '../lib/exec.ts';
import { formatImageRef, parseImageRef } from '../lib/image-ref.ts';
import { GenericProvider, pushedDigest } from '../lib/providers/generic.ts';
import { createFakeCluster, image } from './fakes/kit.ts';

const DIGEST = `sha256:${'0f'.repeat(32)}`;

// What `docker push` prints (moby: "%s: digest: %s size: %d" after the layer lines).
const PUSH_OUTPUT = [
  'The push refers to repository [127.0.0.1:5000/team/todo-frontend]',
  '5f70bf18a086: Pushed',
  'a1b2c3d4e5f6: Layer already exists',
  `3f9a1c2b7d4e: digest: ${DIGEST} size: 1570`,
  '',
].join('\n');

test('pushedDigest reads the digest line of the pushed tag, and only that', () => {
  assert.is(pushedDigest(PUSH_OUTPUT, '3f9a1c2b7d4e'), DIGEST);
  assert.is(pushedDigest(PUSH_OUTPUT, 'other'), undefined);
  assert.is(pushedDigest('The push refers to repository [x]\nsomething: digest: sha256:abc size: 1\n', 'something'), undefined);
});

test('push through the fake docker: the deploy ref is registry/repository:tag@digest, and the chart block has every key', async () => {
  const fake = await createFakeCluster();
  try {
    fake.update((s) => s.docker!.images!.push(image('todo-frontend:3f9a1c2b7d4e')));
    const provider = new GenericProvider(createRunner({ env: fake.env }), '127.0.0.1:5000/team');
    assert.is(await provider.hasImage('todo-frontend:3f9a1c2b7d4e'), false);
    await provider.loadImage('todo-frontend:3f9a1c2b7d4e');
    const pinned = await provider.deployRef(parseImageRef('todo-frontend:3f9a1c2b7d4e'));
    assert.is(pinned.registry, '127.0.0.1:5000');
    assert.is(pinned.repository, 'team/todo-frontend');
    assert.is(pinned.tag, '3f9a1c2b7d4e');
    assert.match(pinned.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.equal(
      fake
        .calls('docker')
        .filter((c) => c.argv[0] !== 'image')
        .map((c) => c.argv),
      [
        ['tag', 'todo-frontend:3f9a1c2b7d4e', '127.0.0.1:5000/team/todo-frontend:3f9a1c2b7d4e'],
        ['push', '127.0.0.1:5000/team/todo-frontend:3f9a1c2b7d4e'],
      ],
    );
    const values = deployValues({ frontendNodePort: 30080, backendNodePort: 30800, openaiModel: 'm', databaseMode: 'sqlite' } as Config, {
      frontend: pinned,
      backend: parseImageRef('todo-backend:1'),
    }) as any;
    assert.equal(values.frontend.image, {
      registry: '127.0.0.1:5000',
      repository: 'team/todo-frontend',
      tag: '3f9a1c2b7d4e',
      digest: pinned.digest,
    });
    assert.equal(values.backend.image, { registry: '', repository: 'todo-backend', tag: '1', digest: '' });
  } finally {
    fake.cleanup();
  }
});

test('an image pushed before is found by its RepoDigest and pinned without a push', async () => {
  const calls: string[][] = [];
  const run: Runner = async (cmd, args) => {
    calls.push([cmd, ...args]);
    return {
      stdout: JSON.stringify([`127.0.0.1:5000/team/todo-backend@${DIGEST}`, `other.example/todo-backend@sha256:${'1'.repeat(64)}`]),
      stderr: '',
      exitCode: 0,
    } as any;
  };
  const provider = new GenericProvider(run, '127.0.0.1:5000/team');
  assert.ok(await provider.hasImage('todo-backend:abc'));
  assert.is(formatImageRef(await provider.deployRef(parseImageRef('todo-backend:abc'))), `127.0.0.1:5000/team/todo-backend:abc@${DIGEST}`);
  assert.is(calls.length, 1);
});

test.run();
