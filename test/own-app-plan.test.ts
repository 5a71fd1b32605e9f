// Own apps without a Docker engine: the app analysis feeds the plan (Dockerfile choice, build args,
// content tags), the deploy values, the build-failure hints, and the analysis is the first step of
// build-images (a blocking problem exits 2 before any engine is touched).
//   node --import tsx test/own-app-plan.test.ts
import { mkdirSync, writeFileSync, cpSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { analyzeApps } from '../lib/app/analyze.ts';
import { loadConfig, type Config } from '../lib/config.ts';
import { ImageBuildError } from '../lib/images/build.ts';
import { BUILD_FAILURE_HINTS, diagnoseBuildFailure } from '../lib/images/build-hints.ts';
import { nextBuildEnv } from '../lib/images/own-app.ts';
import { planImages } from '../lib/images/plan.ts';
import { deployValues } from '../lib/deploy.ts';
import { clearSecrets } from '../lib/redact.ts';
import { runBuildImages } from './support/docker.ts';
import { tempDir } from './support/tmp.ts';
import { REPO_ROOT } from './support/tools.ts';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/apps');
const cleanups: Array<() => void> = [];
test.after(() => {
  cleanups.forEach((fn) => fn());
  clearSecrets();
});

function configFor(shape: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    env: { FRONTEND_DIR: path.join(FIXTURES, shape, 'frontend'), BACKEND_DIR: path.join(FIXTURES, shape, 'backend'), ...env },
    envFile: '/none',
    root: REPO_ROOT,
  }).config;
}
function analysis(config: Config, useOurs = false) {
  const { appSecrets, appEnv, ...settings } = config;
  return analyzeApps(settings, { useOurs, appSecrets: Object.keys(appSecrets), appEnv: Object.keys(appEnv) });
}
const plan = (config: Config, name: 'frontend' | 'backend', useOurs = false) =>
  planImages({ config, app: analysis(config, useOurs) }).find((p) => p.name === name)!;

test('rewrites(): the in-cluster backend URL is a build arg, explained, and changing the release name (or namespace) changes the frontend tag only', () => {
  const a = configFor('rewrites-url');
  const frontend = plan(a, 'frontend');
  assert.is(frontend.dockerfileKind, 'ours');
  assert.is(frontend.buildArgs.NEXT_BUILD_ENV, 'BACKEND_URL=http://todo-chatbot-backend.todo-chatbot.svc.cluster.local:8000');
  assert.ok(
    frontend.explain!.some((line) => /build arg BACKEND_URL=http:\/\/todo-chatbot-backend\..*rewrites\(\) reads BACKEND_URL/.test(line)),
    frontend.explain!.join('\n'),
  );
  const renamed = configFor('rewrites-url', { RELEASE_NAME: 'shop' });
  assert.is(
    plan(renamed, 'frontend').buildArgs.NEXT_BUILD_ENV,
    'BACKEND_URL=http://shop-todo-chatbot-backend.todo-chatbot.svc.cluster.local:8000',
  );
  assert.is.not(plan(renamed, 'frontend').ref, frontend.ref, 'a new release name is a new frontend image');
  assert.is(plan(renamed, 'backend').ref, plan(a, 'backend').ref, 'the backend does not depend on the release name');
  assert.is.not(plan(configFor('rewrites-url', { NAMESPACE: 'other' }), 'frontend').ref, frontend.ref);
});

test('our Dockerfiles get the ASGI entry, port and liveness path as build args; each value is in the tag', () => {
  const root = plan(configFor('root-main'), 'backend');
  assert.equal(
    [root.buildArgs.BACKEND_APP, root.buildArgs.BACKEND_PORT, root.buildArgs.BACKEND_HEALTH_PATH, root.buildArgs.BACKEND_APP_DIR],
    ['main:app', '8000', '/health', '.'],
  );
  const moved = plan(configFor('root-main', { BACKEND_PORT: '8081', BACKEND_HEALTH_PATH: '/healthz' }), 'backend');
  assert.equal([moved.port, moved.buildArgs.BACKEND_PORT, moved.healthPath], [8081, '8081', '/healthz']);
  assert.is.not(moved.ref, root.ref);
  const noHealth = plan(configFor('no-health'), 'frontend');
  assert.equal([noHealth.buildArgs.FRONTEND_HEALTH_PATH, noHealth.healthPath], ['/', '/']);
});

