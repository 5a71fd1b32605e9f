// The fake kit's additions for deploy, and its unreachable-cluster output checked
// against the real helm and kubectl pointed at a server that refuses connections.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRunner } from '../lib/exec.ts';
import { createFakeCluster, createTodoChatbotCluster, emptyState, type FakeState } from './fakes/kit.ts';
import { ensureTools } from './support/tools.ts';
import { tempDir } from './support/tmp.ts';

const tools = await ensureTools();
const run = createRunner();

/** A generic cluster at 127.0.0.1:1 (nothing listens there), for the fake and the real tools alike. */
function unreachableState(): FakeState {
  const s = emptyState();
  s.kubeconfig.clusters.push({ name: 'dead', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } });
  s.kubeconfig.users.push({ name: 'dead', user: { token: 'x' } });
  s.kubeconfig.contexts.push({ name: 'dead', context: { cluster: 'dead', user: 'dead' } });
  s.kubeconfig['current-context'] = 'dead';
  s.clusters.dead = { provider: 'generic', apiServer: 'Stopped', nodes: [], objects: [] };
  return s;
}

const CASES: { tool: 'helm' | 'kubectl'; bins: string[]; args: string[] }[] = [
  {
    tool: 'helm',
    bins: ['HELM3_BIN'],
    args: ['status', 'todo-chatbot', '--kube-context', 'dead', '--namespace', 'todo', '--output', 'json'],
  },
  {
    tool: 'kubectl',
    bins: ['KUBECTL31_BIN', 'KUBECTL35_BIN'],
    args: [
      '--context',
      'dead',
      '--namespace',
      'todo',
      '--request-timeout=5s',
      'get',
      'namespace',
      'todo',
      '--ignore-not-found',
      '--output',
      'json',
    ],
  },
];

for (const c of CASES) {
  for (const bin of c.bins) {
    test(`unreachable API server: the fake ${c.tool} prints what the real ${path.basename(tools[bin]!)} prints (exit code and last stderr line)`, async () => {
      const fake = createFakeCluster({ state: unreachableState() });
      const home = tempDir('fakes-deploy-home-');
      try {
        const env = {
          KUBECONFIG: fake.env.KUBECONFIG!,
          HOME: home.dir,
          HELM_CACHE_HOME: home.dir,
          HELM_CONFIG_HOME: home.dir,
          HELM_DATA_HOME: home.dir,
        };
        const real = await run(tools[bin]!, c.args, { nothrow: true, env, timeoutMs: 30_000 });
        const faked = await fake.run(c.tool, c.args);
        assert.is(faked.code, real.exitCode, `real stderr: ${real.stderr}`);
        const last = (text: string) => text.trim().split('\n').pop();
        assert.is(last(faked.stderr), last(real.stderr));
      } finally {
        fake.cleanup();
        home.cleanup();
      }
    });
  }
}

test('Node status.images lists the node store (qualified tags), so hasImage works for kind and k3d', async () => {
  const fake = await createTodoChatbotCluster({ provider: 'kind', deploy: false });
  try {
    const nodes = JSON.parse((await fake.run('kubectl', ['--context', 'kind-todo', 'get', 'nodes', '-o', 'json'])).stdout);
    const names = nodes.items[0].status.images.flatMap((i: { names: string[] }) => i.names);
    assert.ok(names.includes('docker.io/library/todo-frontend:f1e2d3c4'), names.join(' '));
    assert.ok(nodes.items[0].status.images.length <= 50);
  } finally {
    fake.cleanup();
  }
});

test('docker --version, buildx version and buildx build --load', async () => {
  const fake = await createTodoChatbotCluster({ provider: 'kind', deploy: false });
  const ctx = tempDir('fakes-deploy-ctx-');
  try {
    assert.is((await fake.run('docker', ['--version'])).stdout, 'Docker version 28.2.2, build e6534b4\n');
    assert.match((await fake.run('docker', ['buildx', 'version'])).stdout, /^github\.com\/docker\/buildx v\d+\.\d+\.\d+ [0-9a-f]{40}\n$/);
    writeFileSync(path.join(ctx.dir, 'Dockerfile'), 'FROM scratch\n');
    const built = await fake.run('docker', [
      'buildx',
      'build',
      '--load',
      '--progress=plain',
      '--tag',
      'x:1',
      '--secret',
      'id=a,src=/dev/null',
      ctx.dir,
    ]);
    assert.is(built.code, 0, built.stderr);
    assert.ok(fake.state().docker!.images!.some((i) => i.repoTags.includes('x:1')));
    assert.is(
      (await fake.run('docker', ['buildx', 'build', ctx.dir])).code,
      64,
      'without --load the image would stay in the builder: unsupported',
    );
  } finally {
    fake.cleanup();
    ctx.cleanup();
  }
});

test.run();
