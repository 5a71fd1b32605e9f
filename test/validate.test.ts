// The validate runner with synthetic checks: concurrency of independent checks,
// dependants skipped with the reason, "last" ordering, the total budget, exit
// codes, flag parsing, and the table.
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Check, CheckContext } from '../lib/checks/index.ts';
import { CHECKS, GROUPS } from '../lib/checks/index.ts';
import { REPO_ROOT } from '../lib/cli.ts';
import { loadConfig } from '../lib/config.ts';
import { createRunner } from '../lib/exec.ts';
import { ClusterUnreachableError } from '../lib/kubectl.ts';
import { runSmokeChecks, SMOKE_CHECKS } from '../lib/smoke.ts';
import { ensureTools } from './support/tools.ts';
import { tempDir } from './support/tmp.ts';
import { checkCount, parseUrlFlag, renderReport, selectChecks, validate } from '../lib/validate/index.ts';

const config = loadConfig({ env: {}, envFile: path.join(os.tmpdir(), 'no-such.env'), root: REPO_ROOT }).config;
const urls = { frontend: 'http://127.0.0.1:1', backend: 'http://127.0.0.1:2' };
type Status = 'pass' | 'warn' | 'fail';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fake(id: string, body: (ctx: CheckContext) => Promise<Status> | Status, extra: Partial<Check> = {}): Check {
  return {
    id,
    group: 'app',
    title: id,
    hint: `hint for ${id}`,
    async run(ctx) {
      const status = await body(ctx);
      return { status, detail: `${id} ${status}` };
    },
    ...extra,
  };
}

test('independent checks run concurrently; a failed dependency skips its dependants (transitively) with the reason', async () => {
  const started: number[] = [];
  const slow = (id: string) =>
    fake(id, async () => {
      started.push(performance.now());
      await sleep(200);
      return 'pass' as const;
    });
  const checks = [
    slow('app.a'),
    slow('app.b'),
    slow('app.c'),
    fake('app.broken', async () => {
      throw new Error('boom: the cause');
    }),
    fake('app.child', () => 'pass', { dependsOn: ['app.broken'] }),
    fake('app.grandchild', () => 'pass', { dependsOn: ['app.child'] }),
    fake('app.outside', () => 'pass', { dependsOn: ['cluster.namespace'] }), // not selected: ignored
  ];
  const t0 = performance.now();
  const report = await validate({ config, run: createRunner(), urls, checks });
  const took = performance.now() - t0;
  assert.ok(took < 450, `three 200ms checks ran concurrently (${Math.round(took)}ms)`);
  const r = Object.fromEntries(report.results.map((x) => [x.id, x]));
  assert.is(r['app.broken']!.status, 'fail');
  assert.is(r['app.broken']!.detail, 'boom: the cause');
  assert.is(r['app.broken']!.hint, 'hint for app.broken');
  assert.is(r['app.child']!.detail, 'needs app.broken, which failed');
  assert.is(r['app.grandchild']!.detail, 'needs app.child, which was skipped');
  assert.is(r['app.outside']!.status, 'pass');
  assert.equal(
    report.results.map((x) => x.id),
    checks.map((c) => c.id),
    'table order is check order',
  );
  assert.equal(report.counts, { total: 7, passed: 4, warned: 0, failed: 1, skipped: 2 });
  assert.is(report.exitCode, 1);
});

test('concurrency is bounded, and a "last" check starts only after all others finished', async () => {
  let running = 0;
  let peak = 0;
  const finished: string[] = [];
  const counted = (id: string) =>
    fake(id, async () => {
      running++;
      peak = Math.max(peak, running);
      await sleep(30);
      running--;
      finished.push(id);
      return 'pass' as const;
    });
  const checks = [
    counted('app.1'),
    fake(
      'app.z-last',
      async () => {
        finished.push(`last saw ${finished.length}`);
        return 'pass' as const;
      },
      { last: true },
    ),
    counted('app.2'),
    counted('app.3'),
    counted('app.4'),
    counted('app.5'),
  ];
  const report = await validate({ config, run: createRunner(), urls, checks, concurrency: 2 });
  assert.is(peak, 2);
  assert.is(finished.at(-1), 'last saw 5');
  assert.is(report.exitCode, 0);
});

