// Tests of the fake-tools kit (test/fakes): output formats, errors, failure
// injection, state bookkeeping. Run: node --import tsx test/fakes.test.ts
// Where a real kubectl or docker client is installed, outputs that need no
// cluster (client version, kubeconfig views, "connection refused" errors,
// daemon-down errors) are compared byte for byte with the real binary.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createFakeCluster, createTodoChatbotCluster, image, FAKE_BIN, CHART_DIR, type FakeCluster, type FakeState } from './fakes/kit.ts';

const clusters: FakeCluster[] = [];
async function todo(opts: Parameters<typeof createTodoChatbotCluster>[0] = {}) {
  const f = await createTodoChatbotCluster(opts);
  clusters.push(f);
  return f;
}
function bare(state?: FakeState) {
  const f = createFakeCluster({ state });
  clusters.push(f);
  return f;
}
test.after(() => {
  for (const c of clusters) c.cleanup();
});

/** A real binary on PATH other than the fakes, or undefined. */
function realBinary(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir || path.resolve(dir) === FAKE_BIN) continue;
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}
function runReal(bin: string, args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(bin, args, { env, encoding: 'utf8', timeout: 60000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const klog = (s: string) => s.replace(/^E\d{4} \d\d:\d\d:\d\d\.\d{6}\s+\d+ /gm, 'E<header> ');
const json = (s: string) => JSON.parse(s);

// ---------------------------------------------------------------------------
// kit and calling conventions

test('kit: env puts the fakes first on PATH and points FAKE_STATE, FAKE_CALLS, KUBECONFIG into the temp dir', () => {
  const f = bare();
  assert.is(f.env.PATH!.split(path.delimiter)[0], FAKE_BIN);
  assert.ok(f.env.FAKE_STATE!.startsWith(f.dir));
  assert.ok(f.env.FAKE_CALLS!.startsWith(f.dir));
  assert.ok(f.env.KUBECONFIG!.startsWith(f.dir));
  assert.equal(json(fs.readFileSync(f.env.KUBECONFIG!, 'utf8')), f.state().kubeconfig);
});

test('every fake refuses to run without FAKE_STATE, naming the variable and the fix', () => {
  for (const tool of ['docker', 'minikube', 'kind', 'k3d', 'helm', 'kubectl']) {
    const env = { ...process.env };
    delete env.FAKE_STATE;
    const r = spawnSync(path.join(FAKE_BIN, tool), ['version'], { env, encoding: 'utf8' });
    assert.is(r.status, 78, tool);
    assert.match(r.stderr, new RegExp(`^fake ${tool}: FAKE_STATE is not set\\. .*createFakeCluster`));
  }
});

test('unsupported subcommands and flags fail loudly with exit 64', async () => {
  const f = bare();
  const cases: [string, string[]][] = [
    ['kubectl', ['rollout', 'restart', 'deploy/x']],
    ['kubectl', ['get', 'pods', '-o', 'yaml']],
    ['kubectl', ['get', 'pods', '-o', 'json', '--frobnicate']],
    ['helm', ['plugin', 'list']],
    ['docker', ['compose', 'up']],
    ['minikube', ['addons', 'enable', 'ingress']],
    ['kind', ['export', 'logs']],
    ['k3d', ['registry', 'list']],
  ];
  for (const [tool, args] of cases) {
    const r = await f.run(tool, args);
    assert.is(r.code, 64, `${tool} ${args.join(' ')}`);
    assert.is(r.stderr, `fake ${tool}: unsupported: ${args.join(' ')}\n`);
  }
});

test('every call is logged with argv, cwd and the tool-related env only', async () => {
  const f = bare();
  const r = await f.run('kubectl', ['config', 'current-context'], {
    env: { MY_SECRET: 's3cr3t', DOCKER_HOST: 'unix:///x.sock' },
    cwd: f.dir,
  });
  const [call] = f.calls('kubectl');
  assert.ok(call, `no call recorded; the fake exited ${r.code}: ${r.stderr}`);
  assert.equal(call!.argv, ['config', 'current-context']);
  assert.is(call!.cwd, f.dir);
  assert.is(call!.exitCode, 1);
  assert.is(call!.env.DOCKER_HOST, 'unix:///x.sock');
  assert.is(call!.env.KUBECONFIG, f.env.KUBECONFIG);
  assert.not.ok(JSON.stringify(f.calls()).includes('s3cr3t'));
});

// ---------------------------------------------------------------------------
// kubectl against the real client where no cluster is needed

test('kubectl version --client -o json: same bytes as the real kubectl (client fields copied from it)', async () => {
  const real = realBinary('kubectl');
  if (!real) return console.log('  skipped: no real kubectl on PATH');
  const f = bare();
  const r = runReal(real, ['version', '--client', '-o', 'json'], f.env);
  const v = json(r.stdout);
  f.update((s) => (s.kubectl = { clientVersion: v.clientVersion, kustomizeVersion: v.kustomizeVersion }));
  const mine = await f.run('kubectl', ['version', '--client', '-o', 'json']);
  assert.is(mine.stdout, r.stdout);
  assert.is(mine.code, r.code);
  const plain = runReal(real, ['version', '--client'], f.env);
  assert.is((await f.run('kubectl', ['version', '--client'])).stdout, plain.stdout);
});

test('kubectl config current-context / get-contexts -o name / view --minify -o json: same bytes as the real kubectl', async () => {
  const real = realBinary('kubectl');
  const f = await todo({ provider: 'minikube' });
  f.update((s) => {
    // a second context so that ordering and minify matter
    s.kubeconfig.clusters.push({
      name: 'kind-other',
      cluster: { server: 'https://127.0.0.1:40000', 'certificate-authority-data': 'Y2EK' },
    });
    s.kubeconfig.users.push({ name: 'kind-other', user: { token: 'abc', 'client-key-data': 'a2V5Cg==' } });
    s.kubeconfig.contexts.push({ name: 'kind-other', context: { cluster: 'kind-other', user: 'kind-other' } });
  });
  const cases = [
    ['config', 'current-context'],
    ['config', 'get-contexts', '-o', 'name'],
    ['config', 'view', '--minify', '-o', 'json'],
    ['config', 'view', '-o', 'json'],
    ['config', 'view', '-o', 'json', '--raw'],
    ['--context', 'kind-other', 'config', 'view', '--minify', '-o', 'json'],
  ];
  for (const args of cases) {
    const mine = await f.run('kubectl', args);
    assert.is(mine.code, 0, args.join(' '));
    if (real) {
      const r = runReal(real, args, f.env);
      assert.is(mine.stdout, r.stdout, args.join(' '));
    }
  }
  const view = json((await f.run('kubectl', ['config', 'view', '--minify', '-o', 'json'])).stdout);
  assert.is(view.clusters[0].cluster.server, 'https://127.0.0.1:32773');
  assert.ok(view.clusters[0].cluster['certificate-authority'].endsWith(path.join('.minikube', 'ca.crt')));
  assert.is(view.clusters[0].cluster.extensions[0].extension.provider, 'minikube.sigs.k8s.io');
  f.update((s) => (s.kubeconfig['current-context'] = ''));
  const none = await f.run('kubectl', ['config', 'current-context']);
  assert.is(none.stderr, 'error: current-context is not set\n');
  assert.is(none.code, 1);
  if (real) assert.is(none.stderr, runReal(real, ['config', 'current-context'], f.env).stderr);
});

test('kubectl against an unreachable API server prints what the real kubectl prints (klog headers aside)', async () => {
  const real = realBinary('kubectl');
  const f = bare();
  f.update((s) => {
    s.kubeconfig.clusters.push({ name: 'gone', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } });
    s.kubeconfig.users.push({ name: 'gone', user: { token: 'fake-token' } });
    s.kubeconfig.contexts.push({ name: 'gone', context: { cluster: 'gone', user: 'gone', namespace: 'default' } });
    s.kubeconfig['current-context'] = 'gone';
    s.clusters.gone = { provider: 'generic', apiServer: 'Stopped' };
  });
  if (real) {
    const v = json(runReal(real, ['version', '--client', '-o', 'json'], f.env).stdout);
    f.update((s) => (s.kubectl = { clientVersion: v.clientVersion, kustomizeVersion: v.kustomizeVersion }));
  }
  const cases = [
    ['get', 'pods', '-o', 'json'],
    ['get', 'deploy/x', '-o', 'json'],
    ['get', 'deploy,sts', '-n', 'x', '-o', 'json'],
    ['logs', 'x'],
    ['version', '-o', 'json'],
    ['create', 'namespace', 'x'],
    ['delete', 'namespace', 'x'],
  ];
  for (const args of cases) {
    const mine = await f.run('kubectl', args);
    assert.is(mine.code, 1, args.join(' '));
    assert.ok(
      mine.stderr.endsWith('The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n'),
      args.join(' '),
    );
    if (real) {
      const r = runReal(real, args, f.env);
      assert.is(mine.stdout, r.stdout, args.join(' '));
      assert.is(klog(mine.stderr), klog(r.stderr), args.join(' '));
      assert.is(mine.code, r.code);
    }
  }
  const missing = await f.run('kubectl', ['--context', 'nope', 'get', 'pods', '-o', 'json']);
  assert.is(missing.stderr, 'Error in configuration: context was not found for specified context: nope\n');
  if (real) assert.is(missing.stderr, runReal(real, ['--context', 'nope', 'get', 'pods', '-o', 'json'], f.env).stderr);
});

// ---------------------------------------------------------------------------
// kubectl get on a deployed todo-chatbot

test('kubectl get: List wrapper, 4-space indent, sorted keys, trailing newline (cli-runtime JSONPrinter)', async () => {
  const f = await todo();
  const r = await f.run('kubectl', ['get', 'pods', '-n', 'todo', '-o', 'json']);
  assert.is(r.code, 0);
  assert.ok(
    r.stdout.startsWith(
      '{\n    "apiVersion": "v1",\n    "items": [\n        {\n            "apiVersion": "v1",\n            "kind": "Pod",\n            "metadata": {\n',
    ),
  );
  assert.ok(r.stdout.endsWith('\n    ],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n'));
  const list = json(r.stdout);
  assert.is(list.items.length, 4);
  const empty = await f.run('kubectl', ['get', 'pods', '-n', 'nothing-here', '-o', 'json']);
  assert.is(
    empty.stdout,
    '{\n    "apiVersion": "v1",\n    "items": [],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n',
  );
  f.update((s) =>
    s.clusters.minikube!.objects!.push({ kind: 'ConfigMap', name: 'html', namespace: 'todo', data: { page: '<b>a & b</b>' } }),
  );
  const cm = await f.run('kubectl', ['get', 'configmap', 'html', '-n', 'todo', '-o', 'json']);
  assert.ok(cm.stdout.includes('"page": "\\u003cb\\u003ea \\u0026 b\\u003c/b\\u003e"'));
  assert.is(json(cm.stdout).kind, 'ConfigMap');
});

test('kubectl get: the healthy todo-chatbot release (deployments, statefulset, pods, services, endpoints, pvc, secrets)', async () => {
  const f = await todo();
  const get = async (...args: string[]) => {
    const r = await f.run('kubectl', ['get', ...args, '-o', 'json']);
    assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return json(r.stdout);
  };
  const fe = await get('deployment', 'todo-chatbot-frontend', '-n', 'todo');
  assert.is(fe.spec.replicas, 2);
  assert.is(fe.status.readyReplicas, 2);
  assert.is(fe.spec.template.spec.containers[0].image, 'todo-frontend:f1e2d3c4');
  assert.equal(
    fe.status.conditions.map((c: any) => [c.type, c.status, c.reason]),
    [
      ['Available', 'True', 'MinimumReplicasAvailable'],
      ['Progressing', 'True', 'NewReplicaSetAvailable'],
    ],
  );
  const be = await get('deploy/todo-chatbot-backend', '-n', 'todo');
  assert.is(be.status.availableReplicas, 1);
  const both = await get('deploy,sts', '-n', 'todo');
  assert.equal(
    both.items.map((o: any) => `${o.kind}/${o.metadata.name}`),
    ['Deployment/todo-chatbot-backend', 'Deployment/todo-chatbot-frontend', 'StatefulSet/todo-chatbot-postgresql'],
  );
  assert.is(both.items[2].status.readyReplicas, 1);
  const pods = await get('pods', '-n', 'todo', '-l', 'app.kubernetes.io/component=frontend');
  assert.is(pods.items.length, 2);
  for (const p of pods.items) {
    assert.is(p.status.phase, 'Running');
    assert.ok(p.status.containerStatuses[0].ready);
    assert.ok(p.status.containerStatuses[0].state.running.startedAt);
  }
  const svc = await get('svc', '-n', 'todo');
  assert.equal(
    svc.items.map((s: any) => [s.metadata.name, s.spec.type, s.spec.ports[0].nodePort]),
    [
      ['todo-chatbot-backend', 'NodePort', 30800],
      ['todo-chatbot-frontend', 'NodePort', 30080],
      ['todo-chatbot-postgresql', 'ClusterIP', undefined],
    ],
  );
  const ep = await get('endpoints', 'todo-chatbot-frontend', '-n', 'todo');
  assert.is(ep.subsets[0].addresses.length, 2);
  const slices = await get('endpointslices', '-n', 'todo', '-l', 'kubernetes.io/service-name=todo-chatbot-backend');
  assert.is(slices.items[0].endpoints[0].conditions.ready, true);
  const pvc = await get('pvc', 'data-todo-chatbot-postgresql-0', '-n', 'todo');
  assert.is(pvc.status.phase, 'Bound');
  const secrets = await get('secrets', '-n', 'todo');
  assert.ok(secrets.items.some((s: any) => s.metadata.name === 'sh.helm.release.v1.todo-chatbot.v1' && s.type === 'helm.sh/release.v1'));
  const cms = await get('cm', '-n', 'todo');
  assert.equal(
    cms.items.map((c: any) => c.metadata.name),
    ['todo-chatbot-backend', 'todo-chatbot-frontend'],
  );
  const nodes = await get('nodes');
  assert.is(nodes.items[0].metadata.name, 'minikube');
  assert.is(nodes.items[0].status.conditions.find((c: any) => c.type === 'Ready').status, 'True');
  const ns = await get('ns');
  assert.ok(ns.items.some((n: any) => n.metadata.name === 'todo' && n.status.phase === 'Active'));
  const all = await get('pods', '-A');
  assert.is(all.items.length, 4);
  const names = await f.run('kubectl', ['get', 'deploy', '-n', 'todo', '-o', 'name']);
  assert.is(names.stdout, 'deployment.apps/todo-chatbot-backend\ndeployment.apps/todo-chatbot-frontend\n');
});

test('kubectl get: NotFound texts and exit codes', async () => {
  const f = await todo();
  const cases: [string[], string][] = [
    [['get', 'pod', 'nope', '-n', 'todo'], 'Error from server (NotFound): pods "nope" not found\n'],
    [['get', 'deploy/nope', '-n', 'todo'], 'Error from server (NotFound): deployments.apps "nope" not found\n'],
    [['get', 'statefulset', 'nope', '-n', 'todo'], 'Error from server (NotFound): statefulsets.apps "nope" not found\n'],
    [['get', 'ns', 'nope'], 'Error from server (NotFound): namespaces "nope" not found\n'],
    [['get', 'pvc', 'nope', '-n', 'todo'], 'Error from server (NotFound): persistentvolumeclaims "nope" not found\n'],
    [['get', 'endpointslice', 'nope', '-n', 'todo'], 'Error from server (NotFound): endpointslices.discovery.k8s.io "nope" not found\n'],
  ];
  for (const [args, err] of cases) {
    const r = await f.run('kubectl', [...args, '-o', 'json']);
    assert.is(r.code, 1, args.join(' '));
    assert.is(r.stdout, '');
    assert.is(r.stderr, err);
  }
  // several names: the found ones in a List on stdout, the errors after
  const mixed = await f.run('kubectl', ['get', 'deploy/todo-chatbot-backend', 'deploy/nope', '-n', 'todo', '-o', 'json']);
  assert.is(mixed.code, 1);
  assert.is(json(mixed.stdout).items.length, 1);
  assert.is(mixed.stderr, 'Error from server (NotFound): deployments.apps "nope" not found\n');
  const ignored = await f.run('kubectl', ['get', 'pod', 'nope', '-n', 'todo', '-o', 'json', '--ignore-not-found']);
  assert.equal([ignored.code, ignored.stdout, ignored.stderr], [0, '', '']);
});

test('kubectl get events and container states: CrashLoopBackOff, ImagePullBackOff, OOMKilled', async () => {
  const f = await todo();
  f.update((s) => {
    const objs = s.clusters.minikube!.objects!;
    objs.push(
      {
        kind: 'Pod',
        name: 'crash',
        namespace: 'todo',
        containers: [{ name: 'backend', image: 'todo-backend:b1a2c3d4', status: 'CrashLoopBackOff', restartCount: 5 }],
      },
      { kind: 'Pod', name: 'pull', namespace: 'todo', containers: [{ name: 'frontend', image: 'todo-frontend:not-built' }] },
      {
        kind: 'Pod',
        name: 'oom',
        namespace: 'todo',
        containers: [{ name: 'db', image: 'postgres:17.5-alpine', status: 'running', lastState: { reason: 'OOMKilled' }, restartCount: 2 }],
      },
      {
        kind: 'Event',
        namespace: 'todo',
        involvedObject: { kind: 'Pod', name: 'pull' },
        reason: 'Failed',
        type: 'Warning',
        message: 'Failed to pull image "todo-frontend:not-built"',
      },
    );
  });
  const pod = async (n: string) =>
    json((await f.run('kubectl', ['get', 'pod', n, '-n', 'todo', '-o', 'json'])).stdout).status.containerStatuses[0];
  const crash = await pod('crash');
  assert.is(crash.state.waiting.reason, 'CrashLoopBackOff');
  assert.is(crash.state.waiting.message, 'back-off 5m0s restarting failed container=backend pod=crash');
  assert.is(crash.lastState.terminated.reason, 'Error');
  assert.is(crash.restartCount, 5);
  const pull = await pod('pull');
  assert.is(pull.state.waiting.reason, 'ImagePullBackOff');
  assert.is(pull.state.waiting.message, 'Back-off pulling image "todo-frontend:not-built"');
  const oom = await pod('oom');
  assert.ok(oom.state.running);
  assert.equal([oom.lastState.terminated.reason, oom.lastState.terminated.exitCode], ['OOMKilled', 137]);
  const ev = json(
    (await f.run('kubectl', ['get', 'events', '-n', 'todo', '-o', 'json', '--field-selector', 'involvedObject.name=pull'])).stdout,
  );
  assert.is(ev.items.length, 1);
  assert.equal([ev.items[0].reason, ev.items[0].type, ev.items[0].involvedObject.kind], ['Failed', 'Warning', 'Pod']);
});

test('kubectl logs: current, --previous, --tail, waiting containers, errors', async () => {
  const f = await todo();
  f.update((s) => {
    const c = s.clusters.minikube!;
    c.objects!.push(
      {
        kind: 'Pod',
        name: 'crash',
        namespace: 'todo',
        containers: [{ name: 'backend', image: 'todo-backend:b1a2c3d4', status: 'CrashLoopBackOff' }],
      },
      { kind: 'Pod', name: 'pull', namespace: 'todo', containers: [{ name: 'frontend', image: 'todo-frontend:not-built' }] },
      {
        kind: 'Pod',
        name: 'two',
        namespace: 'todo',
        containers: [
          { name: 'a', image: 'postgres:17.5-alpine' },
          { name: 'b', image: 'postgres:17.5-alpine' },
        ],
      },
    );
    c.logs = {
      'todo/todo-chatbot-backend/backend': { current: 'line 1\nline 2\nline 3\n' },
      'todo/crash/backend': { previous: 'Traceback: boom\n' },
      'todo/two/a': { current: 'from a\n' },
    };
  });
  const backendPod = json(
    (await f.run('kubectl', ['get', 'pods', '-n', 'todo', '-l', 'app.kubernetes.io/component=backend', '-o', 'json'])).stdout,
  ).items[0].metadata.name;
  const r = await f.run('kubectl', ['logs', backendPod, '-c', 'backend', '-n', 'todo', '--tail', '2']);
  assert.equal([r.code, r.stdout], [0, 'line 2\nline 3\n']);
  const viaDeploy = await f.run('kubectl', ['logs', 'deploy/todo-chatbot-backend', '-n', 'todo']);
  assert.is(viaDeploy.stdout, 'line 1\nline 2\nline 3\n');
  const crash = await f.run('kubectl', ['logs', 'crash', '-n', 'todo', '--previous']);
  assert.is(crash.stdout, 'Traceback: boom\n');
  const noPrev = await f.run('kubectl', ['logs', backendPod, '-n', 'todo', '--previous']);
  assert.is(noPrev.stderr, `Error from server (BadRequest): previous terminated container "backend" in pod "${backendPod}" not found\n`);
  const pull = await f.run('kubectl', ['logs', 'pull', '-n', 'todo']);
  assert.equal(
    [pull.code, pull.stderr],
    [1, 'Error from server (BadRequest): container "frontend" in pod "pull" is waiting to start: trying and failing to pull image\n'],
  );
  const two = await f.run('kubectl', ['logs', 'two', '-n', 'todo']);
  assert.equal([two.stdout, two.stderr], ['from a\n', 'Defaulted container "a" out of: a, b\n']);
  const bad = await f.run('kubectl', ['logs', 'two', '-c', 'zzz', '-n', 'todo']);
  assert.is(bad.stderr, 'error: container zzz is not valid for pod two\n');
  const gone = await f.run('kubectl', ['logs', 'nope', '-n', 'todo']);
  assert.equal([gone.code, gone.stderr], [1, 'Error from server (NotFound): pods "nope" not found\n']);
});

test('kubectl create namespace and delete namespace|pvc|pod', async () => {
  const f = await todo();
  const created = await f.run('kubectl', ['create', 'namespace', 'extra']);
  assert.equal([created.code, created.stdout], [0, 'namespace/extra created\n']);
  const again = await f.run('kubectl', ['create', 'namespace', 'extra']);
  assert.equal([again.code, again.stderr], [1, 'Error from server (AlreadyExists): namespaces "extra" already exists\n']);
  const pods = () => f.run('kubectl', ['get', 'pods', '-n', 'todo', '-o', 'name']).then((r) => r.stdout.trim().split('\n'));
  const before = await pods();
  const victim = before.find((p) => p.includes('frontend'))!.slice(4);
  const del = await f.run('kubectl', ['delete', 'pod', victim, '-n', 'todo', '--wait=false']);
  assert.is(del.stdout, `pod "${victim}" deleted\n`);
  const after = await pods();
  assert.is(after.length, before.length, 'the ReplicaSet replaces the pod');
  assert.not.ok(after.includes(`pod/${victim}`));
  const sts = await f.run('kubectl', ['delete', 'pod', 'todo-chatbot-postgresql-0', '-n', 'todo']);
  assert.is(sts.code, 0);
  assert.ok((await pods()).includes('pod/todo-chatbot-postgresql-0'), 'a StatefulSet pod comes back under its name');
  const pvcMissing = await f.run('kubectl', ['delete', 'pvc', 'nope', '-n', 'todo']);
  assert.equal([pvcMissing.code, pvcMissing.stderr], [1, 'Error from server (NotFound): persistentvolumeclaims "nope" not found\n']);
  const ignored = await f.run('kubectl', ['delete', 'pvc', 'nope', '-n', 'todo', '--ignore-not-found']);
  assert.equal([ignored.code, ignored.stdout, ignored.stderr], [0, '', '']);
  const pvc = await f.run('kubectl', ['delete', 'pvc', 'data-todo-chatbot-postgresql-0', '-n', 'todo']);
  assert.is(pvc.stdout, 'persistentvolumeclaim "data-todo-chatbot-postgresql-0" deleted\n');
  const ns = await f.run('kubectl', ['delete', 'namespace', 'todo']);
  assert.is(ns.stdout, 'namespace "todo" deleted\n');
  assert.is(json((await f.run('kubectl', ['get', 'pods', '-n', 'todo', '-o', 'json'])).stdout).items.length, 0);
  assert.is(json((await f.run('helm', ['list', '-A', '-o', 'json'])).stdout).length, 0, 'releases live in the namespace');
});

// ---------------------------------------------------------------------------
// helm

test('helm version: plain, --short and --template for the v3.17 and v4.1 personas', async () => {
  const f = bare();
  const expect = {
    v3: [
      'version.BuildInfo{Version:"v3.17.0", GitCommit:"301108edc7ac2a8ba79e4ebf5701b0b6ce6a31e4", GitTreeState:"clean", GoVersion:"go1.23.4"}\n',
      'v3.17.0+g301108e\n',
      'v3.17.0',
    ],
    v4: [
      'version.BuildInfo{Version:"v4.1.1", GitCommit:"5caf0044d4ef3d62a955440272999e139aafbbed", GitTreeState:"clean", GoVersion:"go1.25.7", KubeClientVersion:"v1.35"}\n',
      'v4.1.1+g5caf004\n',
      'v4.1.1',
    ],
  };
  for (const persona of ['v3', 'v4'] as const) {
    f.update((s) => (s.helm!.persona = persona));
    assert.is((await f.run('helm', ['version'])).stdout, expect[persona][0]);
    assert.is((await f.run('helm', ['version', '--short'])).stdout, expect[persona][1]);
    assert.is((await f.run('helm', ['version', '--template', '{{.Version}}'])).stdout, expect[persona][2]);
  }
});

test('helm list / status / history / get values -o json on the deployed release', async () => {
  const f = await todo();
  const list = await f.run('helm', ['list', '-n', 'todo', '-o', 'json']);
  const [rel] = json(list.stdout);
  assert.equal(Object.keys(rel), ['name', 'namespace', 'revision', 'updated', 'status', 'chart', 'app_version']);
  assert.equal(
    [rel.name, rel.namespace, rel.revision, rel.status, rel.chart],
    ['todo-chatbot', 'todo', '1', 'deployed', 'todo-chatbot-0.1.0'],
  );
  assert.match(rel.updated, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,9})? \+0000 UTC$/);
  assert.is((await f.run('helm', ['list', '-n', 'default', '-o', 'json'])).stdout, '[]\n');
  const st = json((await f.run('helm', ['status', 'todo-chatbot', '-n', 'todo', '-o', 'json'])).stdout);
  assert.equal(Object.keys(st), ['name', 'info', 'config', 'manifest', 'hooks', 'version', 'namespace']);
  assert.equal(Object.keys(st.info), ['first_deployed', 'last_deployed', 'deleted', 'description', 'status']);
  assert.is(st.info.deleted, '');
  assert.is(st.info.status, 'deployed');
  assert.equal(st.config, { backend: { image: { tag: 'b1a2c3d4' } }, frontend: { image: { tag: 'f1e2d3c4' } } });
  const hist = json((await f.run('helm', ['history', 'todo-chatbot', '-n', 'todo', '-o', 'json'])).stdout);
  assert.equal(Object.keys(hist[0]), ['revision', 'updated', 'status', 'chart', 'app_version', 'description']);
  assert.equal([hist[0].revision, hist[0].status, hist[0].description], [1, 'deployed', 'Install complete']);
  assert.match(hist[0].updated, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
  assert.is(
    (await f.run('helm', ['get', 'values', 'todo-chatbot', '-n', 'todo', '-o', 'json'])).stdout,
    '{"backend":{"image":{"tag":"b1a2c3d4"}},"frontend":{"image":{"tag":"f1e2d3c4"}}}\n',
  );
  const all = json((await f.run('helm', ['get', 'values', 'todo-chatbot', '-n', 'todo', '-o', 'json', '--all'])).stdout);
  assert.is(all.frontend.image.tag, 'f1e2d3c4');
  assert.is(all.frontend.image.repository, 'todo-frontend', 'chart defaults are coalesced');
  for (const args of [
    ['status', 'nope'],
    ['history', 'nope'],
    ['get', 'values', 'nope'],
  ]) {
    const r = await f.run('helm', [...args, '-n', 'todo', '-o', 'json']);
    assert.equal([r.code, r.stderr], [1, 'Error: release: not found\n'], args.join(' '));
  }
});

test('helm upgrade --install: success text, revision bookkeeping, -f and --set values, images in the new pods', async () => {
  const f = await todo();
  const valuesFile = path.join(f.dir, 'values-local.yaml');
  fs.writeFileSync(valuesFile, 'secrets:\n  openaiApiKey: from-file\nfrontend:\n  replicaCount: 3\n');
  f.update((s) => s.clusters.minikube!.images!.push(image('todo-frontend:v2')));
  const r = await f.run('helm', [
    'upgrade',
    '--install',
    'todo-chatbot',
    CHART_DIR,
    '-n',
    'todo',
    '-f',
    valuesFile,
    '--set',
    'frontend.image.tag=v2,backend.image.tag=b1a2c3d4',
    '--set',
    'backend.replicaCount=1',
    '--wait',
    '--timeout',
    '5m',
  ]);
  assert.is(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^Release "todo-chatbot" has been upgraded\. Happy Helming!\nNAME: todo-chatbot\nLAST DEPLOYED: (Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\nNAMESPACE: todo\nSTATUS: deployed\nREVISION: 2\n$/,
  );
  const hist = json((await f.run('helm', ['history', 'todo-chatbot', '-n', 'todo', '-o', 'json'])).stdout);
  assert.equal(
    hist.map((h: any) => [h.revision, h.status, h.description]),
    [
      [1, 'superseded', 'Install complete'],
      [2, 'deployed', 'Upgrade complete'],
    ],
  );
  const vals = json((await f.run('helm', ['get', 'values', 'todo-chatbot', '-n', 'todo', '-o', 'json'])).stdout);
  assert.equal(vals, {
    backend: { image: { tag: 'b1a2c3d4' }, replicaCount: 1 },
    frontend: { image: { tag: 'v2' }, replicaCount: 3 },
    secrets: { openaiApiKey: 'from-file' },
  });
  const fe = json(
    (await f.run('kubectl', ['get', 'pods', '-n', 'todo', '-l', 'app.kubernetes.io/component=frontend', '-o', 'json'])).stdout,
  ).items;
  assert.is(fe.length, 3);
  for (const p of fe) assert.is(p.spec.containers[0].image, 'todo-frontend:v2');
  const deploy = json((await f.run('kubectl', ['get', 'deploy', 'todo-chatbot-frontend', '-n', 'todo', '-o', 'json'])).stdout);
  assert.equal([deploy.metadata.generation, deploy.metadata.annotations['deployment.kubernetes.io/revision']], [2, '2']);
  // no values given: helm reuses the last release's values
  await f.run('helm', ['upgrade', 'todo-chatbot', CHART_DIR, '-n', 'todo']);
  assert.equal(json((await f.run('helm', ['get', 'values', 'todo-chatbot', '-n', 'todo', '-o', 'json'])).stdout), vals);
});

test('helm upgrade --install of a new release: install text, --create-namespace, missing namespace error, missing chart path', async () => {
  const f = await todo({ deploy: false });
  const noNs = await f.run('helm', ['upgrade', '--install', 'app', CHART_DIR, '-n', 'fresh']);
  assert.is(noNs.stdout, 'Release "app" does not exist. Installing it now.\n');
  assert.equal([noNs.code, noNs.stderr], [1, 'Error: INSTALLATION FAILED: create: failed to create: namespaces "fresh" not found\n']);
  const ok = await f.run('helm', [
    'upgrade',
    '--install',
    'app',
    CHART_DIR,
    '-n',
    'fresh',
    '--create-namespace',
    '--set',
    'frontend.image.tag=f1e2d3c4',
    '--set',
    'backend.image.tag=b1a2c3d4',
  ]);
  assert.is(ok.code, 0, ok.stderr);
  assert.match(
    ok.stdout,
    /^Release "app" does not exist\. Installing it now\.\nNAME: app\nLAST DEPLOYED: .+\nNAMESPACE: fresh\nSTATUS: deployed\nREVISION: 1\n$/,
  );
  assert.is(json((await f.run('kubectl', ['get', 'ns', 'fresh', '-o', 'json'])).stdout).metadata.labels.name, 'fresh');
  const noChart = await f.run('helm', ['upgrade', '--install', 'app2', './no-such-chart', '-n', 'fresh']);
  assert.equal([noChart.code, noChart.stderr], [1, 'Error: path "./no-such-chart" not found\n']);
  const noValues = await f.run('helm', ['upgrade', '--install', 'app', CHART_DIR, '-n', 'fresh', '-f', 'missing.yaml']);
  assert.equal([noValues.code, noValues.stderr], [1, 'Error: open missing.yaml: no such file or directory\n']);
});

test('helm upgrade failures: injected error, --wait on unready pods, --atomic rollback (v3) and --rollback-on-failure (v4)', async () => {
  const f = await todo();
  f.update((s) => s.failures!.push({ tool: 'helm', match: ['upgrade'], error: 'timed out waiting for the condition', times: 1 }));
  const failed = await f.run('helm', ['upgrade', 'todo-chatbot', CHART_DIR, '-n', 'todo', '--set', 'frontend.image.tag=f1e2d3c4']);
  assert.equal([failed.code, failed.stdout, failed.stderr], [1, '', 'Error: UPGRADE FAILED: timed out waiting for the condition\n']);
  let hist = json((await f.run('helm', ['history', 'todo-chatbot', '-n', 'todo', '-o', 'json'])).stdout);
  assert.equal(
    hist.map((h: any) => [h.revision, h.status]),
    [
      [1, 'deployed'],
      [2, 'failed'],
    ],
  );
  assert.is(hist[1].description, 'Upgrade "todo-chatbot" failed: timed out waiting for the condition');
  assert.equal(f.state().failures, [], 'the rule was used up');
  // a tag that is on no node: pods in ImagePullBackOff, --wait times out, --atomic rolls back
  const atomic = await f.run('helm', [
    'upgrade',
    'todo-chatbot',
    CHART_DIR,
    '-n',
    'todo',
    '--set',
    'backend.image.tag=not-loaded',
    '--atomic',
  ]);
  assert.equal(
    [atomic.code, atomic.stderr],
    [
      1,
      'Error: UPGRADE FAILED: release todo-chatbot failed, and has been rolled back due to atomic being set: context deadline exceeded\n',
    ],
  );
  hist = json((await f.run('helm', ['history', 'todo-chatbot', '-n', 'todo', '-o', 'json'])).stdout);
  assert.equal(
    hist.map((h: any) => [h.revision, h.status, h.description]),
    [
      [1, 'superseded', 'Install complete'],
      [2, 'failed', 'Upgrade "todo-chatbot" failed: timed out waiting for the condition'],
      [3, 'failed', 'Upgrade "todo-chatbot" failed: context deadline exceeded'],
      [4, 'deployed', 'Rollback to 1'],
    ],
  );
  const be = json(
    (await f.run('kubectl', ['get', 'pods', '-n', 'todo', '-l', 'app.kubernetes.io/component=backend', '-o', 'json'])).stdout,
  ).items;
  assert.equal(
    be.map((p: any) => [p.spec.containers[0].image, p.status.containerStatuses[0].ready]),
    [['todo-backend:b1a2c3d4', true]],
  );
  // without --atomic the unready pods stay
  const waitOnly = await f.run('helm', [
    'upgrade',
    'todo-chatbot',
    CHART_DIR,
    '-n',
    'todo',
    '--set',
    'backend.image.tag=not-loaded',
    '--wait',
  ]);
  assert.is(waitOnly.stderr, 'Error: UPGRADE FAILED: context deadline exceeded\n');
  const stuck = json(
    (await f.run('kubectl', ['get', 'pods', '-n', 'todo', '-l', 'app.kubernetes.io/component=backend', '-o', 'json'])).stdout,
  ).items[0];
  assert.is(stuck.status.containerStatuses[0].state.waiting.reason, 'ImagePullBackOff');
  const dep = json((await f.run('kubectl', ['get', 'deploy', 'todo-chatbot-backend', '-n', 'todo', '-o', 'json'])).stdout);
  assert.is(dep.status.readyReplicas, undefined);
  assert.is(dep.status.unavailableReplicas, 1);
  // v3 has no --rollback-on-failure; v4 deprecates --atomic
  const v3flag = await f.run('helm', ['upgrade', 'todo-chatbot', CHART_DIR, '-n', 'todo', '--rollback-on-failure']);
  assert.equal([v3flag.code, v3flag.stderr], [1, 'Error: unknown flag: --rollback-on-failure\n']);
  f.update((s) => (s.helm!.persona = 'v4'));
  const v4 = await f.run('helm', [
    'upgrade',
    'todo-chatbot',
    CHART_DIR,
    '-n',
    'todo',
    '--set',
    'backend.image.tag=not-loaded',
    '--rollback-on-failure',
  ]);
  assert.is(
    v4.stderr,
    'Error: UPGRADE FAILED: release todo-chatbot failed, and has been rolled back due to rollback-on-failure being set: context deadline exceeded\n',
  );
  const v4atomic = await f.run('helm', [
    'upgrade',
    'todo-chatbot',
    CHART_DIR,
    '-n',
    'todo',
    '--reuse-values',
    '--set',
    'backend.image.tag=b1a2c3d4',
    '--atomic',
  ]);
  assert.is(v4atomic.code, 0, v4atomic.stderr);
  assert.is(v4atomic.stderr, 'Flag --atomic has been deprecated, use --rollback-on-failure instead\n');
  assert.match(v4atomic.stdout, /\nDESCRIPTION: Upgrade complete\n/);
});

test('helm: a pending revision blocks upgrades; list filters by status like helm (deployed and failed by default)', async () => {
  const f = await todo();
  f.update((s) => {
    const rel = s.helm!.releases![0]!;
    rel.revisions.push({ ...rel.revisions[0], revision: 2, status: 'pending-upgrade', description: 'Preparing upgrade' });
  });
  const r = await f.run('helm', ['upgrade', '--install', 'todo-chatbot', CHART_DIR, '-n', 'todo']);
  assert.equal([r.code, r.stderr], [1, 'Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress\n']);
  assert.is((await f.run('helm', ['list', '-n', 'todo', '-o', 'json'])).stdout, '[]\n');
  assert.is(json((await f.run('helm', ['list', '-n', 'todo', '--pending', '-o', 'json'])).stdout)[0].status, 'pending-upgrade');
  assert.is(json((await f.run('helm', ['list', '-A', '--all', '-o', 'json'])).stdout).length, 1);
});

test('helm rollback and uninstall', async () => {
  const f = await todo();
  await f.run('helm', ['upgrade', 'todo-chatbot', CHART_DIR, '-n', 'todo', '--set', 'frontend.replicaCount=1']);
  const rb = await f.run('helm', ['rollback', 'todo-chatbot', '1', '-n', 'todo']);
  assert.equal([rb.code, rb.stdout], [0, 'Rollback was a success! Happy Helming!\n']);
  const hist = json((await f.run('helm', ['history', 'todo-chatbot', '-n', 'todo', '-o', 'json'])).stdout);
  assert.equal(
    hist.map((h: any) => [h.revision, h.status, h.description]),
    [
      [1, 'superseded', 'Install complete'],
      [2, 'superseded', 'Upgrade complete'],
      [3, 'deployed', 'Rollback to 1'],
    ],
  );
  assert.is(json((await f.run('kubectl', ['get', 'deploy', 'todo-chatbot-frontend', '-n', 'todo', '-o', 'json'])).stdout).spec.replicas, 2);
  const badRev = await f.run('helm', ['rollback', 'todo-chatbot', '9', '-n', 'todo']);
  assert.equal([badRev.code, badRev.stderr], [1, 'Error: release has no 9 version\n']);
  const un = await f.run('helm', ['uninstall', 'todo-chatbot', '-n', 'todo']);
  assert.equal([un.code, un.stdout], [0, 'release "todo-chatbot" uninstalled\n']);
  const left = json((await f.run('kubectl', ['get', 'deploy,sts,svc,pods,pvc', '-n', 'todo', '-o', 'json'])).stdout).items.map(
    (o: any) => `${o.kind}/${o.metadata.name}`,
  );
  assert.equal(left, ['PersistentVolumeClaim/data-todo-chatbot-postgresql-0'], 'StatefulSet PVCs outlive the release');
  const again = await f.run('helm', ['uninstall', 'todo-chatbot', '-n', 'todo']);
  assert.equal([again.code, again.stderr], [1, 'Error: uninstall: Release not loaded: todo-chatbot: release: not found\n']);
});

test('helm against a stopped minikube: "Kubernetes cluster unreachable"', async () => {
  const f = await todo();
  const stop = await f.run('minikube', ['stop']);
  assert.is(stop.code, 0);
  const r = await f.run('helm', ['list', '-A', '-o', 'json']);
  assert.equal(
    [r.code, r.stderr],
    [
      1,
      'Error: Kubernetes cluster unreachable: Get "https://127.0.0.1:32773/version": dial tcp 127.0.0.1:32773: connect: connection refused\n',
    ],
  );
  const k = await f.run('kubectl', ['get', 'pods', '-n', 'todo', '-o', 'json']);
  assert.ok(k.stderr.endsWith('The connection to the server 127.0.0.1:32773 was refused - did you specify the right host or port?\n'));
});

// ---------------------------------------------------------------------------
// minikube

test('minikube status -o json: field names, no trailing newline, exit-code bitmask when stopped', async () => {
  const f = await todo();
  const up = await f.run('minikube', ['status', '-o', 'json']);
  assert.equal(
    [up.code, up.stdout],
    [0, '{"Name":"minikube","Host":"Running","Kubelet":"Running","APIServer":"Running","Kubeconfig":"Configured","Worker":false}'],
  );
  assert.is(
    (await f.run('minikube', ['status'])).stdout,
    'minikube\ntype: Control Plane\nhost: Running\nkubelet: Running\napiserver: Running\nkubeconfig: Configured\n\n',
  );
  await f.run('minikube', ['stop', '-p', 'minikube']);
  const down = await f.run('minikube', ['status', '-p', 'minikube', '-o', 'json']);
  assert.equal(
    [down.code, down.stdout],
    [7, '{"Name":"minikube","Host":"Stopped","Kubelet":"Stopped","APIServer":"Stopped","Kubeconfig":"Stopped","Worker":false}'],
  );
  f.update(
    (s) => (s.minikube!.profiles![0]!.status = { Host: 'Running', Kubelet: 'Running', APIServer: 'Stopped', Kubeconfig: 'Configured' }),
  );
  assert.is((await f.run('minikube', ['status', '-o', 'json'])).code, 2);
  const missing = await f.run('minikube', ['status', '-p', 'ghost']);
  assert.equal(
    [missing.code, missing.stdout],
    [
      85,
      '* Profile "ghost" not found. Run "minikube profile list" to view all profiles.\n  - To start a cluster, run: "minikube start -p ghost"\n',
    ],
  );
  const missingJson = await f.run('minikube', ['status', '-p', 'ghost', '-o', 'json']);
  assert.is(
    json(missingJson.stdout.split('\n')[0]!).data.message,
    'Profile "ghost" not found. Run "minikube profile list" to view all profiles.',
  );
  const start = await f.run('minikube', ['start']);
  assert.is(start.code, 0);
  assert.ok(start.stdout.endsWith('* Done! kubectl is now configured to use "minikube" cluster and "default" namespace by default\n'));
  assert.is((await f.run('minikube', ['status', '-o', 'json'])).code, 0);
});

test('minikube version, ip, profile list -o json', async () => {
  const f = await todo();
  assert.is(
    (await f.run('minikube', ['version', '-o', 'json'])).stdout,
    '{"commit":"dd5d320e41b5451cdf3c01891bc4e13d189586ed-dirty","minikubeVersion":"v1.35.0"}\n',
  );
  assert.is((await f.run('minikube', ['ip', '-p', 'minikube'])).stdout, '192.168.49.2\n');
  const pl = json((await f.run('minikube', ['profile', 'list', '-o', 'json'])).stdout);
  assert.equal(Object.keys(pl), ['invalid', 'valid']);
  assert.equal(Object.keys(pl.valid[0]), ['Name', 'Status', 'Config', 'Active', 'ActiveKubeContext']);
  assert.equal(
    [
      pl.valid[0].Name,
      pl.valid[0].Status,
      pl.valid[0].Config.Driver,
      pl.valid[0].Config.KubernetesConfig.ContainerRuntime,
      pl.valid[0].Config.Nodes[0].IP,
    ],
    ['minikube', 'OK', 'docker', 'docker', '192.168.49.2'],
  );
  await f.run('minikube', ['stop']);
  assert.is(json((await f.run('minikube', ['profile', 'list', '-o', 'json'])).stdout).valid[0].Status, 'Stopped');
  const ip = await f.run('minikube', ['ip']);
  assert.equal(
    [ip.code, ip.stdout],
    [83, '* The control-plane node minikube host is not running: state=Stopped\n  - To start a cluster, run: "minikube start"\n'],
  );
});

test('minikube docker-env prints the real format, and docker calls with it act on the node daemon', async () => {
  const f = await todo();
  const r = await f.run('minikube', ['-p', 'minikube', 'docker-env']);
  const certs = path.join(f.env.MINIKUBE_HOME!, '.minikube', 'certs');
  assert.is(
    r.stdout,
    `export DOCKER_TLS_VERIFY="1"\nexport DOCKER_HOST="tcp://127.0.0.1:32772"\nexport DOCKER_CERT_PATH="${certs}"\nexport MINIKUBE_ACTIVE_DOCKERD="minikube"\n\n# To point your shell to minikube's docker-daemon, run:\n# eval $(minikube -p minikube docker-env)\n`,
  );
  assert.is((await f.run('minikube', ['docker-env', '--shell', 'fish'])).stdout.split('\n')[0], 'set -gx DOCKER_TLS_VERIFY "1";');
  assert.is(
    (await f.run('minikube', ['docker-env', '--unset'])).stdout,
    'unset DOCKER_TLS_VERIFY;\nunset DOCKER_HOST;\nunset DOCKER_CERT_PATH;\nunset MINIKUBE_ACTIVE_DOCKERD;\n',
  );
  const env: Record<string, string> = {};
  for (const m of r.stdout.matchAll(/^export (\w+)="([^"]*)"$/gm)) env[m[1]!] = m[2]!;
  const ctx = path.join(f.dir, 'app');
  fs.mkdirSync(ctx);
  fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM scratch\n');
  const build = await f.run('docker', ['build', '-t', 'todo-backend:node-built', ctx], { env });
  assert.is(build.code, 0, build.stderr);
  const s = f.state();
  assert.ok(s.clusters.minikube!.images!.some((i) => i.repoTags.includes('todo-backend:node-built')));
  assert.not.ok(s.docker!.images!.some((i) => i.repoTags.includes('todo-backend:node-built')));
  assert.ok((await f.run('minikube', ['status'], { env })).stdout.includes('docker-env: in-use\n'));
  const badCerts = await f.run('docker', ['images', '--format', '{{json .}}'], {
    env: { ...env, DOCKER_CERT_PATH: path.join(f.dir, 'nope') },
  });
  assert.equal(
    [badCerts.code, badCerts.stderr],
    [1, `Failed to initialize: unable to resolve docker endpoint: open ${path.join(f.dir, 'nope', 'ca.pem')}: no such file or directory\n`],
  );
  await f.run('minikube', ['stop']);
  const down = await f.run('docker', ['images', '--format', '{{json .}}'], { env });
  assert.equal(
    [down.code, down.stderr],
    [1, 'Cannot connect to the Docker daemon at tcp://127.0.0.1:32772. Is the docker daemon running?\n'],
  );
});

test('minikube image load / image ls: copies host images to the node, with a failure hook', async () => {
  const f = await todo({ imagesLoaded: false });
  const before = (await f.run('minikube', ['image', 'ls'])).stdout;
  assert.not.ok(before.includes('todo-backend'));
  const r = await f.run('minikube', ['image', 'load', 'todo-backend:b1a2c3d4', '-p', 'minikube']);
  assert.is(r.code, 0, r.stderr);
  const short = (await f.run('minikube', ['image', 'ls', '-p', 'minikube'])).stdout.split('\n');
  assert.ok(short.includes('docker.io/library/todo-backend:b1a2c3d4'));
  assert.equal(short.slice(0, -1), [...short.slice(0, -1)].sort().reverse(), 'short format: tags sorted in reverse');
  const rows = json((await f.run('minikube', ['image', 'ls', '--format', 'json'])).stdout);
  const row = rows.find((x: any) => x.repoTags.includes('docker.io/library/todo-backend:b1a2c3d4'));
  assert.equal(Object.keys(row), ['id', 'repoDigests', 'repoTags', 'size']);
  assert.is(row.size, '180000000');
  const missing = await f.run('minikube', ['image', 'load', 'todo-backend:nope']);
  assert.is(missing.code, 80);
  assert.match(missing.stderr, /X Exiting due to GUEST_IMAGE_LOAD: Failed to load image: .*No such image: todo-backend:nope/);
  f.update((s) =>
    s.failures!.push({ tool: 'minikube', match: ['image', 'load'], exitCode: 80, stderr: 'injected load failure\n', times: 1 }),
  );
  const injected = await f.run('minikube', ['image', 'load', 'todo-frontend:f1e2d3c4']);
  assert.equal([injected.code, injected.stderr], [80, 'injected load failure\n']);
  assert.not.ok((await f.run('minikube', ['image', 'ls'])).stdout.includes('todo-frontend'), 'a failed load copies nothing');
  assert.is((await f.run('minikube', ['image', 'load', 'todo-frontend:f1e2d3c4'])).code, 0);
  assert.ok((await f.run('minikube', ['image', 'ls'])).stdout.includes('docker.io/library/todo-frontend:f1e2d3c4'));
});

test('pods recover once their image is loaded (container state follows the node image store)', async () => {
  const f = await todo({ imagesLoaded: false });
  const ready = async () =>
    json((await f.run('kubectl', ['get', 'deploy', 'todo-chatbot-frontend', '-n', 'todo', '-o', 'json'])).stdout).status.readyReplicas ?? 0;
  assert.is(await ready(), 0);
  await f.run('minikube', ['image', 'load', 'todo-frontend:f1e2d3c4']);
  assert.is(await ready(), 2);
});

// ---------------------------------------------------------------------------
// kind and k3d

test('kind get clusters / load docker-image', async () => {
  const f = await todo({ provider: 'kind', imagesLoaded: false });
  assert.is((await f.run('kind', ['get', 'clusters'])).stdout, 'todo\n');
  const img = f.state().docker!.images!.find((i) => i.repoTags.includes('todo-backend:b1a2c3d4'))!;
  const r = await f.run('kind', ['load', 'docker-image', 'todo-backend:b1a2c3d4', '--name', 'todo']);
  assert.equal(
    [r.code, r.stderr],
    [0, `Image: "todo-backend:b1a2c3d4" with ID "${img.id}" not yet present on node "todo-control-plane", loading...\n`],
  );
  const again = await f.run('kind', ['load', 'docker-image', 'todo-backend:b1a2c3d4', '--name', 'todo']);
  assert.equal([again.code, again.stderr], [0, ''], 'already present: nothing to do');
  const missing = await f.run('kind', ['load', 'docker-image', 'nope:1', '--name', 'todo']);
  assert.equal([missing.code, missing.stderr], [1, 'ERROR: image: "nope:1" not present locally\n']);
  const noCluster = await f.run('kind', ['load', 'docker-image', 'todo-backend:b1a2c3d4', '--name', 'other']);
  assert.equal([noCluster.code, noCluster.stderr], [1, 'ERROR: no nodes found for cluster "other"\n']);
  f.update((s) => s.failures!.push({ tool: 'kind', match: ['load', 'docker-image'], times: 1 }));
  const hooked = await f.run('kind', ['load', 'docker-image', 'todo-frontend:f1e2d3c4', '--name', 'todo']);
  assert.is(hooked.code, 1);
  assert.match(hooked.stderr, /ERROR: failed to load image/);
  assert.not.ok(f.state().clusters['kind-todo']!.images!.some((i) => i.repoTags.includes('todo-frontend:f1e2d3c4')));
  const empty = bare();
  const none = await empty.run('kind', ['get', 'clusters']);
  assert.equal([none.code, none.stdout, none.stderr], [0, '', 'No kind clusters found.\n']);
});

test('k3d cluster list -o json / image import', async () => {
  const f = await todo({ provider: 'k3d', imagesLoaded: false });
  const [c] = json((await f.run('k3d', ['cluster', 'list', '-o', 'json'])).stdout);
  assert.equal(
    [c.name, c.serversRunning, c.serversCount, c.agentsRunning, c.agentsCount, c.nodes[0].name, c.nodes[0].role],
    ['todo', 1, 1, 0, 0, 'k3d-todo-server-0', 'server'],
  );
  const r = await f.run('k3d', ['image', 'import', 'todo-backend:b1a2c3d4', '-c', 'todo']);
  assert.is(r.code, 0);
  assert.match(
    r.stderr,
    /^INFO\[\d{4}\] Importing image\(s\) into cluster 'todo'\n[\s\S]*INFO\[\d{4}\] Successfully imported 1 image\(s\) into 1 cluster\(s\)\n$/,
  );
  assert.ok(f.state().clusters['k3d-todo']!.images!.some((i) => i.repoTags.includes('todo-backend:b1a2c3d4')));
  const bad = await f.run('k3d', ['image', 'import', 'nope:1', '-c', 'todo']);
  assert.is(bad.code, 1);
  assert.match(
    bad.stderr,
    /ERRO\[\d{4}\] Failed to import image\(s\) into cluster 'todo': failed to save image\(s\): Error response from daemon: No such image: nope:1\n/,
  );
});

test('builders: healthy kind, k3d and docker-desktop clusters with the release deployed', async () => {
  for (const provider of ['kind', 'k3d', 'docker-desktop'] as const) {
    const f = await todo({ provider });
    const ctx = (await f.run('kubectl', ['config', 'current-context'])).stdout.trim();
    assert.is(ctx, provider === 'docker-desktop' ? 'docker-desktop' : `${provider}-todo`);
    const items = json((await f.run('kubectl', ['get', 'deploy,sts', '-n', 'todo', '-o', 'json'])).stdout).items;
    assert.equal(
      items.map((o: any) => o.status.readyReplicas),
      [1, 2, 1],
      provider,
    );
  }
});

// ---------------------------------------------------------------------------
// docker

test('docker version/info/image inspect with the daemon down: same bytes as the real docker client', async () => {
  const f = bare();
  f.update((s) => (s.docker = { daemon: 'down', host: 'tcp://127.0.0.1:1', images: [] }));
  const real = realBinary('docker');
  if (real) {
    const client = json(
      runReal(real, ['version', '--format', '{{json .Client}}'], { ...process.env, DOCKER_HOST: 'tcp://127.0.0.1:1' }).stdout,
    );
    f.update((s) => (s.docker!.client = client));
  }
  const cases = [
    ['version', '--format', '{{json .}}'],
    ['version', '--format', '{{.Server.Version}}'],
    ['info', '--format', '{{json .}}'],
    ['image', 'inspect', 'todo-backend:dev'],
    ['images', '--format', '{{json .}}'],
    ['tag', 'a', 'b'],
  ];
  for (const args of cases) {
    const mine = await f.run('docker', args);
    assert.is(mine.code, 1, args.join(' '));
    assert.is(mine.stderr, 'Cannot connect to the Docker daemon at tcp://127.0.0.1:1. Is the docker daemon running?\n');
    if (real) {
      const r = runReal(real, args, { ...process.env, DOCKER_HOST: 'tcp://127.0.0.1:1' });
      assert.is(mine.stdout, r.stdout, args.join(' '));
      assert.is(mine.stderr, r.stderr, args.join(' '));
      assert.is(mine.code, r.code, args.join(' '));
    }
  }
  assert.is((await f.run('docker', ['version', '--format', '{{json .Server}}'])).stdout, 'null\n');
});

test('docker build/tag/images/inspect/rmi/push: image ids from the inputs, real output shapes', async () => {
  const f = bare();
  const ctx = path.join(f.dir, 'ctx');
  fs.mkdirSync(ctx);
  fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM python:3.12-slim\nCOPY . /app\n');
  fs.writeFileSync(path.join(ctx, 'main.py'), 'print(1)\n');
  assert.is((await f.run('docker', ['build', '-t', 'todo-backend:a', ctx])).code, 0);
  assert.is((await f.run('docker', ['build', '-t', 'todo-backend:b', ctx])).code, 0);
  let imgs = f.state().docker!.images!;
  assert.is(imgs.length, 1, 'same inputs, same image id');
  assert.equal(imgs[0]!.repoTags, ['todo-backend:a', 'todo-backend:b']);
  fs.writeFileSync(path.join(ctx, 'main.py'), 'print(2)\n');
  await f.run('docker', ['build', '-t', 'todo-backend:c', '--build-arg', 'X=1', ctx]);
  imgs = f.state().docker!.images!;
  assert.is(imgs.length, 2, 'a changed file gives a new id');
  const noDockerfile = await f.run('docker', ['build', '-t', 'x', '-f', path.join(ctx, 'Nope'), ctx]);
  assert.equal(
    [noDockerfile.code, noDockerfile.stderr],
    [
      1,
      `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${path.join(ctx, 'Nope')}: no such file or directory\n`,
    ],
  );
  const ins = await f.run('docker', ['image', 'inspect', 'todo-backend:a']);
  assert.ok(ins.stdout.startsWith('[\n    {\n        "Id": "sha256:'));
  const [one] = json(ins.stdout);
  assert.equal(Object.keys(one).slice(0, 4), ['Id', 'RepoTags', 'RepoDigests', 'Parent']);
  assert.is((await f.run('docker', ['image', 'inspect', '-f', '{{ .Id }}', 'todo-backend:a'])).stdout, `${one.Id}\n`);
  const missing = await f.run('docker', ['image', 'inspect', 'todo-backend:zzz']);
  assert.equal(
    [missing.code, missing.stdout, missing.stderr],
    [1, '[]\n', 'Error response from daemon: No such image: todo-backend:zzz\n'],
  );
  const noTag = await f.run('docker', ['image', 'inspect', 'nothing']);
  assert.is(noTag.stderr, 'Error response from daemon: No such image: nothing:latest\n');
  const rows = (await f.run('docker', ['images', '--format', '{{json .}}'])).stdout.trim().split('\n').map(json);
  assert.is(rows.length, 3);
  assert.equal(Object.keys(rows[0]), [
    'Containers',
    'CreatedAt',
    'CreatedSince',
    'Digest',
    'ID',
    'Repository',
    'SharedSize',
    'Size',
    'Tag',
    'UniqueSize',
    'VirtualSize',
  ]);
  assert.ok((await f.run('docker', ['images', '--format', '{{json .}}'])).stdout.includes('"Digest":"\\u003cnone\\u003e"'));
  assert.is(rows[0].ID.length, 12);
  assert.match(rows[0].Size, /^\d+(\.\d+)?MB$/);
  const tag = await f.run('docker', ['tag', 'todo-backend:a', 'registry.local:5000/todo-backend:a']);
  assert.is(tag.code, 0);
  const noSrc = await f.run('docker', ['tag', 'zzz:1', 'y:1']);
  assert.equal([noSrc.code, noSrc.stderr], [1, 'Error response from daemon: No such image: zzz:1\n']);
  const push = await f.run('docker', ['push', 'registry.local:5000/todo-backend:a']);
  assert.is(push.code, 0);
  assert.ok(push.stdout.startsWith('The push refers to repository [registry.local:5000/todo-backend]\n'));
  assert.ok(f.state().registry!.images!.includes('registry.local:5000/todo-backend:a'));
  const pushMissing = await f.run('docker', ['push', 'nonexist']);
  assert.equal(
    [pushMissing.code, pushMissing.stdout, pushMissing.stderr],
    [
      1,
      'Using default tag: latest\nThe push refers to repository [docker.io/library/nonexist]\n',
      'An image does not exist locally with the tag: nonexist\n',
    ],
  );
  const rm = await f.run('docker', ['image', 'rm', 'todo-backend:b']);
  assert.equal([rm.code, rm.stdout], [0, 'Untagged: todo-backend:b\n']);
  const rmMissing = await f.run('docker', ['rmi', 'zzz']);
  assert.equal([rmMissing.code, rmMissing.stderr], [1, 'Error response from daemon: No such image: zzz:latest\n']);
  const v = json((await f.run('docker', ['version', '--format', '{{json .}}'])).stdout);
  assert.equal(Object.keys(v), ['Client', 'Server']);
  assert.equal(Object.keys(v.Server).slice(0, 3), ['Platform', 'Components', 'Version']);
  assert.is((await f.run('docker', ['version', '--format', '{{.Server.Version}}'])).stdout, '28.2.2\n');
  assert.is(json((await f.run('docker', ['info', '--format', '{{json .}}'])).stdout).ServerVersion, '28.2.2');
});

// ---------------------------------------------------------------------------
// failure injection, latency, concurrency

test('failure injection: exit code, stdout, stderr, delay, times, first match wins', async () => {
  const f = await todo();
  f.update((s) => {
    s.failures!.push(
      { tool: 'kubectl', match: ['get', 'pods'], exitCode: 3, stdout: 'partial\n', stderr: 'boom\n', delayMs: 300, times: 2 },
      { tool: 'kubectl', match: ['get'], exitCode: 4, stderr: 'second rule\n', times: 1 },
    );
  });
  const t0 = Date.now();
  const a = await f.run('kubectl', ['get', 'pods', '-n', 'todo', '-o', 'json']);
  assert.ok(Date.now() - t0 >= 300, 'delayMs is honoured');
  assert.equal([a.code, a.stdout, a.stderr], [3, 'partial\n', 'boom\n']);
  assert.is((await f.run('kubectl', ['get', 'pods', '-n', 'todo', '-o', 'json'])).code, 3);
  const c = await f.run('kubectl', ['get', 'pods', '-n', 'todo', '-o', 'json']);
  assert.equal([c.code, c.stderr], [4, 'second rule\n'], 'first rule used up, the next one matches');
  const d = await f.run('kubectl', ['get', 'pods', '-n', 'todo', '-o', 'json']);
  assert.is(d.code, 0);
  assert.equal(f.state().failures, []);
  f.update((s) =>
    s.failures!.push({ tool: 'docker', match: ['push'], exitCode: 1, stderr: 'denied: requested access to the resource is denied\n' }),
  );
  for (let i = 0; i < 2; i++) assert.is((await f.run('docker', ['push', 'x'])).code, 1, 'without times the rule stays');
});

test('latencyMs slows a tool down (per tool or per "tool subcommand")', async () => {
  const f = bare();
  f.update((s) => (s.latencyMs = { 'helm version': 250 }));
  let t0 = Date.now();
  await f.run('helm', ['version']);
  assert.ok(Date.now() - t0 >= 250);
  f.update((s) => (s.latencyMs = { kubectl: 200 }));
  t0 = Date.now();
  await f.run('kubectl', ['config', 'current-context']);
  assert.ok(Date.now() - t0 >= 200);
});

test('10 parallel docker tag calls: every update kept (locked, atomic state writes), every call logged', async () => {
  const f = bare();
  f.update((s) => s.docker!.images!.push(image('todo-backend:base')));
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) => f.run('docker', ['tag', 'todo-backend:base', `todo-backend:t${i}`])),
  );
  assert.ok(
    results.every((r) => r.code === 0),
    results.map((r) => r.stderr).join(''),
  );
  const tags = f.state().docker!.images![0]!.repoTags;
  for (let i = 0; i < 10; i++) assert.ok(tags.includes(`todo-backend:t${i}`), `t${i}`);
  assert.is(f.calls('docker').length, 10);
  assert.not.ok(fs.existsSync(`${f.statePath}.lock`));
});

test('per-call latency of a fake: 20 x kubectl get pods -o json', async () => {
  const f = await todo();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 20; i++) {
    const r = await f.run('kubectl', ['get', 'pods', '-n', 'todo', '-o', 'json']);
    assert.is(r.code, 0);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`  20 x kubectl get pods -o json: ${ms.toFixed(0)} ms total, ${(ms / 20).toFixed(1)} ms per call`);
  assert.ok(ms / 20 < 1000, 'a fake call stays well under a second');
});

test.run();
