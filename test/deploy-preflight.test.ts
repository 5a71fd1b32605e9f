// deploy's pre-flight (nothing started, built or changed before every check passes)
// and the defects of issue 13 on the fake-tools kit: values against the chart's
// schema (real Helm 3 and 4), a stopped minikube left alone while an input is bad,
// NodePorts held by other Services, --dry-run's stdout, a release without workloads,
// no hash of the secrets in the release description, what the last steps report.
import { appendFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { todoChatbotObjects, type FakeObject } from './fakes/kit.ts';
import { deployFixture, type DeployFixture } from './support/deploy-fixture.ts';
import { ensureTools } from './support/tools.ts';

const tools = await ensureTools();
const builds = (fake: DeployFixture) => fake.calls('docker').filter((c) => c.argv.includes('build')).length;
const helmVerbs = (fake: DeployFixture) => fake.calls('helm').map((c) => c.argv[0]);
const firstCluster = (s: { clusters: Record<string, any> }) => s.clusters[Object.keys(s.clusters)[0]!]!;

/** A PATH with the real helm first, the fakes for everything else. */
function withRealHelm(fake: DeployFixture, bin: string): NodeJS.ProcessEnv {
  const dir = path.join(fake.tmp, `real-helm-${path.basename(path.dirname(bin))}`);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    symlinkSync(bin, path.join(dir, 'helm'));
  }
  return { PATH: `${dir}${path.delimiter}${fake.env.PATH}` };
}

for (const [name, bin] of [
  ['helm3', tools.HELM3_BIN!],
  ['helm4', tools.HELM4_BIN!],
] as const) {
  test(`${name}: --values with an unknown key, a wrong type and a minimum violated: exit 2 VALUES_INVALID naming file and key, nothing built`, async () => {
    const fake = await deployFixture({ provider: 'kind', built: false });
    try {
      const good = path.join(fake.tmp, 'good.yaml');
      const bad = path.join(fake.tmp, 'bad.yaml');
      writeFileSync(good, 'frontend:\n  replicaCount: 2\n');
      writeFileSync(bad, 'frontend:\n  replicaCount: 0\n  colour: blue\nbackend:\n  service:\n    port: "eighty"\n');
      const r = await fake.script('deploy', ['--values', good, '--values', bad], { env: withRealHelm(fake, bin) });
      assert.is(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, 'code: VALUES_INVALID');
      assert.match(r.stderr, `--values ${bad}: frontend.replicaCount:`);
      assert.match(r.stderr, `--values ${bad}: frontend.colour: unknown key`);
      assert.match(r.stderr, `--values ${bad}: backend.service.port:`);
      assert.not.match(r.stderr, `--values ${good}`);
      assert.is(builds(fake), 0, 'nothing was built');
      assert.equal(
        helmVerbs(fake).filter((v) => v !== 'version' && v !== 'template'),
        [],
      );
      assert.equal(fake.leftovers(), []);
      // A rule the chart states in its templates (not the schema) is a values error too.
      const latest = path.join(fake.tmp, 'latest.yaml');
      writeFileSync(latest, 'frontend:\n  image:\n    tag: latest\n');
      const l = await fake.script('deploy', ['--values', latest], { env: withRealHelm(fake, bin) });
      assert.is(l.code, 2, l.stdout + l.stderr);
      assert.match(l.stderr, 'code: VALUES_INVALID');
      assert.match(l.stderr, /the chart \(todo-chatbot\/templates\/[^)]+\) says: .*latest/);
      assert.is(builds(fake), 0);
    } finally {
      fake.cleanup();
    }
  });
}

