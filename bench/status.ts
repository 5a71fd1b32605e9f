// npm run bench:status — `status` (the whole script: Node start, kubeconfig, the
// release, its objects, events, the sources' content tags) on a healthy fake
// cluster with laptop latencies on every tool call; target ≤ 1.5 s wall (median).
// Also the latency of `logs` to its first line (spawn → first line on stdout).
// The machine's load average is printed beside the figures: on a busy machine the
// Node starts of the script and of every fake tool call are what grows. --json: one document.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { deployFixture, type DeployFixture } from '../test/support/deploy-fixture.ts';
import { REPO_ROOT } from '../test/support/tools.ts';
import { formatCalls, formatLoad, loadAverage, machine, median, printReport, seconds, type BenchCheck } from './support.ts';

const asJson = process.argv.includes('--json');
const say = (line: string) => {
  if (!asJson) console.log(line);
};
const RUNS = 5;
const TARGET_MS = 1500;
/** As bench/deploy.ts: an API read through kubectl ~150 ms (client start + round trip), helm reads ~300 ms. */
const LATENCY = { kubectl: 150, helm: 300 };

/** Spawns the logs script and resolves with the time to its first line on stdout, then stops it. */
function firstLogLine(fake: DeployFixture): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', 'logs.ts'), '--dotenv', fake.envFile], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...fake.env, CI: 'true', NO_COLOR: '1', TMPDIR: fake.tmp },
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
    Object.values(s.clusters)[0]!.logs = {
      'todo/todo-chatbot-backend/backend': { current: '{"level":"info","msg":"Application startup complete","logger":"app"}\n' },
    };
  });
  const loadAtStart = loadAverage();
  say(`load average at start: ${formatLoad(loadAtStart)}`);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    fake.clearCalls();
    const t0 = performance.now();
    const r = await fake.script('status', []);
    times.push(performance.now() - t0);
    if (r.code !== 0) throw new Error(`status run ${i + 1} exited ${r.code}: ${r.stdout}${r.stderr}`);
    say(
      `  run ${i + 1}: ${(times[i]! / 1000).toFixed(2)} s (${fake.calls('kubectl').length} kubectl, ${fake.calls('helm').length} helm calls; load ${formatLoad()})`,
    );
  }
  const calls = { kubectl: fake.calls('kubectl').length, helm: fake.calls('helm').length };
  const logTimes: number[] = [];
  for (let i = 0; i < 3; i++) logTimes.push(await firstLogLine(fake));
  const statusMs = median(times);
  const logsMs = median(logTimes);
  const checks: BenchCheck[] = [
    { what: 'status wall, median', value: seconds(statusMs, 2), target: `≤ ${seconds(TARGET_MS)}`, ok: statusMs <= TARGET_MS },
  ];
  printReport(
    {
      bench: 'status',
      title: `status (the whole script) on a healthy fake cluster with laptop latencies, median of ${RUNS}; logs to its first line, median of ${logTimes.length}`,
      machine: machine(),
      loadAtStart,
      loadAtEnd: loadAverage(),
      table: {
        headers: ['command', 'median', 'min', 'max', 'tool calls per run'],
        rows: [
          ['status', seconds(statusMs, 2), seconds(Math.min(...times), 2), seconds(Math.max(...times), 2), formatCalls(calls)],
          ['logs, first line', seconds(logsMs, 2), seconds(Math.min(...logTimes), 2), seconds(Math.max(...logTimes), 2), '—'],
        ],
      },
      notes: [`latencies per command: kubectl ${LATENCY.kubectl} ms, helm ${LATENCY.helm} ms (on top of each fake's Node start)`],
      checks,
      ok: checks.every((c) => c.ok),
      detail: { times, logTimes, calls, latencyMs: LATENCY },
    },
    asJson,
  );
} finally {
  fake.cleanup();
}
