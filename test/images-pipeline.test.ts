// The image pipeline (lib/images/pipeline.ts) on the fake-tools kit: per-image chains
// (a load starts while another image still builds), events per image, `only`, an
// abort that cancels the running build, size budgets (fail: the image is not loaded;
// deploy: a warning). A shim in front of the fake docker makes one image's build slow.
//   node --import tsx test/images-pipeline.test.ts
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../lib/config.ts';
import { ExitCode, ToolkitError } from '../lib/errors.ts';
import { createRunner } from '../lib/exec.ts';
import { buildPipeline as pipelineWithApp, pipelineSteps, type PipelineEvent, type PipelineOptions } from '../lib/images/pipeline.ts';
import { Logger } from '../lib/log.ts';
import { quietPlan } from '../lib/own-app.ts';
import { KindProvider } from '../lib/providers/kind.ts';
import { createTodoChatbotCluster, FAKE_BIN, image, type FakeCluster } from './fakes/kit.ts';
import { deployFixture } from './support/deploy-fixture.ts';
import { tempDir } from './support/tmp.ts';
import { REPO_ROOT } from './support/tools.ts';

/** The pipeline with the app analysis, as build-images, deploy and dev call it. */
const buildPipeline = (opts: Omit<PipelineOptions, 'app'>) => pipelineWithApp({ ...opts, app: quietPlan(opts.config).app });

const SLOW_MS = 8000; // generous: the other image's whole chain must fit in it on a busy machine

/** A `docker` first on PATH that sleeps before a build of `<slow>.Dockerfile`, then runs the fake docker. */
function slowBuildShim(slow: 'frontend' | 'backend'): { dir: string; cleanup: () => void } {
  const t = tempDir('docker-shim-');
  const bin = path.join(t.dir, 'bin');
  mkdirSync(bin);
  const file = path.join(bin, 'docker');
  writeFileSync(
    file,
    `#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
const argv = process.argv.slice(2);
if (argv.includes('build') && argv.some((a) => a.endsWith(${JSON.stringify(`${slow}.Dockerfile`)}))) await new Promise((r) => setTimeout(r, ${SLOW_MS}));
const r = spawnSync(${JSON.stringify(path.join(FAKE_BIN, 'docker'))}, argv, { stdio: 'inherit' });
process.exit(r.status ?? 1);
`,
  );
  chmodSync(file, 0o755);
  writeFileSync(path.join(t.dir, 'package.json'), '{"type":"module"}');
  return { dir: bin, cleanup: t.cleanup };
}

interface Rig {
  fake: FakeCluster;
  env: NodeJS.ProcessEnv;
  log: Logger;
  lines: Record<string, unknown>[];
  provider: KindProvider;
  run: ReturnType<typeof createRunner>;
  cleanup(): void;
}

/** A kind cluster without our images; the bases on the host; docker builds of `slow` take SLOW_MS longer. */
async function rig(slow: 'frontend' | 'backend' = 'frontend'): Promise<Rig> {
  const fake = await createTodoChatbotCluster({ provider: 'kind', deploy: false, imagesLoaded: false });
  fake.update((s) => s.docker!.images!.push(image('node:22-alpine', 60_000_000), image('python:3.11-slim', 130_000_000)));
  const shim = slowBuildShim(slow);
  const env = { ...fake.env, PATH: `${shim.dir}${path.delimiter}${fake.env.PATH}` };
  const lines: Record<string, unknown>[] = [];
  const out = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  const log = new Logger({ mode: 'json', out, err: out });
  const run = createRunner({ log, env });
  return {
    fake,
    env,
    log,
    lines,
    run,
    provider: new KindProvider(run, 'kind-todo'),
    cleanup: () => {
      fake.cleanup();
      shim.cleanup();
    },
  };
}

function config(extra: Record<string, string> = {}) {
  return loadConfig({
    env: { FRONTEND_SIZE_BUDGET_MB: '100000', BACKEND_SIZE_BUDGET_MB: '100000', ...extra },
    envFile: os.devNull,
    root: REPO_ROOT,
  }).config;
}

const loadCalls = (fake: FakeCluster) => fake.calls('kind').filter((c) => c.argv[0] === 'load');
const nodeTags = (fake: FakeCluster) => fake.state().clusters['kind-todo']!.images!.flatMap((i) => i.repoTags ?? []);

test('each image runs its own chain: the backend is loaded while the frontend still builds', async () => {
  const r = await rig('frontend');
  try {
    const events: (PipelineEvent & { at: number })[] = [];
    const report = await buildPipeline({
      config: config(),
      log: r.log,
      run: r.run,
      env: r.env,
      provider: r.provider,
      onEvent: (e) => events.push({ ...e, at: Date.now() }),
    });
    const seq = events.map((e) => `${e.image}:${e.type}`);
    assert.equal(
      seq.filter((s) => s.startsWith('backend:')),
      ['backend:planned', 'backend:built', 'backend:sized', 'backend:loaded', 'backend:ready'],
    );
    assert.equal(
      seq.filter((s) => s.startsWith('frontend:')),
      ['frontend:planned', 'frontend:built', 'frontend:sized', 'frontend:loaded', 'frontend:ready'],
    );
    assert.ok(
      seq.indexOf('backend:ready') < seq.indexOf('frontend:built'),
      `backend in place before the frontend is built: ${seq.join(' ')}`,
    );
    // Measured on the tools' own clocks: kind's load of the backend began before the frontend build ended.
    const frontendBuilt = events.find((e) => e.image === 'frontend' && e.type === 'built')!.at;
    const backendLoad = loadCalls(r.fake).find((c) => c.argv[2]!.startsWith('todo-backend:'))!;
    assert.ok(
      Date.parse(backendLoad.startedAt) < frontendBuilt - 500,
      `backend load started ${frontendBuilt - Date.parse(backendLoad.startedAt)}ms before the frontend build ended`,
    );
    assert.equal([report.built, report.loaded], [2, 2]);
    for (const plan of report.plans) assert.ok(nodeTags(r.fake).includes(plan.ref), `${plan.ref} on the node`);
    // Readable: every per-image line names its image.
    const results = r.lines.filter((l) => l.type === 'result');
    assert.ok(results.length >= 6 && results.every((l) => l.image === 'frontend' || l.image === 'backend'), JSON.stringify(results));
  } finally {
    r.cleanup();
  }
});

