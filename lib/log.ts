// Output for people (pretty on a TTY, plain in CI or pipes) and for machines
// (--json: one JSON event per line). Every byte goes through redact().
import type { Writable } from 'node:stream';
import pc from 'picocolors';
import { spinner } from 'zx';
import { redact, redactDeep } from './redact.ts';

export type LogMode = 'pretty' | 'plain' | 'json';
export type ResultStatus = 'ok' | 'fail' | 'warn' | 'info' | 'skip';

export interface LoggerOptions {
  mode: LogMode;
  verbose?: boolean;
  out?: Writable;
  err?: Writable;
  /** Injected clock, for tests. */
  now?: () => number;
}

export interface StepRecord {
  index: number;
  title: string;
  status: 'ok' | 'fail' | 'warn' | 'running';
  durationMs: number;
  summary?: string;
}

/** --json wins; then CI or a pipe means plain lines; a TTY gets colours and a spinner. */
export function detectLogMode(opts: { json?: boolean; env?: NodeJS.ProcessEnv; isTTY?: boolean }): LogMode {
  if (opts.json) return 'json';
  const env = opts.env ?? process.env;
  const isTTY = opts.isTTY ?? Boolean(process.stdout.isTTY);
  return env.CI || !isTTY ? 'plain' : 'pretty';
}

