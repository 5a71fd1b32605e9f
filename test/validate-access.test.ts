// validate when the NodePorts do not answer from this machine (minikube's docker
// driver on macOS, kind/k3d without port mappings): lib/access falls back to
// `kubectl port-forward` (the fake one, forwarding to the REAL reference app),
// the app checks pass through it, and every forward it started is gone after,
// whatever happened. Traffic goes to 127.0.0.1 only: every fetch of this process
// passes a guard that refuses any other host without dialling — for the fake
// minikube's node address 192.168.49.2 that is the "not routable" case itself.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openAccess } from '../lib/access.ts';
import { CHECKS } from '../lib/checks/index.ts';
import { REPO_ROOT } from '../lib/cli.ts';
import { loadConfig } from '../lib/config.ts';
import { ToolkitError } from '../lib/errors.ts';
import { createRunner } from '../lib/exec.ts';
import type { Kubectl } from '../lib/kubectl.ts';
import { validate, type ValidateReport } from '../lib/validate/index.ts';
import { createTodoChatbotCluster, type FakeCluster, type RecordedCall } from './fakes/kit.ts';
import { freePort, startBackend, startFrontend, type AppServer } from './support/app-servers.ts';

const blocked: string[] = [];
const realFetch = globalThis.fetch;
globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (url.hostname !== '127.0.0.1') {
    blocked.push(url.href);
    return Promise.reject(new TypeError('fetch failed', { cause: new Error(`test guard: no traffic to ${url.hostname}`) }));
  }
  return realFetch(input, init);
}) as typeof fetch;

let backend: AppServer & { dataDir: string };
let frontend: AppServer;
const fakes: FakeCluster[] = [];

test.before(async () => {
  backend = await startBackend();
  frontend = await startFrontend(backend.url);
});
test.after(async () => {
  for (const f of fakes) f.cleanup();
  await frontend?.stop();
  await backend?.stop();
  globalThis.fetch = realFetch;
});

/** The app's pods are the real servers: what kubectl port-forward reaches on their container ports. */
function podPorts(
  fake: FakeCluster,
  context: string,
  which: { frontend?: boolean; backend?: boolean } = { frontend: true, backend: true },
): void {
  fake.update((s) => {
    s.clusters[context]!.podPorts = {
      ...(which.frontend ? { 'todo/todo-chatbot-frontend:3000': `127.0.0.1:${frontend.port}` } : {}),
      ...(which.backend ? { 'todo/todo-chatbot-backend:8000': `127.0.0.1:${backend.port}` } : {}),
    };
  });
}

async function minikube(which?: { frontend?: boolean; backend?: boolean }): Promise<FakeCluster> {
  const fake = await createTodoChatbotCluster({ provider: 'minikube' });
  fakes.push(fake);
  podPorts(fake, 'minikube', which);
  return fake;
}

async function check(fake: FakeCluster, opts: Partial<Parameters<typeof validate>[0]> = {}): Promise<ValidateReport> {
  const env = { NAMESPACE: 'todo', FRONTEND_NODEPORT: '30080', BACKEND_NODEPORT: '30800' };
  const config = loadConfig({ env, envFile: path.join(os.tmpdir(), 'no-such.env'), root: REPO_ROOT }).config;
  return validate({ config, run: createRunner({ env: fake.env }), env: fake.env, retries: 2, budgetMs: 60_000, ...opts });
}

const byId = (report: ValidateReport) => Object.fromEntries(report.results.map((r) => [r.id, r]));
const forwards = (fake: FakeCluster): RecordedCall[] => fake.calls('kubectl').filter((c) => c.argv.includes('port-forward'));
const target = (call: RecordedCall) => call.argv[call.argv.indexOf('port-forward') + 1];

/** Processes of this fake cluster running `kubectl port-forward` (Linux /proc: cmdline and environment). */
function livePortForwards(fake: FakeCluster): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes('port-forward')) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`FAKE_STATE=${fake.statePath}`)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

