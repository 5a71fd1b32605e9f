// npm run bench:deploy — deploy on the fake cluster (test/fakes) with laptop latencies per
// command, side by side with the naive flow the bash scripts used (rebuild both images, load
// both, helm upgrade --wait every time), in the same run, pair by pair (the order inside a pair
// alternates), for: cold deploy, no-op redeploy, one image (frontend) changed.
// Reports, per scenario: the median wall time of each flow, the median of the paired ratios
// toolkit/naive, the tool time (union of the recorded call intervals, each from the tool process's
// start to its exit, so including the injected latency and the fake's own process start, as a real
// binary's start is part of its latency), the toolkit's overhead beyond it, and the tool calls by tool.
// The load average at the start is printed beside the figures. --pairs N (default 3), --json.
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deployFixture, type DeployFixture } from '../test/support/deploy-fixture.ts';
import { REPO_ROOT } from '../test/support/tools.ts';
import {
  callsByTool,
  formatCalls,
  formatLoad,
  loadAverage,
  machine,
  machineLine,
  median,
  pairedRatio,
  printReport,
  seconds,
  toolTimeMs,
  type BenchCheck,
  LAPTOP_LATENCY_MS,
} from './support.ts';

const asJson = process.argv.includes('--json');
const pairsArg = process.argv.indexOf('--pairs');
const PAIRS = pairsArg > 0 ? Number(process.argv[pairsArg + 1]) : 3;
if (!Number.isInteger(PAIRS) || PAIRS < 1) throw new Error('--pairs takes a whole number ≥ 1');
const say = (line: string) => {
  if (!asJson) console.log(line);
};

/** Latencies per command: bench/support.ts. */
const LATENCY_MS = LAPTOP_LATENCY_MS;

const SCENARIOS = ['cold deploy', 'one image changed', 'no-op redeploy'] as const;
type Scenario = (typeof SCENARIOS)[number];
/** The issue's targets: ratio = median of toolkit/naive wall ratios. */
const TARGETS = { coldRatio: 1.0, changedRatio: 0.7, noopWallMs: 2000, noopCalls: 6, noopOverheadMs: 500 };

interface Run {
  wallMs: number;
  toolMs: number;
  overheadMs: number;
  calls: Record<string, number>;
  builds: number;
  loads: number;
  upgrades: number;
}

function tally(fake: DeployFixture, wallMs: number): Run {
  const calls = fake.calls();
  const toolMs = toolTimeMs(calls);
  fake.clearCalls();
  return {
    wallMs: Math.round(wallMs),
    toolMs,
    overheadMs: Math.round(wallMs - toolMs),
    calls: callsByTool(calls),
    builds: calls.filter((c) => c.tool === 'docker' && c.argv.includes('build')).length,
    loads: calls.filter((c) => c.tool === 'kind' && c.argv[0] === 'load').length,
    upgrades: calls.filter((c) => c.tool === 'helm' && c.argv[0] === 'upgrade').length,
  };
}

async function toolkit(fake: DeployFixture, env: NodeJS.ProcessEnv): Promise<Run> {
  fake.clearCalls();
  const started = performance.now();
  const r = await fake.script('deploy', [], { env });
  if (r.code !== 0) throw new Error(`toolkit deploy failed: ${r.stderr}`);
  return tally(fake, performance.now() - started);
}

/** What the replaced bash scripts did: build both, load both, upgrade with --wait, every time. */
async function naive(fake: DeployFixture, src: string, tag: string): Promise<Run> {
  fake.clearCalls();
  const started = performance.now();
  const must = async (tool: string, args: string[]) => {
    const r = await fake.run(tool, args);
    if (r.code !== 0) throw new Error(`naive ${tool} ${args.join(' ')}: ${r.stderr}`);
  };
  await must('docker', ['build', '-t', `todo-frontend:${tag}`, '-f', path.join(REPO_ROOT, 'dockerfiles/frontend.Dockerfile'), src]);
  await must('docker', [
    'build',
    '-t',
    `todo-backend:${tag}`,
    '-f',
    path.join(REPO_ROOT, 'dockerfiles/backend.Dockerfile'),
    path.join(REPO_ROOT, 'app/backend'),
  ]);
  await must('kind', ['load', 'docker-image', `todo-frontend:${tag}`, '--name', 'todo']);
  await must('kind', ['load', 'docker-image', `todo-backend:${tag}`, '--name', 'todo']);
  await must('helm', [
    'upgrade',
    '--install',
    'todo-chatbot',
    path.join(REPO_ROOT, 'helm-chart/todo-chatbot'),
    '--namespace',
    'todo',
    '--kube-context',
    'kind-todo',
    '--wait',
    '--set',
    `frontend.image.tag=${tag}`,
    '--set',
    `backend.image.tag=${tag}`,
  ]);
  return tally(fake, performance.now() - started);
}

