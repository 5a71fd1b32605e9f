// validate streams: the runner reports each result as it finishes; the table
// prints each row then (in CI one line per check; on a terminal under a
// `done/total running: …` counter, through util-linux `script`); --json-lines
// gives one event per check; --json stays one document at the end. The CLI runs
// use --url against a local server whose home page answers slowly.
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Check } from '../lib/checks/index.ts';
import { REPO_ROOT } from '../lib/cli.ts';
import { loadConfig } from '../lib/config.ts';
import { createRunner } from '../lib/exec.ts';
import { validate, type CheckResult } from '../lib/validate/index.ts';
import { jsonLinesRenderer } from '../lib/validate/render-json.ts';
import { rowDetail, tableRenderer } from '../lib/validate/render-table.ts';
import { ptyAvailable, shellLine } from './support/pty.ts';

const config = loadConfig({ env: {}, envFile: path.join(os.tmpdir(), 'no-such.env'), root: REPO_ROOT }).config;
const urls = { frontend: 'http://127.0.0.1:1', backend: 'http://127.0.0.1:2' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SLOW_MS = 2500;

const check = (id: string, ms: number, extra: Partial<Check> = {}): Check => ({
  id,
  group: 'app',
  title: id,
  hint: 'h',
  async run() {
    await sleep(ms);
    return { status: 'pass', detail: `${id} ok (${ms}ms)` };
  },
  ...extra,
});

test('the runner reports each result the moment it finishes (finishing order), and when each check starts', async () => {
  const seen: string[] = [];
  const t0 = performance.now();
  const at: Record<string, number> = {};
  const report = await validate({
    config,
    run: createRunner(),
    urls,
    checks: [check('app.slow', 800), check('app.fast', 10), check('app.after-fast', 10, { dependsOn: ['app.fast'] })],
    onBegin: (run) => seen.push(`begin ${run.mode} ${run.ids.length}`),
    onStart: (c) => seen.push(`start ${c.id}`),
    onResult: (r, done, total) => {
      seen.push(`done ${r.id} ${done}/${total}`);
      at[r.id] = performance.now() - t0;
    },
  });
  const ended = performance.now() - t0;
  assert.equal(seen, [
    'begin urls 3',
    'start app.slow',
    'start app.fast',
    'done app.fast 1/3',
    'start app.after-fast',
    'done app.after-fast 2/3',
    'done app.slow 3/3',
  ]);
  assert.ok(
    at['app.fast']! < 500 && ended >= 800,
    `app.fast reported at ${Math.round(at['app.fast']!)}ms, the run ended at ${Math.round(ended)}ms`,
  );
  assert.equal(
    report.results.map((r) => r.id),
    ['app.slow', 'app.fast', 'app.after-fast'],
    'the report keeps check order',
  );
});

const result = (id: string, status: CheckResult['status'], detail: string, durationMs = 12): CheckResult => ({
  id,
  group: 'app',
  title: id,
  status,
  detail,
  durationMs,
  hint: status === 'pass' ? undefined : `hint ${id}`,
});

test('the table renderer, not live: header at begin, one row per finished check, then failures and the summary; a row says its time once', () => {
  const out = new PassThrough();
  let text = '';
  out.setEncoding('utf8').on('data', (d: string) => (text += d));
  const r = tableRenderer({ out, live: false, color: false, width: 100 });
  r.begin({ mode: 'urls', ids: ['app.a', 'app.bb'] });
  assert.match(text, /^Validating the given URLs\n {4}check {3}result/);
  r.finished(result('app.bb', 'fail', 'GET / → 404'), 1, 2);
  assert.is(text.trimEnd().split('\n').length, 3, 'the row is out as soon as the check is');
  r.finished(result('app.a', 'pass', 'ok, version 1 (3ms)', 1500), 2, 2);
  assert.match(text, /✗ app\.bb +GET \/ → 404 +12ms\n {2}✓ app\.a {3}ok, version 1 +1\.5s\n$/);
  assert.not.match(text, '(3ms)', 'the time column shows the duration; the detail does not repeat one');
  assert.is(rowDetail(result('x', 'pass', 'ready (45ms)')), 'ready');
  r.end({
    mode: 'urls',
    results: [result('app.a', 'pass', 'ok'), result('app.bb', 'fail', 'GET / → 404')],
    counts: { total: 2, passed: 1, warned: 0, failed: 1, skipped: 0 },
    durationMs: 1600,
    budgetMs: 120_000,
    exitCode: 1,
  });
  assert.match(
    text,
    /\n1 failed:\n  ✗ app\.bb — app\.bb\n      cause: GET \/ → 404\n      hint: hint app\.bb\n\n2 checks: 1 passed, 1 failed, 0 warned, 0 skipped in 1\.6s\n$/,
  );
  assert.not.match(text, '\x1b[');
});

test('the table renderer, live: a counter line with the running checks, cleared before each row and at the end', () => {
  const out = new PassThrough();
  let text = '';
  out.setEncoding('utf8').on('data', (d: string) => (text += d));
  let clock = 0;
  const r = tableRenderer({ out, live: true, color: false, width: 100, now: () => clock });
  r.begin({ mode: 'urls', ids: ['app.a', 'app.b', 'app.c'] });
  r.started('app.a');
  r.started('app.b');
  clock = 1200;
  r.started('app.c');
  assert.ok(text.endsWith('\r\x1b[2K0/3 running: app.a, app.b, app.c (1.2s)'), JSON.stringify(text.slice(-80)));
  r.finished(result('app.b', 'pass', 'fine'), 1, 3);
  assert.ok(
    text.endsWith('\r\x1b[2K  ✓ app.b  fine' + ' '.repeat(100 - 5 - 16 - 4) + '    12ms\n\r\x1b[2K1/3 running: app.a, app.c (1.2s)'),
    JSON.stringify(text.slice(-160)),
  );
  r.logStream!.write('a warning from a check\n');
  assert.ok(text.endsWith('\r\x1b[2Ka warning from a check\n\r\x1b[2K1/3 running: app.a, app.c (1.2s)'), 'log lines go above the counter');
  r.end({
    mode: 'urls',
    results: [],
    counts: { total: 3, passed: 3, warned: 0, failed: 0, skipped: 0 },
    durationMs: 10,
    budgetMs: 1,
    exitCode: 0,
  });
  assert.ok(text.endsWith('\r\x1b[2K\n3 checks: 3 passed, 0 failed, 0 warned, 0 skipped in 10ms\n'), JSON.stringify(text.slice(-100)));
});

test('--json-lines renderer: start, one check event per result as it comes, summary without the checks', () => {
  const out = new PassThrough();
  let text = '';
  out.setEncoding('utf8').on('data', (d: string) => (text += d));
  const r = jsonLinesRenderer(out, () => new Date('2026-01-02T03:04:05Z'));
  r.begin({ mode: 'urls', ids: ['app.a', 'app.b'] });
  r.finished(result('app.b', 'warn', 'meh', 12.6), 1, 2);
  assert.is(text.trimEnd().split('\n').length, 2);
  r.end({
    mode: 'urls',
    results: [result('app.b', 'warn', 'meh')],
    counts: { total: 1, passed: 0, warned: 1, failed: 0, skipped: 0 },
    durationMs: 20.4,
    budgetMs: 1000,
    exitCode: 0,
  });
  const events = text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(events[0], { ts: '2026-01-02T03:04:05.000Z', type: 'start', mode: 'urls', total: 2 });
  assert.equal(events[1], {
    ts: '2026-01-02T03:04:05.000Z',
    type: 'check',
    id: 'app.b',
    group: 'app',
    title: 'app.b',
    status: 'warn',
    detail: 'meh',
    hint: 'hint app.b',
    durationMs: 13,
    done: 1,
    total: 2,
  });
  assert.equal(events[2], {
    ts: '2026-01-02T03:04:05.000Z',
    type: 'summary',
    ok: true,
    exitCode: 0,
    mode: 'urls',
    counts: { total: 1, passed: 0, warned: 1, failed: 0, skipped: 0 },
    durationMs: 20,
    budgetMs: 1000,
  });
});

// --- the command, end to end ----------------------------------------------------

let server: Server;
let base = '';

test.before(async () => {
  // The backend and frontend in one: health answers at once, the home page after SLOW_MS, the rest is 404.
  server = createServer((req, res) => {
    const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/health') return json({ status: 'ok', version: 'test' });
    if (req.url === '/api/health') return json({ status: 'ok' });
    if (req.url === '/') {
      const timer = setTimeout(
        () => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><title>Todo Chatbot</title></html>'),
        SLOW_MS,
      );
      res.on('close', () => clearTimeout(timer));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.after(() => new Promise<void>((r) => server.close(() => r())));

interface Timed {
  code: number | null;
  text: string;
  ended: number;
  at(pattern: string | RegExp): number;
}

/** Runs a command, noting when each piece of its stdout arrived (ms since start). */
function timed(cmd: string, args: string[], env: Record<string, string | undefined>): Promise<Timed> {
  const t0 = performance.now();
  const child = spawn(cmd, args, {
    cwd: REPO_ROOT,
    env: Object.fromEntries(Object.entries({ ...process.env, ...env }).filter(([, v]) => v !== undefined)),
  });
  const chunks: { t: number; upTo: number }[] = [];
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    text += d;
    chunks.push({ t: performance.now() - t0, upTo: text.length });
  });
  child.stderr.resume();
  return new Promise((resolve) =>
    child.on('close', (code) => {
      const ended = performance.now() - t0;
      const at = (pattern: string | RegExp) => {
        const m = typeof pattern === 'string' ? { index: text.indexOf(pattern) } : pattern.exec(text);
        if (!m || m.index === undefined || m.index < 0) throw new Error(`${pattern} not in the output: ${JSON.stringify(text)}`);
        return chunks.find((c) => c.upTo > m.index!)!.t;
      };
      resolve({ code, text, ended, at });
    }),
  );
}

const cliArgs = (...extra: string[]) => [
  '--import',
  'tsx',
  path.join(REPO_ROOT, 'scripts', 'validate.ts'),
  '--url',
  `frontend=${base},backend=${base}`,
  ...extra,
];

test('in CI: one line per check as it finishes: the fast ones long before the end, the slow one after them; time once per row', async () => {
  const r = await timed(process.execPath, cliArgs(), { CI: '1', NO_COLOR: '1' });
  assert.is(r.code, 1, r.text);
  const fast = r.at(/✓ app\.backend-health .*\n/);
  const slow = r.at(/✓ app\.frontend-home .*\n/);
  assert.ok(fast < r.ended - 1500, `the fast row came at ${Math.round(fast)}ms, the run ended at ${Math.round(r.ended)}ms`);
  assert.ok(slow - fast >= 1500, `the slow row came ${Math.round(slow - fast)}ms after the fast one`);
  const rows = r.text
    .split('\n\n')[0]!
    .split('\n')
    .filter((l) => /^ {2}[✓✗⚠-] app\./.test(l));
  assert.is(rows.length, 7, 'one line per check');
  assert.match(rows.at(-1)!, 'app.frontend-home', 'rows come in finishing order');
  assert.match(
    rows.find((l) => l.includes('app.backend-health'))!,
    /ok, version test +\d+ms$/,
    'the elapsed time once, in the time column',
  );
  assert.not.match(r.text, '\x1b[', 'no terminal codes in CI');
  assert.match(r.text, /7 checks: 3 passed, 2 failed, 0 warned, 2 skipped in /, r.text);
});

test('--json-lines: an event per check as it finishes; --json: one document at the end; both at once is a usage error', async () => {
  const r = await timed(process.execPath, cliArgs('--json-lines'), { CI: '1' });
  assert.is(r.code, 1);
  const events = r.text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; id?: string });
  assert.equal(
    events.map((e) => e.type),
    ['start', ...Array(7).fill('check'), 'summary'],
  );
  assert.is(events[7]!.id, 'app.frontend-home');
  assert.ok(r.at('"id":"app.backend-health"') < r.ended - 1500, 'the first events came before the slow check ended');

  const doc = await timed(process.execPath, cliArgs('--json'), { CI: '1' });
  assert.is(doc.code, 1);
  const parsed = JSON.parse(doc.text) as { checks: { id: string }[] };
  assert.equal(
    parsed.checks.map((c) => c.id),
    [
      'app.backend-health',
      'app.backend-ready',
      'app.frontend-health',
      'app.frontend-home',
      'app.frontend-proxy',
      'app.task-roundtrip',
      'app.chat-roundtrip',
    ],
    'the document keeps check order',
  );
  assert.ok(doc.at('{') > doc.ended - 1000, 'nothing on stdout until the end');

  const both = spawnSync(process.execPath, cliArgs('--json', '--json-lines'), {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, CI: '1' },
  });
  assert.is(both.status, 2);
  assert.match(both.stdout + both.stderr, '--json and --json-lines both given');
  const help = spawnSync(process.execPath, cliArgs('--help'), { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.match(help.stdout, /--json-lines +print one JSON event per line .* one per check as it finishes/);
  assert.match(help.stdout, /--json +print one JSON document \(the report\) on stdout at the end/);
});

test('on a terminal (pseudo-terminal via `script`): each row as it finishes, under a coloured `done/7 running: …` counter', async () => {
  if (!ptyAvailable()) return;
  const cmd = shellLine([process.execPath, ...cliArgs()]);
  const r = await timed('script', ['-qfec', cmd, '/dev/null'], { FORCE_COLOR: '1', CI: '', NO_COLOR: undefined });
  assert.is(r.code, 1, r.text);
  assert.match(r.text, /\r\x1b\[2K\x1b\[2m\d\/7 running: [^\r]*app\.frontend-home/, 'the counter names the running check');
  const fast = r.at('\x1b[32m✓\x1b[39m app.backend-health');
  const slow = r.at('\x1b[32m✓\x1b[39m app.frontend-home');
  assert.ok(fast < r.ended - 1500, `the fast row came at ${Math.round(fast)}ms, the run ended at ${Math.round(r.ended)}ms`);
  assert.ok(slow - fast >= 1500, `the slow row came ${Math.round(slow - fast)}ms after the fast one`);
  assert.match(r.text, /7 checks: 3 passed, 2 failed, 0 warned, 2 skipped in /, r.text);
});

test.run();