test('the total budget fails the running check and skips the rest; warnings keep exit 0; unreachable means exit 3', async () => {
  const report = await validate({
    config,
    run: createRunner(),
    urls,
    budgetMs: 300,
    checks: [fake('app.hangs', () => new Promise(() => undefined)), fake('app.after', () => 'pass', { dependsOn: ['app.hangs'] })],
  });
  assert.is(report.results[0]!.status, 'fail');
  assert.is(report.results[0]!.detail, 'the total time budget of 0.3s ran out');
  assert.is(report.results[1]!.status, 'skip');

  const warned = await validate({ config, run: createRunner(), urls, checks: [fake('app.w', async () => 'warn' as const)] });
  assert.is(warned.exitCode, 0);
  assert.is(warned.results[0]!.hint, 'hint for app.w');

  const down = await validate({
    config,
    run: createRunner(),
    urls,
    checks: [
      fake('app.k', async () => {
        throw new ClusterUnreachableError('kind-x', 'connection refused');
      }),
    ],
  });
  assert.is(down.exitCode, 3);
  assert.ok(down.results[0]!.unreachable);
  assert.match(down.results[0]!.hint!, 'kubectl --context kind-x get nodes');
});

test('selection: groups, --only/--skip as lists, --url means app only, --disruptive adds the restart check', () => {
  assert.ok(CHECKS.length >= 20);
  assert.equal([...new Set(CHECKS.map((c) => c.group))], [...GROUPS]);
  assert.equal(new Set(CHECKS.map((c) => c.id)).size, CHECKS.length, 'ids are unique');
  for (const c of CHECKS)
    for (const d of c.dependsOn ?? [])
      assert.ok(
        CHECKS.some((x) => x.id === d),
        `${c.id} depends on unknown ${d}`,
      );
  const ids = (o: Parameters<typeof selectChecks>[0]) => selectChecks(o).map((c) => c.id);
  assert.ok(ids({}).every((id) => id !== 'app.restart-survival'));
  assert.ok(ids({ disruptive: true }).includes('app.restart-survival'));
  assert.ok(ids({ only: ['cluster,release'] }).every((id) => /^(cluster|release)\./.test(id)));
  assert.ok(ids({ skip: ['app', 'network'] }).every((id) => !/^(app|network)\./.test(id)));
  assert.ok(ids({ urls }).every((id) => id.startsWith('app.')));
  assert.throws(() => selectChecks({ only: ['netwrok'] }), /did you mean network/);
  assert.throws(() => selectChecks({ only: ['cluster'], skip: ['cluster'] }), /no checks left/);
});

test('--url parsing names what is wrong', () => {
  assert.equal(parseUrlFlag('frontend=http://127.0.0.1:3000/,backend=http://127.0.0.1:8000'), {
    frontend: 'http://127.0.0.1:3000',
    backend: 'http://127.0.0.1:8000',
  });
  assert.throws(() => parseUrlFlag('frontend=http://a'), /lacks backend=<url>/);
  assert.throws(() => parseUrlFlag('front=http://a,backend=http://b'), /front=http:\/\/a: expected frontend=<url> or backend=<url>/);
  assert.throws(() => parseUrlFlag('frontend=ftp://a,backend=http://b'), /not an http\(s\) URL/);
});

