// The main job on a real Kubernetes (test/cluster/): deploy from source through the
// local registry by digest, validate with every check including --disruptive, the
// frontend's browser test through the NodePort, data that survives restarts and
// upgrades, a no-op and a one-line change, real failures diagnosed and rolled back,
// Pod Security "restricted", and teardown. One Helm major per run:
//   HELM_BIN=… KUBECTL_BIN=… KUBECONFIG=… NODE_IMAGE=… PYTHON_IMAGE=… node --import tsx test/cluster/e2e.test.ts
// (test/run.ts's cluster suite sets all of these, after npm run cluster:up.)
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from './layout.ts';
import { component, eventually, harness, ourAppAnswers, type KubeList, type PodLite } from './support.ts';

const need = (key: string) => {
  const value = process.env[key];
  if (!value) throw new Error(`${key} is not set: run this file through npm test -- --only cluster`);
  return value;
};
const helmMajor = process.env.HELM_MAJOR ?? '3';
const h = harness({
  helmBin: need('HELM_BIN'),
  kubectlBin: need('KUBECTL_BIN'),
  namespace: `todo-h${helmMajor}`,
  base: { KUBECONFIG: need('KUBECONFIG'), NODE_IMAGE: need('NODE_IMAGE'), PYTHON_IMAGE: need('PYTHON_IMAGE'), KUBE_CONTEXT: 'todo-local' },
  // The calls of the healthy deploy, validate and no-op, for fakes-conformance.test.ts.
  record: process.env.TODO_RECORD,
});
const FRONTEND = 'http://127.0.0.1:30080';
const BACKEND = 'http://127.0.0.1:30800';
const DEPLOY = ['--registry', '127.0.0.1:5000'];
const show = (r: { code: number | null; stdout: string; stderr: string }) =>
  `exit ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;

const pods = async () => (await h.json<KubeList<PodLite>>(['get', 'pods', '--namespace', h.namespace])).items;
const user = `cluster-e2e-${helmMajor}-${Date.now().toString(36)}`;
const tasks = async () => {
  const res = await fetch(`${BACKEND}/api/${user}/tasks`, { signal: AbortSignal.timeout(5000) });
  assert.ok(res.ok, `GET tasks: ${res.status}`);
  return (await res.json()) as { title: string }[];
};
const revision = async () => {
  const r = await h.kubectl([
    'get',
    'secrets',
    '--namespace',
    h.namespace,
    '--selector',
    'owner=helm,name=todo-chatbot,status=deployed',
    '--output',
    'jsonpath={.items[*].metadata.labels.version}',
  ]);
  return Number(r.stdout.trim().split(' ').at(-1));
};

test.before(async () => {
  // Pod Security "restricted" is enforced on the namespace the whole suite deploys into.
  await h.kubectl(['create', 'namespace', h.namespace], { allowFail: true });
  await h.kubectl([
    'label',
    '--overwrite',
    'namespace',
    h.namespace,
    'pod-security.kubernetes.io/enforce=restricted',
    'pod-security.kubernetes.io/enforce-version=latest',
  ]);
  h.recording(true);
});

test.after(async () => {
  h.recording(false);
  await h.kubectl(['delete', 'namespace', 'todo-squatter', '--ignore-not-found', '--wait=false'], { allowFail: true });
  rmSync(h.tmp, { recursive: true, force: true });
});

test(`helm ${helmMajor}: a cold deploy builds, pushes to the registry, deploys by digest into a restricted namespace`, async () => {
  const r = await h.script('deploy', DEPLOY);
  assert.is(r.code, 0, show(r));
  const deployments = await h.json<
    KubeList<{ metadata: { name: string }; spec: { template: { spec: { containers: { image: string }[] } } } }>
  >(['get', 'deployments', '--namespace', h.namespace]);
  for (const d of deployments.items) {
    assert.match(
      d.spec.template.spec.containers[0]!.image,
      /^127\.0\.0\.1:5000\/todo-(frontend|backend)@sha256:[a-f0-9]{64}$/,
      `${d.metadata.name} runs a pinned registry ref`,
    );
  }
  const all = await pods();
  assert.ok(
    all.every((p) => p.status.phase === 'Running' && p.status.containerStatuses?.every((c) => c.ready)),
    `all pods ready: ${all.map((p) => `${p.metadata.name} ${p.status.phase}`).join(', ')}`,
  );
  assert.equal(new Set(all.map(component)), new Set(['frontend', 'backend', 'postgresql']));
});

test(`helm ${helmMajor}: the NodePorts answer on 127.0.0.1 with our app, and the frontend reaches the backend by Service name`, async () => {
  assert.ok(await ourAppAnswers(`${BACKEND}/health`), 'backend /health on 127.0.0.1:30800');
  assert.ok(await ourAppAnswers(`${FRONTEND}/api/health`), 'frontend /api/health on 127.0.0.1:30080');
  // Through the frontend's proxy (cluster DNS → backend Service → PostgreSQL).
  const res = await fetch(`${FRONTEND}/api/tasks`, { headers: { cookie: `todo_user=${user}` }, signal: AbortSignal.timeout(10_000) });
  assert.is(res.status, 200, `frontend proxy GET /api/tasks: ${res.status}`);
});

test(`helm ${helmMajor}: validate passes every check, --disruptive included`, async () => {
  const r = await h.script('validate', ['--disruptive', '--json']);
  assert.is(r.code, 0, show(r));
  const report = JSON.parse(r.stdout) as { checks?: { id: string; status: string }[] };
  const checks = report.checks ?? [];
  assert.ok(checks.length >= 24, `${checks.length} checks reported`);
  assert.equal(
    checks.filter((c) => !['pass', 'ok'].includes(c.status)).map((c) => c.id),
    [],
  );
});

/** Runs a long-running script (logs, open) until `until` sees what it waits for in stdout, then Ctrl-C. */
async function untilInterrupted(
  name: string,
  args: string[],
  until: RegExp,
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', `${name}.ts`), ...args], {
    cwd: REPO_ROOT,
    env: h.env,
  });
  let stdout = '';
  let stderr = '';
  const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    if (until.test(stdout)) child.kill('SIGINT');
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

test(`helm ${helmMajor}: status, logs and open work on the real cluster`, async () => {
  const st = await h.script('status', ['--json']);
  assert.is(st.code, 0, show(st));
  const doc = JSON.parse(st.stdout) as { health: string; workloads: { component: string; images: { sources?: string }[] }[] };
  assert.is(doc.health, 'healthy');
  for (const w of doc.workloads.filter((x) => x.component !== 'postgresql'))
    assert.equal(
      w.images.map((i) => i.sources),
      ['current'],
      `${w.component} runs the current sources`,
    );
  const logs = await untilInterrupted('logs', ['--since', '10m', '--component', 'backend'], /backend-\S+ .*(INFO|GET|starting)/);
  assert.is(logs.code, 130, show(logs));
  assert.match(logs.stdout, /backend-/);
  const open = await untilInterrupted('open', ['--json'], /"urls"/);
  assert.is(open.code, 130, show(open));
  const opened = open.stdout
    .split('\n')
    .filter((l) => l.includes('"urls"'))
    .map((l) => JSON.parse(l) as { urls: { frontend: string; backend: string } })[0];
  assert.equal(opened?.urls, { frontend: FRONTEND, backend: BACKEND });
});

test(`helm ${helmMajor}: the frontend's Chromium e2e passes against the NodePort URL`, async () => {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync('npx', ['tsx', 'e2e/app.e2e.ts'], {
    cwd: path.join(REPO_ROOT, 'app/frontend'),
    env: { ...h.env, E2E_BASE_URL: FRONTEND, E2E_BACKEND_URL: BACKEND, CI: process.env.CI ?? '' },
    encoding: 'utf8',
    timeout: 5 * 60_000,
  });
  assert.is(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /\d+ passed, 0 failed/);
  assert.not.match(r.stdout, /skipped/);
});

