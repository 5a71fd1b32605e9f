// npm run bench:deploy — deploy on the fake cluster (test/fakes) with realistic
// per-command latencies, side by side with the naive flow the bash scripts used
// (rebuild both images, load both, helm upgrade every time), in the same run:
//   cold deploy, no-op redeploy, one-image (frontend) change.
// Reports wall time, the time tools were running (union of the recorded call intervals, each
// from the tool process's start to its exit, so including the injected latency and the fake's
// own process start, as a real binary's start is part of its latency) and the toolkit's overhead beyond it, plus builds / loads / helm upgrades per scenario.
// Target: the no-op redeploy costs ≤ 1.5 s beyond the tools' latency. --json: one document.
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deployFixture, type DeployFixture } from '../test/support/deploy-fixture.ts';
import { REPO_ROOT } from '../test/support/tools.ts';

const asJson = process.argv.includes('--json');
const say = (line: string) => { if (!asJson) console.log(line); };
const TARGET_OVERHEAD_MS = 1500;

/**
 * Latencies per command, from a laptop with minikube/kind on Docker (measured orders
 * of magnitude, not exact): an API read through kubectl ~150 ms (client start +
 * round trip), helm reads ~300 ms, a helm upgrade of this chart ~2 s, a cached
 * docker build of one image ~5 s, kind load of a ~200 MB image ~2.5 s, docker
 * inspect/version ~80 ms, minikube commands ~400 ms.
 */
const LATENCY_MS: Record<string, number> = {
  kubectl: 150, helm: 300, 'helm upgrade': 2000, docker: 80, 'docker build': 5000, 'docker buildx build': 5000, kind: 2500, minikube: 400,
};

interface Row { scenario: string; flow: 'toolkit' | 'naive'; wallMs: number; toolLatencyMs: number; overheadMs: number; builds: number; loads: number; upgrades: number }
const rows: Row[] = [];

function tally(fake: DeployFixture, scenario: string, flow: Row['flow'], wallMs: number) {
  const calls = fake.calls();
  // Time during which at least one tool ran (union of the calls' intervals): parallel calls count once.
  const spans = calls.map((c) => [Date.parse(c.startedAt), Date.parse(c.startedAt) + c.durationMs] as const).sort((a, b) => a[0] - b[0]);
  let toolLatencyMs = 0;
  let end = -Infinity;
  for (const [from, to] of spans) {
    if (to <= end) continue;
    toolLatencyMs += to - Math.max(from, end);
    end = to;
  }
  toolLatencyMs = Math.round(toolLatencyMs);
  rows.push({
    scenario, flow, wallMs: Math.round(wallMs), toolLatencyMs, overheadMs: Math.round(wallMs - toolLatencyMs),
    builds: calls.filter((c) => c.tool === 'docker' && c.argv.includes('build')).length,
    loads: calls.filter((c) => c.tool === 'kind' && c.argv[0] === 'load').length,
    upgrades: calls.filter((c) => c.tool === 'helm' && c.argv[0] === 'upgrade').length,
  });
  fake.clearCalls();
}

async function toolkit(fake: DeployFixture, scenario: string, env: NodeJS.ProcessEnv) {
  fake.clearCalls();
  const started = performance.now();
  const r = await fake.script('deploy', [], { env });
  if (r.code !== 0) throw new Error(`deploy failed in ${scenario}: ${r.stderr}`);
  tally(fake, scenario, 'toolkit', performance.now() - started);
}

