// deploy on the fake-tools kit: every provider, idempotence, incremental builds,
// each failure cause with its code, pending-release recovery, remote refusal,
// minikube start, secrets and the private values file.
import { cpSync, writeFileSync, appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { todoChatbotObjects, type FakeObject, type FakeState } from './fakes/kit.ts';
import { deployFixture, plannedRefs, type DeployFixture } from './support/deploy-fixture.ts';
import { REPO_ROOT } from './support/tools.ts';
import { RELEASE_KINDS } from '../lib/checks/readers.ts';

const count = (fake: DeployFixture, tool: string, word: string) => fake.calls(tool).filter((c) => c.argv.includes(word)).length;
const upgrades = (fake: DeployFixture) => fake.calls('helm').filter((c) => c.argv[0] === 'upgrade').length;
const builds = (fake: DeployFixture) => fake.calls('docker').filter((c) => c.argv.includes('build')).length;
const loads = (fake: DeployFixture) =>
  fake.calls('kind').filter((c) => c.argv[0] === 'load').length +
  fake.calls('k3d').filter((c) => c.argv[1] === 'import').length +
  fake.calls('minikube').filter((c) => c.argv.includes('load')).length;
const latestRevision = (fake: DeployFixture) =>
  fake
    .state()
    .helm!.releases!.find((r) => r.name === 'todo-chatbot')!
    .revisions.at(-1);

for (const provider of ['minikube', 'kind', 'k3d', 'docker-desktop'] as const) {
  test(`${provider}: a cold deploy builds, makes the images available, installs and waits; exit 0 with the access URL`, async () => {
    const fake = await deployFixture({ provider, built: false });
    try {
      const r = await fake.script('deploy', []);
      assert.is(r.code, 0, r.stdout + r.stderr);
      assert.is(builds(fake), 2);
      const refs = plannedRefs();
      if (provider === 'kind' || provider === 'k3d') assert.is(loads(fake), 2);
      if (provider === 'minikube')
        assert.ok(
          fake.calls('minikube').some((c) => c.argv.includes('docker-env')),
          'built through minikube docker-env',
        );
      if (provider === 'minikube' || provider === 'docker-desktop') assert.is(loads(fake), 0);
      assert.is(upgrades(fake), 1);
      const rev = latestRevision(fake);
      assert.is(rev.status, 'deployed');
      assert.is(rev.values.frontend.image.tag, refs.frontend.split(':')[1]);
      assert.match(r.stdout, /\[6\/6\] Done/);
      assert.match(
        r.stdout,
        provider === 'docker-desktop'
          ? 'http://127.0.0.1:30080'
          : provider === 'minikube'
            ? 'http://192.168.49.2:30080'
            : /http:\/\/172\.18\.0\.\d:30080/,
      );
      assert.match(r.stdout, 'next: npx zx scripts/validate.ts');
      if (provider === 'kind') {
        // Nothing changed: zero builds, zero loads, zero helm upgrades.
        fake.clearCalls();
        const again = await fake.script('deploy', []);
        assert.is(again.code, 0, again.stdout + again.stderr);
        assert.equal([builds(fake), loads(fake), upgrades(fake)], [0, 0, 0]);
        assert.match(again.stdout, /Release: unchanged \(revision \d+/);
      }
      assert.equal(fake.leftovers(), []);
    } finally {
      fake.cleanup();
    }
  });
}

test('minikube: a second run with nothing changed builds, loads and upgrades nothing', async () => {
  const fake = await deployFixture({ provider: 'minikube', built: false });
  try {
    assert.is((await fake.script('deploy', [])).code, 0);
    fake.clearCalls();
    const r = await fake.script('deploy', []);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.equal([builds(fake), loads(fake), upgrades(fake)], [0, 0, 0]);
    assert.match(r.stdout, 'unchanged');
  } finally {
    fake.cleanup();
  }
});

test('one frontend file changed: only the frontend is rebuilt and reloaded, one upgrade', async () => {
  const src = mkdtempSync(path.join(os.tmpdir(), 'frontend-src-'));
  cpSync(path.join(REPO_ROOT, 'app/frontend'), src, { recursive: true, filter: (f) => !/node_modules|\.next/.test(f) });
  const fake = await deployFixture({ provider: 'kind', built: false, env: { FRONTEND_DIR: src } });
  try {
    const env = { FRONTEND_DIR: src };
    assert.is((await fake.script('deploy', [], { env })).code, 0);
    appendFileSync(path.join(src, 'package.json'), '\n');
    fake.clearCalls();
    const r = await fake.script('deploy', [], { env });
    assert.is(r.code, 0, r.stdout + r.stderr);
    const built = fake.calls('docker').filter((c) => c.argv.includes('build'));
    assert.is(built.length, 1);
    assert.ok(
      built[0]!.argv.some((a) => a.startsWith('todo-frontend:')),
      'the frontend was built',
    );
    const loaded = fake.calls('kind').filter((c) => c.argv[0] === 'load');
    assert.is(loaded.length, 1);
    assert.match(loaded[0]!.argv[2]!, /^todo-frontend:/);
    assert.is(upgrades(fake), 1);
  } finally {
    fake.cleanup();
    rmSync(src, { recursive: true, force: true });
  }
});

// --- failure causes --------------------------------------------------------------

function editTemplate(s: FakeState, name: string, edit: (o: FakeObject) => void) {
  const objects = todoChatbotObjects();
  const workload = objects.find((o) => o.name === `{{ fullname }}-${name}` && (o.kind === 'Deployment' || o.kind === 'StatefulSet'))!;
  workload.containers[0].args = ['--changed']; // a changed pod template: the upgrade creates fresh pods
  edit(workload);
  s.helm!.onUpgrade![0]!.objects = objects;
}
/** An event about the (generated) pod whose name starts with `pod` without its trailing `*`. */
const event = (pod: string, reason: string, message: string, count = 5): FakeObject => ({
  kind: 'Event',
  name: `${pod.replace('*', 'pod')}.x1`,
  namespace: 'todo',
  involvedObject: { kind: 'Pod', name: pod, namespace: 'todo' },
  reason,
  message,
  type: 'Warning',
  count,
});

const CAUSES: { name: string; code: string; setup: (s: FakeState) => void; expect: RegExp[]; args?: string[] }[] = [
  {
    name: 'ImagePullBackOff',
    code: 'IMAGE_PULL_FAILED',
    setup: (s) => editTemplate(s, 'frontend', (o) => (o.podStatus = { frontend: 'ImagePullBackOff' })),
    expect: [/cannot pull image todo-frontend:\w+ \(the node has it/],
  },
  {
    name: 'ErrImageNeverPull',
    code: 'IMAGE_NEVER_PULL',
    setup: (s) => editTemplate(s, 'backend', (o) => (o.podStatus = { backend: 'ErrImageNeverPull' })),
    expect: [/image todo-backend:\w+ is not on the node and its pull policy is Never/],
  },
  {
    name: 'InvalidImageName',
    code: 'INVALID_IMAGE_NAME',
    setup: (s) => editTemplate(s, 'backend', (o) => (o.podStatus = { backend: 'InvalidImageName' })),
    expect: [/image reference "todo-backend:\w+" is not valid/],
  },
  {
    name: 'CreateContainerConfigError',
    code: 'CONTAINER_CONFIG_ERROR',
    setup: (s) =>
      editTemplate(
        s,
        'backend',
        (o) => (
          (o.containers[0].message = `couldn't find key OPENAI_API_KEY in Secret todo/todo-chatbot`),
          (o.podStatus = { backend: 'CreateContainerConfigError' })
        ),
      ),
    expect: [/missing key OPENAI_API_KEY of Secret todo\/todo-chatbot/],
  },
  {
    name: 'CrashLoopBackOff',
    code: 'CRASH_LOOP',
    setup: (s) => {
      editTemplate(s, 'backend', (o) => (o.podStatus = { backend: 'CrashLoopBackOff' }));
      s.clusters[Object.keys(s.clusters)[0]!]!.logs!['todo/todo-chatbot-backend/backend'] = {
        previous:
          Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n') +
          '\nsqlalchemy.exc.OperationalError: could not connect to server\n',
      };
    },
    expect: [/container backend keeps exiting \(exit code 1/, /last 20 log lines of the previous container/, /could not connect to server/],
  },
  {
    name: 'OOMKilled',
    code: 'OOM_KILLED',
    setup: (s) =>
      editTemplate(
        s,
        'frontend',
        (o) => ((o.containers[0].resources = { limits: { memory: '64Mi' } }), (o.podStatus = { frontend: 'OOMKilled' })),
      ),
    expect: [/container frontend was killed .*memory limit \(64Mi\)/],
  },
  {
    name: 'failing readiness probe',
    code: 'PROBE_FAILED',
    setup: (s) => {
      editTemplate(s, 'backend', (o) => (o.containers[0].ready = false));
      // Failing for a minute (no periodSeconds in the fake's spec: Kubernetes' default 10 s).
      s.clusters[Object.keys(s.clusters)[0]!]!.objects!.push(
        event(
          'todo-chatbot-backend-*',
          'Unhealthy',
          'Readiness probe failed: Get "http://10.244.0.7:8000/health": dial tcp 10.244.0.7:8000: connect: connection refused',
          6,
        ),
      );
    },
    expect: [/readiness probe GET \/health on port 8000 of container backend keeps failing: Readiness probe failed/],
  },
  {
    name: 'unschedulable',
    code: 'UNSCHEDULABLE',
    setup: (s) => {
      editTemplate(s, 'frontend', (o) => (o.podStatus = { frontend: 'ContainerCreating' }));
      s.clusters[Object.keys(s.clusters)[0]!]!.objects!.push(
        event(
          'todo-chatbot-frontend-*',
          'FailedScheduling',
          '0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available',
        ),
      );
    },
    expect: [/cannot be scheduled: not enough memory/],
  },
  {
    name: 'timeout',
    code: 'ROLLOUT_TIMEOUT',
    args: ['--timeout', '2s'],
    setup: (s) => editTemplate(s, 'frontend', (o) => (o.podStatus = { frontend: 'ContainerCreating' })),
    expect: [
      /not ready within 2s; still pending:/,
      /todo-chatbot-frontend: pod todo-chatbot-frontend-\S+ container frontend: ContainerCreating/,
    ],
  },
];

for (const cause of CAUSES) {
  test(`rollout failure, ${cause.name}: exit 1, code ${cause.code} with its hint, release rolled back`, async () => {
    const fake = await deployFixture({ provider: 'minikube' });
    try {
      const before = latestRevision(fake).revision;
      fake.update(cause.setup);
      const r = await fake.script('deploy', ['--skip-build', ...(cause.args ?? [])]);
      assert.is(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, `code: ${cause.code}`);
      assert.match(r.stderr, 'hint: ');
      for (const pattern of cause.expect) assert.match(r.stderr, pattern);
      // What to look at next, read before the rollback: the failing pod's events and the exact commands.
      assert.match(r.stdout, new RegExp(`what to look at next \\(${cause.code}\\)`));
      assert.match(r.stdout, /(events of pod|has no events)/);
      assert.match(r.stdout, /kubectl --context \S+ -n todo describe pod\/todo-chatbot-(frontend|backend)-\S+/);
      // The failed revision was replaced by a rollback to the one before.
      const last = latestRevision(fake);
      assert.is(last.description, `Rollback to ${before}`);
      assert.match(r.stdout + r.stderr, `rolled todo-chatbot back to revision ${before}`);
      assert.equal(fake.leftovers(), []);
    } finally {
      fake.cleanup();
    }
  });
}

test('a release left pending-upgrade is rolled back first, then upgraded', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    fake.update((s) => {
      const rel = s.helm!.releases![0]!;
      const last = rel.revisions.at(-1);
      rel.revisions.push({
        ...structuredClone(last),
        revision: last.revision + 1,
        status: 'pending-upgrade',
        description: 'Preparing upgrade',
      });
    });
    const r = await fake.script('deploy', ['--skip-build']);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, 'was left pending-upgrade by an interrupted run: rolled back to revision 1');
    assert.is(count(fake, 'helm', 'rollback'), 1);
    assert.is(latestRevision(fake).status, 'deployed');
  } finally {
    fake.cleanup();
  }
});

test('a context that is not a local cluster is refused (exit 2) before anything changes', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    fake.update((s) => {
      s.kubeconfig.clusters.push({ name: 'prod', cluster: { server: 'https://prod.example.com:6443' } });
      s.kubeconfig.users.push({ name: 'prod', user: { token: 'x' } });
      s.kubeconfig.contexts.push({ name: 'prod', context: { cluster: 'prod', user: 'prod' } });
      s.clusters.prod = { provider: 'generic', apiServer: 'Running', nodes: [{ kind: 'Node', name: 'n1' }], objects: [] };
    });
    const r = await fake.script('deploy', ['--context', 'prod', '--skip-build']);
    assert.is(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, 'context prod (https://prod.example.com:6443) is not a local cluster');
    assert.match(r.stderr, 'code: REMOTE_CONTEXT_REFUSED');
    assert.match(r.stderr, '--allow-remote');
    assert.equal(
      fake.calls('helm').filter((c) => c.argv[0] !== 'version' && c.argv[0] !== 'template'),
      [],
    );
  } finally {
    fake.cleanup();
  }
});

