// The no-op redeploy (lib/deploy-fastpath.ts): three reads and "unchanged" when nothing would
// change; the full deploy, every guard included, as soon as anything differs. Also the pieces
// that make it cheap: the kubeconfig read from its files, one `docker image inspect` for many
// images, and the node listing shared by hasImage and nodeAddress.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RELEASE_KINDS } from '../lib/checks/readers.ts';
import { difference } from '../lib/deploy-fastpath.ts';
import { Docker } from '../lib/docker.ts';
import type { Runner } from '../lib/exec.ts';
import { readKubeconfigFiles } from '../lib/kubeconfig-file.ts';
import { resolveTarget } from '../lib/providers/index.ts';
import { KindProvider } from '../lib/providers/kind.ts';
import { deployFixture, plannedRefs, type DeployFixture } from './support/deploy-fixture.ts';

/** Each call as "tool verb…" without the scope flags, sorted. */
const calls = (fake: DeployFixture) =>
  fake
    .calls()
    .map(
      (c) =>
        `${c.tool} ${c.argv.filter((a, i, all) => !a.startsWith('--') && !['--context', '--kube-context', '--namespace', '--output'].includes(all[i - 1] ?? '')).join(' ')}`,
    )
    .sort();
const upgrades = (fake: DeployFixture) => fake.calls('helm').filter((c) => c.argv[0] === 'upgrade').length;

test('nothing changed: three reads (release, nodes, workloads), no version probe, no docker, no helm template; unchanged with the URLs', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    assert.is((await fake.script('deploy', ['--skip-build'])).code, 0);
    fake.clearCalls();
    const r = await fake.script('deploy', []);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.equal(calls(fake), [
      'helm status todo-chatbot',
      `kubectl get ${RELEASE_KINDS} app.kubernetes.io/instance=todo-chatbot`,
      'kubectl get nodes',
    ]);
    assert.match(r.stdout, /\[4\/6\] Release: unchanged \(revision \d+\)/);
    assert.match(r.stdout, /\[6\/6\] Done/);
    assert.match(r.stdout, /frontend http:\/\/172\.18\.0\.\d:30080/);
    assert.match(r.stdout, '0 built, 0 loaded, release unchanged');
  } finally {
    fake.cleanup();
  }
});

test('an image missing from the node: the full deploy runs (version probes) and loads only that one', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    assert.is((await fake.script('deploy', ['--skip-build'])).code, 0);
    const { frontend } = plannedRefs();
    fake.update((s) => {
      const cluster = s.clusters['kind-todo']!;
      cluster.images = cluster.images!.filter((i) => !(i.repoTags ?? []).some((t) => frontend.endsWith(t) || t.endsWith(frontend)));
    });
    fake.clearCalls();
    const r = await fake.script('deploy', ['--skip-build']);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.ok(calls(fake).includes('helm version {{.Version}}'), 'the full path probes the tools');
    assert.equal(
      fake
        .calls('kind')
        .filter((c) => c.argv[0] === 'load')
        .map((c) => c.argv[2]),
      [frontend],
    );
    assert.is(upgrades(fake), 0);
    // One node listing serves the fast-path probe, the load decision and the URL.
    assert.is(fake.calls('kubectl').filter((c) => c.argv.includes('nodes')).length, 1);
  } finally {
    fake.cleanup();
  }
});