test(`helm ${helmMajor}: data survives a PostgreSQL pod restart and a helm upgrade`, async () => {
  const created = await fetch(`${BACKEND}/api/${user}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'survive the restart' }),
  });
  assert.is(created.status, 201, `POST task: ${created.status}`);
  await h.kubectl(['delete', 'pod', '--namespace', h.namespace, '--selector', 'app.kubernetes.io/component=postgresql', '--wait=true']);
  await eventually('the task is back after the PostgreSQL restart', async () =>
    (await tasks()).some((t) => t.title === 'survive the restart'),
  );
  const before = await revision();
  const r = await h.script('deploy', DEPLOY, { OPENAI_MODEL: 'gpt-4o-mini-upgraded' });
  assert.is(r.code, 0, show(r));
  assert.is(await revision(), before + 1, 'a new revision');
  await eventually('the task survives the upgrade', async () => (await tasks()).some((t) => t.title === 'survive the restart'));
});

test(`helm ${helmMajor}: a redeploy with nothing changed builds, pushes and upgrades nothing`, async () => {
  const before = await revision();
  const r = await h.script('deploy', [...DEPLOY, '--json'], { OPENAI_MODEL: 'gpt-4o-mini-upgraded' });
  assert.is(r.code, 0, show(r));
  assert.match(r.stdout, /"0 built, 0 loaded/);
  assert.match(r.stdout, /unchanged/);
  assert.is(await revision(), before);
});

test(`helm ${helmMajor}: a one-line backend change rebuilds and rolls only the backend`, async () => {
  h.recording(false);
  const copy = mkdtempSync(path.join(os.tmpdir(), 'backend-copy-'));
  try {
    cpSync(path.join(REPO_ROOT, 'app/backend'), copy, {
      recursive: true,
      filter: (src) => !/\/(\.venv|__pycache__|\.pytest_cache)(\/|$)/.test(src),
    });
    appendFileSync(path.join(copy, 'app/main.py'), `\n# cluster e2e change ${Date.now()}\n`);
    const before = await pods();
    const r = await h.script('deploy', DEPLOY, { OPENAI_MODEL: 'gpt-4o-mini-upgraded', BACKEND_DIR: copy });
    assert.is(r.code, 0, show(r));
    assert.match(r.stdout, /1 built/);
    const after = await pods();
    const uids = (list: PodLite[], name: string) =>
      list
        .filter((p) => component(p) === name)
        .map((p) => p.metadata.uid)
        .sort();
    assert.equal(uids(after, 'frontend'), uids(before, 'frontend'), 'frontend pods untouched');
    assert.equal(uids(after, 'postgresql'), uids(before, 'postgresql'), 'database untouched');
    assert.not.equal(uids(after, 'backend'), uids(before, 'backend'), 'backend rolled');
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

/** Each real failure: deploy exits 1 with the code, and the release is back on the last good revision, serving. */
const FAILURES: { name: string; code: RegExp; values?: string; env?: NodeJS.ProcessEnv; setup?: () => Promise<void>; expect?: RegExp }[] = [
  {
    name: 'an image missing from the registry',
    code: /IMAGE_PULL_FAILED/,
    values: `backend:\n  image:\n    tag: missing-${Date.now().toString(36)}\n    digest: ""\n`,
  },
  {
    name: 'a memory limit below need',
    code: /OOM_KILLED/,
    values: 'backend:\n  resources:\n    limits:\n      memory: 24Mi\n    requests:\n      memory: 24Mi\n',
  },
  {
    // The backend refuses a URL without a database name at startup and exits: a crash loop.
    name: "a bad DATABASE_URL (crash loop, with the previous container's logs)",
    code: /CRASH_LOOP/,
    env: { DATABASE_MODE: 'external', DATABASE_URL: 'postgresql://todo:wrong@todo-nowhere.invalid:5432' },
    expect: /postgresql URL has no database name/,
  },
  {
    // A valid URL to a database that does not answer: the backend runs, and /ready says 503.
    name: 'an unreachable database (readiness probe failing)',
    code: /PROBE_FAILED/,
    env: { DATABASE_MODE: 'external', DATABASE_URL: 'postgresql://todo:wrong@todo-nowhere.invalid:5432/todo' },
    expect: /\/ready/,
  },
  {
    name: 'a missing Secret key',
    code: /CONTAINER_CONFIG_ERROR/,
    setup: async () => {
      await h.kubectl(['create', 'secret', 'generic', 'todo-db-nokey', '--namespace', h.namespace, '--from-literal=other=x'], {
        allowFail: true,
      });
    },
    values: 'database:\n  mode: external\n  external:\n    existingSecret: todo-db-nokey\n',
  },
];

for (const failure of FAILURES) {
  test(`helm ${helmMajor}: ${failure.name} is diagnosed with its code, then rolled back`, async () => {
    await failure.setup?.();
    const before = await revision();
    const args = [
      ...DEPLOY,
      '--timeout',
      '3m',
      ...(failure.values ? ['--values', h.valuesFile(`failure-${before}.yaml`, failure.values)] : []),
    ];
    const r = await h.script('deploy', args, { OPENAI_MODEL: 'gpt-4o-mini-upgraded', ...failure.env });
    assert.is(r.code, 1, show(r));
    assert.match(r.stdout + r.stderr, failure.code, show(r));
    if (failure.expect) assert.match(r.stdout + r.stderr, failure.expect, show(r));
    assert.match(r.stdout + r.stderr, /rolled todo-chatbot back to revision/);
    await eventually(
      'the rolled-back release serves again',
      async () => (await ourAppAnswers(`${BACKEND}/health`)) && (await tasks()).length > 0,
    );
  });
}

test(`helm ${helmMajor}: a NodePort held by another Service is refused before anything changes`, async () => {
  await h.kubectl(['create', 'namespace', 'todo-squatter'], { allowFail: true });
  await h.kubectl(['apply', '--filename', '-'], {
    input:
      'apiVersion: v1\nkind: Service\nmetadata: {name: squatter, namespace: todo-squatter}\nspec:\n  type: NodePort\n  selector: {app: none}\n  ports: [{port: 80, nodePort: 30081}]\n',
  });
  const before = await revision();
  const r = await h.script('deploy', DEPLOY, { OPENAI_MODEL: 'gpt-4o-mini-upgraded', FRONTEND_NODEPORT: '30081' });
  assert.is(r.code, 2, show(r));
  assert.match(r.stderr, /NODEPORT_TAKEN/);
  assert.match(r.stderr, /FRONTEND_NODEPORT/);
  assert.match(r.stderr, /todo-squatter\/squatter/);
  assert.is(await revision(), before, 'nothing upgraded');
});

test(`helm ${helmMajor}: a second release beside the first gets NodePorts the cluster assigns (NODEPORT=auto), reported by deploy and checked by validate`, async () => {
  const second = {
    NAMESPACE: `${h.namespace}-second`,
    RELEASE_NAME: 'todo-second',
    FRONTEND_NODEPORT: 'auto',
    BACKEND_NODEPORT: 'auto',
    DATABASE_MODE: 'sqlite',
  };
  try {
    const r = await h.script('deploy', [...DEPLOY, '--json'], second);
    assert.is(r.code, 0, show(r));
    const done = r.events.find((e) => e.nodePorts) as { nodePorts: { frontend: number; backend: number } } | undefined;
    assert.ok(done, `deploy reported the NodePorts:\n${r.stdout.slice(-2000)}`);
    const ports = done!.nodePorts;
    assert.ok(
      ports.frontend !== 30080 && ports.backend !== 30800 && ports.frontend >= 30000 && ports.backend >= 30000,
      JSON.stringify(ports),
    );
    // kube-proxy programs a new Service's rules within its sync period, not at once.
    await eventually(
      `backend answers on its assigned port ${ports.backend}`,
      () => ourAppAnswers(`http://127.0.0.1:${ports.backend}/health`),
      30_000,
    );
    const v = await h.script('validate', ['--only', 'network,app'], second);
    assert.is(v.code, 0, show(v));
    assert.match(v.stdout, /\(assigned\)/);
  } finally {
    await h.script('teardown', ['--purge', '--yes'], second);
  }
});

test(`helm ${helmMajor}: teardown keeps the data, --purge removes namespace and volume, and twice is safe`, async () => {
  const r1 = await h.script('teardown', []);
  assert.is(r1.code, 0, show(r1));
  const pvcs = await h.json<KubeList<unknown>>(['get', 'pvc', '--namespace', h.namespace]);
  assert.is(pvcs.items.length, 1, 'the database volume stays after a plain teardown');
  const r2 = await h.script('teardown', ['--purge', '--yes']);
  assert.is(r2.code, 0, show(r2));
  await eventually(
    'the namespace is gone',
    async () => (await h.kubectl(['get', 'namespace', h.namespace], { allowFail: true })).code !== 0,
  );
  await eventually('its volume is released and deleted', async () => {
    const pvs = await h.json<KubeList<{ spec: { claimRef?: { namespace?: string } } }>>(['get', 'pv']);
    return pvs.items.every((pv) => pv.spec.claimRef?.namespace !== h.namespace);
  });
  const r3 = await h.script('teardown', ['--purge', '--yes']);
  assert.is(r3.code, 0, show(r3));
});

// --- your own app (issue 12): two fixture shapes, each its own release and namespace ---------------
// E2E_OWN_APP_ONLY=1 runs only this block (test.only), e.g. after `npm run cluster:up`.
const ownAppTest = process.env.E2E_OWN_APP_ONLY ? test.only : test;
const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/apps');
const ownApp = (shape: string, release: string, ports: [number, number], extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  FRONTEND_DIR: path.join(FIXTURES, shape, 'frontend'),
  BACKEND_DIR: path.join(FIXTURES, shape, 'backend'),
  FRONTEND_IMAGE: `todo-own-${shape}-frontend`,
  BACKEND_IMAGE: `todo-own-${shape}-backend`,
  RELEASE_NAME: release,
  NAMESPACE: `todo-own-${release}-h${helmMajor}`,
  FRONTEND_NODEPORT: String(ports[0]),
  BACKEND_NODEPORT: String(ports[1]),
  // The fixtures keep no data: one SQLite volume instead of a PostgreSQL per release.
  DATABASE_MODE: 'sqlite',
  ...extra,
});

ownAppTest(
  `helm ${helmMajor}: your own app (rewrites-url): BACKEND_URL baked in at build time is the in-cluster Service; the frontend reaches its backend; helm test passes`,
  async () => {
    const env = ownApp('rewrites-url', 'rw', [30180, 30181]);
    try {
      const r = await h.script('deploy', DEPLOY, env);
      assert.is(r.code, 0, show(r));
      assert.match(r.stdout, /build arg BACKEND_URL=http:\/\/rw-todo-chatbot-backend\.todo-own-rw-h\d\.svc\.cluster\.local:8000/);
      // Browser → frontend NodePort → rewrite (baked in) → backend Service → the backend's task list.
      const tasks = await eventually(
        'the frontend proxies /api/tasks to its backend',
        async () => {
          const res = await fetch('http://127.0.0.1:30180/api/tasks', { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
          return res?.status === 200 ? ((await res.json()) as unknown) : undefined;
        },
        60_000,
      );
      assert.equal(tasks, []);
      // The chart's test pod reads the detected probe paths through the Services (/health, /ready, /api/health).
      const helmTest = await spawnHelm(['test', 'rw', '--namespace', env.NAMESPACE!, '--kube-context', 'todo-local']);
      assert.is(helmTest.code, 0, show(helmTest));
      assert.match(helmTest.stdout, /Phase: +Succeeded/);
      // validate's app checks: the release's own probe paths; our app's API checks are not applicable.
      const v = await h.script('validate', ['--only', 'app', '--json'], env);
      assert.is(v.code, 0, show(v));
      const checks = Object.fromEntries(
        (JSON.parse(v.stdout) as { checks: { id: string; status: string; detail: string }[] }).checks.map((c) => [c.id, c]),
      );
      assert.match(checks['app.backend-ready']!.detail, /^backend \/ready: 200/);
      assert.match(checks['app.task-roundtrip']!.detail, /not applicable/);
    } finally {
      await h.script('teardown', ['--purge', '--yes'], env);
    }
  },
);

ownAppTest(
  `helm ${helmMajor}: your own app (extra-secret): APP_SECRETS reaches both pods from the release's Secret only; the backend starts with it`,
  async () => {
    const secret = `e2e-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    const env = ownApp('extra-secret', 'sec', [30280, 30281], { APP_SECRETS: 'BETTER_AUTH_SECRET', BETTER_AUTH_SECRET: secret });
    try {
      const r = await h.script('deploy', DEPLOY, env);
      // The backend reads BETTER_AUTH_SECRET at import: a ready rollout means the value arrived.
      assert.is(r.code, 0, show(r));
      assert.not.ok(r.stdout.includes(secret) || r.stderr.includes(secret), 'deploy printed the secret');
      assert.ok(await ourAppAnswers('http://127.0.0.1:30281/health'), 'backend /health on its NodePort');
      const ns = env.NAMESPACE!;
      const secrets = await h.json<KubeList<{ metadata: { name: string }; data?: Record<string, string> }>>([
        'get',
        'secrets',
        '--namespace',
        ns,
        '--selector',
        'app.kubernetes.io/instance=sec',
      ]);
      const holder = secrets.items.find((x) => x.data?.BETTER_AUTH_SECRET);
      assert.ok(holder, 'the release Secret holds BETTER_AUTH_SECRET');
      assert.is(Buffer.from(holder!.data!.BETTER_AUTH_SECRET!, 'base64').toString(), secret);
      const configMaps = await h.kubectl(['get', 'configmaps', '--namespace', ns, '--output', 'yaml']);
      assert.not.ok(configMaps.stdout.includes(secret), 'a ConfigMap holds the secret');
      const deployments = await h.kubectl([
        'get',
        'deployments',
        '--namespace',
        ns,
        '--selector',
        'app.kubernetes.io/instance=sec',
        '--output',
        'yaml',
      ]);
      assert.not.ok(deployments.stdout.includes(secret), 'a Deployment holds the secret');
      assert.is((deployments.stdout.match(/key: BETTER_AUTH_SECRET/g) ?? []).length, 2, 'both pods reference the key');
    } finally {
      await h.script('teardown', ['--purge', '--yes'], env);
    }
  },
);

/** The real helm through the harness's PATH (its recorder when recording). */
async function spawnHelm(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { spawn } = await import('node:child_process');
  const child = spawn('helm', args, { cwd: REPO_ROOT, env: h.env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

test.run();