test("the app folder's own Dockerfile is used by default (said in the plan), without our build args; --use-our-dockerfiles overrides it", () => {
  const config = configFor('own-dockerfiles');
  const backend = plan(config, 'backend');
  assert.is(backend.dockerfileKind, 'user');
  assert.is(backend.dockerfile, path.join(FIXTURES, 'own-dockerfiles/backend/Dockerfile'));
  assert.is(backend.port, 8080);
  assert.is(backend.base, 'python:3.12-slim', "the final stage's FROM");
  assert.not.ok('BACKEND_APP' in backend.buildArgs || 'PYTHON_IMAGE' in backend.buildArgs, JSON.stringify(backend.buildArgs));
  assert.match(
    backend.explain![0]!,
    /image from your Dockerfile .*own-dockerfiles\/backend\/Dockerfile \(the app folder's own Dockerfile; --use-our-dockerfiles uses ours instead\)/,
  );
  const ours = plan(config, 'backend', true);
  assert.is(ours.dockerfileKind, 'ours');
  assert.is(ours.buildArgs.BACKEND_APP, 'server:app');
  assert.is.not(ours.ref, backend.ref);
});

test('a user Dockerfile gets each build-time value as its own build arg; ours gets them in NEXT_BUILD_ENV (no spaces allowed)', () => {
  const tmp = tempDir('own-app-plan-');
  cleanups.push(tmp.cleanup);
  const dir = tmp.dir;
  cpSync(path.join(FIXTURES, 'rewrites-url'), dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'frontend/Dockerfile'),
    'FROM node:22-alpine\nARG BACKEND_URL\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCMD ["node", ".next/standalone/server.js"]\n',
  );
  const config = loadConfig({
    env: { FRONTEND_DIR: path.join(dir, 'frontend'), BACKEND_DIR: path.join(dir, 'backend'), RELEASE_NAME: 'mine' },
    envFile: '/none',
    root: REPO_ROOT,
  }).config;
  const frontend = plan(config, 'frontend');
  assert.is(frontend.dockerfileKind, 'user');
  assert.is(frontend.buildArgs.BACKEND_URL, 'http://mine-todo-chatbot-backend.todo-chatbot.svc.cluster.local:8000');
  assert.not.ok('NEXT_BUILD_ENV' in frontend.buildArgs);
  assert.throws(
    () => nextBuildEnv([{ name: 'X', audience: 'server', source: 'service-url', from: 'a', value: 'a b', why: '' }]),
    /may not contain spaces/,
  );
});

test('deploy values: ports, probe paths, the backend Service on the backend port, APP_ENV / APP_SECRETS for the apps that read them', () => {
  const refs = { frontend: { repository: 'f', tag: 't' }, backend: { repository: 'b', tag: 't' } } as never;
  const own = configFor('own-dockerfiles');
  const values = deployValues(own, refs, analysis(own)) as Record<string, Record<string, unknown>>;
  assert.equal((values.backend as Record<string, unknown>).containerPort, 8080);
  assert.equal((values.backend as { service: unknown }).service, { nodePort: 30800, port: 8080 });
  assert.equal((values.frontend as { containerPort: number }).containerPort, 3001);
  assert.equal((values.frontend as { probes: unknown }).probes, { livenessPath: '/api/health', readinessPath: null, startupPath: null });
  assert.equal(values.tests, { proxyPath: '' }, 'an own app has no known read-only proxy route for helm test');

  const secret = 'better-auth-value-123';
  const extra = configFor('extra-secret', {
    APP_SECRETS: 'BETTER_AUTH_SECRET',
    BETTER_AUTH_SECRET: secret,
    APP_ENV: 'UNREAD_SETTING',
    UNREAD_SETTING: 'x',
  });
  const v = deployValues(extra, refs, analysis(extra)) as { frontend: Record<string, unknown>; backend: Record<string, unknown> };
  // Both apps read BETTER_AUTH_SECRET (backend app/main.py, frontend lib/auth.js); nobody reads UNREAD_SETTING: the backend gets it.
  assert.equal(v.backend.extraSecretEnv, { BETTER_AUTH_SECRET: secret });
  assert.equal(v.frontend.extraSecretEnv, { BETTER_AUTH_SECRET: secret });
  assert.equal(v.backend.extraEnv, { UNREAD_SETTING: 'x' });
  assert.equal(v.frontend.extraEnv, {});
  // Our own app keeps the chart's helm test proxy check.
  const reference = loadConfig({ env: {}, envFile: '/none', root: REPO_ROOT }).config;
  assert.not.ok('tests' in deployValues(reference, refs, analysis(reference)));
});

