// teardown on the fake-tools kit: uninstall, --purge (confirmation rules), --stop-minikube, twice.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../lib/cli.ts';
import { createLogger } from '../lib/log.ts';
import { teardown } from '../lib/teardown.ts';
import { deployFixture } from './support/deploy-fixture.ts';
import { Capture } from './support/tmp.ts';

test('teardown uninstalls the release; a second run is a no-op (exit 0); the PVC stays without --purge', async () => {
  const fake = await deployFixture({ provider: 'minikube' });
  try {
    const r = await fake.script('teardown', []);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, 'uninstalled todo-chatbot from todo');
    assert.is(fake.state().helm!.releases!.length, 0);
    const again = await fake.script('teardown', []);
    assert.is(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, 'todo-chatbot was not installed in todo: nothing to do');
    const pvcs = JSON.parse((await fake.run('kubectl', ['--context', 'minikube', '-n', 'todo', 'get', 'pvc', '-o', 'json'])).stdout).items;
    assert.is(pvcs.length, 1, 'the database volume outlives a plain teardown');
  } finally {
    fake.cleanup();
  }
});

test('--purge without a terminal and without --yes is refused (exit 2) before anything changes', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    const r = await fake.script('teardown', ['--purge']);
    assert.is(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, 'code: CONFIRMATION_REQUIRED');
    assert.match(r.stderr, '--yes');
    assert.is(fake.calls('helm').length + fake.calls('kubectl').length, 0);
  } finally {
    fake.cleanup();
  }
});

test('--purge --yes --stop-minikube deletes the volume and namespace and stops the profile; safe twice', async () => {
  const fake = await deployFixture({ provider: 'minikube' });
  try {
    for (let i = 0; i < 2; i++) {
      const r = await fake.script('teardown', ['--purge', '--yes', '--stop-minikube']);
      assert.is(r.code, 0, r.stdout + r.stderr);
      if (i === 1) break;
      assert.match(r.stdout, 'deleted the volumes of todo-chatbot and namespace todo');
      assert.match(r.stdout, 'stopped profile minikube');
      fake.update(
        (s) => (s.minikube!.profiles![0]!.status = { Host: 'Running', Kubelet: 'Running', APIServer: 'Running', Kubeconfig: 'Configured' }),
      );
    }
    const objects = fake.state().clusters.minikube!.objects!;
    assert.not.ok(
      objects.some((o) => o.kind === 'PersistentVolumeClaim'),
      'PVC deleted',
    );
    assert.not.ok(
      objects.some((o) => o.kind === 'Namespace' && o.name === 'todo'),
      'namespace deleted',
    );
  } finally {
    fake.cleanup();
  }
});

test('--purge on a terminal asks first: "n" keeps the volume and namespace, "y" deletes them', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    const pvcs = () => fake.state().clusters['kind-todo']!.objects!.filter((o) => o.kind === 'PersistentVolumeClaim').length;
    for (const [answer, kept] of [
      ['n', true],
      ['yes', false],
    ] as const) {
      const questions: string[] = [];
      const out = new Capture();
      const code = await teardown(createLogger({ mode: 'plain', out, err: out }), {
        configFlags: {},
        envFile: fake.envFile,
        root: REPO_ROOT,
        purge: true,
        yes: false,
        stopMinikube: false,
        env: fake.env,
        interactive: true,
        ask: async (q) => {
          questions.push(q);
          return answer;
        },
      });
      assert.is(code, 0, out.text);
      assert.is(questions.length, 1);
      assert.match(questions[0]!, /Delete namespace todo and the database volume of todo-chatbot on kind-todo\? Data is lost\. \[y\/N\]/);
      assert.is(pvcs() > 0, kept, `after answering ${answer}: ${out.text}`);
      if (kept) assert.match(out.text, 'cancelled: nothing changed');
    }
  } finally {
    fake.cleanup();
  }
});