test('a --values file that is not YAML, or not a map: exit 2 VALUES_INVALID naming it', async () => {
  const fake = await deployFixture({ provider: 'kind', built: false });
  try {
    const broken = path.join(fake.tmp, 'broken.yaml');
    const list = path.join(fake.tmp, 'list.yaml');
    writeFileSync(broken, 'frontend: [1, 2\n');
    writeFileSync(list, '- a\n- b\n');
    for (const [file, why] of [
      [broken, 'not valid YAML'],
      [list, 'the top level must be a map'],
    ] as const) {
      const r = await fake.script('deploy', ['--values', file]);
      assert.is(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, `--values ${file}`);
      assert.match(r.stderr, why);
      assert.match(r.stderr, 'code: VALUES_INVALID');
    }
    assert.is(builds(fake), 0);
  } finally {
    fake.cleanup();
  }
});

test('a --registry that cannot prefix an image reference: exit 2 IMAGE_REF_INVALID before the cluster or a build', async () => {
  const fake = await deployFixture({ provider: 'kind', built: false });
  try {
    const r = await fake.script('deploy', ['--registry', 'https://registry.example/team']);
    assert.is(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, 'code: IMAGE_REF_INVALID');
    assert.match(r.stderr, 'registry location "https://registry.example/team/todo-frontend" is not valid');
    assert.is(builds(fake), 0);
    assert.equal(
      fake.calls('kubectl').filter((c) => c.argv.includes('get')),
      [],
    );
  } finally {
    fake.cleanup();
  }
});

test('a stopped minikube is not started when an app folder is bad: exit 2 APP_DIR_NOT_FOUND (the app analysis) first', async () => {
  const fake = await deployFixture({ provider: 'minikube' });
  try {
    fake.update(
      (s) => (s.minikube!.profiles![0]!.status = { Host: 'Stopped', Kubelet: 'Stopped', APIServer: 'Stopped', Kubeconfig: 'Configured' }),
    );
    const r = await fake.script('deploy', [], { env: { FRONTEND_DIR: path.join(fake.tmp, 'no-such-app') } });
    assert.is(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, 'code: APP_DIR_NOT_FOUND');
    assert.equal(
      fake.calls('minikube').filter((c) => c.argv[0] === 'start'),
      [],
    );
  } finally {
    fake.cleanup();
  }
});

test('a NodePort held by another Service: exit 2 NODEPORT_TAKEN naming the key and the Service, before any build or upgrade', async () => {
  const fake = await deployFixture({ provider: 'kind', built: false });
  try {
    fake.update((s) =>
      firstCluster(s).objects.push(
        { kind: 'Namespace', name: 'shop' },
        {
          kind: 'Service',
          name: 'storefront',
          namespace: 'shop',
          type: 'NodePort',
          selector: { app: 'shop' },
          ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }],
        },
      ),
    );
    const r = await fake.script('deploy', []);
    assert.is(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, 'code: NODEPORT_TAKEN');
    assert.match(r.stderr, 'FRONTEND_NODEPORT=30080: already allocated to Service shop/storefront');
    assert.not.match(r.stderr, 'BACKEND_NODEPORT');
    assert.is(builds(fake), 0);
    assert.ok(!helmVerbs(fake).includes('upgrade'));
  } finally {
    fake.cleanup();
  }
});

test('the release holding its own NodePorts is no conflict; Helm reporting one anyway (a race) is NODEPORT_TAKEN too', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    fake.update((s) =>
      s.failures!.push({
        tool: 'helm',
        match: ['upgrade'],
        error:
          'cannot patch "todo-chatbot-backend" with kind Service: Service "todo-chatbot-backend" is invalid: spec.ports[0].nodePort: Invalid value: 30800: provided port is already allocated',
      }),
    );
    appendFileSync(fake.envFile, 'OPENAI_MODEL=gpt-4.1-mini\n'); // a change, so that helm upgrade runs
    const r = await fake.script('deploy', ['--skip-build']);
    assert.is(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, 'code: NODEPORT_TAKEN');
    assert.match(r.stderr, 'BACKEND_NODEPORT=30800: already allocated to another Service');
    assert.not.match(r.stderr, '--dry-run');
  } finally {
    fake.cleanup();
  }
});