test('the table: ✓ ✗ ⚠ - per check with duration, then failures with cause and hint, then the counts', async () => {
  const report = await validate({
    config,
    run: createRunner(),
    urls,
    checks: [
      fake('app.ok', () => 'pass'),
      fake('app.bad', async () => {
        throw new Error('it broke\nsecond line');
      }),
      fake('app.meh', async () => 'warn' as const),
      fake('app.dep', () => 'pass', { dependsOn: ['app.bad'] }),
    ],
  });
  const text = renderReport(report, { color: false, width: 100 });
  assert.match(text, /✓ app\.ok\s+app\.ok pass\s+\d+ms/);
  assert.match(text, /✗ app\.bad\s+it broke\s+\d+ms/);
  assert.match(text, /⚠ app\.meh\s+app\.meh warn/);
  assert.match(text, /- app\.dep\s+needs app\.bad, which failed/);
  assert.match(text, /1 failed:\n  ✗ app\.bad — app\.bad\n      cause: it broke\n      second line\n      hint: hint for app\.bad/);
  assert.match(text, /4 checks: 1 passed, 1 failed, 1 warned, 1 skipped in/);
  assert.not.match(text, /\x1b\[/);
  assert.match(renderReport(report, { color: true }), /\x1b\[3[12]m/);
});

test('validate without helm, or without kubectl: exit 3 PREREQ with the install hint (as deploy), before any check', async () => {
  const tools = await ensureTools();
  for (const [missing, present, hint] of [
    ['helm', 'kubectl', 'https://helm.sh/docs/intro/install/'],
    ['kubectl', 'helm', 'https://kubernetes.io/docs/tasks/tools/'],
  ] as const) {
    const bin = tempDir('validate-bin-');
    try {
      symlinkSync(tools[present === 'helm' ? 'HELM3_BIN' : 'KUBECTL35_BIN']!, path.join(bin.dir, present));
      symlinkSync('/bin/bash', path.join(bin.dir, 'bash'));
      const r = await createRunner()(process.execPath, ['--import', 'tsx', 'scripts/validate.ts'], {
        cwd: REPO_ROOT,
        nothrow: true,
        timeoutMs: 60_000,
        env: { PATH: bin.dir, CI: '1', KUBECONFIG: path.join(bin.dir, 'kubeconfig') },
      });
      assert.is(r.exitCode, 3, `without ${missing}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout + r.stderr, `${missing} not found on PATH`);
      assert.match(r.stderr, hint);
      assert.match(r.stderr, 'code: PREREQ');
      assert.not.match(r.stdout + r.stderr, 'rerun the deploy');
      if (missing === 'helm') {
        // The app group reads nothing through helm: --only app goes on without it (here to the missing context).
        const app = await createRunner()(process.execPath, ['--import', 'tsx', 'scripts/validate.ts', '--only', 'app'], {
          cwd: REPO_ROOT,
          nothrow: true,
          timeoutMs: 60_000,
          env: { PATH: bin.dir, CI: '1', KUBECONFIG: path.join(bin.dir, 'kubeconfig') },
        });
        assert.not.match(app.stdout + app.stderr, 'helm not found');
        assert.match(app.stderr, 'code: KUBE_CONTEXT_MISSING');
      }
    } finally {
      bin.cleanup();
    }
  }
});

test('the check count in --help, the README and the quickstart comes from the checks table', async () => {
  const always = CHECKS.filter((c) => !c.disruptive).length;
  assert.is(checkCount(), `${always} checks, ${CHECKS.length} with --disruptive`);
  const help = await createRunner()(process.execPath, ['--import', 'tsx', 'scripts/validate.ts', '--help'], {
    cwd: REPO_ROOT,
    timeoutMs: 60_000,
  });
  assert.match(help.stdout, `(${checkCount()})`);
  assert.match(help.stdout, /--json +print one JSON document/);
  for (const doc of ['README.md', 'docs/quickstart.md']) {
    const text = readFileSync(path.join(REPO_ROOT, doc), 'utf8');
    const counts = [...text.matchAll(/\b(\d+) checks\b/g)].map((m) => Number(m[1]));
    assert.ok(counts.length > 0, `${doc} states the count`);
    assert.equal([...new Set(counts)], [always], `${doc}: "N checks" must be ${always}`);
    assert.match(text, `${CHECKS.length} with \`--disruptive\``);
  }
});

test('every kubectl or helm command in a check hint names the context, and the namespace where it reads one', () => {
  const t = { context: 'ctx-x', namespace: 'ns-x', release: 'rel-x' };
  for (const check of CHECKS) {
    const hint = typeof check.hint === 'function' ? check.hint(t) : check.hint;
    assert.not.match(hint, /<(namespace|release|ns)>/, `${check.id}: ${hint}`);
    for (const [, cmd] of hint.matchAll(/`((?:kubectl|helm) [^`]*)`/g)) {
      if (cmd!.startsWith('helm')) {
        assert.match(cmd!, '--kube-context ctx-x', `${check.id}: ${cmd}`);
        assert.match(cmd!, '-n ns-x', `${check.id}: ${cmd}`);
        continue;
      }
      assert.match(cmd!, '--context ctx-x', `${check.id}: ${cmd}`);
      if (/ (logs|describe (pod|pvc|deploy)|create secret)/.test(cmd!)) assert.match(cmd!, '-n ns-x', `${check.id}: ${cmd}`);
    }
    assert.not.match(
      hint.replace(/`[^`]*`/g, ''),
      /\bkubectl (logs|describe)\b/,
      `${check.id}: a kubectl command outside backticks: ${hint}`,
    );
  }
});

/** lib's relative imports (type imports too), file → files, from the sources. */
function libImports(): Map<string, string[]> {
  const lib = path.join(REPO_ROOT, 'lib');
  const files = readdirSync(lib, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join('lib', f));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
    const targets = [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom '(\.[^']+)'/gms)].map((m) => path.join(path.dirname(file), m[1]!));
    graph.set(file, targets);
  }
  return graph;
}

