// validate's app checks against the REAL reference app run as local processes:
// the FastAPI backend (SQLite, offline agent) and the Next.js standalone frontend.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../lib/cli.ts';
import { loadConfig } from '../lib/config.ts';
import { createRunner } from '../lib/exec.ts';
import { validate, type ValidateReport } from '../lib/validate/index.ts';
import { freePort, startBackend, startFrontend, type AppServer } from './support/app-servers.ts';
import { findAll, parseXml } from './support/xml.ts';

const APP_IDS = [
  'app.backend-health',
  'app.backend-ready',
  'app.frontend-health',
  'app.frontend-home',
  'app.frontend-proxy',
  'app.task-roundtrip',
  'app.chat-roundtrip',
];
const config = loadConfig({ env: {}, envFile: path.join(os.tmpdir(), 'no-such.env'), root: REPO_ROOT }).config;
const run = createRunner();

let backend: AppServer & { dataDir: string };
let frontend: AppServer;

test.before(async () => {
  backend = await startBackend();
  frontend = await startFrontend(backend.url);
});
test.after(async () => {
  await frontend?.stop();
  await backend?.stop();
});

const byId = (report: ValidateReport) => Object.fromEntries(report.results.map((r) => [r.id, r]));

function cli(args: string[]) {
  return run('node', ['--import', 'tsx', 'scripts/validate.ts', ...args], {
    cwd: REPO_ROOT,
    nothrow: true,
    env: { CI: '1', NO_COLOR: '1' },
    timeoutMs: 60_000,
  });
}

test('validate --url: every app check passes against the real backend and frontend; JUnit and --json agree', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'validate-junit-'));
  try {
    const junit = path.join(dir, 'report.xml');
    const r = await cli(['--url', `frontend=${frontend.url},backend=${backend.url}`, '--junit', junit]);
    assert.is(r.exitCode, 0, r.stdout + r.stderr);
    for (const id of APP_IDS) assert.match(r.stdout, new RegExp(`✓ ${id.replace('.', '\\.')}\\s`));
    assert.match(r.stdout, /7 checks: 7 passed, 0 failed/);
    assert.match(r.stdout, /<title>Todo Chatbot<\/title>/);
    const xml = parseXml(readFileSync(junit, 'utf8'));
    assert.is(xml.name, 'testsuites');
    const cases = findAll(xml, 'testcase');
    assert.equal(
      cases.map((c) => c.attrs.name),
      APP_IDS,
    );
    assert.is(findAll(xml, 'failure').length, 0);

    const json = await cli(['--url', `frontend=${frontend.url},backend=${backend.url}`, '--json']);
    assert.is(json.exitCode, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as { ok: boolean; checks: { id: string; status: string }[] };
    assert.ok(doc.ok);
    assert.equal(
      doc.checks.map((c) => [c.id, c.status]),
      APP_IDS.map((id) => [id, 'pass']),
    );
    // The smoke users cleaned up: the chat and task round trips leave no task behind.
    const tasks = await fetch(`${backend.url}/api/smoke-check/tasks`).then((res) => res.json());
    assert.equal(tasks, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('backend stopped: exactly the checks that need it fail or are skipped, with the cause', async () => {
  const port = await freePort();
  const lone = await startBackend({ port });
  const front = await startFrontend(lone.url);
  try {
    await lone.stop();
    const report = await validate({ config, run, urls: { frontend: front.url, backend: lone.url }, retries: 2 });
    const r = byId(report);
    assert.is(report.exitCode, 1);
    assert.is(r['app.backend-health']!.status, 'fail');
    assert.match(r['app.backend-health']!.detail, 'ECONNREFUSED');
    assert.ok(r['app.backend-health']!.hint);
    assert.is(r['app.frontend-proxy']!.status, 'fail');
    assert.match(r['app.frontend-proxy']!.detail, /→ 502.*Backend unavailable/);
    for (const id of ['app.backend-ready', 'app.task-roundtrip', 'app.chat-roundtrip']) {
      assert.is(r[id]!.status, 'skip', id);
      assert.match(r[id]!.detail, /^needs app\.backend-(health|ready), which (failed|was skipped)/);
    }
    assert.is(r['app.frontend-health']!.status, 'pass');
    assert.is(r['app.frontend-home']!.status, 'pass');
  } finally {
    await front.stop();
  }
});

test('/ready answers 503 (database unreachable): the readiness check fails quoting the reason', async () => {
  const broken = await startBackend({ env: { DATABASE_URL: 'postgresql://x@127.0.0.1:1/x' } });
  try {
    const report = await validate({ config, run, urls: { frontend: frontend.url, backend: broken.url }, retries: 2, only: ['app'] });
    const r = byId(report);
    assert.is(r['app.backend-health']!.status, 'pass');
    assert.is(r['app.backend-ready']!.status, 'fail');
    assert.match(r['app.backend-ready']!.detail, /GET \/ready → 503 unavailable: .*Connection refused/);
    assert.match(r['app.backend-ready']!.hint!, 'DATABASE_URL');
    assert.is(r['app.task-roundtrip']!.status, 'skip');
    assert.is(report.exitCode, 1);
  } finally {
    await broken.stop();
  }
});

test('an endpoint that never answers hits the request timeout and the total budget, not a hang', async () => {
  const hanging: Server = createServer(() => undefined); // accepts, never answers
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
  try {
    const t0 = performance.now();
    const report = await validate({
      config,
      run,
      urls: { frontend: url, backend: backend.url },
      requestTimeoutMs: 500,
      retries: 2,
      budgetMs: 4000,
    });
    const took = performance.now() - t0;
    const r = byId(report);
    assert.is(r['app.frontend-health']!.status, 'fail');
    assert.match(r['app.frontend-health']!.detail, 'no answer within 0.5s');
    assert.is(r['app.frontend-home']!.status, 'skip');
    assert.is(r['app.backend-health']!.status, 'pass');
    assert.ok(took < 4000, `took ${took}ms`);

    // Long per-request timeouts: the total budget ends it.
    const t1 = performance.now();
    const budgeted = await validate({
      config,
      run,
      urls: { frontend: url, backend: backend.url },
      requestTimeoutMs: 30_000,
      budgetMs: 1500,
    });
    const took2 = performance.now() - t1;
    assert.match(byId(budgeted)['app.frontend-health']!.detail, 'the total time budget of 1.5s ran out');
    assert.ok(took2 < 3000, `took ${took2}ms`);
  } finally {
    hanging.closeAllConnections();
    hanging.close();
  }
});

test('usage errors name the input: a bad --url, an unknown group', async () => {
  const r = await cli(['--url', 'frontend=http://127.0.0.1:1']);
  assert.is(r.exitCode, 2);
  assert.match(r.stderr, '--url lacks backend=<url>');
  const g = await cli(['--only', 'clustr']);
  assert.is(g.exitCode, 2);
  assert.match(g.stderr, 'did you mean cluster?');
  const mix = await cli(['--url', 'frontend=http://127.0.0.1:1,backend=http://127.0.0.1:2', '--only', 'workloads']);
  assert.is(mix.exitCode, 2);
  assert.match(mix.stderr, '--url runs only the app checks');
});

test.run();
