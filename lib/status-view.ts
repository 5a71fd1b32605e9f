// `status` on screen: the report as one screen of text (colours on a terminal),
// as one JSON document (--json), and redrawn in place every few seconds (--watch).
import pc from 'picocolors';
import { ago } from './checks/readers.ts';
import { loadConfig, parseDuration } from './config.ts';
import { ExitCode, UsageError, type ExitCodeValue } from './errors.ts';
import { createRunner } from './exec.ts';
import type { Logger } from './log.ts';
import { redact, redactDeep } from './redact.ts';
import { sleep } from './sleep.ts';
import { phaseText, readStatus, statusJson, type StatusReport } from './status.ts';

/** A terminal redraw: cursor home, clear to the end of the screen (no scrollback flood under --watch). */
export const CLEAR_SCREEN = '\x1b[H\x1b[J';

const HEALTH_WORD: Record<
  StatusReport['health'],
  { symbol: string; paint: (c: ReturnType<typeof pc.createColors>) => (s: string) => string }
> = {
  healthy: { symbol: '✓', paint: (c) => c.green },
  degraded: { symbol: '✗', paint: (c) => c.red },
  unreachable: { symbol: '✗', paint: (c) => c.red },
};

/** The one screen: header, release, workloads with images and pods, services, recent warnings, verdict. */
export function renderStatus(report: StatusReport, opts: { color?: boolean; now?: number } = {}): string {
  const c = pc.createColors(Boolean(opts.color));
  const now = opts.now ?? Date.now();
  const h = HEALTH_WORD[report.health];
  const lines: string[] = [];
  lines.push(
    `${c.bold(report.release)} in namespace ${report.namespace} · context ${report.context}${report.provider ? ` (${report.provider})` : ''}`,
  );
  if (report.health === 'unreachable') {
    lines.push('', ...report.problems.map((p) => `${h.paint(c)(h.symbol)} ${p}`));
    return `${lines.join('\n')}\n`;
  }
  const r = report.revision;
  lines.push(
    r
      ? `Release    revision ${r.revision} ${r.status === 'deployed' ? c.green(r.status) : c.red(r.status)} · chart ${r.chart} · app ${r.appVersion || '?'} · deployed ${ago(r.updated, now)}`
      : `Release    ${c.red('not installed')}`,
  );
  if (report.workloads.length) {
    lines.push('', c.bold('Workloads'));
    const width = Math.max(...report.workloads.map((w) => w.component.length));
    for (const w of report.workloads) {
      const mark = w.done ? c.green('✓') : c.red('✗');
      const restart = w.lastRestart
        ? ` (last: ${w.lastRestart.reason}${w.lastRestart.exitCode !== undefined ? `, exit ${w.lastRestart.exitCode}` : ''}, ${ago(w.lastRestart.at, now)})`
        : '';
      lines.push(
        `  ${mark} ${w.component.padEnd(width)}  ${w.kind.padEnd(11)}  ${`${w.ready}/${w.desired} ready`.padEnd(10)}  pods: ${phaseText(w.phases)} · restarts ${w.restarts}${restart}`,
      );
      for (const i of w.images) {
        const note =
          i.sources === 'current'
            ? c.green('matches the sources')
            : i.sources === 'changed'
              ? c.yellow(`${w.component}: sources changed since deploy (now ${i.sourcesTag})`)
              : '';
        lines.push(`      ${c.dim(`${i.container}:`)} ${i.image}${note ? `  ${note}` : ''}`);
      }
    }
  }
  if (report.sourcesNote) lines.push(`  ${c.dim(report.sourcesNote)}`);
  if (report.services.length) {
    lines.push('', c.bold('Services'));
    const width = Math.max(...report.services.map((s) => s.component.length));
    for (const s of report.services) {
      const ports = s.ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}`).join(', ');
      lines.push(
        `  ${s.component.padEnd(width)}  ${s.type.padEnd(9)}  ${ports.padEnd(11)}  ${s.url ? c.cyan(s.url) : c.dim(s.type === 'NodePort' ? 'no NodePort access from this host' : 'in-cluster only')}`,
      );
    }
    if (report.accessHint) lines.push(`  ${c.dim(report.accessHint)}`);
  }
  lines.push('', c.bold('Warnings (last 10 min)'));
  if (!report.events.length) lines.push(`  ${c.dim('none')}`);
  for (const e of report.events.slice(0, 8))
    lines.push(
      `  ${c.yellow(ago(e.at, now).padEnd(8))} ${e.object} ${e.reason}${e.count > 1 ? ` ×${e.count}` : ''}: ${e.message.split('\n')[0]}`,
    );
  if (report.events.length > 8)
    lines.push(`  ${c.dim(`and ${report.events.length - 8} more (kubectl get events -n ${report.namespace})`)}`);
  lines.push(
    '',
    report.health === 'healthy' ? h.paint(c)(`${h.symbol} healthy`) : h.paint(c)(`${h.symbol} degraded: ${report.problems.join('; ')}`),
  );
  return `${lines.join('\n')}\n`;
}

export interface StatusCommandOptions {
  configFlags: Record<string, string>;
  envFile?: string;
  root: string;
  json: boolean;
  watch: boolean;
  interval?: string;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  out?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** scripts/status.ts: read, print (once, or every --interval under --watch), exit 0 healthy / 1 degraded / 3 unreachable. */
export async function statusCommand(log: Logger, opts: StatusCommandOptions): Promise<ExitCodeValue> {
  if (opts.interval !== undefined && !opts.watch)
    throw new UsageError('--interval needs --watch', 'add --watch to redraw every <interval>, or leave --interval out');
  const intervalMs = opts.interval === undefined ? 2000 : parseDuration(opts.interval);
  if (!intervalMs)
    throw new UsageError(`--interval ${opts.interval}: not a duration`, 'use a duration like 2s or 1m (a bare number is seconds)');
  const { config, warnings } = loadConfig({ flags: opts.configFlags, envFile: opts.envFile, root: opts.root, env: opts.env });
  for (const w of warnings) log.warn(w);
  const out = opts.out ?? process.stdout;
  const tty = Boolean(out.isTTY) && !opts.json;
  const color = log.mode === 'pretty' && pc.isColorSupported;
  const run = createRunner({ log, env: opts.env });
  for (;;) {
    const report = await readStatus({ config, run, env: opts.env, signal: opts.signal });
    if (opts.json) out.write(`${JSON.stringify(redactDeep(statusJson(report)), null, opts.watch ? undefined : 2)}\n`);
    else {
      const text = redact(renderStatus(report, { color }));
      // On a terminal --watch redraws in place; in a pipe each look is a block of its own.
      out.write(opts.watch ? (tty ? `${CLEAR_SCREEN}${text}` : `${text}\n`) : text);
    }
    if (!opts.watch) return report.exitCode;
    await sleep(intervalMs, opts.signal);
    if (opts.signal?.aborted) return ExitCode.interrupted;
  }
}
