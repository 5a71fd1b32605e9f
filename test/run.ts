// The project's test command (npm test): sets up the real tools, then runs every
// suite — the uvu files under test/, the backend's pytest, the frontend's browser
// test — and closes with one "N passed, N failed, N skipped" line.
//   node --import tsx test/run.ts [--only unit,backend,...] [--skip frontend] [files...]
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRunner, startBackground } from '../lib/exec.ts';
import { REPO_ROOT, ensureTools } from './support/tools.ts';

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}
interface Suite {
  name: string;
  run(env: NodeJS.ProcessEnv): Promise<Counts & { ok: boolean }>;
}

const run = createRunner();
const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

/** uvu prints "Total: N / Passed: N / Skipped: N" per file. */
export function parseUvu(output: string): Counts {
  const clean = stripAnsi(output);
  const num = (label: string) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(clean)?.[1] ?? 0);
  const total = num('Total');
  const passed = num('Passed');
  const skipped = num('Skipped');
  return { passed, skipped, failed: Math.max(0, total - passed - skipped) };
}

/** pytest's closing line: "== 3 failed, 40 passed, 2 skipped in 1.2s ==" (any order). */
export function parseClosingLine(output: string): Counts {
  const lines = stripAnsi(output).trim().split('\n').reverse();
  const line = lines.find((l) => /\d+ (passed|failed)/.test(l)) ?? '';
  const num = (word: string) => Number(new RegExp(`(\\d+) ${word}`).exec(line)?.[1] ?? 0);
  return { passed: num('passed'), failed: num('failed') + num('errors?'), skipped: num('skipped') };
}

function uvuFiles(filter: string[]): string[] {
  const files = readdirSync(path.join(REPO_ROOT, 'test'))
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join('test', f))
    .sort();
  return filter.length ? files.filter((f) => filter.some((want) => f.includes(want))) : files;
}

/** How long a uvu file may run on after printing its summary before it counts as hung. */
const EXIT_GRACE_MS = 60_000;

/**
 * Runs one uvu file, streaming its output. uvu prints its summary ("Duration: …") once, at the
 * end; a file still running a minute after that has left something behind (a child process such
 * as a daemon it started, a server, a timer) and is stopped and failed, naming that, instead of
 * holding the suite until its timeout.
 */
async function runUvuFile(file: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ exitCode: number; stdout: string }> {
  let stdout = '';
  let hung: NodeJS.Timeout | undefined;
  let outcome = '';
  const proc = startBackground('node', ['--import', 'tsx', file], {
    cwd: REPO_ROOT,
    env,
    onStdout: (chunk) => {
      process.stdout.write(chunk);
      stdout += chunk;
      if (!hung && /Duration:\s+[\d.]+m?s/.test(stripAnsi(stdout)))
        hung = setTimeout(() => {
          outcome = `${file} printed its summary but had not exited ${EXIT_GRACE_MS / 1000}s later: something it started is still running (a child process, a server, a timer); stopped it`;
          void proc.stop();
        }, EXIT_GRACE_MS);
    },
    onStderr: (chunk) => process.stderr.write(chunk),
  });
  const overall = setTimeout(() => {
    outcome = `${file} ran longer than ${timeoutMs / 60_000} minutes; stopped it`;
    void proc.stop();
  }, timeoutMs);
  const { exitCode } = await proc.exited;
  clearTimeout(overall);
  if (hung) clearTimeout(hung);
  if (outcome) {
    process.stdout.write(`  ✘ ${outcome}\n`);
    return { exitCode: 1, stdout };
  }
  return { exitCode: exitCode ?? 1, stdout };
}

function uvuSuite(files: string[]): Suite {
  return {
    name: 'unit',
    async run(env) {
      const total: Counts = { passed: 0, failed: 0, skipped: 0 };
      let ok = true;
      for (const file of files) {
        process.stdout.write(`\n── ${file}\n`);
        const result = await runUvuFile(file, env, 30 * 60_000);
        const counts = parseUvu(result.stdout);
        if (result.exitCode !== 0 && counts.failed === 0) counts.failed = 1; // crashed before reporting
        total.passed += counts.passed;
        total.failed += counts.failed;
        total.skipped += counts.skipped;
        // A file whose tests neither passed nor were skipped (uvu exits 0 when a test's promise never settles
        // its report, e.g. a top-level error swallowed) fails too: a test that did not run is not a pass.
        ok &&= result.exitCode === 0 && counts.failed === 0;
      }
      return { ...total, ok };
    },
  };
}

function commandSuite(name: string, cmd: string, args: string[], cwd: string, prepare?: (env: NodeJS.ProcessEnv) => Promise<void>): Suite {
  return {
    name,
    async run(env) {
      await prepare?.(env);
      process.stdout.write(`\n── ${name}: ${cmd} ${args.join(' ')}\n`);
      const result = await run(cmd, args, { cwd, env, nothrow: true, stream: true, timeoutMs: 45 * 60_000 });
      const counts = parseClosingLine(result.stdout + result.stderr);
      if (result.exitCode !== 0 && counts.failed === 0) counts.failed = 1;
      return { ...counts, ok: result.exitCode === 0 };
    },
  };
}

/**
 * The real cluster (test/cluster/): binaries built once, the cluster started, the
 * e2e file run once per Helm major, the components' logs printed on failure, and the
 * cluster always stopped. Needs root; in CI a missing prerequisite fails the suite.
 */
