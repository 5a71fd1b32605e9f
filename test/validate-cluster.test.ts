// validate against the fake-tools kit (cluster, release, workloads, config,
// network) with the REAL reference app behind the Services' NodePorts: the app
// listens on 127.0.0.1 at ports in the NodePort range and the fake cluster is
// Docker Desktop, whose node address is 127.0.0.1 — so lib/access reaches the
// app exactly as it would on a real cluster, without any injection.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CHECKS } from '../lib/checks/index.ts';
import { REPO_ROOT } from '../lib/cli.ts';
import { loadConfig } from '../lib/config.ts';
import { ToolkitError } from '../lib/errors.ts';
import { createRunner } from '../lib/exec.ts';
import { validate, type ValidateReport } from '../lib/validate/index.ts';
import { createTodoChatbotCluster, type FakeCluster, type FakeObject } from './fakes/kit.ts';
import { freePort, startBackend, startFrontend, type AppServer } from './support/app-servers.ts';
import { findAll, parseXml } from './support/xml.ts';

let backend: AppServer & { dataDir: string };
let frontend: AppServer;
const fakes: FakeCluster[] = [];

test.before(async () => {
  const backendPort = await freePort([30100, 31000]);
  const frontendPort = await freePort([31000, 32000]);
  backend = await startBackend({ port: backendPort });
  frontend = await startFrontend(backend.url, { port: frontendPort });
});
test.after(async () => {
  for (const f of fakes) f.cleanup();
  await frontend?.stop();
  await backend?.stop();
});

async function cluster(): Promise<FakeCluster> {
  const fake = await createTodoChatbotCluster({
    provider: 'docker-desktop',
    helmArgs: ['--set', `frontend.service.nodePort=${frontend.port}`, '--set', `backend.service.nodePort=${backend.port}`],
  });
  fakes.push(fake);
  return fake;
}

function settings(extra: Record<string, string> = {}): Record<string, string> {
  return { NAMESPACE: 'todo', FRONTEND_NODEPORT: String(frontend.port), BACKEND_NODEPORT: String(backend.port), ...extra };
}

async function check(
  fake: FakeCluster,
  opts: Partial<Parameters<typeof validate>[0]> & { settings?: Record<string, string> } = {},
): Promise<ValidateReport> {
  const config = loadConfig({ env: settings(opts.settings), envFile: path.join(os.tmpdir(), 'no-such.env'), root: REPO_ROOT }).config;
  return validate({ config, run: createRunner({ env: fake.env }), env: fake.env, retries: 2, budgetMs: 30_000, ...opts });
}

const byId = (report: ValidateReport) => Object.fromEntries(report.results.map((r) => [r.id, r]));
function edit(fake: FakeCluster, fn: (objects: FakeObject[]) => void): void {
  fake.update((s) => fn(s.clusters['docker-desktop']!.objects!));
}

