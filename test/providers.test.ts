// Provider rules that need no tool: which API server URLs count as this machine, and what the
// kind and k3d providers (one factory, lib/providers/node-image.ts) run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunOptions, Runner } from '../lib/exec.ts';
import { isLoopbackServer, providerFor, type ClusterTarget } from '../lib/providers/index.ts';
import { K3dProvider } from '../lib/providers/k3d.ts';
import { KindProvider } from '../lib/providers/kind.ts';
import { MinikubeProvider } from '../lib/providers/minikube.ts';

const CASES: [string, boolean][] = [
  ['https://127.0.0.1:6443', true],
  ['https://127.0.0.2:6443', true],
  ['https://localhost:6443', true],
  ['https://[::1]:6443', true],
  ['https://10.0.0.5:6443', false],
  ['https://127.0.0.1.example.com:6443', false],
  ['https://prod.example.com', false],
  ['https://35.200.1.1', false],
  ['not a url', false],
  ['', false],
];

for (const [server, loopback] of CASES) {
  test(`isLoopbackServer(${JSON.stringify(server)}) is ${loopback}`, () => {
    assert.is(isLoopbackServer(server), loopback);
  });
}

/** A runner that records each command and answers `kubectl get nodes` with nodes holding `images`. */
function recorder(images: string[][]) {
  const calls: { cmd: string; args: readonly string[]; opts?: RunOptions }[] = [];
  const nodes = {
    items: images.map((names, i) => ({
      status: { images: [{ names }], addresses: [{ type: 'InternalIP', address: `172.18.0.${i + 2}` }] },
    })),
  };
  const run: Runner = async (cmd, args, opts) => {
    calls.push({ cmd, args, opts });
    const stdout = cmd === 'kubectl' ? JSON.stringify(nodes) : '';
    return { command: [cmd, ...args].join(' '), stdout, stderr: '', exitCode: 0, durationMs: 1 };
  };
  return { run, calls };
}

const ROWS = [
  {
    provider: 'kind',
    context: 'kind-dev',
    cluster: 'dev',
    load: ['kind', 'load', 'docker-image', 'todo-frontend:abc', '--name', 'dev'],
    concurrentLoads: undefined,
  },
  {
    provider: 'k3d',
    context: 'k3d-dev',
    cluster: 'dev',
    load: ['k3d', 'image', 'import', 'todo-frontend:abc', '--cluster', 'dev'],
    concurrentLoads: false,
  },
] as const;

for (const row of ROWS) {
  test(`${row.provider}: the cluster is the context without its prefix, a load runs ${row.load.slice(0, 3).join(' ')}, and one node listing serves the run`, async () => {
    const { run, calls } = recorder([['docker.io/library/todo-frontend:abc'], []]);
    const target: ClusterTarget = {
      context: row.context,
      provider: row.provider,
      local: true,
      server: 'https://127.0.0.1:6443',
      detectedBy: 'test',
    };
    const provider = providerFor(run, target) as KindProvider | K3dProvider;
    assert.is(provider.name, row.provider);
    assert.is(provider.cluster, row.cluster);
    assert.is(provider.concurrentLoads, row.concurrentLoads);
    // One node of two has it: not loaded; asked twice, the nodes are listed once.
    assert.is(await provider.hasImage('todo-frontend:abc'), false);
    assert.is(await provider.hasImage('todo-backend:abc'), false);
    assert.is(calls.filter((c) => c.cmd === 'kubectl').length, 1);
    await provider.loadImage('todo-frontend:abc');
    const load = calls.at(-1)!;
    assert.equal([load.cmd, ...load.args], [...row.load]);
    assert.is(load.opts?.timeoutMs, 600_000);
    // The loaded image is known to be there; the listing still answers for the others and for the address.
    assert.is(await provider.hasImage('todo-frontend:abc'), true);
    assert.is(await provider.hasImage('todo-backend:abc'), false);
    assert.is(await provider.nodeAddress(), process.platform === 'linux' ? '172.18.0.2' : undefined);
    assert.is(calls.filter((c) => c.cmd === 'kubectl').length, 1, 'one node listing for the whole run');
  });
}

test('kind and k3d: a cluster name given explicitly wins over the context', () => {
  const { run } = recorder([]);
  assert.is(new KindProvider(run, 'my-context', 'named').cluster, 'named');
  assert.is(new K3dProvider(run, 'k3d-a').cluster, 'a');
  assert.is(new KindProvider(run, 'kindly').cluster, 'kindly', 'only a kind- prefix is taken off');
});

test('minikube: one image ls answers every hasImage; a load checks with a fresh listing', async () => {
  const calls: string[] = [];
  let listed = ['docker.io/library/todo-backend:abc'];
  const run: Runner = async (cmd, args) => {
    calls.push([cmd, ...args.slice(2)].join(' '));
    if (args.includes('load')) listed = [...listed, 'docker.io/library/todo-frontend:abc'];
    return { command: '', stdout: args.includes('ls') ? listed.join('\n') + '\n' : '', stderr: '', exitCode: 0, durationMs: 1 };
  };
  const minikube = new MinikubeProvider(run, 'minikube', { driver: 'docker', runtime: 'containerd' });
  assert.equal(await Promise.all([minikube.hasImage('todo-backend:abc'), minikube.hasImage('todo-frontend:abc')]), [true, false]);
  assert.equal(calls, ['minikube image ls --format short']);
  await minikube.loadImage('todo-frontend:abc');
  assert.equal(calls, ['minikube image ls --format short', 'minikube image load todo-frontend:abc', 'minikube image ls --format short']);
  assert.is(await minikube.hasImage('todo-frontend:abc'), true);
  assert.is(calls.length, 3);
});

test.run();