const loadAtStart = loadAverage();
const runs: Record<Scenario, { toolkit: Run[]; naive: Run[] }> = Object.fromEntries(
  SCENARIOS.map((s) => [s, { toolkit: [], naive: [] }]),
) as never;
say(`bench:deploy — fake kind cluster, ${PAIRS} pairs; load average at start ${formatLoad(loadAtStart)}; ${machineLine()}`);
say(
  `latencies per command: ${Object.entries(LATENCY_MS)
    .map(([k, v]) => `${k} ${v}ms`)
    .join(', ')}`,
);
for (let pair = 0; pair < PAIRS; pair++) {
  // Each flow gets its own fresh cluster and its own copy of the frontend, so "cold" is cold for both.
  const srcT = mkdtempSync(path.join(os.tmpdir(), 'bench-frontend-'));
  const srcN = mkdtempSync(path.join(os.tmpdir(), 'bench-frontend-'));
  for (const src of [srcT, srcN])
    cpSync(path.join(REPO_ROOT, 'app/frontend'), src, { recursive: true, filter: (f) => !/node_modules|\.next/.test(f) });
  const env = { FRONTEND_DIR: srcT };
  const tk = await deployFixture({ provider: 'kind', built: false, env });
  const nv = await deployFixture({ provider: 'kind', built: false, env: { FRONTEND_DIR: srcN } });
  try {
    tk.update((s) => (s.latencyMs = LATENCY_MS));
    nv.update((s) => (s.latencyMs = LATENCY_MS));
    const toolkitFirst = pair % 2 === 0;
    const both = async (scenario: Scenario, tag: string) => {
      const t = async () => runs[scenario].toolkit.push(await toolkit(tk, env));
      const n = async () => runs[scenario].naive.push(await naive(nv, srcN, tag));
      if (toolkitFirst) {
        await t();
        await n();
      } else {
        await n();
        await t();
      }
      say(
        `  pair ${pair + 1} ${scenario.padEnd(18)} toolkit ${seconds(runs[scenario].toolkit.at(-1)!.wallMs)} · naive ${seconds(runs[scenario].naive.at(-1)!.wallMs)} (load ${formatLoad()})`,
      );
    };
    await both('cold deploy', 'v1');
    for (const src of [srcT, srcN]) appendFileSync(path.join(src, 'package.json'), '\n');
    await both('one image changed', 'v2');
    await both('no-op redeploy', 'v2');
  } finally {
    tk.cleanup();
    nv.cleanup();
    rmSync(srcT, { recursive: true, force: true });
    rmSync(srcN, { recursive: true, force: true });
  }
}

const summary = SCENARIOS.map((scenario) => {
  const { toolkit: t, naive: n } = runs[scenario];
  const ratio = pairedRatio(t.map((r, i) => ({ a: r.wallMs, b: n[i]!.wallMs })));
  const med = (rs: Run[], k: 'wallMs' | 'toolMs' | 'overheadMs') => Math.round(median(rs.map((r) => r[k])));
  const last = t.at(-1)!;
  return {
    scenario,
    toolkit: {
      wallMs: med(t, 'wallMs'),
      toolMs: med(t, 'toolMs'),
      overheadMs: med(t, 'overheadMs'),
      calls: last.calls,
      builds: last.builds,
      loads: last.loads,
      upgrades: last.upgrades,
    },
    naive: { wallMs: med(n, 'wallMs'), toolMs: med(n, 'toolMs'), calls: n.at(-1)!.calls },
    ratios: ratio.ratios,
    ratioMedian: ratio.median,
  };
});
const by = (s: Scenario) => summary.find((r) => r.scenario === s)!;
const noopCalls = Object.values(by('no-op redeploy').toolkit.calls).reduce((a, b) => a + b, 0);
const checks: BenchCheck[] = [
  {
    what: 'cold deploy, toolkit/naive (median of ratios)',
    value: by('cold deploy').ratioMedian.toFixed(2),
    target: `≤ ${TARGETS.coldRatio}`,
    ok: by('cold deploy').ratioMedian <= TARGETS.coldRatio,
  },
  {
    what: 'one image changed, toolkit/naive',
    value: by('one image changed').ratioMedian.toFixed(2),
    target: `≤ ${TARGETS.changedRatio}`,
    ok: by('one image changed').ratioMedian <= TARGETS.changedRatio,
  },
  {
    what: 'no-op redeploy wall',
    value: seconds(by('no-op redeploy').toolkit.wallMs, 2),
    target: `≤ ${seconds(TARGETS.noopWallMs)}`,
    ok: by('no-op redeploy').toolkit.wallMs <= TARGETS.noopWallMs,
  },
  { what: 'no-op redeploy tool calls', value: String(noopCalls), target: `≤ ${TARGETS.noopCalls}`, ok: noopCalls <= TARGETS.noopCalls },
  {
    what: 'no-op redeploy overhead beyond tool time',
    value: seconds(by('no-op redeploy').toolkit.overheadMs, 2),
    target: `≤ ${seconds(TARGETS.noopOverheadMs)}`,
    ok: by('no-op redeploy').toolkit.overheadMs <= TARGETS.noopOverheadMs,
  },
];
printReport(
  {
    bench: 'deploy',
    title: `deploy on the fake kind cluster with laptop latencies, toolkit vs the naive flow, ${PAIRS} pairs (medians; ratio = median of the paired toolkit/naive ratios)`,
    machine: machine(),
    loadAtStart,
    loadAtEnd: loadAverage(),
    table: {
      headers: ['scenario', 'toolkit', 'naive', 'ratio', 'tool time', 'overhead', 'toolkit calls', 'naive calls'],
      rows: summary.map((r) => [
        r.scenario,
        seconds(r.toolkit.wallMs),
        seconds(r.naive.wallMs),
        r.ratioMedian.toFixed(2),
        seconds(r.toolkit.toolMs),
        seconds(r.toolkit.overheadMs),
        formatCalls(r.toolkit.calls),
        formatCalls(r.naive.calls),
      ]),
    },
    notes: [
      `latencies per command: ${Object.entries(LATENCY_MS)
        .map(([k, v]) => `${k} ${v} ms`)
        .join(', ')}`,
    ],
    checks,
    ok: checks.every((c) => c.ok),
    detail: { pairs: PAIRS, latencyMs: LATENCY_MS, summary },
  },
  asJson,
);
