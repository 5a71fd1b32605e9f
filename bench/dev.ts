// npm run bench:dev — the inner loop on the fake kind cluster (test/fakes) with the laptop
// latencies bench:deploy uses and the real engine for the builds (the fake docker hands them
// to it: the stand-in bases, BuildKit's layer cache), on a copy of the repository: edit-to-serving, from the file
// write to the cycle's smoke checks passing against the release (real app servers behind
// the fake port-forwards), for a backend one-line change (target median ≤ 8 s) and a
// chart-only change (≤ 4 s); the toolkit's overhead per cycle beyond the tools' time, the
// debounce and the smoke checks' HTTP time (≤ 0.5 s); and the same change by hand in the
// same run: `deploy`, then `validate`. Load average first. --json: one document.
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import os from 'node:os';
import { loadAverage, machine, printReport, seconds, type BenchCheck, LAPTOP_LATENCY_MS } from './support.ts';
import path from 'node:path';
import { loadConfig } from '../lib/config.ts';
import { image } from '../test/fakes/kit.ts';
import { startBackend, startFrontend } from '../test/support/app-servers.ts';
import { ensureBaseImages } from '../test/support/base-images.ts';
import { ensureDocker } from '../test/support/docker.ts';
import { deployFixture, type DeployFixture } from '../test/support/deploy-fixture.ts';
import { copyRepo, loopbackOnly } from '../test/support/dev-repo.ts';

const asJson = process.argv.includes('--json');
const say = (line: string) => {
  if (!asJson) console.log(line);
};
const RUNS = Number(process.env.BENCH_DEV_RUNS ?? 5);
const DEBOUNCE_MS = 300; // lib/dev/loop.ts default
const TARGETS = { backend: 8000, chart: 4000, overhead: 500 };

/** bench/deploy.ts's per-command latencies (bench/support.ts), but the builds' own: they are real here. */
const LATENCY_MS = Object.fromEntries(Object.entries(LAPTOP_LATENCY_MS).filter(([command]) => !/^docker (buildx )?build$/.test(command)));

interface Sample {
  scenario: string;
  flow: 'dev' | 'by hand';
  wallMs: number;
  toolMs: number;
  smokeMs: number;
  overheadMs: number;
}
const samples: Sample[] = [];

/** Time during which at least one tool ran, between two instants (background streams and forwards excluded). */
function toolTime(fake: DeployFixture, from: number, to: number): number {
  const spans = fake
    .calls()
    .filter((c) => !c.argv.includes('port-forward') && !(c.argv.includes('logs') && c.argv.includes('--follow')))
    .map((c) => [Math.max(from, Date.parse(c.startedAt)), Math.min(to, Date.parse(c.startedAt) + c.durationMs)] as const)
    .filter(([a, b]) => b > a)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of spans) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