/** Adds a context whose API server is a hosted cluster's (not loopback, no local provider). */
function addRemoteContext(fake: Awaited<ReturnType<typeof deployFixture>>, name = 'gke_acme_europe-west1_prod'): string {
  fake.update((s) => {
    s.kubeconfig.clusters.push({ name, cluster: { server: 'https://34.76.10.20' } });
    s.kubeconfig.users.push({ name, user: { token: 'x' } });
    s.kubeconfig.contexts.push({ name, context: { cluster: name, user: name } });
    s.clusters[name] = { provider: 'generic', apiServer: 'Running', nodes: [{ kind: 'Node', name: 'n1' }], objects: [] };
  });
  return name;
}

test('teardown --purge --yes on a context that is not a local cluster is refused (exit 2) before any change; --allow-remote passes', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    const context = addRemoteContext(fake);
    const r = await fake.script('teardown', ['--context', context, '--purge', '--yes']);
    assert.is(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, `context ${context} (https://34.76.10.20) is not a local cluster`);
    assert.match(r.stderr, 'refusing to change it with teardown');
    assert.match(r.stderr, 'code: REMOTE_CONTEXT_REFUSED');
    assert.match(r.stderr, 'teardown --allow-remote');
    assert.equal(
      fake.calls('helm').filter((c) => c.argv[0] !== 'version'),
      [],
      'helm only asked for its version',
    );
    assert.equal(
      fake.calls('kubectl').filter((c) => c.argv.includes('delete')),
      [],
      'nothing deleted',
    );
    const allowed = await fake.script('teardown', ['--context', context, '--allow-remote']);
    assert.is(allowed.code, 0, allowed.stdout + allowed.stderr);
    assert.match(allowed.stdout, `teardown: changing ${context}, which is not a local cluster (--allow-remote)`);
  } finally {
    fake.cleanup();
  }
});

test('--purge on a terminal asks before changing anything: "n" leaves the release, the volume and the namespace', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    const out = new Capture();
    let helmCallsWhenAsked = -1;
    const code = await teardown(createLogger({ mode: 'plain', out, err: out }), {
      configFlags: {},
      envFile: fake.envFile,
      root: REPO_ROOT,
      purge: true,
      yes: false,
      stopMinikube: false,
      env: fake.env,
      interactive: true,
      ask: async () => {
        helmCallsWhenAsked = fake.calls('helm').filter((c) => c.argv[0] === 'uninstall').length;
        return 'n';
      },
    });
    assert.is(code, 0, out.text);
    assert.is(helmCallsWhenAsked, 0, 'asked before uninstalling');
    assert.is(fake.state().helm!.releases!.length, 1, 'the release is still installed');
    assert.match(out.text, 'cancelled: nothing changed');
    assert.not.match(out.text, 'uninstalled');
  } finally {
    fake.cleanup();
  }
});

test('after --stop-minikube a second teardown (even --purge --yes --stop-minikube) exits 0: a stopped profile has nothing to uninstall', async () => {
  const fake = await deployFixture({ provider: 'minikube' });
  try {
    const first = await fake.script('teardown', ['--stop-minikube']);
    assert.is(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, 'stopped profile minikube');
    for (const args of [[], ['--purge', '--yes', '--stop-minikube']]) {
      const again = await fake.script('teardown', args);
      assert.is(again.code, 0, `${args.join(' ')}: ${again.stdout}${again.stderr}`);
      assert.match(again.stdout, 'minikube profile minikube is stopped: nothing is running, so nothing is left to uninstall');
    }
  } finally {
    fake.cleanup();
  }
});

test('teardown checks the Helm version as deploy does: helm 3.16 is refused (exit 3 PREREQ) before any change', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    fake.update((s) => (s.helm!.version = { Version: 'v3.16.4' }));
    const r = await fake.script('teardown', []);
    assert.is(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, 'helm v3.16.4 is older than the supported 3.17.0');
    assert.match(r.stderr, 'code: PREREQ');
    assert.is(fake.state().helm!.releases!.length, 1, 'nothing uninstalled');
  } finally {
    fake.cleanup();
  }
});

test.run();