test('only: one image is planned, built and loaded; a second run builds and loads nothing', async () => {
  const r = await rig('frontend');
  try {
    const events: PipelineEvent[] = [];
    const report = await buildPipeline({
      config: config(),
      log: r.log,
      run: r.run,
      env: r.env,
      provider: r.provider,
      only: ['backend'],
      onEvent: (e) => events.push(e),
    });
    assert.equal(
      report.images.map((i) => `${i.name}:${i.action}`),
      ['backend:built'],
    );
    assert.ok(events.every((e) => e.image === 'backend'));
    assert.equal(
      loadCalls(r.fake).map((c) => c.argv[2]!.split(':')[0]),
      ['todo-backend'],
    );
    r.fake.clearCalls();
    const again = await buildPipeline({ config: config(), log: r.log, run: r.run, env: r.env, provider: r.provider, only: ['backend'] });
    assert.equal(
      again.images.map((i) => i.action),
      ['skipped'],
    );
    assert.equal([again.built, again.loaded, loadCalls(r.fake).length], [0, 0, 0]);
    assert.is(r.fake.calls('docker').filter((c) => c.argv.includes('build')).length, 0);
  } finally {
    r.cleanup();
  }
});

test('an abort (a newer change) cancels the running build: exit 130, the slow image neither tagged nor loaded', async () => {
  const r = await rig('frontend');
  try {
    const abort = new AbortController();
    const events: PipelineEvent[] = [];
    const error = await buildPipeline({
      config: config(),
      log: r.log,
      run: r.run,
      env: r.env,
      provider: r.provider,
      signal: abort.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'ready' && e.image === 'backend') abort.abort();
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.instance(error, ToolkitError);
    assert.is((error as ToolkitError).exitCode, ExitCode.interrupted);
    const frontend = events.find((e) => e.type === 'planned' && e.image === 'frontend') as Extract<PipelineEvent, { type: 'planned' }>;
    assert.ok(events.some((e) => e.type === 'failed' && e.image === 'frontend'));
    assert.not.ok(
      r.fake.state().docker!.images!.some((i) => i.repoTags?.includes(frontend.plan.ref)),
      'the frontend was not built',
    );
    assert.equal(
      loadCalls(r.fake).map((c) => c.argv[2]!.split(':')[0]),
      ['todo-backend'],
    );
  } finally {
    r.cleanup();
  }
});

test('sizes fail (build-images): an image over budget is not loaded, exit 1 IMAGE_SIZE; the other is', async () => {
  const r = await rig('backend');
  try {
    const error = (await buildPipeline({
      config: config({ FRONTEND_SIZE_BUDGET_MB: '1' }),
      log: r.log,
      run: r.run,
      env: r.env,
      provider: r.provider,
    }).then(
      () => undefined,
      (e: unknown) => e,
    )) as ToolkitError;
    assert.is(error?.code, 'IMAGE_SIZE');
    assert.match(error.message, 'frontend is');
    assert.match(error.message, 'over its 1 MB budget (FRONTEND_SIZE_BUDGET_MB)');
    assert.equal(
      loadCalls(r.fake).map((c) => c.argv[2]!.split(':')[0]),
      ['todo-backend'],
    );
  } finally {
    r.cleanup();
  }
});

test('pipelineSteps: the numbered steps build-images shows', () => {
  assert.equal(pipelineSteps({ steps: true }), ['Inputs', 'Docker engine', 'Images']);
  assert.equal(pipelineSteps({ steps: true, test: true }), ['Inputs', 'Docker engine', 'Images', 'Container test']);
  assert.equal(pipelineSteps({}), []);
});

test('deploy reports images over their size budget as a warning and deploys', async () => {
  const fake = await deployFixture({ provider: 'kind', built: false });
  try {
    const r = await fake.script('deploy', ['--json'], { env: { FRONTEND_SIZE_BUDGET_MB: '1', BACKEND_SIZE_BUDGET_MB: '1' } });
    assert.is(r.code, 0, r.stdout + r.stderr);
    const events = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const over = events.filter((e) => e.type === 'result' && e.overBudget === true);
    assert.equal(over.map((e) => [e.image, e.status]).sort(), [
      ['backend', 'warn'],
      ['frontend', 'warn'],
    ]);
    assert.is(fake.calls('kind').filter((c) => c.argv[0] === 'load').length, 2, 'loaded all the same');
    assert.ok(
      events.some((e) => e.type === 'summary'),
      'the deploy finished',
    );
  } finally {
    fake.cleanup();
  }
});

test.run();
