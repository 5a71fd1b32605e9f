// The fake kind against the real one: kind built with `go install` (cached in
// .tools/) and the real Docker engine, in the states that need no cluster — no
// kind cluster at all, an image that is not on the host. Same exit code, same
// stdout, same stderr, byte for byte.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createFakeCluster, emptyState, image, type FakeCluster } from './fakes/kit.ts';
import { ensureDocker, engineTest } from './support/docker.ts';
import { ensureGoTool } from './support/kubectl-validate.ts';

const KIND_VERSION = 'v0.27.0';
/** A tiny image made offline (docker import of an empty archive): no registry needed. */
const PROBE_IMAGE = 'todo-fake-kind-probe:1';

const setup = await ensureDocker();
const engine = engineTest(test, setup);
let kind = '';
let fake: FakeCluster;

test.before(async () => {
  if (!setup.ok) return;
  ({ bin: kind } = await ensureGoTool('kind', 'sigs.k8s.io/kind', KIND_VERSION));
  const made = spawnSync('sh', ['-c', `tar cf - --files-from /dev/null | "${setup.docker.cli.path}" import - ${PROBE_IMAGE}`], {
    encoding: 'utf8',
  });
  assert.is(made.status, 0, made.stderr);
  const state = emptyState();
  state.docker!.images = [image(PROBE_IMAGE)];
  fake = createFakeCluster({ state });
});
test.after(async () => {
  fake?.cleanup();
  if (setup.ok) {
    spawnSync(setup.docker.cli.path, ['image', 'rm', PROBE_IMAGE], { encoding: 'utf8' });
    await setup.stop();
  }
});

/** The real kind, with the real docker CLI that resolveDockerCli chose first on PATH. */
function realKind(args: string[]) {
  const env = { ...process.env, PATH: `${path.dirname(setup.ok ? setup.docker.cli.path : '')}${path.delimiter}${process.env.PATH ?? ''}` };
  const r = spawnSync(kind, args, { encoding: 'utf8', env });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const CASES: [string, string[]][] = [
  ['no kind cluster: get clusters', ['get', 'clusters']],
  ['an image that is on the host, no cluster: load docker-image', ['load', 'docker-image', PROBE_IMAGE, '--name', 'todo']],
  ['an image that is not on the host: load docker-image', ['load', 'docker-image', 'todo-not-built:0123456789ab', '--name', 'todo']],
];

for (const [name, args] of CASES) {
  engine(`kind ${KIND_VERSION} and the fake agree — ${name}`, async () => {
    const real = realKind(args);
    if (args[0] === 'get' && real.stdout) {
      console.log(`  (kept: this machine has kind clusters of its own: ${real.stdout.trim().split('\n').join(', ')})`);
      return;
    }
    const faked = await fake.run('kind', args);
    assert.equal(faked, real);
  });
}

test.run();
