// npm run bench:images — how fast and how big the images are, on this machine:
//   cold build of both (no layer cache, no npm/pip download cache), cold frontend
//   alone, no-op run (target ≤ 2 s, zero builds), rebuild after a one-line frontend
//   change (target ≤ 35 % of the cold frontend build), app-layer sizes (targets:
//   frontend ≤ 50 MB, backend ≤ 120 MB).
// It builds with NODE_IMAGE / PYTHON_IMAGE when set, else with the offline stand-in
// bases of the tests. It clears only the BuildKit cache mounts (npm and pip
// downloads) and its own todo-bench-* images; other layer caches are bypassed
// with --no-cache, not deleted. Exit 1 when a target is missed. --json: one document.
import { randomBytes } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { loadAverage, machine, printReport, seconds, type BenchCheck } from './support.ts';
import path from 'node:path';
import { hashContext } from '../lib/images/context-hash.ts';
import { parseDockerignore } from '../lib/images/dockerignore.ts';
import { DOCKERFILES_DIR } from '../lib/images/plan.ts';
import { ensureBaseImages } from '../test/support/base-images.ts';
import { ensureDocker, runBuildImages, type ScriptRun } from '../test/support/docker.ts';
import { tempDir } from '../test/support/tmp.ts';
import { REPO_ROOT } from '../test/support/tools.ts';

const asJson = process.argv.includes('--json');
const say = (line: string) => {
  if (!asJson) console.log(line);
};
const NO_OP_RUNS = 5;
const TARGETS = { noOpMs: 2000, rebuildPct: 35, frontendAppMb: 50, backendAppMb: 120 };