function clusterSuite(): Suite {
  const node = (file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) =>
    run('node', ['--import', 'tsx', file, ...args], { cwd: REPO_ROOT, env, nothrow: true, stream: true, timeoutMs });
  return {
    name: 'cluster',
    async run(env) {
      const skip = (reason: string) => {
        if (process.env.CI) throw new Error(`cluster suite cannot run: ${reason}`);
        process.stdout.write(`\n── cluster: skipped (${reason})\n`);
        return { passed: 0, failed: 0, skipped: 1, ok: true };
      };
      if (process.getuid?.() !== 0) return skip('the real cluster needs root');
      const { ensureDocker } = await import('./support/docker.ts');
      const { ensureBaseImages } = await import('./support/base-images.ts');
      const docker = await ensureDocker({ log: (l) => process.stdout.write(`  ${l}\n`) });
      if (!docker.ok) return skip(`no Docker engine: ${docker.reason}`);
      const kubeconfigDir = mkdtempSync(path.join(os.tmpdir(), 'cluster-kubeconfig-'));
      const clusterEnv = { ...env, KUBECONFIG: path.join(kubeconfigDir, 'config') };
      const total: Counts = { passed: 0, failed: 0, skipped: 0 };
      let ok = true;
      try {
        const bases = await ensureBaseImages(docker.docker, { log: (l) => process.stdout.write(`  ${l}\n`) });
        process.stdout.write('\n── cluster: npm run cluster:up\n');
        const up = await node('test/cluster/cli.ts', ['up'], clusterEnv, 45 * 60_000);
        if (up.exitCode !== 0) {
          ok = false;
          return { passed: 0, failed: 1, skipped: 0, ok };
        }
        const uvuFile = async (file: string, fileEnv: NodeJS.ProcessEnv, title: string) => {
          process.stdout.write(`\n── cluster: ${file} ${title}\n`);
          const result = await runUvuFile(file, fileEnv, 40 * 60_000);
          const counts = parseUvu(result.stdout);
          if (result.exitCode !== 0 && counts.failed === 0) counts.failed = 1;
          total.passed += counts.passed;
          total.failed += counts.failed;
          total.skipped += counts.skipped;
          ok &&= result.exitCode === 0;
        };
        for (const [major, helmBin] of [
          ['3', env.HELM3_BIN],
          ['4', env.HELM4_BIN],
        ] as const) {
          // The e2e run records its healthy calls; the fakes must answer them alike.
          const record = path.join(kubeconfigDir, `calls-helm${major}.jsonl`);
          const fileEnv = {
            ...clusterEnv,
            HELM_MAJOR: major,
            HELM_BIN: helmBin,
            KUBECTL_BIN: env.KUBECTL35_BIN,
            NODE_IMAGE: bases.nodeImage,
            PYTHON_IMAGE: bases.pythonImage,
            TODO_RECORD: record,
          };
          await uvuFile('test/cluster/e2e.test.ts', fileEnv, `with Helm ${major}`);
          if (existsSync(record)) await uvuFile('test/cluster/fakes-conformance.test.ts', fileEnv, `against the Helm ${major} calls`);
          else {
            ok = false;
            total.failed++;
            process.stdout.write(`  no calls were recorded with Helm ${major}: the conformance test has nothing to replay\n`);
          }
        }
        return { ...total, ok };
      } finally {
        if (!ok) await node('test/cluster/cli.ts', ['logs'], clusterEnv, 60_000);
        await node('test/cluster/cli.ts', ['down'], clusterEnv, 10 * 60_000);
        rmSync(kubeconfigDir, { recursive: true, force: true });
        await docker.stop();
      }
    },
  };
}

const argv = process.argv.slice(2);
const listArg = (flag: string) => {
  const i = argv.indexOf(flag);
  return i >= 0 ? (argv[i + 1] ?? '').split(',').filter(Boolean) : [];
};
const only = listArg('--only');
const skip = listArg('--skip');
const fileFilter = argv.filter((a, i) => !a.startsWith('--') && !['--only', '--skip'].includes(argv[i - 1] ?? ''));

const suites: Suite[] = [
  uvuSuite(uvuFiles(fileFilter)),
  commandSuite('backend', 'bash', ['app/backend/test.sh'], REPO_ROOT),
  commandSuite('frontend', 'npm', ['run', 'test:e2e'], path.join(REPO_ROOT, 'app/frontend'), async (env) => {
    // The frontend is its own npm project; install it on a fresh clone.
    if (!existsSync(path.join(REPO_ROOT, 'app/frontend/node_modules'))) {
      await run('npm', ['ci'], { cwd: path.join(REPO_ROOT, 'app/frontend'), env, stream: true, timeoutMs: 15 * 60_000 });
    }
  }),
  clusterSuite(),
].filter((s) => (!only.length || only.includes(s.name)) && !skip.includes(s.name));

const tools = await ensureTools();
const env = { ...process.env, ...tools };
// One Docker engine for the whole run. A test file that finds none starts its own and stops it
// at its end, so without this each such file would start another (CI starts with no daemon).
const { ensureDocker } = await import('./support/docker.ts');
const engine = process.getuid?.() === 0 ? await ensureDocker({ log: (l) => process.stdout.write(`${l}\n`) }) : undefined;
const summary: Counts = { passed: 0, failed: 0, skipped: 0 };
const failedSuites: string[] = [];
for (const suite of suites) {
  const counts = await suite.run(env);
  summary.passed += counts.passed;
  summary.failed += counts.failed;
  summary.skipped += counts.skipped;
  if (!counts.ok) failedSuites.push(suite.name);
}
if (engine?.ok) await engine.stop();
process.stdout.write(`\nsuites: ${suites.map((s) => `${s.name}${failedSuites.includes(s.name) ? ' ✗' : ' ✓'}`).join(', ')}\n`);
process.stdout.write(`${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped\n`);
process.exit(failedSuites.length ? 1 : 0);
