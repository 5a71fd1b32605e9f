// JUnit XML for CI systems (the de-facto schema Jenkins, GitLab and the GitHub
// test-reporter actions read): one testsuite per check group, one testcase per
// check, <failure> with the cause and the hint, <skipped> with the reason.
import { redact } from '../redact.ts';
import type { CheckResult, ValidateReport } from './report.ts';

/** Characters XML 1.0 forbids outright (control characters other than tab, LF, CR; lone surrogates; U+FFFE/U+FFFF). */
const INVALID_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text safe inside an attribute or element: escaped, invalid characters replaced, secrets masked. */
export function xmlEscape(text: string): string {
  return redact(text)
    .replace(INVALID_XML, '\uFFFD')
    .replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function testcase(r: CheckResult): string {
  const open = `    <testcase classname="validate.${xmlEscape(r.group)}" name="${xmlEscape(r.id)}" time="${seconds(r.durationMs)}">`;
  const title = `      <properties><property name="title" value="${xmlEscape(r.title)}"/></properties>`;
  const body: string[] = [title];
  if (r.status === 'fail') {
    const text = `${r.detail}${r.hint ? `\n\nhint: ${r.hint}` : ''}`;
    body.push(
      `      <failure message="${xmlEscape(r.detail.split('\n')[0]!)}" type="${r.unreachable ? 'ClusterUnreachable' : 'CheckFailed'}">${xmlEscape(text)}</failure>`,
    );
  } else if (r.status === 'skip') {
    body.push(`      <skipped message="${xmlEscape(r.detail)}"/>`);
  } else {
    body.push(
      `      <system-out>${xmlEscape(r.status === 'warn' ? `warning: ${r.detail}${r.hint ? `\nhint: ${r.hint}` : ''}` : r.detail)}</system-out>`,
    );
  }
  return [open, ...body, '    </testcase>'].join('\n');
}

export function toJUnit(report: ValidateReport, opts: { timestamp?: Date; name?: string } = {}): string {
  const timestamp = (opts.timestamp ?? new Date()).toISOString().replace(/\.\d+Z$/, '');
  const groups = [...new Set(report.results.map((r) => r.group))];
  const count = (rs: CheckResult[], status: CheckResult['status']) => rs.filter((r) => r.status === status).length;
  const suites = groups.map((group) => {
    const rs = report.results.filter((r) => r.group === group);
    const time = rs.reduce((sum, r) => sum + r.durationMs, 0);
    return [
      `  <testsuite name="${xmlEscape(group)}" tests="${rs.length}" failures="${count(rs, 'fail')}" errors="0" skipped="${count(rs, 'skip')}" time="${seconds(time)}" timestamp="${timestamp}">`,
      ...rs.map(testcase),
      '  </testsuite>',
    ].join('\n');
  });
  const all = report.results;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlEscape(opts.name ?? 'todo-chatbot validate')}" tests="${all.length}" failures="${count(all, 'fail')}" errors="0" skipped="${count(all, 'skip')}" time="${seconds(report.durationMs)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
