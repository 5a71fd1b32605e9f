import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger, detectLogMode, formatDuration, type LogMode } from '../lib/log.ts';
import { clearSecrets, registerSecret } from '../lib/redact.ts';
import { Capture } from './support/tmp.ts';

function logger(mode: LogMode, verbose = false) {
  const out = new Capture();
  const err = new Capture();
  let clock = 0;
  const log = createLogger({ mode, verbose, out, err, now: () => (clock += 1500) });
  return { log, out, err };
}

test.after.each(() => clearSecrets());

test('mode: --json wins, CI or a pipe is plain, a TTY is pretty', () => {
  assert.is(detectLogMode({ json: true, env: {}, isTTY: true }), 'json');
  assert.is(detectLogMode({ env: { CI: 'true' }, isTTY: true }), 'plain');
  assert.is(detectLogMode({ env: {}, isTTY: false }), 'plain');
  assert.is(detectLogMode({ env: {}, isTTY: true }), 'pretty');
});

test('plain mode: numbered step lines, ✓ ✗ ⚠ results, durations, no colour codes', async () => {
  const { log, out } = logger('plain');
  log.plan(7);
  await log.step('Building images', async (step) => {
    log.ok('frontend built');
    log.warn('backend over 80% of its budget', ['412 MB of 500 MB']);
    step.summary = '2 images';
  });
  await log.step('Release', async () => log.fail('upgrade failed')).catch(() => undefined);
  assert.is(
    out.text,
    [
      '[1/7] Building images',
      '  ✓ frontend built',
      '  ⚠ backend over 80% of its budget',
      '      412 MB of 500 MB',
      '✓ [1/7] Building images: 2 images (1.5s)',
      '[2/7] Release',
      '  ✗ upgrade failed',
      '✓ [2/7] Release (1.5s)',
      '',
    ].join('\n'),
  );
  assert.not.match(out.text, '\x1b[');
});

test('a step that throws is recorded as failed with its duration', async () => {
  const { log, out } = logger('plain');
  await log
    .step('Cluster', async () => {
      throw new Error('boom');
    })
    .catch(() => undefined);
  assert.match(out.text, '✗ [1/1] Cluster (1.5s)');
  assert.is(log.steps[0]!.status, 'fail');
});

test('json mode prints one parseable event per line and nothing else', async () => {
  const { log, out } = logger('json');
  log.plan(2);
  await log.step('Prerequisites', async () => log.ok('docker 28.2.2'));
  log.summary('Deployed');
  const events = out.text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  assert.equal(
    events.map((e) => [e.type, e.status]),
    [
      ['step', 'start'],
      ['result', 'ok'],
      ['step', 'ok'],
      ['summary', undefined],
    ],
  );
  assert.is(events[2].durationMs, 1500);
  assert.ok(events.every((e) => typeof e.ts === 'string'));
});

test('summary lists per-step durations', async () => {
  const { log, out } = logger('plain');
  await log.step('Cluster', async () => undefined);
  await log.step('Images', async () => undefined);
  log.summary('Deployed');
  assert.match(out.text, 'Deployed in 3.0s — cluster 1.5s · images 1.5s');
});

test('debug lines appear only with --verbose, on stderr', () => {
  const quiet = logger('plain');
  quiet.log.debug('$ helm version');
  assert.is(quiet.err.text + quiet.out.text, '');
  const loud = logger('plain', true);
  loud.log.debug('$ helm version');
  assert.is(loud.err.text, '$ helm version\n');
  assert.is(loud.out.text, '');
});

test('errors carry hint and code; in json mode they are events', () => {
  const plain = logger('plain');
  plain.log.error('kubectl cannot reach the cluster', 'start minikube', 'CLUSTER_UNREACHABLE');
  assert.is(
    plain.err.text,
    '✗ kubectl cannot reach the cluster\n  hint: start minikube\n  code: CLUSTER_UNREACHABLE (see docs/troubleshooting.md)\n',
  );
  const json = logger('json');
  json.log.error('x', 'y', 'Z');
  assert.equal(JSON.parse(json.out.text).hint, 'y');
});

test('no output path lets a registered secret through, in any mode', async () => {
  registerSecret('sk-live-0123456789');
  for (const mode of ['plain', 'pretty', 'json'] as const) {
    const { log, out, err } = logger(mode, true);
    await log.step('step sk-live-0123456789', async (s) => {
      log.ok('ok sk-live-0123456789', ['detail sk-live-0123456789']);
      log.info('info sk-live-0123456789');
      log.debug('debug sk-live-0123456789');
      s.summary = 'sum sk-live-0123456789';
    });
    log.error('err sk-live-0123456789', 'hint sk-live-0123456789');
    log.event({ type: 'x', nested: { v: ['sk-live-0123456789'] } }, () => 'human sk-live-0123456789');
    log.print('print sk-live-0123456789');
    log.summary('sum sk-live-0123456789');
    assert.not.match(out.text + err.text, 'sk-live-0123456789', mode);
    assert.match(out.text + err.text, '***', mode);
  }
});

test('formatDuration', () => {
  assert.is(formatDuration(412), '412ms');
  assert.is(formatDuration(1549), '1.5s');
  assert.is(formatDuration(125_000), '2m5s');
});

test.run();
