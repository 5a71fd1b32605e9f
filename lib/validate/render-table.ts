// validate's table, kept apart from the runner: the runner reports each check as
// it starts and finishes, and this renderer streams the rows (a live `n/23`
// counter on a TTY, one line per check in CI and pipes), or renders a whole report.
import { Writable } from 'node:stream';
import pc from 'picocolors';
import { ExitCode } from '../errors.ts';
import { formatDuration } from '../log.ts';
import { redact } from '../redact.ts';
import type { CheckResult, CheckStatus, CheckTarget, RunStart, ValidateReport, ValidateRenderer } from './report.ts';

export type { RunStart, ValidateRenderer } from './report.ts';

const SYMBOL: Record<CheckStatus, string> = { pass: '✓', warn: '⚠', fail: '✗', skip: '-' };

interface RowLayout {
  idWidth: number;
  resultWidth: number;
  c: ReturnType<typeof pc.createColors>;
}

function layout(ids: readonly string[], width: number | undefined, color: boolean, details: readonly string[] = []): RowLayout {
  const idWidth = Math.max(5, ...ids.map((id) => id.length));
  const room = Math.max(30, (width || 120) - idWidth - 16);
  // With every detail known (the whole report) the column is as wide as the longest; streaming, it takes the room.
  const resultWidth = details.length ? Math.min(Math.max(6, ...details.map((d) => d.split('\n')[0]!.length)), room) : room;
  return { idWidth, resultWidth, c: pc.createColors(color) };
}

/** The row's time column shows the check's duration: a detail's own trailing "(12ms)" would say it twice. */
export function rowDetail(r: CheckResult): string {
  return r.detail.split('\n')[0]!.replace(/ \(\d+(?:\.\d+)?(?:ms|s)\)$/, '');
}

function where(mode: RunStart['mode'], target: CheckTarget | undefined): string {
  return mode === 'cluster' && target
    ? `context ${target.context}, namespace ${target.namespace}, release ${target.release}`
    : 'the given URLs';
}

function renderHeader(mode: RunStart['mode'], target: CheckTarget | undefined, l: RowLayout): string[] {
  return [
    l.c.bold(`Validating ${where(mode, target)}`),
    l.c.dim(`  ${'  '}${'check'.padEnd(l.idWidth)}  ${'result'.padEnd(l.resultWidth)}  ${'time'.padStart(6)}`),
  ];
}

function renderRow(r: CheckResult, l: RowLayout): string {
  const paint: Record<CheckStatus, (s: string) => string> = { pass: (s) => s, warn: l.c.yellow, fail: l.c.red, skip: l.c.dim };
  const line = rowDetail(r);
  const cut = line.length > l.resultWidth ? `${line.slice(0, l.resultWidth - 1)}…` : line;
  const symbol = r.status === 'pass' ? l.c.green(SYMBOL.pass) : paint[r.status](SYMBOL[r.status]);
  return `  ${symbol} ${r.id.padEnd(l.idWidth)}  ${paint[r.status](cut.padEnd(l.resultWidth))}  ${l.c.dim(formatDuration(r.durationMs).padStart(6))}`;
}

/** After the rows: each failure with its cause and hint, the warnings, then one summary line. */
function renderTail(report: ValidateReport, c: ReturnType<typeof pc.createColors>): string[] {
  const lines: string[] = [];
  const failed = report.results.filter((r) => r.status === 'fail');
  if (failed.length) {
    lines.push('', c.bold(c.red(`${failed.length} failed:`)));
    for (const r of failed) {
      lines.push(`  ${c.red('✗')} ${r.id} — ${r.title}`);
      lines.push(...r.detail.split('\n').map((l, i) => `      ${i ? '' : 'cause: '}${l}`));
      if (r.hint) lines.push(`      ${c.yellow('hint:')} ${r.hint}`);
    }
  }
  const warned = report.results.filter((r) => r.status === 'warn');
  if (warned.length) {
    lines.push('', c.bold(c.yellow(`${warned.length} warning${warned.length === 1 ? '' : 's'}:`)));
    for (const r of warned)
      lines.push(`  ${c.yellow('⚠')} ${r.id}: ${r.detail}`, ...(r.hint ? [`      ${c.yellow('hint:')} ${r.hint}`] : []));
  }
  const n = report.counts;
  const summary = `${n.total} checks: ${n.passed} passed, ${n.failed} failed, ${n.warned} warned, ${n.skipped} skipped in ${formatDuration(report.durationMs)}${report.via ? ` (app reached via ${report.via})` : ''}`;
  lines.push('', n.failed ? c.red(c.bold(summary)) : c.green(c.bold(summary)));
  if (report.exitCode === ExitCode.prereq) lines.push(c.dim('  code: CLUSTER_UNREACHABLE (see docs/troubleshooting.md)'));
  return lines;
}

