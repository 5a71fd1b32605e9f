// validate's machine output: the --json document at the end, or --json-lines
// (a start event, one event per check as it finishes, a summary). Secrets are
// masked in every value (redactDeep).
import { ExitCode } from '../errors.ts';
import { redactDeep } from '../redact.ts';
import type { ValidateReport, ValidateRenderer } from './report.ts';

/** The --json document: the report with rounded durations. */
export function reportJson(report: ValidateReport): Record<string, unknown> {
  return {
    ok: report.exitCode === ExitCode.ok,
    exitCode: report.exitCode,
    mode: report.mode,
    ...(report.target ? { target: report.target } : {}),
    ...(report.urls ? { urls: report.urls, via: report.via } : {}),
    counts: report.counts,
    durationMs: Math.round(report.durationMs),
    budgetMs: report.budgetMs,
    checks: report.results.map((r) => ({ ...r, durationMs: Math.round(r.durationMs) })),
  };
}

/** --json: nothing while checks run, one document at the end. */
export function jsonDocumentRenderer(out: NodeJS.WritableStream): ValidateRenderer {
  return {
    begin() {},
    started() {},
    finished() {},
    end(report) {
      out.write(`${JSON.stringify(redactDeep(reportJson(report)), null, 2)}\n`);
    },
  };
}

/** --json-lines: a `start` event, one `check` event per check as it finishes, a `summary` event (the document without its checks). */
export function jsonLinesRenderer(out: NodeJS.WritableStream, clock: () => Date = () => new Date()): ValidateRenderer {
  const emit = (event: Record<string, unknown>) => out.write(`${JSON.stringify(redactDeep({ ts: clock().toISOString(), ...event }))}\n`);
  return {
    begin(run) {
      emit({ type: 'start', mode: run.mode, ...(run.target ? { target: run.target } : {}), total: run.ids.length });
    },
    started() {},
    finished(result, done, total) {
      emit({ type: 'check', ...result, durationMs: Math.round(result.durationMs), done, total });
    },
    end(report) {
      const { checks: _checks, ...summary } = reportJson(report);
      emit({ type: 'summary', ...summary });
    },
  };
}
