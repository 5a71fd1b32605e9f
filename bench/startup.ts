// npm run bench:startup — how long a command takes to start, for every script in scripts/:
// `npx zx scripts/<name>.ts --help` (the documented path), `node --import tsx scripts/<name>.ts --help`
// (the fastest path), and a configuration error (a .env with a bad NAMESPACE: exit 2 before any
// tool runs) for the scripts that read the configuration. Then where the time of one start goes:
// Node itself, npx + zx's CLI, tsx's loader, and our modules. Target: `npx zx … --help` median ≤ 1.2 s.
// The load average at the start is printed beside the figures. --runs N (default 5), --json.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../test/support/tools.ts';
import { formatLoad, loadAverage, machine, machineLine, median, printReport, seconds, type BenchCheck } from './support.ts';

const asJson = process.argv.includes('--json');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
const TARGET_MS = 1200;
const say = (line: string) => {
  if (!asJson) console.log(line);
};
/** Scripts that load .env before anything else, so a bad value ends them with exit 2 at once. */
const READS_CONFIG = new Set(['deploy', 'teardown', 'validate', 'status', 'logs', 'open', 'build-images', 'doctor', 'dev']);

const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-startup-'));
const badEnv = path.join(tmp, 'bad.env');
writeFileSync(badEnv, 'NAMESPACE=Not_A_Valid_Name\n');
const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', CI: 'true' };
for (const k of ['NAMESPACE', 'KUBE_CONTEXT', 'NODE_IMAGE', 'PYTHON_IMAGE']) delete env[k];

/** Median wall time of `cmd args` over RUNS runs (after one warm-up run), checking the exit code. */
function time(cmd: string, args: string[], expectCode: number): number {
  const once = () => {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { cwd: REPO_ROOT, env, encoding: 'utf8' });
    const ms = performance.now() - t0;
    if (r.status !== expectCode)
      throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}, expected ${expectCode}:\n${r.stdout}${r.stderr}`);
    return ms;
  };
  once(); // warm: tsx's cache and the page cache, as a user's second command finds them
  return Math.round(median(Array.from({ length: RUNS }, once)));
}

const loadAtStart = loadAverage();
say(`bench:startup — median of ${RUNS} runs each; load average at start ${formatLoad(loadAtStart)}; ${machineLine()}`);
const scripts = readdirSync(path.join(REPO_ROOT, 'scripts'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
const rows = [];
try {
  for (const name of scripts) {
    const file = `scripts/${name}.ts`;
    const row = {
      script: name,
      npxHelpMs: time('npx', ['zx', file, '--help'], 0),
      tsxHelpMs: time(process.execPath, ['--import', 'tsx', file, '--help'], 0),
      npxConfigErrorMs: READS_CONFIG.has(name) ? time('npx', ['zx', file, '--dotenv', badEnv], 2) : null,
    };
    rows.push(row);
    say(
      `  ${name.padEnd(14)} npx zx --help ${seconds(row.npxHelpMs, 2)} · node --import tsx --help ${seconds(row.tsxHelpMs, 2)}` +
        (row.npxConfigErrorMs === null
          ? ' · config error: not applicable (reads no configuration)'
          : ` · npx zx, config error ${seconds(row.npxConfigErrorMs, 2)}`),
    );
  }
  // Where one start goes: each line adds one layer to the one before.
  const layers = {
    node: time(process.execPath, ['-e', '0'], 0),
    npxZx: time('npx', ['zx', '--version'], 0),
    tsxLoader: time(process.execPath, ['--import', 'tsx', '-e', '0'], 0),
  };
  const medianHelp = median(rows.map((r) => r.npxHelpMs));
  const checks: BenchCheck[] = [
    {
      what: 'npx zx scripts/<any>.ts --help, median over the scripts',
      value: seconds(medianHelp, 2),
      target: `≤ ${seconds(TARGET_MS)}`,
      ok: medianHelp <= TARGET_MS,
    },
  ];
  printReport(
    {
      bench: 'startup',
      title: `start-up of every script, median of ${RUNS} warm runs each`,
      machine: machine(),
      loadAtStart,
      loadAtEnd: loadAverage(),
      table: {
        headers: ['script', 'npx zx … --help', 'node --import tsx … --help', 'npx zx, config error'],
        rows: rows.map((r) => [
          r.script,
          seconds(r.npxHelpMs, 2),
          seconds(r.tsxHelpMs, 2),
          r.npxConfigErrorMs === null ? 'n/a (no config)' : seconds(r.npxConfigErrorMs, 2),
        ]),
      },
      notes: [
        `where one start goes: node alone ${seconds(layers.node, 2)}; npx + zx's CLI (zx --version) ${seconds(layers.npxZx, 2)}; node + tsx's loader ${seconds(layers.tsxLoader, 2)}; the rest of a script's --help is loading our modules`,
      ],
      checks,
      ok: checks.every((c) => c.ok),
      detail: { runs: RUNS, rows, layers },
    },
    asJson,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