say(
  `bench:dev — load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${os.cpus().length} vCPU ${os.cpus()[0]?.model ?? ''}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
);
say(
  `fake kind cluster, latencies per command: ${Object.entries(LATENCY_MS)
    .map(([k, v]) => `${k} ${v}ms`)
    .join(', ')}; ${RUNS} runs per scenario`,
);

const setup = await ensureDocker({ log: say });
if (!setup.ok) throw new Error(`bench:dev builds on the real engine: ${setup.reason}`);
const bases = await ensureBaseImages(setup.docker, { log: say });
say(`builds: the real engine (${await setup.docker.serverVersion()}), bases ${bases.nodeImage}, ${bases.pythonImage}`);
const backend = await startBackend();
const frontend = await startFrontend(backend.url);
const repo = copyRepo();
// Nothing built yet: each flow's first deploy builds both images on the real engine, before any timing.
const fake = await deployFixture({ provider: 'kind', built: false });
const handFake = await deployFixture({ provider: 'kind', built: false });
const loadAtStart = os.loadavg();
try {
  for (const f of [fake, handFake]) {
    await loopbackOnly(f);
    f.update((s) => {
      Object.values(s.clusters)[0]!.podPorts = {
        'todo/todo-chatbot-frontend:3000': `127.0.0.1:${frontend.port}`,
        'todo/todo-chatbot-backend:8000': `127.0.0.1:${backend.port}`,
      };
      s.latencyMs = LATENCY_MS;
      s.docker!.realBuildCli = setup.docker.cli.path;
      const standIns = [image(bases.nodeImage, 200_000_000), image(bases.pythonImage, 140_000_000)];
      s.docker!.images!.push(...standIns);
      for (const c of Object.values(s.clusters)) c.images?.push(...structuredClone(standIns));
    });
    appendFileSync(f.envFile, `NODE_IMAGE=${bases.nodeImage}\nPYTHON_IMAGE=${bases.pythonImage}\n`);
  }
  const env = { ...fake.env, CI: 'true', NO_COLOR: '1', TMPDIR: fake.tmp };
  const script = (f: DeployFixture, name: string, args: string[]) =>
    spawn(process.execPath, ['--import', 'tsx', path.join(repo.dir, 'scripts', `${name}.ts`), '--dotenv', f.envFile, ...args], {
      cwd: repo.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...f.env, CI: 'true', NO_COLOR: '1', TMPDIR: f.tmp },
    });

  // --- dev: one session, RUNS backend edits then RUNS chart edits --------------------------
  const dev = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(repo.dir, 'scripts', 'dev.ts'), '--dotenv', fake.envFile, '--no-logs', '--json'],
    { cwd: repo.dir, stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  // Ctrl-C on the bench ends the session it started too.
  process.once('SIGINT', () => {
    dev.kill('SIGINT');
    process.exitCode = 130;
  });
  const reports = new Map<number, { at: number; outcome: string; smokeMs?: number }>();
  let watching = false;
  let buffer = '';
  dev.stdout.setEncoding('utf8').on('data', (d: string) => {
    buffer += d;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const e = JSON.parse(line) as { type?: string; cycle?: number; outcome?: string; smokeMs?: number };
        if (e.type === 'watching') watching = true;
        if (typeof e.cycle === 'number') reports.set(e.cycle, { at: Date.now(), outcome: e.outcome!, smokeMs: e.smokeMs });
      } catch {
        /* not JSON */
      }
    }
  });
  let stderr = '';
  dev.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const waitFor = async (ok: () => boolean, what: string, ms = 120_000) => {
    const t0 = Date.now();
    while (!ok()) {
      if (Date.now() - t0 > ms) throw new Error(`bench:dev: no ${what} within ${ms} ms\n${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await waitFor(() => watching, 'session start', 20 * 60_000); // a cold frontend build is minutes
  let cycle = 0;
  const edits: Record<string, { file: string; text: (i: number) => string }> = {
    'backend one-line': { file: path.join(repo.dir, 'app/backend/app/main.py'), text: (i) => `# bench edit ${i}\n` },
    'chart only': { file: path.join(repo.dir, 'helm-chart/todo-chatbot/values.yaml'), text: (i) => `\n# bench edit ${i}\n` },
  };
  for (const [scenario, edit] of Object.entries(edits)) {
    for (let i = 0; i < RUNS; i++) {
      await new Promise((r) => setTimeout(r, 500)); // the previous cycle's port-forward and watchers settle
      fake.clearCalls();
      const t0 = Date.now();
      appendFileSync(edit.file, edit.text(i));
      cycle++;
      await waitFor(() => reports.has(cycle), `cycle #${cycle}`);
      const r = reports.get(cycle)!;
      if (r.outcome !== 'ok') throw new Error(`bench:dev: cycle #${cycle} (${scenario}) ended ${r.outcome}\n${stderr}`);
      const wallMs = r.at - t0;
      const toolMs = toolTime(fake, t0, r.at);
      const smokeMs = r.smokeMs ?? 0;
      samples.push({ scenario, flow: 'dev', wallMs, toolMs, smokeMs, overheadMs: wallMs - toolMs - smokeMs - DEBOUNCE_MS });
      // BENCH_DEV_TRACE=1: every tool call of the cycle, from the file write, for finding where the time goes.
      if (process.env.BENCH_DEV_TRACE)
        for (const c of fake.calls().filter((c) => !c.argv.includes('port-forward')))
          say(
            `  +${String(Date.parse(c.startedAt) - t0).padStart(6)}ms ${String(c.durationMs).padStart(5)}ms ${c.tool} ${c.argv.slice(0, 8).join(' ')}`,
          );
    }
  }
  dev.kill('SIGINT');
  await new Promise((r) => dev.on('close', r));

  // --- by hand: the same edits, then deploy and validate ---------------------------------------
  const runToEnd = (name: string, args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const child = script(handFake, name, args);
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      child.stdout.resume();
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${name} exited ${code}:\n${err}`))));
    });
  await runToEnd('deploy', []); // the starting point, as the dev session's first deploy
  for (const [scenario, edit] of Object.entries(edits)) {
    for (let i = 0; i < RUNS; i++) {
      handFake.clearCalls();
      const t0 = Date.now();
      appendFileSync(edit.file, edit.text(100 + i));
      await runToEnd('deploy', []);
      await runToEnd('validate', []);
      const t1 = Date.now();
      const toolMs = toolTime(handFake, t0, t1);
      samples.push({ scenario, flow: 'by hand', wallMs: t1 - t0, toolMs, smokeMs: 0, overheadMs: t1 - t0 - toolMs });
    }
  }
} finally {
  // The app images the run built on the real engine, by the repositories its deploys used (the stand-in
  // bases stay for the next run).
  const { config } = loadConfig({ root: repo.dir, env: {}, envFile: fake.envFile });
  const appRepos = new Set([config.frontendImage, config.backendImage]);
  const built = new Set(
    [fake, handFake].flatMap((f) =>
      (f.state().docker?.images ?? []).flatMap((img) => (img.repoTags ?? []).filter((t) => appRepos.has(t.slice(0, t.lastIndexOf(':'))))),
    ),
  );
  if (built.size) await setup.docker.removeImages([...built]);
  fake.cleanup();
  handFake.cleanup();
  repo.cleanup();
  await frontend.stop();
  await backend.stop();
}

const rows = (['backend one-line', 'chart only'] as const).flatMap((scenario) =>
  (['dev', 'by hand'] as const).map((flow) => {
    const s = samples.filter((x) => x.scenario === scenario && x.flow === flow);
    return {
      scenario,
      flow,
      runs: s.length,
      medianWallMs: median(s.map((x) => x.wallMs)),
      medianToolMs: median(s.map((x) => x.toolMs)),
      medianSmokeMs: median(s.map((x) => x.smokeMs)),
      medianOverheadMs: median(s.map((x) => x.overheadMs)),
      maxWallMs: Math.max(...s.map((x) => x.wallMs)),
    };
  }),
);
const row = (scenario: string, flow: string) => rows.find((r) => r.scenario === scenario && r.flow === flow)!;
const checks = [
  { what: 'backend one-line edit-to-serving (dev, median)', ms: row('backend one-line', 'dev').medianWallMs, target: TARGETS.backend },
  { what: 'chart-only edit-to-serving (dev, median)', ms: row('chart only', 'dev').medianWallMs, target: TARGETS.chart },
  {
    what: 'toolkit overhead per cycle (dev, median of both)',
    ms: Math.max(row('backend one-line', 'dev').medianOverheadMs, row('chart only', 'dev').medianOverheadMs),
    target: TARGETS.overhead,
  },
];
const fmt = (ms: number) => seconds(ms, 2);
printReport(
  {
    bench: 'dev',
    title: `npm run dev, edit-to-serving (file write → the cycle's smoke checks passing) builds on the real engine, the cluster side on the fake kind cluster with bench:deploy's latencies, median of ${RUNS}, beside the same change by hand (deploy, then validate)`,
    machine: machine(),
    loadAtStart: loadAtStart.map((l) => Math.round(l * 100) / 100),
    loadAtEnd: loadAverage(),
    table: {
      headers: ['change', 'flow', 'median', 'max', 'tool time', 'smoke', 'overhead'],
      rows: rows.map((r) => [
        r.scenario,
        r.flow,
        fmt(r.medianWallMs),
        fmt(r.maxWallMs),
        fmt(r.medianToolMs),
        fmt(r.medianSmokeMs),
        fmt(r.medianOverheadMs),
      ]),
    },
    notes: [
      `overhead (dev) = wall − tool time − smoke HTTP time − the ${DEBOUNCE_MS} ms debounce; by hand = wall − tool time (validate's checks are in its wall time)`,
    ],
    checks: checks.map((c): BenchCheck => ({ what: c.what, value: fmt(c.ms), target: `≤ ${fmt(c.target)}`, ok: c.ms <= c.target })),
    ok: checks.every((c) => c.ms <= c.target),
    detail: { latencyMs: LATENCY_MS, debounceMs: DEBOUNCE_MS, rows, samples },
  },
  asJson,
);