test('a stopped minikube profile is started once, and the output says so', async () => {
  const fake = await deployFixture({ provider: 'minikube' });
  try {
    fake.update(
      (s) => (s.minikube!.profiles![0]!.status = { Host: 'Stopped', Kubelet: 'Stopped', APIServer: 'Stopped', Kubeconfig: 'Configured' }),
    );
    const r = await fake.script('deploy', ['--skip-build']);
    assert.is(r.code, 0, r.stdout + r.stderr);
    const starts = fake.calls('minikube').filter((c) => c.argv[0] === 'start');
    assert.is(starts.length, 1);
    assert.equal(starts[0]!.argv, ['start', '--profile', 'minikube', '--driver', 'docker', '--cpus', '2', '--memory', '4096mb']);
    assert.match(r.stdout, 'minikube profile minikube is Stopped: starting it');
  } finally {
    fake.cleanup();
  }
});

test('secrets: never in any argv or output (normal, --verbose, --json); delivered through the values file, which is gone', async () => {
  const KEY = 'sk-proj-DEPLOYSECRET-93af1';
  const PASSWORD = 'pw-DEPLOYSECRET-77';
  const fake = await deployFixture({ provider: 'kind' });
  try {
    appendFileSync(
      fake.envFile,
      `OPENAI_API_KEY=${KEY}\nDATABASE_MODE=external\nDATABASE_URL=postgresql://app:${PASSWORD}@db.example:5432/todo\n`,
    );
    for (const mode of [[], ['--verbose'], ['--json', '--verbose']]) {
      const r = await fake.script('deploy', ['--skip-build', ...mode]);
      assert.is(r.code, 0, r.stdout + r.stderr);
      for (const secret of [KEY, PASSWORD, Buffer.from(KEY).toString('base64')])
        assert.not.match(r.stdout + r.stderr, secret, `mode ${mode.join(' ')}`);
    }
    const argv = JSON.stringify(fake.calls().map((c) => [c.argv, c.env]));
    assert.not.match(argv, KEY);
    assert.not.match(argv, PASSWORD);
    const rev = latestRevision(fake);
    assert.is(rev.values.secrets.openaiApiKey, KEY, 'the key reached helm through the file');
    assert.match(rev.values.database.external.url, PASSWORD);
    assert.equal(fake.leftovers(), []);
  } finally {
    fake.cleanup();
  }
});