/** What the replaced bash scripts did: build both, load both, upgrade with --wait, every time. */
async function naive(fake: DeployFixture, scenario: string, src: string, tag: string) {
  fake.clearCalls();
  const started = performance.now();
  const must = async (tool: string, args: string[]) => {
    const r = await fake.run(tool, args);
    if (r.code !== 0) throw new Error(`naive ${tool} ${args.join(' ')}: ${r.stderr}`);
  };
  await must('docker', ['build', '-t', `todo-frontend:${tag}`, '-f', path.join(REPO_ROOT, 'dockerfiles/frontend.Dockerfile'), src]);
  await must('docker', ['build', '-t', `todo-backend:${tag}`, '-f', path.join(REPO_ROOT, 'dockerfiles/backend.Dockerfile'), path.join(REPO_ROOT, 'app/backend')]);
  await must('kind', ['load', 'docker-image', `todo-frontend:${tag}`, '--name', 'todo']);
  await must('kind', ['load', 'docker-image', `todo-backend:${tag}`, '--name', 'todo']);
  await must('helm', ['upgrade', '--install', 'todo-chatbot', path.join(REPO_ROOT, 'helm-chart/todo-chatbot'), '--namespace', 'todo', '--kube-context', 'kind-todo', '--wait',
    '--set', `frontend.image.tag=${tag}`, '--set', `backend.image.tag=${tag}`]);
  tally(fake, scenario, 'naive', performance.now() - started);
}

const src = mkdtempSync(path.join(os.tmpdir(), 'bench-frontend-'));
cpSync(path.join(REPO_ROOT, 'app/frontend'), src, { recursive: true, filter: (f) => !/node_modules|\.next/.test(f) });
const env = { FRONTEND_DIR: src };
const fake = await deployFixture({ provider: 'kind', built: false, env });
const naiveFake = await deployFixture({ provider: 'kind', built: false, env });
try {
  fake.update((s) => (s.latencyMs = LATENCY_MS));
  naiveFake.update((s) => (s.latencyMs = LATENCY_MS));
  say('bench:deploy — fake kind cluster, latencies per command: ' + Object.entries(LATENCY_MS).map(([k, v]) => `${k} ${v}ms`).join(', '));
  await toolkit(fake, 'cold deploy', env);
  await naive(naiveFake, 'cold deploy', src, 'v1');
  await toolkit(fake, 'no-op redeploy', env);
  await naive(naiveFake, 'no-op redeploy', src, 'v1');
  appendFileSync(path.join(src, 'package.json'), '\n');
  await toolkit(fake, 'one image changed', env);
  await naive(naiveFake, 'one image changed', src, 'v2');
} finally {
  fake.cleanup();
  naiveFake.cleanup();
  rmSync(src, { recursive: true, force: true });
}

const noop = rows.find((r) => r.scenario === 'no-op redeploy' && r.flow === 'toolkit')!;
const ok = noop.overheadMs <= TARGET_OVERHEAD_MS && noop.builds === 0 && noop.loads === 0 && noop.upgrades === 0;
if (asJson) console.log(JSON.stringify({ machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30) }, latencyMs: LATENCY_MS, rows, targetOverheadMs: TARGET_OVERHEAD_MS, ok }));
else {
  say('');
  say(`${'scenario'.padEnd(19)}${'flow'.padEnd(9)}${'wall'.padStart(8)}${'tools'.padStart(8)}${'overhead'.padStart(10)}${'builds'.padStart(8)}${'loads'.padStart(7)}${'upgrades'.padStart(10)}`);
  for (const r of rows) say(`${r.scenario.padEnd(19)}${r.flow.padEnd(9)}${`${(r.wallMs / 1000).toFixed(1)}s`.padStart(8)}${`${(r.toolLatencyMs / 1000).toFixed(1)}s`.padStart(8)}${`${(r.overheadMs / 1000).toFixed(1)}s`.padStart(10)}${String(r.builds).padStart(8)}${String(r.loads).padStart(7)}${String(r.upgrades).padStart(10)}`);
  say('');
  say(`no-op redeploy: ${(noop.overheadMs / 1000).toFixed(2)} s beyond the tools' ${(noop.toolLatencyMs / 1000).toFixed(1)} s (target ≤ ${TARGET_OVERHEAD_MS / 1000} s) — ${ok ? 'ok' : 'MISSED'}`);
  say(`machine: ${os.cpus().length} vCPU ${os.cpus()[0]?.model ?? ''}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`);
}
process.exit(ok ? 0 : 1);
