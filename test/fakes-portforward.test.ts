// The fake `kubectl port-forward`: kubectl's output lines and error texts, a real
// HTTP request through the forward to a server standing in for the pod, and its
// life cycle (up until SIGINT / SIGTERM, over when its pod goes).
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTodoChatbotCluster, FAKE_BIN, type FakeCluster } from './fakes/kit.ts';

const CTX = 'kind-todo';
let fake: FakeCluster;
let pod: http.Server;
let podPort: number;
const seen: string[] = [];

test.before(async () => {
  // Stands in for what listens on the frontend pods' port 3000.
  pod = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    res.end(`pod says ${req.url}`);
  });
  await new Promise<void>((resolve) => pod.listen(0, '127.0.0.1', resolve));
  podPort = (pod.address() as AddressInfo).port;
  fake = await createTodoChatbotCluster({ provider: 'kind' });
  fake.update((s) => {
    s.clusters[CTX]!.podPorts = { 'todo/todo-chatbot-frontend:3000': `127.0.0.1:${podPort}` };
  });
});
test.after(async () => {
  fake.cleanup();
  await new Promise((resolve) => pod.close(resolve));
});

interface Forward {
  child: ChildProcess;
  out(): string;
  err(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the match once stdout has it; rejects if the process ends first. */
  waitFor(re: RegExp): Promise<RegExpExecArray>;
}

function forward(args: string[], on: FakeCluster = fake): Forward {
  const child = spawn(path.join(FAKE_BIN, 'kubectl'), ['--context', CTX, '--namespace', 'todo', 'port-forward', ...args], { env: on.env });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    exited,
    out: () => out,
    err: () => err,
    async waitFor(re) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const m = re.exec(out);
        if (m) return m;
        if (done || Date.now() > deadline) throw new Error(`no ${re} in stdout ${JSON.stringify(out)}; stderr ${JSON.stringify(err)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/** One GET on its own connection (no keep-alive), so each makes one "Handling connection". */
function get(port: number, urlPath: string, host = '127.0.0.1'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host, port, path: urlPath, agent: false }, (res) => {
        let body = '';
        res
          .setEncoding('utf8')
          .on('data', (d: string) => (body += d))
          .on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

function refuses(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

async function ipv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: '::1', port: 0, ipv6Only: true }, () => srv.close(() => resolve(true)));
  });
}

const run = (args: string[], on: FakeCluster = fake) =>
  on.run('kubectl', ['--context', CTX, '--namespace', 'todo', 'port-forward', ...args]);

test("service/NAME :PORT --address 127.0.0.1: one Forwarding line, requests reach the pod's server, SIGTERM ends it by the signal and the call is recorded", async () => {
  fake.clearCalls();
  const pf = forward(['service/todo-chatbot-frontend', ':3000', '--address', '127.0.0.1']);
  const local = Number((await pf.waitFor(/^Forwarding from 127\.0\.0\.1:(\d+) -> 3000\n/))[1]);
  assert.ok(local > 0 && local !== podPort);
  const before = seen.length;
  const a = await get(local, '/api/health');
  const b = await get(local, '/second');
  assert.equal(
    [a, b],
    [
      { status: 200, body: 'pod says /api/health' },
      { status: 200, body: 'pod says /second' },
    ],
  );
  assert.equal(seen.slice(before), ['/api/health', '/second'], "the requests went through to the pod's server");
  assert.is(pf.out(), `Forwarding from 127.0.0.1:${local} -> 3000\nHandling connection for ${local}\nHandling connection for ${local}\n`);
  assert.is(pf.err(), '');
  assert.is(pf.child.exitCode, null, 'still forwarding');

  pf.child.kill('SIGTERM');
  assert.equal(await pf.exited, { code: null, signal: 'SIGTERM' }, 'dies by the signal like the Go binary');
  assert.ok(await refuses(local), 'the local port is closed');
  const calls = fake.calls('kubectl');
  assert.is(calls.length, 1);
  assert.equal(calls[0]!.argv, [
    '--context',
    CTX,
    '--namespace',
    'todo',
    'port-forward',
    'service/todo-chatbot-frontend',
    ':3000',
    '--address',
    '127.0.0.1',
  ]);
  assert.is(calls[0]!.exitCode, 143);
});

test('default address localhost: 127.0.0.1 and [::1] on the same port; LOCAL:REMOTE keeps the local port; SIGINT exits 0', async () => {
  const v6 = await ipv6Loopback();
  const free = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const pf = forward(['svc/todo-chatbot-frontend', `${free}:3000`]);
  await pf.waitFor(/Forwarding from 127\.0\.0\.1:\d+ -> 3000\n/);
  if (v6) await pf.waitFor(/\[::1\]/);
  assert.is(pf.out(), `Forwarding from 127.0.0.1:${free} -> 3000\n${v6 ? `Forwarding from [::1]:${free} -> 3000\n` : ''}`);
  assert.is((await get(free, '/four')).body, 'pod says /four');
  if (v6) assert.is((await get(free, '/six', '::1')).body, 'pod says /six');
  pf.child.kill('SIGINT');
  assert.equal(await pf.exited, { code: 0, signal: null });
  assert.is(pf.err(), '');
});

test('the Service port is translated to the container port (numbered or named, by name on the pod too)', async () => {
  fake.update((s) => {
    const svc = s.clusters[CTX]!.objects!.find((o) => o.kind === 'Service' && o.name === 'todo-chatbot-frontend')!;
    svc.ports[0].port = 80; // targetPort stays "http", the pods' containerPort 3000
  });
  try {
    for (const spec of [':80', ':http']) {
      const pf = forward(['service/todo-chatbot-frontend', spec, '--address', '127.0.0.1']);
      const local = Number((await pf.waitFor(/^Forwarding from 127\.0\.0\.1:(\d+) -> 3000\n$/))[1]);
      assert.is((await get(local, `/via${spec}`)).body, `pod says /via${spec}`);
      pf.child.kill('SIGINT');
      await pf.exited;
    }
    const podName = fake
      .state()
      .clusters[CTX]!.objects!.find((o) => o.kind === 'Pod' && String(o.name).startsWith('todo-chatbot-frontend-'))!.name as string;
    const byPod = forward([`pod/${podName}`, ':http', '--address', '127.0.0.1']);
    await byPod.waitFor(/^Forwarding from 127\.0\.0\.1:\d+ -> 3000\n$/);
    byPod.child.kill('SIGINT');
    await byPod.exited;

    const noPort = await run(['service/todo-chatbot-frontend', ':1234']);
    assert.equal(noPort, { code: 1, stdout: '', stderr: 'error: Service todo-chatbot-frontend does not have a service port 1234\n' });
    const noName = await run(['service/todo-chatbot-frontend', ':nope']);
    assert.equal(noName, { code: 1, stdout: '', stderr: "error: Service 'todo-chatbot-frontend' does not have a named port 'nope'\n" });
    const podNoName = await run([`pod/${podName}`, ':grpc']);
    assert.equal(podNoName, { code: 1, stdout: '', stderr: `error: Pod '${podName}' does not have a named port 'grpc'\n` });
  } finally {
    fake.update((s) => {
      s.clusters[CTX]!.objects!.find((o) => o.kind === 'Service' && o.name === 'todo-chatbot-frontend')!.ports[0].port = 3000;
    });
  }
});

test("kubectl's errors: missing ports, unknown Service, no selector, no pod in time, a Pending pod, a port in use, an unreachable cluster", async () => {
  assert.equal(await run(['service/todo-chatbot-frontend']), {
    code: 1,
    stdout: '',
    stderr: "error: TYPE/NAME and list of ports are required for port-forward\nSee 'kubectl port-forward -h' for help and examples\n",
  });
  assert.equal(await run(['service/nope', ':80']), {
    code: 1,
    stdout: '',
    stderr: 'Error from server (NotFound): services "nope" not found\n',
  });

  fake.update((s) => {
    s.clusters[CTX]!.objects!.push({ kind: 'Service', name: 'external', namespace: 'todo', ports: [{ port: 80 }] });
    s.clusters[CTX]!.objects!.push({
      kind: 'Service',
      name: 'orphan',
      namespace: 'todo',
      selector: { app: 'nothing-yet' },
      ports: [{ port: 80 }],
    });
  });
  assert.equal(await run(['service/external', ':80']), {
    code: 1,
    stdout: '',
    stderr: "error: cannot attach to *v1.Service: invalid service 'external': Service is defined without a selector\n",
  });
  const t0 = Date.now();
  assert.equal(await run(['service/orphan', ':80', '--pod-running-timeout=1s']), {
    code: 1,
    stdout: '',
    stderr: 'error: timed out waiting for the condition\n',
  });
  assert.ok(Date.now() - t0 >= 1000, 'it waited --pod-running-timeout for a pod');

  // A pod the selector matches, appearing while kubectl waits, is taken.
  const waiting = forward(['service/orphan', ':80', '--pod-running-timeout=20s', '--address', '127.0.0.1']);
  await new Promise((r) => setTimeout(r, 400));
  assert.is(waiting.out(), '');
  fake.update((s) => {
    s.clusters[CTX]!.objects!.push({
      kind: 'Pod',
      name: 'late',
      namespace: 'todo',
      labels: { app: 'nothing-yet' },
      containers: [{ name: 'c', image: 'postgres:17.5-alpine' }],
    });
  });
  await waiting.waitFor(/^Forwarding from 127\.0\.0\.1:\d+ -> 80\n$/);
  waiting.child.kill('SIGINT');
  await waiting.exited;

  const pending = await createTodoChatbotCluster({ provider: 'kind', imagesLoaded: false });
  try {
    assert.equal(await run(['service/todo-chatbot-backend', ':8000'], pending), {
      code: 1,
      stdout: '',
      stderr: 'error: unable to forward port because pod is not running. Current status=Pending\n',
    });
  } finally {
    pending.cleanup();
  }

  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const taken = (busy.address() as AddressInfo).port;
  try {
    assert.equal(await run(['service/todo-chatbot-frontend', `${taken}:3000`, '--address', '127.0.0.1']), {
      code: 1,
      stdout: '',
      stderr:
        `Unable to listen on port ${taken}: Listeners failed to create with the following errors: [unable to create listener: Error listen tcp4 127.0.0.1:${taken}: bind: address already in use]\n` +
        `error: unable to listen on any of the requested ports: [{${taken} 3000}]\n`,
    });
  } finally {
    busy.close();
  }

  fake.update((s) => {
    s.kind!.clusters![0]!.running = false;
  });
  try {
    const down = await run(['service/todo-chatbot-frontend', ':3000']);
    assert.is(down.code, 1);
    assert.match(down.stderr, /memcache\.go:265\] "Unhandled Error" err="couldn't get current server API group list/);
    assert.ok(
      down.stderr.endsWith('The connection to the server 127.0.0.1:41235 was refused - did you specify the right host or port?\n'),
      down.stderr,
    );
  } finally {
    fake.update((s) => {
      s.kind!.clusters![0]!.running = true;
    });
  }
});

test('the fake stays on loopback: other --address values are unsupported (64), a podPorts upstream elsewhere is a state error (78)', async () => {
  const wide = await run(['service/todo-chatbot-frontend', ':3000', '--address', '0.0.0.0']);
  assert.is(wide.code, 64);
  assert.match(wide.stderr, 'fake kubectl: unsupported: ');
  const saved = fake.state().clusters[CTX]!.podPorts;
  fake.update((s) => {
    s.clusters[CTX]!.podPorts = { 'todo/todo-chatbot-frontend:3000': '10.1.2.3:3000' };
  });
  try {
    const elsewhere = await run(['service/todo-chatbot-frontend', ':3000']);
    assert.is(elsewhere.code, 78);
    assert.match(elsewhere.stderr, 'podPorts value "10.1.2.3:3000" for todo-chatbot-frontend-');
    assert.match(elsewhere.stderr, 'must be "127.0.0.1:<port>"');
  } finally {
    fake.update((s) => {
      s.clusters[CTX]!.podPorts = saved;
    });
  }
});

test('the forward ends with its pod: deleting the pod, or nothing listening on its port, gives "error: lost connection to pod" (exit 1)', async () => {
  // Nothing answers on the backend pod's port 8000 (no podPorts entry): kubelet's error, then kubectl gives up.
  const dead = forward(['service/todo-chatbot-backend', ':8000', '--address', '127.0.0.1']);
  const local = Number((await dead.waitFor(/^Forwarding from 127\.0\.0\.1:(\d+) -> 8000\n/))[1]);
  await get(local, '/health').then(
    () => assert.unreachable('a refused pod port cannot answer'),
    () => undefined,
  );
  assert.equal(await dead.exited, { code: 1, signal: null });
  assert.match(dead.out(), `Handling connection for ${local}\n`);
  assert.match(
    dead.err(),
    /^E\d{4} [\d:.]+ +\d+ portforward\.go:424\] "Unhandled Error" err="an error occurred forwarding \d+ -> 8000: error forwarding port 8000 to pod .*connect: connection refused "\nerror: lost connection to pod\n$/,
  );

  const pf = forward(['service/todo-chatbot-frontend', ':3000', '--address', '127.0.0.1']);
  const port = Number((await pf.waitFor(/^Forwarding from 127\.0\.0\.1:(\d+) -> 3000\n/))[1]);
  assert.is((await get(port, '/before')).status, 200);
  const r = await fake.run('kubectl', [
    '--context',
    CTX,
    '--namespace',
    'todo',
    'delete',
    'pods',
    '--selector',
    'app.kubernetes.io/component=frontend',
  ]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(await pf.exited, { code: 1, signal: null });
  assert.is(pf.err(), 'error: lost connection to pod\n');
  assert.ok(await refuses(port));
  // The replacement pods answer through a new forward: the Deployment-keyed upstream follows them.
  const again = forward(['service/todo-chatbot-frontend', ':3000', '--address', '127.0.0.1']);
  const next = Number((await again.waitFor(/^Forwarding from 127\.0\.0\.1:(\d+) -> 3000\n/))[1]);
  assert.is((await get(next, '/after')).body, 'pod says /after');
  again.child.kill('SIGTERM');
  await again.exited;
});

test('no orphan outlives its fake cluster: deleting the state ends the forward like a lost cluster', async () => {
  const doomed = await createTodoChatbotCluster({ provider: 'kind' });
  const pf = forward(['service/todo-chatbot-frontend', ':3000', '--address', '127.0.0.1'], doomed);
  await pf.waitFor(/^Forwarding from/);
  doomed.cleanup();
  assert.equal(await pf.exited, { code: 1, signal: null });
  assert.is(pf.err(), 'error: lost connection to pod\n');
});

test.run();