const setup = await ensureDocker({ log: say });
if (!setup.ok) {
  console.error(`bench:images needs a Docker engine: ${setup.reason}`);
  process.exit(3);
}
const { docker } = setup;
const copy = tempDir('bench-frontend-');
const loadAtStart = loadAverage();
try {
  const bases =
    process.env.NODE_IMAGE && process.env.PYTHON_IMAGE
      ? { nodeImage: process.env.NODE_IMAGE, pythonImage: process.env.PYTHON_IMAGE, standIn: false }
      : { ...(await ensureBaseImages(docker, { log: say })), standIn: true };
  const env = (extra: Record<string, string> = {}) => ({
    NODE_IMAGE: bases.nodeImage,
    PYTHON_IMAGE: bases.pythonImage,
    FRONTEND_IMAGE: 'todo-bench-frontend',
    BACKEND_IMAGE: 'todo-bench-backend',
    FRONTEND_DIR: path.join(REPO_ROOT, 'app/frontend'),
    BACKEND_DIR: path.join(REPO_ROOT, 'app/backend'),
    FRONTEND_SIZE_BUDGET_MB: '100000', // the bench measures; the budgets are build-images' job
    BACKEND_SIZE_BUDGET_MB: '100000',
    ...extra,
  });
  const script = async (args: string[], extra?: Record<string, string>): Promise<ScriptRun> => {
    const run = await runBuildImages([...args, '--json', '--dotenv', os.devNull], env(extra));
    if (run.code !== 0)
      throw new Error(`build-images ${args.join(' ')} exited ${run.code}:\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-2000)}`);
    return run;
  };
  const results = (run: ScriptRun) => run.events.filter((e) => e.type === 'result' && typeof e.action === 'string');
  const built = (run: ScriptRun, image: string) => results(run).find((e) => e.image === image && e.action === 'built');
  const sizes = (run: ScriptRun, image: string) =>
    run.events.find((e) => e.type === 'result' && e.image === image && typeof e.totalMb === 'number')!;
  const dropCaches = async () => {
    await docker.exec(['builder', 'prune', '--force', '--filter', 'type=exec.cachemount'], { timeoutMs: 300_000 });
    const images = await docker.exec(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'reference=todo-bench-*'], {
      timeoutMs: 30_000,
    });
    await docker.removeImages(images.stdout.split('\n').filter(Boolean));
  };

  say('cold build of both images...');
  await dropCaches();
  const cold = await script(['--cold']);
  say('cold build of the frontend alone...');
  await dropCaches();
  const coldFrontend = await script(['--cold', '--only', 'frontend']);
  await script([]); // the backend again, from cache, so the no-op run has both

  say('no-op runs...');
  const noOps: ScriptRun[] = [];
  for (let i = 0; i < NO_OP_RUNS; i++) noOps.push(await script([]));
  const noOpMs = noOps.map((r) => r.durationMs).sort((a, b) => a - b)[Math.floor(NO_OP_RUNS / 2)]!;
  const noOpBuilds = noOps.reduce((n, r) => n + results(r).filter((e) => e.action === 'built').length, 0);

  say('one-line frontend change...');
  const frontendDir = path.join(REPO_ROOT, 'app/frontend');
  const ignore = readFileSync(path.join(DOCKERFILES_DIR, 'frontend.Dockerfile.dockerignore'), 'utf8');
  for (const file of hashContext(frontendDir, parseDockerignore(ignore)).files) {
    mkdirSync(path.dirname(path.join(copy.dir, file)), { recursive: true });
    copyFileSync(path.join(frontendDir, file), path.join(copy.dir, file));
  }
  appendFileSync(path.join(copy.dir, 'app/page.tsx'), `// bench ${randomBytes(4).toString('hex')}\n`);
  const rebuild = await script([], { FRONTEND_DIR: copy.dir });
  await dropCaches();

  const ms = (e: Record<string, unknown> | undefined) => Number(e?.durationMs ?? NaN);
  const coldFrontendMs = ms(built(coldFrontend, 'frontend'));
  const rebuildMs = ms(built(rebuild, 'frontend'));
  const rebuildPct = Math.round((rebuildMs / coldFrontendMs) * 1000) / 10;
  const report = {
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? '?',
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      engine: await docker.serverVersion(),
      cli: `${docker.cli.version} (${docker.cli.buildMode === 'buildx' ? 'buildx' : 'engine BuildKit'})`,
      bases: `${bases.nodeImage}, ${bases.pythonImage}${bases.standIn ? ' (offline stand-ins: Debian bookworm + official Node 22 binary / Debian python3)' : ''}`,
    },
    coldBothMs: Math.round(cold.durationMs),
    coldInParallelMs: { frontend: Math.round(ms(built(cold, 'frontend'))), backend: Math.round(ms(built(cold, 'backend'))) },
    coldFrontendAloneMs: Math.round(coldFrontendMs),
    noOpMs: Math.round(noOpMs),
    noOpBuilds,
    oneLineRebuildMs: Math.round(rebuildMs),
    oneLineRebuildPct: rebuildPct,
    oneLineRebuildBackend: results(rebuild).find((e) => e.image === 'backend')?.action,
    sizesMb: Object.fromEntries(
      ['frontend', 'backend'].map((i) => [i, { total: sizes(cold, i).totalMb, base: sizes(cold, i).baseMb, app: sizes(cold, i).appMb }]),
    ),
  };
  const checks = [
    {
      what: `no-op run ${report.noOpMs} ms (median of ${NO_OP_RUNS}), ${noOpBuilds} builds`,
      ok: noOpMs <= TARGETS.noOpMs && noOpBuilds === 0,
      target: `≤ ${TARGETS.noOpMs} ms, 0 builds`,
    },
    {
      what: `one-line frontend rebuild ${report.oneLineRebuildMs} ms = ${rebuildPct} % of the cold frontend build (${report.coldFrontendAloneMs} ms)`,
      ok: rebuildPct <= TARGETS.rebuildPct,
      target: `≤ ${TARGETS.rebuildPct} %`,
    },
    {
      what: `frontend app layers ${report.sizesMb.frontend!.app} MB`,
      ok: Number(report.sizesMb.frontend!.app) <= TARGETS.frontendAppMb,
      target: `≤ ${TARGETS.frontendAppMb} MB`,
    },
    {
      what: `backend app layers ${report.sizesMb.backend!.app} MB`,
      ok: Number(report.sizesMb.backend!.app) <= TARGETS.backendAppMb,
      target: `≤ ${TARGETS.backendAppMb} MB`,
    },
  ];
  const m = report.machine;
  const mb = (x: unknown) => `${x} MB`;
  printReport(
    {
      bench: 'images',
      title: `image builds on the real engine (${m.engine}, CLI ${m.cli}); bases: ${m.bases}`,
      machine: machine(),
      loadAtStart,
      loadAtEnd: loadAverage(),
      table: {
        headers: ['what', 'figure'],
        rows: [
          ['cold build of both (no layer or download cache)', seconds(report.coldBothMs)],
          [
            '… of which the frontend / the backend, in parallel',
            `${seconds(report.coldInParallelMs.frontend)} / ${seconds(report.coldInParallelMs.backend)}`,
          ],
          ['cold frontend alone', seconds(report.coldFrontendAloneMs)],
          [`no-op run (median of ${NO_OP_RUNS})`, `${seconds(report.noOpMs, 2)}, ${noOpBuilds} builds`],
          ['one-line frontend change, rebuild', `${seconds(report.oneLineRebuildMs)} (${rebuildPct} % of cold)`],
          ...Object.entries(report.sizesMb).map(([image, sz]) => [
            `${image} image`,
            `${mb(sz.total)} = base ${mb(sz.base)} + app layers ${mb(sz.app)}`,
          ]),
        ],
      },
      checks: checks.map((c): BenchCheck => ({ what: c.what, value: c.ok ? 'met' : 'missed', target: c.target, ok: c.ok })),
      ok: checks.every((c) => c.ok),
      detail: report,
    },
    asJson,
  );
} finally {
  copy.cleanup();
  await setup.stop();
}