const SYMBOLS: Record<ResultStatus, string> = { ok: '✓', fail: '✗', warn: '⚠', info: '•', skip: '-' };

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m${Math.round((ms % 60_000) / 1000)}s`;
}

export class Logger {
  readonly mode: LogMode;
  readonly verbose: boolean;
  readonly steps: StepRecord[] = [];
  private readonly out: Writable;
  private readonly err: Writable;
  private readonly now: () => number;
  private readonly colors: ReturnType<typeof pc.createColors>;
  private totalSteps = 0;
  /** How many lines the live block (see live()) last drew; 0 once anything else was written. */
  private liveLines = 0;

  constructor(opts: LoggerOptions) {
    this.mode = opts.mode;
    this.verbose = Boolean(opts.verbose);
    this.out = opts.out ?? process.stdout;
    this.err = opts.err ?? process.stderr;
    this.now = opts.now ?? (() => performance.now());
    this.colors = pc.createColors(this.mode === 'pretty' && pc.isColorSupported);
  }

  /** Declares how many steps the job has, for "[2/7]". */
  plan(total: number): void {
    this.totalSteps = total;
  }

  /** Runs one numbered step: prints its start, its end with the duration, and records it. */
  async step<T>(title: string, body: (step: StepRecord) => Promise<T>): Promise<T> {
    const record: StepRecord = { index: this.steps.length + 1, title, status: 'running', durationMs: 0 };
    this.steps.push(record);
    const label = `[${record.index}/${Math.max(this.totalSteps, record.index)}]`;
    this.emit({ type: 'step', status: 'start', step: record.index, total: this.totalSteps, title }, () =>
      this.colors.bold(`${label} ${title}`),
    );
    const started = this.now();
    try {
      const value = await body(record);
      if (record.status === 'running') record.status = 'ok';
      return value;
    } catch (error) {
      record.status = 'fail';
      throw error;
    } finally {
      record.durationMs = this.now() - started;
      const tail = record.summary ? `: ${record.summary}` : '';
      this.emit(
        {
          type: 'step',
          status: record.status,
          step: record.index,
          title,
          durationMs: Math.round(record.durationMs),
          summary: record.summary,
        },
        () =>
          `${this.paint(record.status === 'running' ? 'fail' : record.status, SYMBOLS[record.status === 'running' ? 'fail' : record.status])} ${label} ${title}${tail} ${this.colors.dim(`(${formatDuration(record.durationMs)})`)}`,
      );
    }
  }

  /** A ✓ ✗ ⚠ line inside a step; `detail` lines are indented below it. */
  result(status: ResultStatus, message: string, detail: string[] = [], data: Record<string, unknown> = {}): void {
    this.emit({ type: 'result', status, message, detail: detail.length ? detail : undefined, ...data }, () =>
      [`  ${this.paint(status, SYMBOLS[status])} ${message}`, ...detail.map((line) => `      ${this.colors.dim(line)}`)].join('\n'),
    );
  }

  ok(message: string, detail?: string[]): void {
    this.result('ok', message, detail);
  }
  warn(message: string, detail?: string[]): void {
    this.result('warn', message, detail);
  }
  fail(message: string, detail?: string[]): void {
    this.result('fail', message, detail);
  }
  info(message: string): void {
    this.emit({ type: 'info', message }, () => message);
  }

  /** Only with --verbose; goes to stderr so that stdout stays parseable. */
  debug(message: string): void {
    if (!this.verbose) return;
    if (this.mode === 'json') this.emit({ type: 'debug', message }, () => message);
    else this.write(this.err, this.colors.dim(message));
  }

  /** A failure that ends the job: message, hint and code, to stderr (or as a JSON event). */
  error(message: string, hint?: string, code?: string): void {
    if (this.mode === 'json') {
      this.emit({ type: 'error', message, hint, code }, () => '');
      return;
    }
    const lines = [`${this.paint('fail', '✗')} ${message}`];
    if (hint) lines.push(`  ${this.colors.yellow('hint:')} ${hint}`);
    if (code) lines.push(`  ${this.colors.dim(`code: ${code} (see docs/troubleshooting.md)`)}`);
    this.write(this.err, lines.join('\n'));
  }

  /** A final machine-readable document or event. */
  event(data: Record<string, unknown>, human?: () => string): void {
    this.emit(data, human ?? (() => ''));
  }

  /** "Done in 12.3s — prerequisites 0.4s · cluster 1.2s". */
  summary(headline: string): void {
    const total = this.steps.reduce((sum, step) => sum + step.durationMs, 0);
    const parts = this.steps.map((step) => `${step.title.toLowerCase()} ${formatDuration(step.durationMs)}`);
    this.emit(
      {
        type: 'summary',
        message: headline,
        durationMs: Math.round(total),
        steps: this.steps.map((s) => ({ title: s.title, status: s.status, durationMs: Math.round(s.durationMs) })),
      },
      () => `${this.colors.bold(headline)} in ${formatDuration(total)}${parts.length ? ` — ${parts.join(' · ')}` : ''}`,
    );
  }

  /** A spinner while `body` runs, on a TTY only (zx's spinner already stands down under CI). */
  async spin<T>(title: string, body: () => Promise<T>): Promise<T> {
    if (this.mode !== 'pretty') return body();
    return spinner(redact(title), body);
  }

  /**
   * A block of lines redrawn in place on a TTY (pretty mode only; a no-op otherwise): the cursor
   * moves up over the block drawn last and each line is cleared and rewritten. Anything else
   * written in between ends the block, so it is never overwritten.
   */
  live(lines: readonly string[]): void {
    if (this.mode !== 'pretty') return;
    const up = this.liveLines ? `\x1b[${this.liveLines}A` : '';
    // A line wider than the terminal would wrap and throw the cursor-up count off: cut it.
    const width = (this.out as { columns?: number }).columns;
    const fit = (line: string) => (width && line.length > width - 3 ? `${line.slice(0, width - 4)}…` : line);
    this.out.write(up + lines.map((line) => `\x1b[2K  ${fit(redact(line))}\n`).join(''));
    this.liveLines = lines.length;
  }

  /** Raw text to stdout (usage, rendered manifests); redacted like everything else. */
  print(text: string): void {
    this.write(this.out, text);
  }

  private paint(status: ResultStatus | StepRecord['status'], text: string): string {
    const c = this.colors;
    const byStatus: Record<string, (s: string) => string> = { ok: c.green, fail: c.red, warn: c.yellow, info: c.cyan, skip: c.dim };
    return (byStatus[status] ?? ((s: string) => s))(text);
  }

  private emit(data: Record<string, unknown>, human: () => string): void {
    if (this.mode === 'json') {
      const clean = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined));
      this.write(this.out, JSON.stringify(redactDeep({ ts: new Date().toISOString(), ...clean })));
    } else {
      const text = human();
      if (text) this.write(this.out, text);
    }
  }

  private write(stream: Writable, text: string): void {
    this.liveLines = 0;
    stream.write(`${redact(text)}\n`);
  }
}

export function createLogger(opts: Partial<LoggerOptions> & { json?: boolean } = {}): Logger {
  return new Logger({ ...opts, mode: opts.mode ?? detectLogMode({ json: opts.json }) });
}