test('Ctrl-C during helm upgrade: exit 130, no values file left, and the next run succeeds', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    fake.update((s) => (s.latencyMs = { 'helm upgrade': 4000 }));
    let pid = 0;
    const running = fake.script('deploy', ['--skip-build'], { onSpawn: (p) => (pid = p) });
    const deadline = Date.now() + 30_000;
    // The values file of helm upgrade (stage 1 writes one for its helm template too): after helm status.
    const upgrading = () => fake.calls('helm').some((c) => c.argv[0] === 'status') && fake.leftovers().length > 0;
    while (!upgrading() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(fake.leftovers().length, 'the values file existed during the upgrade');
    await new Promise((r) => setTimeout(r, 700)); // helm upgrade is running now
    process.kill(pid, 'SIGINT');
    const r = await running;
    assert.is(r.code, 130, r.stdout + r.stderr);
    assert.equal(fake.leftovers(), []);
    fake.update((s) => (s.latencyMs = {}));
    const again = await fake.script('deploy', ['--skip-build']);
    assert.is(again.code, 0, again.stdout + again.stderr);
  } finally {
    fake.cleanup();
  }
});

test('a failed helm upgrade: exit 1 with HELM_UPGRADE_FAILED, nothing left behind', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    fake.update((s) => s.failures!.push({ tool: 'helm', match: ['upgrade'], error: 'admission webhook "x" denied the request' }));
    const r = await fake.script('deploy', ['--skip-build']);
    assert.is(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, 'code: HELM_UPGRADE_FAILED');
    assert.match(r.stderr, 'denied the request');
    assert.equal(fake.leftovers(), []);
  } finally {
    fake.cleanup();
  }
});

