// npm run bench — every bench, one after the other, each with --json; prints (and writes to
// test-results/bench/report.md) the README's benchmark tables, each with the load average around its run.
// A bench that is not there yet or fails is reported as such, and the run exits 1.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../test/support/tools.ts';
import { formatLoad, machineLine, markdownTable, type BenchReport } from './support.ts';

/** In the order they run: the image builds first, on a quiet engine. */
const BENCHES = ['images', 'deploy', 'dev', 'validate', 'status', 'startup'] as const;
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));

const sections: string[] = [];
let ok = true;
for (const name of BENCHES) {
  if (only.length && !only.includes(name)) continue;
  const file = path.join(REPO_ROOT, 'bench', `${name}.ts`);
  if (!existsSync(file)) continue;
  console.error(`— bench:${name} …`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, '--json'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 2 ** 20,
  });
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  let report: BenchReport | undefined;
  try {
    report = JSON.parse(last) as BenchReport;
  } catch {
    /* reported below */
  }
  if (!report?.table) {
    ok = false;
    sections.push(`### bench:${name}\n\nfailed (exit ${r.status}) before it printed a report.`);
    continue;
  }
  ok &&= report.ok;
  sections.push(
    [
      `### bench:${report.bench} — ${report.title}`,
      '',
      markdownTable(report.table),
      '',
      ...(report.notes ?? []).map((n) => `${n}  `),
      ...report.checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.what}: **${c.value}** (target ${c.target})  `),
      `load average (1, 5, 15 min) at start ${formatLoad(report.loadAtStart)}, at end ${formatLoad(report.loadAtEnd)}; ${machineLine(report.machine)}`,
    ].join('\n'),
  );
}
const markdown = `${sections.join('\n\n')}\n`;
mkdirSync(path.join(REPO_ROOT, 'test-results', 'bench'), { recursive: true });
writeFileSync(path.join(REPO_ROOT, 'test-results', 'bench', 'report.md'), markdown);
console.log(markdown);
process.exitCode = ok ? 0 : 1;
