// npm run bench:status — `status` (the whole script: Node start, kubeconfig, the
// release, its objects, events, the sources' content tags) on a healthy fake
// cluster with laptop latencies on every tool call; target ≤ 1.5 s wall (median).
// Also the latency of `logs` to its first line (spawn → first line on stdout).
// The machine's load average is printed beside the figures: on a busy machine the
// Node starts of the script and of every fake tool call are what grows. --json: one document.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { deployFixture, type DeployFixture } from '../test/support/deploy-fixture.ts';
import { REPO_ROOT } from '../test/support/tools.ts';

const asJson = process.argv.includes('--json');
const say = (line: string) => { if (!asJson) console.log(line); };
const RUNS = 5;
const TARGET_MS = 1500;
/** As bench/deploy.ts: an API read through kubectl ~150 ms (client start + round trip), helm reads ~300 ms. */
const LATENCY = { kubectl: 150, helm: 300 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/** Spawns the logs script and resolves with the time to its first line on stdout, then stops it. */
function firstLogLine(fake: DeployFixture): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', 'logs.ts'), '--dotenv', fake.envFile], {
      cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'], env: { ...fake.env, CI: 'true', NO_COLOR: '1', TMPDIR: fake.tmp },
    });
    let took: number | undefined;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (took === undefined && d.includes('\n')) {
        took = performance.now() - t0;
        child.kill('SIGINT');
      }
    });
    child.on('close', () => (took === undefined ? reject(new Error('logs printed no line')) : resolve(took)));
    setTimeout(() => child.kill('SIGINT'), 20_000);
  });
}

const fake = await deployFixture({ provider: 'docker-desktop' });
try {
  fake.update((s) => {
    s.latencyMs = LATENCY;
    Object.values(s.clusters)[0]!.logs = { 'todo/todo-chatbot-backend/backend': { current: '{"level":"info","msg":"Application startup complete","logger":"app"}\n' } };
  });
  say(`load average before: ${load()}`);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    fake.clearCalls();
    const t0 = performance.now();
    const r = await fake.script('status', []);
    times.push(performance.now() - t0);
    if (r.code !== 0) throw new Error(`status run ${i + 1} exited ${r.code}: ${r.stdout}${r.stderr}`);
    say(`  run ${i + 1}: ${(times[i]! / 1000).toFixed(2)} s (${fake.calls('kubectl').length} kubectl, ${fake.calls('helm').length} helm calls; load ${load()})`);
  }
  const calls = { kubectl: fake.calls('kubectl').length, helm: fake.calls('helm').length };
  const logTimes: number[] = [];
  for (let i = 0; i < 3; i++) logTimes.push(await firstLogLine(fake));
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`;
  const result = {
    status: { runs: RUNS, medianMs: Math.round(median(times)), minMs: Math.round(Math.min(...times)), maxMs: Math.round(Math.max(...times)), targetMs: TARGET_MS, callsPerRun: calls },
    logsFirstLine: { runs: logTimes.length, medianMs: Math.round(median(logTimes)), minMs: Math.round(Math.min(...logTimes)), maxMs: Math.round(Math.max(...logTimes)) },
    latencyMs: LATENCY,
    loadAverage: os.loadavg(),
    machine,
    ok: median(times) <= TARGET_MS,
  };
  if (asJson) console.log(JSON.stringify(result, null, 2));
  else {
    say(`status, median of ${RUNS}: ${(result.status.medianMs / 1000).toFixed(2)} s wall (min ${(result.status.minMs / 1000).toFixed(2)}, max ${(result.status.maxMs / 1000).toFixed(2)}) — target ≤ ${TARGET_MS / 1000} s ${result.ok ? '✓' : '✗'}`);
    say(`  per run: ${calls.kubectl} kubectl and ${calls.helm} helm calls (fake latency +${LATENCY.kubectl} / +${LATENCY.helm} ms each, on top of each fake's Node start)`);
    say(`logs, first line after ${(result.logsFirstLine.medianMs / 1000).toFixed(2)} s (median of ${logTimes.length}; min ${(result.logsFirstLine.minMs / 1000).toFixed(2)}, max ${(result.logsFirstLine.maxMs / 1000).toFixed(2)})`);
    say(`load average ${load()} (1, 5, 15 min); ${machine}`);
  }
  process.exitCode = result.ok ? 0 : 1;
} finally {
  fake.cleanup();
}