test('FRONTEND_NODEPORT=auto / BACKEND_NODEPORT=auto: the values leave the NodePorts to the cluster (null), and no port is pre-checked', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    const r = await fake.script('deploy', ['--skip-build'], { env: { FRONTEND_NODEPORT: 'auto', BACKEND_NODEPORT: 'auto' } });
    assert.is(r.code, 0, r.stdout + r.stderr);
    const values = latestRevision(fake).values;
    assert.is(values.frontend.service.nodePort, null);
    assert.is(values.backend.service.nodePort, null);
  } finally {
    fake.cleanup();
  }
});

test('--no-wait skips the rollout watch; --values must name an existing file (exit 2 before any change)', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    const bad = await fake.script('deploy', ['--skip-build', '--values', 'no/such/values.yaml']);
    assert.is(bad.code, 2);
    assert.match(bad.stderr, '--values no/such/values.yaml: file not found');
    assert.is(fake.calls('helm').length, 0);
    const extra = path.join(fake.tmp, 'extra.yaml');
    writeFileSync(extra, 'frontend:\n  replicaCount: 1\n');
    const r = await fake.script('deploy', ['--skip-build', '--no-wait', '--values', extra]);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, 'Rollout: skipped (--no-wait)');
    assert.is(latestRevision(fake).values.frontend.replicaCount, 1);
    // No rollout look after the upgrade: the watch reads the release's objects through the readers' one list call.
    // (The no-op probe reads them once before anything, to see whether there is anything to do.)
    const calls = fake.calls();
    const upgradeAt = calls.findIndex((c) => c.tool === 'helm' && c.argv[0] === 'upgrade');
    assert.ok(upgradeAt >= 0);
    assert.not.ok(calls.slice(upgradeAt).some((c) => c.tool === 'kubectl' && c.argv.includes(RELEASE_KINDS)));
  } finally {
    fake.cleanup();
  }
});

test.run();
