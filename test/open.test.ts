// open on the fake kit (docker-desktop: the node is 127.0.0.1, so nothing leaves
// loopback): the NodePort URLs when our app answers there; otherwise a kubectl
// port-forward that is started again, on the same local ports, when its pod is
// replaced; --browser; --json; Ctrl-C stops every forward; unreachable: exit 3.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { browserCommand } from '../lib/open.ts';
import type { FakeState } from './fakes/kit.ts';
import { deployFixture, type DeployFixture } from './support/deploy-fixture.ts';
import { freePort } from './support/app-servers.ts';
import { REPO_ROOT } from './support/tools.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stands in for a pod of ours: the health JSON lib/access.ts recognises. */
async function appServer(name: 'frontend' | 'backend', port = 0): Promise<{ port: number; close(): Promise<void> }> {
  const srv = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(name === 'backend' ? { status: 'ok', version: '0.1.0' } : { status: 'ok' }));
  });
  await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
  return {
    port: (srv.address() as AddressInfo).port,
    close: () =>
      new Promise((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

function start(fake: DeployFixture, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', 'open.ts'), '--dotenv', fake.envFile, ...args],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...fake.env, CI: 'true', NO_COLOR: '1', TMPDIR: fake.tmp, ...env },
    },
  );
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const done = new Promise<number | null>((r) => child.on('close', r));
  return {
    pid: child.pid!,
    done,
    stdout: () => out,
    stderr: () => err,
    async waitFor(re: RegExp, ms = 20_000): Promise<RegExpExecArray> {
      const t0 = Date.now();
      for (;;) {
        const m = re.exec(out);
        if (m) return m;
        if (Date.now() - t0 > ms) throw new Error(`no ${re} within ${ms}ms; stdout:\n${out}\nstderr:\n${err}`);
        await sleep(50);
      }
    },
  };
}

const get = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(3000) })).json();
const forwards = (fake: DeployFixture) => fake.calls('kubectl').filter((c) => c.argv.includes('port-forward'));

test('browser command per platform', () => {
  assert.equal(browserCommand('linux').cmd, 'xdg-open');
  assert.equal(browserCommand('darwin').args('http://x'), ['http://x']);
  assert.equal(browserCommand('win32').cmd, 'cmd');
});

test('NodePorts that answer as our app: their URLs, no port-forward; --browser hands the frontend URL to xdg-open; Ctrl-C: exit 130', async () => {
  const frontend = await appServer('frontend', await freePort([30100, 31000]));
  const backend = await appServer('backend', await freePort([31000, 32000]));
  const fake = await deployFixture({
    provider: 'docker-desktop',
    helmArgs: ['--set', `frontend.service.nodePort=${frontend.port}`, '--set', `backend.service.nodePort=${backend.port}`],
  });
  // A stand-in xdg-open that notes the URL it was given.
  const bin = mkdtempSync(path.join(os.tmpdir(), 'open-bin-'));
  const opened = path.join(bin, 'opened.txt');
  writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\necho "$1" > '${opened}'\n`);
  chmodSync(path.join(bin, 'xdg-open'), 0o755);
  try {
    const live = start(fake, ['--browser'], { PATH: `${bin}:${fake.env.PATH}` });
    await live.waitFor(/Ctrl-C to stop/);
    assert.match(
      live.stdout(),
      `the app is reachable via NodePorts:\n  frontend  http://127.0.0.1:${frontend.port}\n  backend   http://127.0.0.1:${backend.port}`,
    );
    assert.match(live.stdout(), `opened http://127.0.0.1:${frontend.port} in the browser`);
    assert.is(readFileSync(opened, 'utf8').trim(), `http://127.0.0.1:${frontend.port}`);
    assert.equal(forwards(fake), []);
    process.kill(live.pid, 'SIGINT');
    assert.is(await live.done, 130);
  } finally {
    fake.cleanup();
    await frontend.close();
    await backend.close();
  }
});