test('changed values: the full deploy with its guards (tool probes, values check, NodePort pre-flight) before the one upgrade', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    assert.is((await fake.script('deploy', ['--skip-build'])).code, 0);
    const extra = path.join(fake.tmp, 'extra.yaml');
    writeFileSync(extra, 'frontend:\n  replicaCount: 2\n');
    fake.clearCalls();
    const r = await fake.script('deploy', ['--skip-build', '--values', extra]);
    assert.is(r.code, 0, r.stdout + r.stderr);
    const seen = calls(fake);
    for (const guard of ['helm version {{.Version}}', 'kubectl version', 'kubectl get services'])
      assert.ok(
        seen.some((c) => c.startsWith(guard)),
        `${guard} in ${seen.join('\n')}`,
      );
    assert.ok(
      seen.some((c) => c.startsWith('helm template')),
      'the values are checked against the chart',
    );
    assert.is(upgrades(fake), 1);
    // One helm status serves the probe and the release stage (it holds the values too: no helm get values).
    assert.is(fake.calls('helm').filter((c) => c.argv[0] === 'status' || c.argv[0] === 'get').length, 1);
    const upgradeAt = fake.calls().findIndex((c) => c.tool === 'helm' && c.argv[0] === 'upgrade');
    const preflightAt = fake.calls().findIndex((c) => c.tool === 'kubectl' && c.argv.includes('--all-namespaces'));
    assert.ok(preflightAt >= 0 && preflightAt < upgradeAt, 'the NodePort pre-flight runs before the upgrade');
  } finally {
    fake.cleanup();
  }
});

test('difference: no release, not deployed, another chart, other values; equal values in another key order are no difference', () => {
  const want = { wanted: { a: 1, b: { c: 2, d: 3 } }, description: 'chart x' };
  assert.is(difference(undefined, want), 'no release yet');
  assert.is(difference({ revision: 2, status: 'failed', description: 'chart x', values: want.wanted }, want), 'release is failed');
  assert.is(difference({ revision: 2, status: 'deployed', description: 'chart y', values: want.wanted }, want), 'chart changed');
  assert.is(
    difference({ revision: 2, status: 'deployed', description: 'chart x', values: { a: 1, b: { c: 2, d: 4 } } }, want),
    'values changed',
  );
  assert.is(difference({ revision: 2, status: 'deployed', description: 'chart x', values: { b: { d: 3, c: 2 }, a: 1 } }, want), undefined);
});