test('--dry-run: stdout is only the manifests (valid YAML), progress on stderr; with --json only JSON lines', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    const r = await fake.script('deploy', ['--dry-run']);
    assert.is(r.code, 0, r.stdout + r.stderr);
    const docs = parseAllDocuments(r.stdout);
    assert.ok(docs.length >= 5, r.stdout);
    for (const doc of docs) {
      assert.equal(doc.errors, []);
      assert.type((doc.toJS() as { kind?: string }).kind, 'string');
    }
    assert.match(r.stderr, /\[4\/6\] Release: rendered with helm/);
    assert.match(r.stderr, 'release rendered, not applied');
    const json = await fake.script('deploy', ['--dry-run', '--json']);
    assert.is(json.code, 0, json.stdout + json.stderr);
    const events = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; yaml?: string });
    const manifests = events.find((e) => e.type === 'manifests');
    assert.ok(manifests?.yaml?.includes('kind: Deployment'), 'the manifests are one event');
  } finally {
    fake.cleanup();
  }
});

test('a release with no Deployment or StatefulSet fails fast with NO_WORKLOADS, not after the timeout', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    fake.update(
      (s) =>
        (s.helm!.onUpgrade![0]!.objects = todoChatbotObjects().filter(
          (o: FakeObject) => o.kind !== 'Deployment' && o.kind !== 'StatefulSet',
        )),
    );
    appendFileSync(fake.envFile, 'OPENAI_MODEL=gpt-4.1-mini\n');
    const started = Date.now();
    const r = await fake.script('deploy', ['--skip-build', '--timeout', '60s']);
    assert.is(r.code, 1, r.stdout + r.stderr);
    assert.ok(Date.now() - started < 30_000, 'did not wait for the timeout');
    assert.match(r.stderr, 'code: NO_WORKLOADS');
    assert.match(r.stderr, 'release todo-chatbot has no Deployment or StatefulSet in namespace todo');
    assert.not.match(r.stderr, 'the lines above');
  } finally {
    fake.cleanup();
  }
});

test('the release description holds no hash of the values; a changed secret is still an upgrade, the same one is not', async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    const description = () =>
      fake
        .state()
        .helm!.releases!.find((r) => r.name === 'todo-chatbot')!
        .revisions.at(-1).description as string;
    appendFileSync(fake.envFile, 'OPENAI_API_KEY=sk-first-1234\n');
    assert.is((await fake.script('deploy', ['--skip-build'])).code, 0);
    const first = description();
    appendFileSync(fake.envFile, 'OPENAI_API_KEY=sk-second-5678\n');
    fake.clearCalls();
    const r = await fake.script('deploy', ['--skip-build']);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.ok(helmVerbs(fake).includes('upgrade'), 'the new key is deployed');
    assert.is(description(), first, 'the description does not depend on the secret');
    fake.clearCalls();
    assert.is((await fake.script('deploy', ['--skip-build'])).code, 0);
    assert.ok(!helmVerbs(fake).includes('upgrade'), 'nothing changed: no upgrade');
  } finally {
    fake.cleanup();
  }
});

test('first install says installed; nothing built says no "building"; ports the cluster assigned are the ones reported', async () => {
  const fake = await deployFixture({ provider: 'kind', deploy: false });
  try {
    fake.update((s) => {
      const objects = todoChatbotObjects();
      // The cluster assigned other ports than the configured ones (nodePort: null in the values).
      for (const o of objects.filter((x: FakeObject) => x.kind === 'Service' && x.ports?.[0]?.nodePort))
        o.ports[0].nodePort = o.name.endsWith('-frontend') ? 31234 : 31235;
      s.helm!.onUpgrade![0]!.objects = objects;
    });
    const r = await fake.script('deploy', ['--skip-build']);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\[4\/6\] Release: installed todo-chatbot revision 1/);
    assert.match(r.stdout, 'release installed in');
    assert.not.match(r.stdout, 'building');
    assert.match(r.stdout, /frontend http:\/\/172\.18\.0\.\d:31234  backend http:\/\/172\.18\.0\.\d:31235/);
  } finally {
    fake.cleanup();
  }
});

test.run();