test('minikube, node address not reachable: NodePorts probed (never dialled), then port-forward; every check passes and both forwards are stopped', async () => {
  const fake = await minikube();
  blocked.length = 0;
  const report = await check(fake);
  const notPassed = report.results.filter((r) => r.status !== 'pass').map((r) => `${r.id} ${r.status}: ${r.detail}`);
  assert.equal(notPassed, [], notPassed.join('\n'));
  assert.is(report.counts.total, CHECKS.filter((c) => !c.disruptive).length);
  assert.is(report.via, 'port-forward');
  assert.match(
    byId(report)['network.urls']!.detail,
    /^via port-forward: frontend http:\/\/127\.0\.0\.1:\d+, backend http:\/\/127\.0\.0\.1:\d+$/,
  );
  assert.ok(
    report.urls!.frontend !== frontend.url && report.urls!.backend !== backend.url,
    'the checks used the forwards, not the servers directly',
  );

  // lib/access asked minikube for the node address and tried the NodePorts there first: the guard refused them.
  assert.ok(
    fake.calls('minikube').some((c) => c.argv.includes('ip')),
    'minikube ip was asked',
  );
  assert.equal(blocked.sort(), ['http://192.168.49.2:30080/api/health', 'http://192.168.49.2:30800/health']);

  const calls = forwards(fake).sort((x, y) => String(target(x)).localeCompare(String(target(y))));
  assert.equal(
    calls.map((c) => c.argv),
    [
      ['--context', 'minikube', '--namespace', 'todo', 'port-forward', 'service/todo-chatbot-backend', ':8000', '--address', '127.0.0.1'],
      ['--context', 'minikube', '--namespace', 'todo', 'port-forward', 'service/todo-chatbot-frontend', ':3000', '--address', '127.0.0.1'],
    ],
  );
  // A call is recorded when its process ends: 143 = ended by close()'s SIGTERM.
  assert.equal(
    calls.map((c) => c.exitCode),
    [143, 143],
  );
  assert.equal(livePortForwards(fake), []);
});

test("a failing check (nothing answers on the backend pod's port): backend checks fail with the cause, the forwards are gone after", async () => {
  const fake = await minikube({ frontend: true, backend: false });
  const report = await check(fake);
  const r = byId(report);
  assert.is(report.via, 'port-forward');
  assert.is(report.exitCode, 1);
  assert.is(r['network.urls']!.status, 'fail');
  assert.ok(
    report.results.some((x) => x.id.startsWith('app.') && x.status === 'fail'),
    'an app check failed',
  );
  assert.equal(livePortForwards(fake), []);
  const calls = forwards(fake);
  const backendForward = calls.filter((c) => target(c) === 'service/todo-chatbot-backend');
  // The backend forward died on its own ("error: lost connection to pod", exit 1); the frontend one was stopped.
  assert.ok(
    backendForward.length >= 1 && backendForward.every((c) => c.exitCode === 1),
    JSON.stringify(backendForward.map((c) => c.exitCode)),
  );
  assert.equal(
    calls.filter((c) => target(c) === 'service/todo-chatbot-frontend').map((c) => c.exitCode),
    [143],
  );
});

test("a port-forward that cannot start: ACCESS_PORT_FORWARD with kubectl's own words; the forward already running is stopped", async () => {
  const fake = await minikube();
  fake.update((s) => {
    s.failures = [
      {
        tool: 'kubectl',
        match: ['port-forward', 'service/todo-chatbot-backend'],
        stderr: 'error: unable to forward port because pod is not running. Current status=Pending\n',
        exitCode: 1,
      },
    ];
  });
  const report = await check(fake, { only: ['network', 'app'] });
  const urls = byId(report)['network.urls']!;
  assert.is(urls.status, 'fail');
  assert.match(
    urls.detail,
    'kubectl port-forward to service/todo-chatbot-backend failed: error: unable to forward port because pod is not running. Current status=Pending',
  );
  assert.match(urls.hint!, 'kubectl get endpointslices -n todo');
  assert.is(report.via, undefined, 'no access was opened');
  assert.equal(livePortForwards(fake), []);
  assert.equal(
    forwards(fake)
      .map((c) => [target(c), c.exitCode])
      .sort(),
    [
      ['service/todo-chatbot-backend', 1],
      ['service/todo-chatbot-frontend', 143],
    ],
  );
});