test('build failure hints: TLS and unreachable-registry output get advice for the kind of Dockerfile; other failures none', () => {
  const user = { kind: 'user' as const, path: '/apps/web/Dockerfile' };
  const tls = diagnoseBuildFailure(
    'npm error code SELF_SIGNED_CERT_IN_CHAIN\nnpm error request to https://registry.npmjs.org/next failed, reason: self-signed certificate in certificate chain',
    user,
  )!;
  assert.is(tls.cause, 'tls');
  assert.ok(tls.advice.some((a) => a.includes('BUILD_CA_BUNDLE')));
  assert.ok(
    tls.advice.some((a) => a.includes('/apps/web/Dockerfile') && a.includes('--mount=type=secret,id=build_ca')),
    tls.advice.join('\n'),
  );
  const pipTls = diagnoseBuildFailure(
    "Could not fetch URL https://pypi.org/simple/fastapi/: There was a problem confirming the ssl certificate: HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded with url: /simple/fastapi/ (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed')))",
    { kind: 'ours', path: 'x' },
  )!;
  assert.is(pipTls.cause, 'tls', 'a TLS failure wins over the retries it caused');
  assert.not.ok(
    pipTls.advice.some((a) => a.includes('--mount')),
    'ours already mount the CA: only the setting is advised',
  );
  const offline = diagnoseBuildFailure('npm error code EAI_AGAIN\nnpm error syscall getaddrinfo\nnpm error errno EAI_AGAIN', user)!;
  assert.is(offline.cause, 'registry-unreachable');
  assert.ok(offline.advice.some((a) => a.includes('NPM_REGISTRY') && a.includes('npm_config_registry')));
  assert.is(diagnoseBuildFailure("Type error: Property 'x' does not exist on type 'Y'.", user), undefined);
  for (const row of BUILD_FAILURE_HINTS) assert.ok(row.patterns.length && row.ours.length && row.user.length, row.cause);
  // The error carries the advice as its hint, and a code per cause.
  const error = new ImageBuildError([{ name: 'frontend', step: '[deps 4/4] RUN npm ci', reason: 'exit code: 1', hint: tls }]);
  assert.is(error.code, 'IMAGE_BUILD_TLS');
  assert.match(error.hint!, /BUILD_CA_BUNDLE/);
  assert.match(error.message, /does not trust the TLS certificate/);
  assert.is(new ImageBuildError([{ name: 'frontend', reason: 'x' }]).code, 'IMAGE_BUILD');
});

test('build-images: the analysis runs first; a blocking problem exits 2 naming it, before any Docker engine is needed', async () => {
  const tmp = tempDir('own-app-blocked-');
  cleanups.push(tmp.cleanup);
  const dir = tmp.dir;
  mkdirSync(path.join(dir, 'frontend'));
  cpSync(path.join(FIXTURES, 'root-main/backend'), path.join(dir, 'backend'), { recursive: true });
  // Only node on PATH and no Docker CLI: reaching the engine step would be exit 3, not 2.
  const run = await runBuildImages(['--dotenv', os.devNull], {
    FRONTEND_DIR: path.join(dir, 'frontend'),
    BACKEND_DIR: path.join(dir, 'backend'),
    PATH: path.dirname(process.execPath),
    DOCKER_CLI: '/nonexistent/docker',
  });
  assert.is(run.code, 2, run.stdout + run.stderr);
  assert.match(run.stdout + run.stderr, /frontend: no package\.json in /);
  assert.match(run.stdout + run.stderr, /APP_NO_PACKAGE_JSON/);
});

test.run();