test('healthy deployment: every check passes, --disruptive included; --json is one document, --junit one testcase per check', async () => {
  const fake = await cluster();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'validate-cluster-'));
  try {
    const junit = path.join(dir, 'report.xml');
    const r = await createRunner()('node', ['--import', 'tsx', 'scripts/validate.ts', '--disruptive', '--json', '--junit', junit], {
      cwd: REPO_ROOT,
      nothrow: true,
      env: { ...fake.env, ...settings(), CI: '1' },
      timeoutMs: 90_000,
    });
    const doc = JSON.parse(r.stdout) as {
      ok: boolean;
      via: string;
      counts: { total: number; passed: number };
      checks: { id: string; status: string; detail: string }[];
    };
    const notPassed = doc.checks.filter((c) => c.status !== 'pass');
    assert.equal(notPassed, [], r.stderr);
    assert.is(r.exitCode, 0);
    assert.is(doc.counts.total, CHECKS.length, 'every check ran, the disruptive one too');
    assert.ok(CHECKS.length >= 20, `${CHECKS.length} checks`);
    assert.is(doc.via, 'nodeport');
    for (const group of ['cluster', 'release', 'workloads', 'config', 'network', 'app'])
      assert.ok(
        doc.checks.some((c) => c.id.startsWith(`${group}.`)),
        group,
      );
    const detail = Object.fromEntries(doc.checks.map((c) => [c.id, c.detail]));
    assert.match(detail['release.deployed']!, 'revision 1, chart todo-chatbot-0.1.0, app 0.1.0');
    assert.match(detail['network.urls']!, `via nodeport: frontend http://127.0.0.1:${frontend.port}`);
    assert.match(
      detail['app.restart-survival']!,
      /task \d+ read back after todo-chatbot-backend-\S+ was replaced by todo-chatbot-backend-/,
    );
    // The restart really happened in the cluster: the backend pod has a new name.
    assert.ok(fake.calls('kubectl').some((c) => c.argv.includes('delete') && c.argv.includes('pod')));

    const xml = parseXml(readFileSync(junit, 'utf8'));
    const suites = findAll(xml, 'testsuite');
    assert.equal(
      suites.map((s) => s.attrs.name),
      ['cluster', 'release', 'workloads', 'config', 'network', 'app'],
    );
    assert.equal(
      findAll(xml, 'testcase').map((c) => c.attrs.name),
      doc.checks.map((c) => c.id),
    );
    assert.is(xml.attrs.failures, '0');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unreachable cluster: exit 3, the dependants skipped with the reason', async () => {
  const fake = await cluster();
  fake.update((s) => {
    s.clusters['docker-desktop']!.apiServer = 'Stopped';
  });
  const r = await createRunner()('node', ['--import', 'tsx', 'scripts/validate.ts'], {
    cwd: REPO_ROOT,
    nothrow: true,
    env: { ...fake.env, ...settings(), CI: '1' },
    timeoutMs: 60_000,
  });
  assert.is(r.exitCode, 3, r.stdout + r.stderr);
  assert.match(r.stdout, /✗ cluster\.context .*does not answer/);
  assert.match(r.stdout, /- cluster\.namespace +needs cluster\.context, which failed/);
  assert.match(r.stdout, /- app\.task-roundtrip +needs app\.backend-ready, which was skipped/);
  assert.match(r.stdout, 'CLUSTER_UNREACHABLE');
});

test('missing namespace: cluster.namespace fails and everything in it is skipped', async () => {
  const fake = await cluster();
  const report = await check(fake, { settings: { NAMESPACE: 'nowhere' }, skip: ['app'] });
  const r = byId(report);
  assert.is(r['cluster.context']!.status, 'pass');
  assert.is(r['cluster.namespace']!.status, 'fail');
  assert.match(r['cluster.namespace']!.detail, 'namespace nowhere does not exist');
  for (const id of ['release.deployed', 'workloads.available', 'config.pvcs-bound', 'network.endpoints'])
    assert.is(r[id]!.status, 'skip', id);
  assert.is(report.exitCode, 1);
});

test('a node that is not Ready fails cluster.node-ready', async () => {
  const fake = await cluster();
  fake.update((s) => {
    s.clusters['docker-desktop']!.nodes![0]!.ready = false;
  });
  const r = byId(await check(fake, { only: ['cluster'] }));
  assert.is(r['cluster.node-ready']!.status, 'fail');
  assert.match(r['cluster.node-ready']!.detail, 'no node is Ready: docker-desktop (NodeStatusUnknown)');
});

