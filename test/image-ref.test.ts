// ImageRef: Docker's reference grammar into the chart's registry/repository/tag/digest.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatImageRef, ImageRefError, imageValues, parseImageRef, underRegistry } from '../lib/image-ref.ts';

const D = `sha256:${'a1'.repeat(32)}`;

const GOOD: [string, ReturnType<typeof parseImageRef>][] = [
  ['todo-frontend:abc', { repository: 'todo-frontend', tag: 'abc' }],
  ['todo-frontend', { repository: 'todo-frontend' }],
  ['127.0.0.1:5000/todo-frontend:abc', { registry: '127.0.0.1:5000', repository: 'todo-frontend', tag: 'abc' }],
  [`127.0.0.1:5000/ns/todo-frontend@${D}`, { registry: '127.0.0.1:5000', repository: 'ns/todo-frontend', digest: D }],
  // "host" has no dot, no port and is not localhost: Docker reads it as a Docker Hub namespace.
  [`host/repo:tag@${D}`, { repository: 'host/repo', tag: 'tag', digest: D }],
  [`registry.example/repo:tag@${D}`, { registry: 'registry.example', repository: 'repo', tag: 'tag', digest: D }],
  ['localhost/a/b_c__d.e-f:v1.2-rc_3', { registry: 'localhost', repository: 'a/b_c__d.e-f', tag: 'v1.2-rc_3' }],
  ['myuser/todo-backend:1', { repository: 'myuser/todo-backend', tag: '1' }],
  ['[::1]:5000/todo:1', { registry: '[::1]:5000', repository: 'todo', tag: '1' }],
];

for (const [text, want] of GOOD) {
  test(`parse ${text}`, () => {
    const ref = parseImageRef(text);
    assert.equal(ref, want);
    assert.is(formatImageRef(ref), text, 'format is the inverse of parse');
  });
}

const BAD: [string, RegExp][] = [
  ['', /empty/],
  ['Todo-Frontend:abc', /"Todo-Frontend" is not a repository path component/],
  ['todo-frontend:', /"" is not a tag/],
  ['todo-frontend:-x', /"-x" is not a tag/],
  ['todo-frontend@sha256:abc', /not a sha256 digest/],
  ['todo-frontend@nodigest', /not a digest/],
  ['host:5000/todo-frontend@sha256', /not a digest/],
  ['a//b:1', /"" is not a repository path component/],
  ['todo frontend:1', /white space/],
  ['host:port/x:1', /"host:port" is not a registry/],
  ['x:' + 't'.repeat(129), /is not a tag/],
  ['todo_:1', /"todo_" is not a repository path component/],
];

for (const [text, why] of BAD) {
  test(`reject ${JSON.stringify(text)}`, () => {
    try {
      parseImageRef(text);
      assert.unreachable(`${text} was accepted`);
    } catch (error) {
      assert.instance(error, ImageRefError);
      const e = error as ImageRefError;
      assert.is(e.exitCode, 2);
      assert.is(e.code, 'IMAGE_REF_INVALID');
      assert.match(e.message, why);
    }
  });
}

test('imageValues: every key present, "" when unset (the chart schema wants strings)', () => {
  assert.equal(imageValues(parseImageRef('todo-frontend:abc')), { registry: '', repository: 'todo-frontend', tag: 'abc', digest: '' });
  assert.equal(imageValues(parseImageRef(`127.0.0.1:5000/ns/todo-frontend:abc@${D}`)), {
    registry: '127.0.0.1:5000',
    repository: 'ns/todo-frontend',
    tag: 'abc',
    digest: D,
  });
});

test('underRegistry: the location host becomes the registry, its path prefixes the repository', () => {
  const local = parseImageRef('todo-frontend:abc');
  assert.equal(underRegistry(local, '127.0.0.1:5000'), { registry: '127.0.0.1:5000', repository: 'todo-frontend', tag: 'abc' });
  assert.equal(underRegistry(local, '127.0.0.1:5000/team/'), { registry: '127.0.0.1:5000', repository: 'team/todo-frontend', tag: 'abc' });
  assert.equal(underRegistry(local, 'myuser'), { repository: 'myuser/todo-frontend', tag: 'abc' });
  assert.throws(() => underRegistry(local, 'Bad Host'), /registry location "Bad Host\/todo-frontend" is not valid/);
});

test.run();
