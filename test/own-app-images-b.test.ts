// Own apps on the real Docker engine, part B: `build-images --test` for the fixture shapes no-health,
// pnpm and extra-secret (stand-in bases). Slow (a Next.js build per shape).
//   node --import tsx test/own-app-images-b.test.ts
import { cpSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Docker } from '../lib/docker.ts';
import { ensureBaseImages, type BaseImages } from './support/base-images.ts';
import { engineTest, ensureDocker, runBuildImages, type ScriptRun } from './support/docker.ts';
import { checkResults, FIXTURES, fixtureEnv, randomSecret } from './support/own-app.ts';
import { tempDir } from './support/tmp.ts';

const setup = await ensureDocker({ log: (line) => console.log(`  ${line}`) });
const it = engineTest(test, setup);
const docker = (setup.ok ? setup.docker : undefined) as Docker;
let bases: BaseImages;
const ARGS = ['--test', '--json', '--dotenv', os.devNull];

test.before(async () => {
  if (!setup.ok) return;
  bases = await ensureBaseImages(docker, { log: (line) => console.log(`  ${line}`) });
});
test.after(async () => {
  if (setup.ok) await setup.stop();
});

const explain = (run: ScriptRun) => `exit ${run.code}\n${run.stdout.slice(-5000)}\n${run.stderr.slice(-2000)}`;
const checkNames = (run: ScriptRun) =>
  run.events.filter((e) => e.type === 'result' && typeof e.check === 'string').map((e) => String(e.message ?? ''));

it('no-health: no health routes anywhere; the probes and the container test use the defaults the analysis chose (/ and /openapi.json)', async () => {
  const run = await runBuildImages(ARGS, fixtureEnv('no-health', bases));
  assert.is(run.code, 0, explain(run));
  assert.equal(
    checkResults(run.events),
    { 'app.backend-health': true, 'app.frontend-health': true, 'app.frontend-home': true },
    explain(run),
  );
  assert.ok(
    checkNames(run).some((m) => m.startsWith('backend /openapi.json')),
    checkNames(run).join('\n'),
  );
  assert.ok(
    checkNames(run).some((m) => m.startsWith('frontend /:')),
    checkNames(run).join('\n'),
  );
  assert.match(run.stdout, /APP_NO_HEALTH_ROUTE/, 'the missing health route is a warning, not a stop');
});

it('pnpm: our frontend Dockerfile installs with pnpm from pnpm-lock.yaml', async () => {
  const run = await runBuildImages(ARGS, fixtureEnv('pnpm', bases));
  assert.is(run.code, 0, explain(run));
  assert.equal(
    checkResults(run.events),
    { 'app.backend-health': true, 'app.frontend-health': true, 'app.frontend-home': true },
    explain(run),
  );
  // pnpm's layout (node_modules/.pnpm) made it into the standalone server: pnpm installed it, not npm.
  const ref = run.events.find((e) => e.type === 'result' && e.image === 'frontend' && typeof e.digest === 'string')!.ref as string;
  const layout = await docker.exec(
    ['run', '--rm', '--entrypoint', 'node', ref, '-e', 'process.stdout.write(String(require("fs").existsSync("/app/node_modules/.pnpm")))'],
    { timeoutMs: 60_000 },
  );
  assert.is(layout.stdout, 'true');
});

it('extra-secret: APP_SECRETS reaches the containers (the backend cannot start without it) and never the output, --verbose included', async () => {
  const secret = randomSecret();
  const env = fixtureEnv('extra-secret', bases, { APP_SECRETS: 'BETTER_AUTH_SECRET', BETTER_AUTH_SECRET: secret });
  const run = await runBuildImages(['--verbose', ...ARGS], env);
  assert.is(run.code, 0, explain(run));
  assert.equal(
    checkResults(run.events),
    { 'app.backend-health': true, 'app.frontend-health': true, 'app.frontend-home': true },
    explain(run),
  );
  assert.not.ok(run.stdout.includes(secret) || run.stderr.includes(secret), 'the secret value was printed');
  // Without the value, the configuration says so before anything is built.
  const missing = await runBuildImages(ARGS, fixtureEnv('extra-secret', bases, { APP_SECRETS: 'BETTER_AUTH_SECRET' }));
  assert.is(missing.code, 2, explain(missing));
  assert.match(missing.stdout + missing.stderr, /APP_SECRETS .*lists BETTER_AUTH_SECRET but it has no value/);
});

it('a user Dockerfile whose download fails on a TLS certificate gets the CA-secret advice, not just the raw error (IMAGE_BUILD_TLS)', async () => {
  const dir = tempDir('own-app-tls-');
  try {
    cpSync(path.join(FIXTURES, 'root-main'), dir.dir, { recursive: true });
    // What pip prints behind a TLS-intercepting proxy whose CA the build does not trust.
    const pipError =
      "ERROR: Could not install packages due to an OSError: HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded with url: /simple/fastapi/ (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain')))";
    const dockerfile = path.join(dir.dir, 'backend/Dockerfile');
    writeFileSync(
      dockerfile,
      `FROM ${bases.pythonImage}\nRUN echo "${pipError}" >&2; exit 1\nCMD ["python", "-m", "uvicorn", "main:app"]\n`,
    );
    const run = await runBuildImages(
      ['--only', 'backend', '--json', '--dotenv', os.devNull],
      fixtureEnv('root-main', bases, { BACKEND_DIR: path.join(dir.dir, 'backend'), BACKEND_IMAGE: 'todo-ownapp-tls-backend' }),
    );
    assert.is(run.code, 1, explain(run));
    const error = run.events.find((e) => e.type === 'error')!;
    assert.is(error.code, 'IMAGE_BUILD_TLS', explain(run));
    assert.match(String(error.message), /does not trust the TLS certificate/);
    assert.match(String(error.hint), 'BUILD_CA_BUNDLE');
    assert.ok(
      String(error.hint).includes(dockerfile) && String(error.hint).includes('--mount=type=secret,id=build_ca'),
      String(error.hint),
    );
    const failed = run.events.find((e) => e.type === 'result' && e.action === 'failed')!;
    assert.is(failed.cause, 'tls');
  } finally {
    dir.cleanup();
  }
});

test.run();