test("the context is resolved as every command resolves it (providers' resolveTarget): one not in the kubeconfig is a usage error before any check", async () => {
  const fake = await cluster();
  const error = await check(fake, { context: 'docker-desktp' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(error, ToolkitError);
  assert.is((error as ToolkitError).code, 'KUBE_CONTEXT_NOT_FOUND');
  assert.is((error as ToolkitError).exitCode, 2);
  assert.match((error as ToolkitError).hint!, 'did you mean docker-desktop?');
  assert.not.ok(
    fake.calls('kubectl').some((c) => c.argv.includes('version')),
    'no check ran',
  );
});

test("failed release: release.deployed fails with helm's description; images then compare with the failed values", async () => {
  const fake = await cluster();
  fake.update((s) => {
    s.failures = [{ tool: 'helm', match: ['upgrade'], error: 'context deadline exceeded', times: 1 }];
  });
  const up = await fake.run('helm', [
    'upgrade',
    'todo-chatbot',
    path.join(REPO_ROOT, 'helm-chart', 'todo-chatbot'),
    '--namespace',
    'todo',
    '--reuse-values',
    '--set',
    'backend.image.tag=b9b9b9b9',
  ]);
  assert.is(up.code, 1, up.stderr);
  const r = byId(await check(fake, { only: ['release', 'workloads'] }));
  assert.is(r['release.deployed']!.status, 'fail');
  assert.match(
    r['release.deployed']!.detail,
    /revision 2, chart todo-chatbot-0\.1\.0, app 0\.1\.0 is failed \(the last install\/upgrade failed\): Upgrade "todo-chatbot" failed: context deadline exceeded/,
  );
  assert.is(r['workloads.images']!.status, 'skip');
  assert.match(r['workloads.images']!.detail, 'needs release.deployed, which failed');
});

test('pods running other images than the release names fail workloads.images', async () => {
  const fake = await cluster();
  edit(fake, (all) => {
    for (const pod of all.filter((o) => o.kind === 'Pod' && String(o.name).startsWith('todo-chatbot-frontend')))
      pod.containers[0].image = 'todo-frontend:0ld0ld00';
  });
  const r = byId(await check(fake, { only: ['workloads'] }));
  assert.is(r['workloads.images']!.status, 'fail');
  assert.match(
    r['workloads.images']!.detail,
    /todo-chatbot-frontend-\S+ runs todo-frontend:0ld0ld00, the release has todo-frontend:f1e2d3c4/,
  );
});

test('an OOMKilled container fails workloads.oomkilled, and its recent restart workloads.restarts; an old restart only warns', async () => {
  const fake = await cluster();
  edit(fake, (all) => {
    const pod = all.find((o) => o.kind === 'Pod' && String(o.name).startsWith('todo-chatbot-backend'))!;
    Object.assign(pod.containers[0], {
      restartCount: 2,
      lastState: { reason: 'OOMKilled', exitCode: 137 },
      startedAt: new Date(Date.now() - 60_000).toISOString(),
    });
    const db = all.find((o) => o.kind === 'Pod' && o.name === 'todo-chatbot-postgresql-0')!;
    Object.assign(db.containers[0], {
      restartCount: 1,
      lastState: { reason: 'Error', exitCode: 1 },
      startedAt: new Date(Date.now() - 3 * 3600_000).toISOString(),
    });
  });
  const r = byId(await check(fake, { only: ['workloads'] }));
  assert.is(r['workloads.oomkilled']!.status, 'fail');
  assert.match(r['workloads.oomkilled']!.detail, /OOMKilled: todo-chatbot-backend-\S+\/backend \(exit 137/);
  assert.match(r['workloads.oomkilled']!.hint!, 'resources.limits.memory');
  assert.is(r['workloads.restarts']!.status, 'fail');
  assert.match(
    r['workloads.restarts']!.detail,
    /restarted within the last 10 min: todo-chatbot-backend-\S+\/backend 2× \(last OOMKilled 6\ds ago\)/,
  );
  assert.not.match(r['workloads.restarts']!.detail, 'postgresql');

  // With a one-minute window the backend's restart is old too: both only warn.
  const w = byId(await check(fake, { only: ['workloads'], restartWindowMs: 30_000 }));
  assert.is(w['workloads.restarts']!.status, 'warn');
  assert.match(
    w['workloads.restarts']!.detail,
    /none within the last 1 min; earlier: .*todo-chatbot-postgresql-0\/postgresql 1× \(last Error 3h ago\)/,
  );
});

test("images not on the node: workloads and endpoints fail with kubelet's reason, the URLs check is skipped", async () => {
  const fake = await createTodoChatbotCluster({ provider: 'kind', imagesLoaded: false });
  fakes.push(fake);
  const report = await check(fake, { skip: ['app'], settings: { FRONTEND_NODEPORT: '30080', BACKEND_NODEPORT: '30800' } });
  const r = byId(report);
  assert.is(r['workloads.available']!.status, 'fail');
  assert.match(r['workloads.available']!.detail, 'deployment/todo-chatbot-backend 0/1 available');
  assert.is(r['workloads.pods-ready']!.status, 'fail');
  assert.match(r['workloads.pods-ready']!.detail, /3\/4 not Ready: .*backend: ImagePullBackOff/);
  assert.is(r['network.endpoints']!.status, 'fail');
  assert.match(r['network.endpoints']!.detail, 'todo-chatbot-backend has no ready endpoint (1 not ready)');
  assert.is(r['network.urls']!.status, 'skip');
  assert.is(r['workloads.images']!.status, 'pass', "the pods ask for the release's images; they just cannot pull them");
});

test('ConfigMap and Secret keys: a missing key fails naming it; a Secret value is never printed', async () => {
  const fake = await cluster();
  edit(fake, (all) => {
    const cm = all.find((o) => o.kind === 'ConfigMap' && o.name === 'todo-chatbot-frontend')!;
    delete cm.data.BACKEND_URL;
    const secret = all.find((o) => o.kind === 'Secret' && o.name === 'todo-chatbot-postgresql')!;
    secret.stringData = { 'postgres-password': 'do-not-print-me' };
  });
  const report = await check(fake, { only: ['config'] });
  const r = byId(report);
  assert.is(r['config.configmap-keys']!.status, 'fail');
  assert.match(r['config.configmap-keys']!.detail, 'todo-chatbot-frontend lacks BACKEND_URL');
  assert.is(r['config.secret-keys']!.status, 'fail');
  assert.match(
    r['config.secret-keys']!.detail,
    'Secret todo-chatbot-postgresql has no key password (referenced by todo-chatbot-backend, todo-chatbot-postgresql)',
  );
  const everything = JSON.stringify(report);
  assert.not.match(everything, 'do-not-print-me');
  assert.not.match(everything, Buffer.from('do-not-print-me').toString('base64'));

  edit(fake, (all) => {
    all.splice(
      all.findIndex((o) => o.kind === 'Secret' && o.name === 'todo-chatbot-postgresql'),
      1,
    );
  });
  const gone = byId(await check(fake, { only: ['config'] }));
  assert.match(
    gone['config.secret-keys']!.detail,
    'Secret todo-chatbot-postgresql (referenced by todo-chatbot-backend, todo-chatbot-postgresql) does not exist',
  );
});

test('a Pending PVC fails config.pvcs-bound with its storage class', async () => {
  const fake = await cluster();
  edit(fake, (all) => {
    all.find((o) => o.kind === 'PersistentVolumeClaim')!.phase = 'Pending';
  });
  const r = byId(await check(fake, { only: ['config'] }));
  assert.is(r['config.pvcs-bound']!.status, 'fail');
  assert.is(r['config.pvcs-bound']!.detail, 'data-todo-chatbot-postgresql-0 is Pending (storageClass standard)');
});

test('NodePorts: one held by another Service, one that differs from the configuration', async () => {
  const fake = await cluster();
  edit(fake, (all) => {
    all.push({ kind: 'Namespace', name: 'other' });
    all.push({
      kind: 'Service',
      name: 'intruder',
      namespace: 'other',
      type: 'NodePort',
      selector: { app: 'intruder' },
      ports: [{ name: 'http', port: 80, targetPort: 80, nodePort: 30999 }],
    });
  });
  const r = byId(await check(fake, { only: ['network'], settings: { BACKEND_NODEPORT: '30999' } }));
  assert.is(r['network.nodeports']!.status, 'fail');
  assert.is(
    r['network.nodeports']!.detail,
    `BACKEND_NODEPORT=30999 is held by Service other/intruder; todo-chatbot-backend got ${backend.port}`,
  );
  assert.match(r['network.nodeports']!.hint!, 'kubectl --context docker-desktop get svc -A');

  const mismatch = byId(await check(fake, { only: ['network'], settings: { FRONTEND_NODEPORT: '30555' } }));
  assert.is(mismatch['network.nodeports']!.detail, `todo-chatbot-frontend has NodePort ${frontend.port}, FRONTEND_NODEPORT says 30555`);
  assert.is(mismatch['network.endpoints']!.status, 'pass');
  assert.is(mismatch['network.urls']!.status, 'pass');
});

test.run();