/** The whole report at once, rows in check order (the streaming table prints the same rows as they finish). */
export function renderReport(report: ValidateReport, opts: { color?: boolean; width?: number } = {}): string {
  const l = layout(
    report.results.map((r) => r.id),
    opts.width,
    Boolean(opts.color),
    report.results.map(rowDetail),
  );
  return `${[...renderHeader(report.mode, report.target, l), ...report.results.map((r) => renderRow(r, l)), ...renderTail(report, l.c)].join('\n')}\n`;
}

const CLEAR_LINE = '\r\x1b[2K';

/**
 * The table, streamed: the header once the target is known, a row the moment each check finishes, then
 * failures, warnings and the summary. `live` (a TTY) keeps a counter line under the rows, `n/23` with the
 * running checks named and how long the oldest has run, redrawn every second so a hung check shows.
 */
/** `width` 0 or unset (a pseudo-terminal without a size) means 120 columns for rows, 80 for the counter. */
export function tableRenderer(opts: {
  out: NodeJS.WritableStream;
  live: boolean;
  color: boolean;
  width?: number;
  now?: () => number;
}): ValidateRenderer {
  const now = opts.now ?? (() => performance.now());
  const write = (text: string) => opts.out.write(redact(text));
  let l = layout([], opts.width, opts.color);
  const running = new Map<string, number>();
  let done = 0;
  let total = 0;
  let shown = false;
  let ticker: NodeJS.Timeout | undefined;
  const status = () => {
    const names = [...running.keys()];
    const oldest = Math.min(...running.values());
    const age = names.length ? ` (${formatDuration(now() - oldest)})` : '';
    const text = `${done}/${total}${names.length ? ` running: ${names.join(', ')}${age}` : ''}`;
    const max = Math.max(20, (opts.width || 80) - 1);
    return l.c.dim(text.length > max ? `${text.slice(0, max - 1)}…` : text);
  };
  const redraw = () => {
    if (!opts.live || !total) return;
    write(`${CLEAR_LINE}${status()}`);
    shown = true;
  };
  /** Lines above the counter: clear it, print, draw it again. */
  const above = (text: string) => {
    if (opts.live && shown) write(CLEAR_LINE);
    write(text.endsWith('\n') ? text : `${text}\n`);
    redraw();
  };
  return {
    begin(run) {
      total = run.ids.length;
      l = layout(run.ids, opts.width, opts.color);
      above(renderHeader(run.mode, run.target, l).join('\n'));
      if (opts.live) ticker = setInterval(redraw, 1000).unref();
    },
    started(id) {
      running.set(id, now());
      redraw();
    },
    finished(result, n) {
      running.delete(result.id);
      done = n;
      above(renderRow(result, l));
    },
    end(report) {
      if (ticker) clearInterval(ticker);
      if (opts.live && shown) write(CLEAR_LINE);
      shown = false;
      total = 0;
      write(`${renderTail(report, l.c).join('\n')}\n`);
    },
    logStream: opts.live
      ? new Writable({
          write(chunk: Buffer | string, _encoding, callback) {
            above(String(chunk));
            callback();
          },
        })
      : undefined,
  };
}