test('validate in parts: no import cycle through validate, its checks, access or the smoke wrapper; the report types are a leaf; the grab-bag is gone', () => {
  const graph = libImports();
  const ours = (f: string) => /^lib\/(validate\/|checks\/|smoke\.ts|http\.ts|access\.ts)/.test(f);
  const cycles: string[] = [];
  const visit = (file: string, trail: string[]) => {
    const at = trail.indexOf(file);
    if (at >= 0) {
      const cycle = trail.slice(at);
      if (cycle.some(ours)) cycles.push([...cycle, file].join(' → '));
      return;
    }
    if (trail.length > 40) return;
    for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
  };
  for (const file of graph.keys()) if (ours(file)) visit(file, []);
  assert.equal([...new Set(cycles)], [], 'import cycles');
  const leaf = graph.get('lib/validate/report.ts')!;
  assert.ok(leaf, 'lib/validate/report.ts exists');
  assert.equal(
    leaf.filter((f) => /^lib\/(validate|checks)\//.test(f) || /smoke|http|junit/.test(f)),
    [],
    'report.ts imports nothing of validate',
  );
  for (const gone of ['lib/validate.ts', 'lib/validate-render.ts', 'lib/junit.ts'])
    assert.not.ok(existsSync(path.join(REPO_ROOT, gone)), `${gone} is gone`);
  const sources = [...graph.keys()].map((f) => readFileSync(path.join(REPO_ROOT, f), 'utf8')).join('\n');
  assert.not.match(
    sources,
    /\binterface SmokeCheck\b|\binterface Access\b|type ResultStatus = 'pass'|\binterface HistoryEntry \{\n  revision/,
    'one Check type, one access type, one meaning per name',
  );
});

test('runSmokeChecks runs the app checks through the same runner: app.* ids, a dependant of a failure skipped with the reason', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((r) => closed.close(() => r()));
  const seen: string[] = [];
  const results = await runSmokeChecks({ frontend: dead, backend: dead }, undefined, (r) => seen.push(r.id), {
    retries: 1,
    timeoutMs: 2000,
  });
  assert.equal(
    results.map((r) => r.id),
    SMOKE_CHECKS.map((c) => c.id),
  );
  assert.equal([...seen].sort(), SMOKE_CHECKS.map((c) => c.id).sort(), 'each result reported once, as it is known');
  assert.ok(seen.indexOf('app.backend-ready') < seen.indexOf('app.frontend-health'), 'a skip is reported the moment its dependency failed');
  assert.ok(
    SMOKE_CHECKS.every((c) => c.group === 'app' && c.id.startsWith('app.') && CHECKS.includes(c)),
    'the smoke checks are the app checks of validate',
  );
  const r = Object.fromEntries(results.map((x) => [x.id, x]));
  assert.is(r['app.backend-health']!.ok, false);
  assert.match(r['app.backend-health']!.detail, 'ECONNREFUSED');
  assert.is(r['app.backend-health']!.name, r['app.backend-health']!.title);
  assert.is(
    r['app.backend-health']!.hint,
    'the backend process is not serving: look at the backend logs',
    'no kubectl command without a cluster',
  );
  assert.is(r['app.backend-ready']!.status, 'skip');
  assert.is(r['app.backend-ready']!.detail, 'needs app.backend-health, which failed');
  assert.is(r['app.task-roundtrip']!.detail, 'needs app.backend-ready, which was skipped');
});

test.run();
