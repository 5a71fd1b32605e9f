// What every bench shares: the machine line, the load average taken at the start, medians,
// the median of paired ratios, and the tally of recorded tool calls (fake kit) by tool.
// These machines are shared and noisy, so a bench compares side by side in one run and prints
// the load beside its figures rather than trusting an absolute time.
import os from 'node:os';

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export const loadAverage = (): [number, number, number] => os.loadavg().map((l) => Math.round(l * 100) / 100) as [number, number, number];
export const formatLoad = (l: readonly number[] = loadAverage()) => l.map((x) => x.toFixed(2)).join(' ');

export interface MachineFacts {
  cpus: number;
  model: string;
  memGiB: number;
  node: string;
}
export const machine = (): MachineFacts => ({
  cpus: os.cpus().length,
  model: os.cpus()[0]?.model.trim() ?? 'unknown',
  memGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
});
export const machineLine = (m: MachineFacts = machine()) => `${m.cpus} × ${m.model}, ${m.memGiB} GiB, Node ${m.node}`;

/** One recorded call of the fake kit (test/fakes): tool, argv, start and duration. */
export interface RecordedCall {
  tool: string;
  argv: readonly string[];
  startedAt: string;
  durationMs: number;
}

/** Time during which at least one tool ran (union of the calls' intervals): parallel calls count once. */
export function toolTimeMs(calls: readonly RecordedCall[]): number {
  const spans = calls.map((c) => [Date.parse(c.startedAt), Date.parse(c.startedAt) + c.durationMs] as const).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [from, to] of spans) {
    if (to <= end) continue;
    total += to - Math.max(from, end);
    end = to;
  }
  return Math.round(total);
}

/** Calls per tool, e.g. {kubectl: 3, helm: 1}; sorted by tool name so reports compare line by line. */
export function callsByTool(calls: readonly RecordedCall[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of [...calls].sort((a, b) => a.tool.localeCompare(b.tool))) counts[c.tool] = (counts[c.tool] ?? 0) + 1;
  return counts;
}

export const formatCalls = (byTool: Record<string, number>) =>
  Object.entries(byTool)
    .map(([tool, n]) => `${n} ${tool}`)
    .join(', ') || 'none';

export const seconds = (ms: number, digits = 1) => `${(ms / 1000).toFixed(digits)} s`;

/** Paired ratios a/b, one per pair; the median of them is robust to a load spike during one pair. */
export function pairedRatio(pairs: readonly { a: number; b: number }[]): { ratios: number[]; median: number } {
  const ratios = pairs.map((p) => Math.round((p.a / p.b) * 100) / 100);
  return { ratios, median: Math.round(median(ratios) * 100) / 100 };
}

/** A target and whether this run met it. */
export interface BenchCheck {
  what: string;
  value: string;
  target: string;
  ok: boolean;
}

/**
 * What every bench prints with --json (one line), and what `npm run bench` (bench/all.ts) turns into the
 * README's tables: one table of figures, the targets, and the load around the run.
 */
export interface BenchReport {
  bench: string;
  title: string;
  machine: MachineFacts;
  loadAtStart: number[];
  loadAtEnd: number[];
  table: { headers: string[]; rows: string[][] };
  checks: BenchCheck[];
  notes?: string[];
  ok: boolean;
  /** The bench's own detail (raw runs, latencies…). */
  detail?: unknown;
}

export const markdownTable = (t: BenchReport['table']) =>
  [`| ${t.headers.join(' | ')} |`, `|${t.headers.map(() => '---').join('|')}|`, ...t.rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** Prints a bench's report: one JSON line with --json, else the table, the targets and the load. Sets the exit code. */
export function printReport(report: BenchReport, asJson: boolean): void {
  if (asJson) console.log(JSON.stringify(report));
  else {
    const widths = report.table.headers.map((h, i) => Math.max(h.length, ...report.table.rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    console.log('');
    console.log(line(report.table.headers));
    for (const r of report.table.rows) console.log(line(r));
    console.log('');
    for (const n of report.notes ?? []) console.log(n);
    for (const c of report.checks) console.log(`${c.ok ? '✓' : '✗'} ${c.what}: ${c.value} (target ${c.target})`);
    console.log(
      `load average at start ${formatLoad(report.loadAtStart)}, at end ${formatLoad(report.loadAtEnd)}; ${machineLine(report.machine)}`,
    );
  }
  process.exitCode = report.ok ? 0 : 1;
}

/**
 * Latencies per command, from a laptop with minikube/kind on Docker (measured orders
 * of magnitude, not exact): an API read through kubectl ~150 ms (client start +
 * round trip), helm reads ~300 ms, a helm upgrade of this chart ~2 s, a cached
 * docker build of one image ~5 s, kind load of a ~200 MB image ~2.5 s, docker
 * inspect/version ~80 ms, minikube commands ~400 ms. Shared by bench:deploy and bench:dev.
 */
export const LAPTOP_LATENCY_MS: Record<string, number> = {
  kubectl: 150,
  helm: 300,
  'helm upgrade': 2000,
  docker: 80,
  'docker build': 5000,
  'docker buildx build': 5000,
  kind: 2500,
  minikube: 400,
};