test('scripts/validate.ts --disruptive, Docker Desktop with NodePorts nobody listens on: via port-forward, the restart reconnects, no forward outlives the script', async () => {
  // Ports in the NodePort range with nothing on them: lib/access's probe of 127.0.0.1 is refused.
  const frontendNodePort = await freePort([30000, 31000]);
  const backendNodePort = await freePort([31000, 32000]);
  const fake = await createTodoChatbotCluster({
    provider: 'docker-desktop',
    helmArgs: ['--set', `frontend.service.nodePort=${frontendNodePort}`, '--set', `backend.service.nodePort=${backendNodePort}`],
  });
  fakes.push(fake);
  podPorts(fake, 'docker-desktop');
  const env = {
    ...fake.env,
    NAMESPACE: 'todo',
    FRONTEND_NODEPORT: String(frontendNodePort),
    BACKEND_NODEPORT: String(backendNodePort),
    CI: '1',
  };
  const r = await createRunner()('node', ['--import', 'tsx', 'scripts/validate.ts', '--disruptive', '--json'], {
    cwd: REPO_ROOT,
    nothrow: true,
    env,
    timeoutMs: 120_000,
  });
  const doc = JSON.parse(r.stdout) as { via: string; counts: { total: number }; checks: { id: string; status: string; detail: string }[] };
  assert.equal(
    doc.checks.filter((c) => c.status !== 'pass'),
    [],
    r.stderr,
  );
  assert.is(r.exitCode, 0);
  assert.is(doc.via, 'port-forward');
  assert.is(doc.counts.total, CHECKS.length);
  const restart = doc.checks.find((c) => c.id === 'app.restart-survival')!;
  assert.match(restart.detail, /task \d+ read back after todo-chatbot-backend-\S+ was replaced by todo-chatbot-backend-/);

  // Two forwards, then two more after the restart. The backend's first ends with its pod (exit 1), or, when
  // validate's reconnect stops it before it noticed (a loaded machine), by SIGTERM; the rest by SIGTERM.
  const calls = forwards(fake);
  assert.is(calls.length, 4, JSON.stringify(calls.map((c) => [target(c), c.exitCode])));
  const backendCodes = calls.filter((c) => target(c) === 'service/todo-chatbot-backend').map((c) => c.exitCode);
  assert.is(backendCodes.length, 2, JSON.stringify(calls.map((c) => [target(c), c.exitCode])));
  assert.ok([1, 143].includes(backendCodes[0]!), `the first backend forward ended with its pod or by SIGTERM: ${backendCodes[0]}`);
  assert.is(backendCodes[1], 143);
  assert.equal(
    calls.filter((c) => target(c) === 'service/todo-chatbot-frontend').map((c) => c.exitCode),
    [143, 143],
  );
  assert.equal(livePortForwards(fake), []);
});

/** A local HTTP server answering every request with `status` and `body` (an egress proxy, or our app's health JSON). */
async function answering(status: number, body: string): Promise<{ port: number; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(status, { 'content-type': body.startsWith('{') ? 'application/json' : 'text/html' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, hits, close: () => new Promise((r) => server.close(() => r())) };
}

/** openAccess against NodePorts on 127.0.0.1, with kubectl absent (a port-forward cannot start). */
async function accessVia(frontendPort: number, backendPort: number) {
  const service = (component: string, nodePort: number) => ({
    metadata: { name: `todo-chatbot-${component}`, labels: { 'app.kubernetes.io/component': component } },
    spec: { ports: [{ name: 'http', port: 3000, nodePort }] },
  });
  const kube = {
    target: { context: 'kind-todo', namespace: 'todo' },
    json: async () => ({ items: [service('frontend', frontendPort), service('backend', backendPort)] }),
  } as unknown as Kubectl;
  const empty = mkdtempSync(path.join(os.tmpdir(), 'no-kubectl-'));
  try {
    return await openAccess({
      kube,
      release: 'todo-chatbot',
      nodeAddress: async () => '127.0.0.1',
      env: { PATH: empty },
      forwardTimeoutMs: 5000,
    });
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
}

test('NodePorts answered by something that is not our app (an egress proxy\'s 404, a portal\'s 200 page) count as unreachable: port-forward, not "via NodePort"', async () => {
  for (const [status, body] of [
    [404, 'Not Found'],
    [200, '<html>Sign in to the network</html>'],
    [200, '{"status":"ok"}'],
  ] as const) {
    // The last: a frontend-like answer on the backend port lacks the backend's version.
    const proxy = await answering(status, body);
    try {
      const error = await accessVia(proxy.port, proxy.port).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.instance(error, ToolkitError, `${status} ${body}`);
      assert.is((error as ToolkitError).code, 'ACCESS_PORT_FORWARD', `${status} ${body}: tried the port-forward`);
      assert.ok(proxy.hits.includes('/health') && proxy.hits.includes('/api/health'), 'both NodePorts were probed');
    } finally {
      await proxy.close();
    }
  }
});

test("NodePorts answered with our app's health JSON are used directly", async () => {
  const fe = await answering(200, '{"status":"ok"}');
  const be = await answering(200, '{"status":"ok","version":"0.1.0"}');
  try {
    const access = await accessVia(fe.port, be.port);
    assert.is(access.via, 'nodeport');
    assert.equal(access.urls, { frontend: `http://127.0.0.1:${fe.port}`, backend: `http://127.0.0.1:${be.port}` });
    await access.close();
  } finally {
    await fe.close();
    await be.close();
  }
});

test.run();