test('kubeconfig files: KUBECONFIG merge (first current-context, first of each name), relative CA made absolute, unreadable → undefined', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-'));
  try {
    const a = path.join(dir, 'a.yaml');
    const b = path.join(dir, 'sub', 'b.yaml');
    writeFileSync(
      a,
      'apiVersion: v1\nkind: Config\ncontexts:\n- name: one\n  context: {cluster: c1}\nclusters:\n- name: c1\n  cluster: {server: "https://127.0.0.1:6443"}\n',
    );
    rmSync(path.dirname(b), { recursive: true, force: true });
    mkdirSync(path.dirname(b));
    writeFileSync(
      b,
      'current-context: two\ncontexts:\n- name: one\n  context: {cluster: other}\n- name: two\n  context: {cluster: c2}\nclusters:\n- name: c2\n  cluster: {server: "https://10.0.0.1", certificate-authority: ca.crt}\n',
    );
    const view = readKubeconfigFiles({ KUBECONFIG: [a, path.join(dir, 'missing.yaml'), b].join(path.delimiter) })!;
    assert.is(view['current-context'], 'two');
    assert.equal(
      view.contexts.map((c) => [c.name, c.context.cluster]),
      [
        ['one', 'c1'],
        ['two', 'c2'],
      ],
    );
    assert.is(view.clusters.find((c) => c.name === 'c2')!.cluster['certificate-authority'], path.join(dir, 'sub', 'ca.crt'));
    writeFileSync(a, 'contexts: [unclosed\n');
    assert.is(readKubeconfigFiles({ KUBECONFIG: a }), undefined);
    assert.is(readKubeconfigFiles({ KUBECONFIG: path.join(dir, 'none.yaml') }), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A runner that answers `docker image inspect` like the CLI: found ones in argument order on stdout, each missing one on stderr. */
function inspectRunner(store: Record<string, { Id: string }>, seen: string[][]): Runner {
  return async (_cmd, args) => {
    seen.push([...args]);
    const refs = args.slice(4);
    const found = refs.filter((r) => store[r]);
    const missing = refs.filter((r) => !store[r]);
    return {
      command: '',
      stdout: found.map((r) => JSON.stringify(store[r])).join('\n') + '\n',
      stderr: missing.map((r) => `Error response from daemon: No such image: ${r}`).join('\n'),
      exitCode: missing.length ? 1 : 0,
      durationMs: 1,
    };
  };
}

test('inspectImages: one call for many refs, each answer matched to its ref with a missing one in between; asked again soon, no call', async () => {
  const seen: string[][] = [];
  const docker = new Docker(
    { path: 'docker', version: '27.0.0', buildMode: 'buildx' },
    inspectRunner({ 'a:1': { Id: 'sha256:a' }, 'c:3': { Id: 'sha256:c' } }, seen),
  );
  const infos = await docker.inspectImages(['a:1', 'b:2', 'c:3']);
  assert.is(seen.length, 1);
  assert.equal(
    [...infos].map(([ref, info]) => [ref, info.Id]),
    [
      ['a:1', 'sha256:a'],
      ['c:3', 'sha256:c'],
    ],
  );
  assert.is((await docker.inspectImage('c:3'))?.Id, 'sha256:c');
  assert.is(seen.length, 1, 'a present image seen moments ago needs no call');
  await docker.tag('a:1', 'a:dev').catch(() => undefined);
  await docker.inspectImage('c:3');
  assert.is(seen.at(-1)!.at(-1), 'c:3', 'a change forgets what was seen');
});

test('kind provider: one node listing answers hasImage for every image and the node address; a loaded image needs no new listing', async () => {
  const seen: string[][] = [];
  const run: Runner = async (cmd, args) => {
    seen.push([cmd, ...args]);
    const nodes = {
      items: [
        {
          status: { images: [{ names: ['docker.io/library/todo-backend:1'] }], addresses: [{ type: 'InternalIP', address: '172.18.0.2' }] },
        },
      ],
    };
    return { command: '', stdout: cmd === 'kubectl' ? JSON.stringify(nodes) : '', stderr: '', exitCode: 0, durationMs: 1 };
  };
  const kind = new KindProvider(run, 'kind-todo');
  assert.equal(await Promise.all([kind.hasImage('todo-backend:1'), kind.hasImage('todo-frontend:1')]), [true, false]);
  await kind.loadImage('todo-frontend:1');
  assert.is(await kind.hasImage('todo-frontend:1'), true);
  assert.is(await kind.hasImage('todo-backend:1'), true);
  if (process.platform === 'linux') assert.is(await kind.nodeAddress(), '172.18.0.2');
  assert.equal(
    seen.map((c) => c[0]),
    ['kubectl', 'kind'],
  );
});

test("resolveTarget reads the kubeconfig files only with the runner's environment in hand; else it asks kubectl, as the runner would", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-'));
  try {
    const file = path.join(dir, 'config');
    writeFileSync(
      file,
      'current-context: kind-fromfile\ncontexts:\n- name: kind-fromfile\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:6443"}\n',
    );
    const asked: string[] = [];
    const view = {
      'current-context': 'kind-fromkubectl',
      contexts: [{ name: 'kind-fromkubectl', context: { cluster: 'c' } }],
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
    };
    const run: Runner = async (cmd, args) => {
      asked.push([cmd, ...args].join(' '));
      return { command: '', stdout: JSON.stringify(view), stderr: '', exitCode: 0, durationMs: 1 };
    };
    const config = { kubeContext: undefined, provider: 'auto' as const, minikubeProfile: 'minikube' };
    assert.is((await resolveTarget(run, config, { KUBECONFIG: file })).context, 'kind-fromfile');
    assert.equal(asked, []);
    assert.is((await resolveTarget(run, config)).context, 'kind-fromkubectl');
    assert.equal(asked, ['kubectl config view --output json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