test('no NodePort access: a port-forward per Service; its pod replaced: forwarded again on the same ports; --json; Ctrl-C stops the forwards', async () => {
  const frontend = await appServer('frontend');
  const backend = await appServer('backend');
  // The NodePorts point at ports nothing listens on: not our app there.
  const fake = await deployFixture({
    provider: 'docker-desktop',
    helmArgs: [
      '--set',
      `frontend.service.nodePort=${await freePort([30100, 31000])}`,
      '--set',
      `backend.service.nodePort=${await freePort([31000, 32000])}`,
    ],
  });
  try {
    fake.update((s) => {
      Object.values(s.clusters)[0]!.podPorts = {
        'todo/todo-chatbot-frontend:3000': `127.0.0.1:${frontend.port}`,
        'todo/todo-chatbot-backend:8000': `127.0.0.1:${backend.port}`,
      };
    });
    const live = start(fake, ['--json']);
    const first = JSON.parse((await live.waitFor(/^\{"ts[^\n]*"type":"open"[^\n]*\n/m))[0]);
    assert.is(first.via, 'port-forward');
    assert.match(first.urls.frontend, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await get(`${first.urls.backend}/health`), { status: 'ok', version: '0.1.0' });
    // A rollout replaces the backend pod: its forward ends ("lost connection to pod") and open forwards again.
    fake.update((s: FakeState) => {
      const objects = Object.values(s.clusters)[0]!.objects!;
      const pod = objects.find((o) => o.kind === 'Pod' && o.labels?.['app.kubernetes.io/component'] === 'backend')!;
      pod.name = 'todo-chatbot-backend-9d8e7f6a5b-newp1';
    });
    const again = JSON.parse((await live.waitFor(/^\{"ts[^\n]*"type":"reconnected"[^\n]*\n/m))[0]);
    assert.equal(again.urls, first.urls, 'the same URLs keep working');
    assert.equal(await get(`${again.urls.backend}/health`), { status: 'ok', version: '0.1.0' });
    assert.equal(await get(`${again.urls.frontend}/api/health`), { status: 'ok' });
    process.kill(live.pid, 'SIGINT');
    assert.is(await live.done, 130);
    await sleep(300);
    const pf = forwards(fake);
    // A call is recorded when its process ends: four recorded forwards = none left running.
    assert.is(pf.length, 4, 'two forwards, then two again, all ended');
    for (const line of live.stdout().trim().split('\n')) JSON.parse(line);
  } finally {
    fake.cleanup();
    await frontend.close();
    await backend.close();
  }
});

test("NodePorts not reachable from the host (no node address): deploy's last step and status suggest npm run open", async () => {
  const fake = await deployFixture({ provider: 'kind' });
  try {
    // kind's node address is the node's InternalIP (kubectl get nodes); a node without one: the host has no route to the NodePorts.
    const node = JSON.parse((await fake.run('kubectl', ['--context', 'kind-todo', 'get', 'nodes', '-o', 'json'])).stdout).items[0];
    node.status.addresses = node.status.addresses.filter((a: { type: string }) => a.type !== 'InternalIP');
    fake.update((s) => {
      Object.values(s.clusters)[0]!.nodes = [node];
    });
    fake.clearCalls();
    const deploy = await fake.script('deploy', ['--skip-build']);
    assert.is(deploy.code, 0, deploy.stdout + deploy.stderr);
    assert.match(
      deploy.stdout,
      'are not reachable from this host directly; open a tunnel with `npm run open` (or by hand: kubectl --context kind-todo -n todo port-forward svc/todo-chatbot-frontend 3000:3000)',
    );
    const status = await fake.script('status', []);
    assert.is(status.code, 0, status.stdout + status.stderr);
    assert.match(status.stdout, /frontend {4}NodePort {3}3000:30080 {3}no NodePort access from this host/);
    assert.match(status.stdout, 'the NodePorts are not reachable from this host: `npm run open` tunnels to the app');
  } finally {
    fake.cleanup();
  }
});

test('an unreachable cluster: exit 3 before anything is opened; no frontend Service: exit 1 ACCESS_NO_SERVICE', async () => {
  const fake = await deployFixture({ provider: 'kind', deploy: false });
  try {
    const none = start(fake, []);
    assert.is(await none.done, 1);
    assert.match(none.stderr(), 'release todo-chatbot has no frontend Service in namespace todo');
    fake.update((s) => {
      s.kind!.clusters![0]!.running = false;
    });
    const down = start(fake, []);
    assert.is(await down.done, 3);
    assert.match(down.stderr(), 'CLUSTER_UNREACHABLE');
  } finally {
    fake.cleanup();
  }
});

test.run();
