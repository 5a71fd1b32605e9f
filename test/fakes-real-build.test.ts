// The fake docker's real-engine builds (state.docker.realBuildCli, used by bench:dev): the
// toolkit's `docker buildx build --load` runs as a BuildKit `docker build` on the real engine,
// the fake then knows the image under the real id (so the fake kind can load it), and a failing
// build fails with the engine's own exit code and error.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createFakeCluster, emptyState, type FakeCluster } from './fakes/kit.ts';
import { ensureDocker, engineTest } from './support/docker.ts';
import { tempDir } from './support/tmp.ts';

const setup = await ensureDocker();
const engine = engineTest(test, setup);
const TAG = `todo-fake-realbuild:${process.pid}`;
const tmp = tempDir('fake-realbuild-');
let fake: FakeCluster;
const realDocker = (args: string[]) => spawnSync(setup.ok ? setup.docker.cli.path : 'docker', args, { encoding: 'utf8' });

test.before(() => {
  if (!setup.ok) return;
  fake = createFakeCluster({ state: { ...emptyState(), docker: { daemon: 'up', images: [], realBuildCli: setup.docker.cli.path } } });
});
test.after(async () => {
  fake?.cleanup();
  realDocker(['image', 'rm', '--force', TAG]);
  tmp.cleanup();
  if (setup.ok) await setup.stop();
});

/** The build as the toolkit calls it, through the fake. */
const buildx = (tag: string) =>
  fake.run('docker', ['buildx', 'build', '--load', '--progress', 'plain', '-t', tag, '-f', path.join(tmp.dir, 'Dockerfile'), tmp.dir]);

// FROM scratch: nothing to pull, so the build runs offline.
engine('a buildx build runs on the real engine; the fake knows the image by its real id', async () => {
  writeFileSync(path.join(tmp.dir, 'hello.txt'), `built ${Date.now()}\n`);
  writeFileSync(path.join(tmp.dir, 'Dockerfile'), 'FROM scratch\nCOPY hello.txt /\n');
  const built = await buildx(TAG);
  assert.is(built.code, 0, built.stderr);
  const realId = realDocker(['image', 'inspect', '--format', '{{.Id}}', TAG]).stdout.trim();
  assert.match(realId, /^sha256:[0-9a-f]{64}$/);
  const fakeId = await fake.run('docker', ['image', 'inspect', '--format', '{{.Id}}', TAG]);
  assert.is(fakeId.stdout.trim(), realId);
  assert.is(fake.calls('docker').length, 2, 'one call each, as the toolkit made them');
});

engine('a failing build fails with the engine exit code and error, and records nothing', async () => {
  writeFileSync(path.join(tmp.dir, 'Dockerfile'), 'FROM scratch\nCOPY missing.txt /\n');
  const failed = await buildx(`${TAG}-broken`);
  assert.is.not(failed.code, 0);
  assert.match(failed.stderr, /missing\.txt/);
  assert.not.ok(
    fake.state().docker!.images!.some((i) => i.repoTags?.includes(`${TAG}-broken`)),
    'no image recorded',
  );
});

test.run();
