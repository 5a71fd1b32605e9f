// An own app's HTTP checks (lib/app-checks.ts) against small servers on 127.0.0.1: the home page
// passes only as a page Next.js rendered (assets under /_next/), so a stray server that answers
// 200 on the frontend's port fails with what it served; a redirect still counts as an answer.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ownAppChecks } from '../lib/app-checks.ts';
import { runSmokeChecks } from '../lib/smoke.ts';

const servers: Server[] = [];
/** A server answering `GET /` with `home`, and 200 "ok" on /health. */
async function serve(home: { status: number; body: string; location?: string }): Promise<string> {
  const server = createServer((req, res) => {
    if (req.url === '/health') return res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    res.writeHead(home.status, { 'content-type': 'text/html', ...(home.location ? { location: home.location } : {}) }).end(home.body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
test.after(() => {
  for (const s of servers) s.close();
});

const PATHS = { frontend: { healthPath: '/health', readyPath: null }, backend: { healthPath: '/health', readyPath: null } };
const home = async (frontend: string, backend: string) => {
  const results = await runSmokeChecks({ frontend, backend }, ownAppChecks(PATHS), undefined, { retries: 0 });
  return results.find((r) => r.id === 'app.frontend-home')!;
};

test('a page Next.js rendered passes', async () => {
  const backend = await serve({ status: 200, body: 'ok' });
  const next = await serve({
    status: 200,
    body: '<!DOCTYPE html><html><head><script src="/_next/static/chunks/main.js" async=""></script></head><body>Tasks</body></html>',
  });
  const r = await home(next, backend);
  assert.ok(r.ok, r.detail);
});

test('another server answering 200 on the frontend port fails, naming what it served', async () => {
  const backend = await serve({ status: 200, body: 'ok' });
  const stray = await serve({ status: 200, body: '<html><body>It works!</body></html>' });
  const r = await home(stray, backend);
  assert.not.ok(r.ok);
  assert.match(r.detail, 'GET / → 200, but the page loads nothing from /_next/');
  assert.match(r.detail, 'It works!');
});

test('a redirect (/ → /login) is an answer: the server is up and routing', async () => {
  const backend = await serve({ status: 200, body: 'ok' });
  const redirecting = await serve({ status: 307, body: '', location: '/login' });
  const r = await home(redirecting, backend);
  assert.ok(r.ok, r.detail);
});

test.run();
