// JUnit XML: one testsuite per group, one testcase per check, failures with the
// cause and hint, skipped with the reason, everything escaped (checked by parsing).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toJUnit, xmlEscape } from '../lib/validate/junit.ts';
import { registerSecret } from '../lib/redact.ts';
import type { CheckResult, ValidateReport } from '../lib/validate/report.ts';
import { findAll, parseXml } from './support/xml.ts';

const result = (id: string, status: CheckResult['status'], detail: string, extra: Partial<CheckResult> = {}): CheckResult => ({
  id,
  group: id.split('.')[0] as CheckResult['group'],
  title: `title of ${id}`,
  status,
  detail,
  durationMs: 12.5,
  ...extra,
});

function report(results: CheckResult[]): ValidateReport {
  return {
    mode: 'cluster',
    results,
    counts: { total: results.length, passed: 0, warned: 0, failed: 0, skipped: 0 },
    durationMs: 1234,
    budgetMs: 120_000,
    exitCode: 1,
  };
}

test('suites per group in order, one testcase per check, failure/skipped/system-out', () => {
  const xml = parseXml(
    toJUnit(
      report([
        result('cluster.context', 'pass', 'context kind-todo answers'),
        result('cluster.namespace', 'fail', 'namespace x does not exist', { hint: 'deploy first' }),
        result('release.deployed', 'skip', 'needs cluster.namespace, which failed'),
        result('workloads.restarts', 'warn', 'earlier: pod/x 1×', { hint: 'look at logs' }),
      ]),
      { timestamp: new Date('2025-01-02T03:04:05Z') },
    ),
  );
  assert.is(xml.name, 'testsuites');
  assert.equal([xml.attrs.tests, xml.attrs.failures, xml.attrs.skipped, xml.attrs.errors, xml.attrs.time], ['4', '1', '1', '0', '1.234']);
  const suites = findAll(xml, 'testsuite');
  assert.equal(
    suites.map((s) => [s.attrs.name, s.attrs.tests, s.attrs.failures, s.attrs.skipped]),
    [
      ['cluster', '2', '1', '0'],
      ['release', '1', '0', '1'],
      ['workloads', '1', '0', '0'],
    ],
  );
  assert.is(suites[0]!.attrs.timestamp, '2025-01-02T03:04:05');
  const cases = findAll(xml, 'testcase');
  assert.equal(
    cases.map((c) => [c.attrs.classname, c.attrs.name, c.attrs.time]),
    [
      ['validate.cluster', 'cluster.context', '0.013'],
      ['validate.cluster', 'cluster.namespace', '0.013'],
      ['validate.release', 'release.deployed', '0.013'],
      ['validate.workloads', 'workloads.restarts', '0.013'],
    ],
  );
  const failure = findAll(cases[1]!, 'failure')[0]!;
  assert.is(failure.attrs.message, 'namespace x does not exist');
  assert.is(failure.text, 'namespace x does not exist\n\nhint: deploy first');
  assert.is(findAll(cases[2]!, 'skipped')[0]!.attrs.message, 'needs cluster.namespace, which failed');
  assert.is(findAll(cases[3]!, 'system-out')[0]!.text, 'warning: earlier: pod/x 1×\nhint: look at logs');
  assert.is(findAll(cases[0]!, 'failure').length, 0);
});

test('markup, quotes, control characters and lone surrogates are escaped or replaced; the parser round-trips them', () => {
  const nasty = `<title>"Todo" & 'Chatbot'</title>\u0007\u001b[31m ]]> \ud800`;
  const xml = parseXml(toJUnit(report([result('app.frontend-home', 'fail', nasty, { hint: 'a < b && c > d' })])));
  const failure = findAll(xml, 'failure')[0]!;
  assert.is(failure.attrs.message, `<title>"Todo" & 'Chatbot'</title>\ufffd\ufffd[31m ]]> \ufffd`);
  assert.match(failure.text, 'hint: a < b && c > d');
  assert.is(xmlEscape(`a&b<c>"d'`), 'a&amp;b&lt;c&gt;&quot;d&apos;');
});

test('a registered secret never reaches the file', () => {
  registerSecret('s3cr3t-junit-value');
  const text = toJUnit(report([result('app.backend-ready', 'fail', 'GET /ready → 503: password s3cr3t-junit-value rejected')]));
  assert.not.match(text, 's3cr3t-junit-value');
  assert.ok(parseXml(text));
});

test('the test parser rejects what is not XML', () => {
  for (const bad of ['<a><b></a>', '<a x="1" x="2"/>', '<a>&nbsp;</a>', '<a>1 & 2</a>', '<a/><b/>', '<a x=1/>']) {
    assert.throws(() => parseXml(bad), /XML:/, bad);
  }
});

test.run();
