// Own apps on the real Docker engine, part A: `build-images --test` for the fixture shapes root-main,
// own-dockerfiles, rewrites-url and public-api-url (stand-in bases; a user Dockerfile's FROM names are
// the stand-ins tagged locally). rewrites-url is then run by hand to prove the frontend reaches its
// backend through the URL baked in at build time. Slow (a Next.js build per shape).
//   node --import tsx test/own-app-images-a.test.ts
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Docker } from '../lib/docker.ts';
import { ensureBaseImages, type BaseImages } from './support/base-images.ts';
import { engineTest, ensureDocker, runBuildImages, type ScriptRun } from './support/docker.ts';
import { checkResults, fixtureEnv, tagUserBases } from './support/own-app.ts';

const setup = await ensureDocker({ log: (line) => console.log(`  ${line}`) });
const it = engineTest(test, setup);
const docker = (setup.ok ? setup.docker : undefined) as Docker;
let bases: BaseImages;
const cleanups: Array<() => Promise<void> | void> = [];
const ARGS = ['--test', '--json', '--dotenv', os.devNull];

test.before(async () => {
  if (!setup.ok) return;
  bases = await ensureBaseImages(docker, { log: (line) => console.log(`  ${line}`) });
  cleanups.push(await tagUserBases(docker, bases));
});
test.after(async () => {
  for (const fn of cleanups.reverse()) await fn();
  if (setup.ok) await setup.stop();
});

const explain = (run: ScriptRun) => `exit ${run.code}\n${run.stdout.slice(-5000)}\n${run.stderr.slice(-2000)}`;
const explained = (run: ScriptRun) => run.events.filter((e) => typeof e.explain === 'string').map((e) => e.explain as string);
const refOf = (run: ScriptRun, image: string) =>
  run.events.find((e) => e.type === 'result' && e.image === image && typeof e.digest === 'string')?.ref as string;

it('root-main: main:app at the backend root, on our Dockerfiles; the container test uses the detected paths', async () => {
  const run = await runBuildImages(ARGS, fixtureEnv('root-main', bases));
  assert.is(run.code, 0, explain(run));
  assert.ok(
    explained(run).some((l) => /backend: runs main:app \(found at main\.py:\d+\)/.test(l)),
    explained(run).join('\n'),
  );
  const checks = checkResults(run.events);
  assert.equal(checks, { 'app.backend-health': true, 'app.frontend-health': true, 'app.frontend-home': true }, explain(run));
});

it("own-dockerfiles: the app folders' Dockerfiles are used (said before the build), on their own ports, without a HEALTHCHECK", async () => {
  const run = await runBuildImages(ARGS, fixtureEnv('own-dockerfiles', bases));
  assert.is(run.code, 0, explain(run));
  const lines = explained(run);
  for (const side of ['frontend', 'backend'])
    assert.ok(
      lines.some((l) => l.startsWith(`${side}: image from your Dockerfile`) && l.includes('--use-our-dockerfiles')),
      lines.join('\n'),
    );
  assert.equal(
    checkResults(run.events),
    { 'app.backend-health': true, 'app.frontend-health': true, 'app.frontend-home': true },
    explain(run),
  );
  const backend = await docker.inspectImage(refOf(run, 'backend'));
  assert.equal(
    Object.keys((backend!.Config as { ExposedPorts?: Record<string, unknown> }).ExposedPorts ?? {}),
    ['8080/tcp'],
    'the user image, not ours',
  );
  // --use-our-dockerfiles: the same folders through ours, a different image.
  const ours = await runBuildImages(['--use-our-dockerfiles', ...ARGS], fixtureEnv('own-dockerfiles', bases));
  assert.is(ours.code, 0, explain(ours));
  assert.ok(explained(ours).some((l) => l.startsWith('backend: image from our Dockerfile')));
  assert.is.not(refOf(ours, 'backend'), refOf(run, 'backend'));
});

it('rewrites-url: BACKEND_URL is baked in as the in-cluster Service URL; the frontend reaches its backend through it', async () => {
  const run = await runBuildImages(ARGS, fixtureEnv('rewrites-url', bases, { RELEASE_NAME: 'shop', NAMESPACE: 'web' }));
  assert.is(run.code, 0, explain(run));
  const serviceHost = 'shop-todo-chatbot-backend.web.svc.cluster.local';
  assert.ok(
    explained(run).some((l) => l.startsWith(`frontend: build arg BACKEND_URL=http://${serviceHost}:8000:`)),
    explained(run).join('\n'),
  );
  assert.equal(
    checkResults(run.events),
    { 'app.backend-health': true, 'app.backend-ready': true, 'app.frontend-health': true, 'app.frontend-home': true },
    explain(run),
  );

  // By hand: the backend answers under the Service's name only; the frontend's /api/tasks rewrite reaches it.
  const id = randomBytes(3).toString('hex');
  const network = `todo-ownapp-${id}`;
  const names = { backend: `${network}-backend`, frontend: `${network}-frontend` };
  try {
    await docker.createNetwork(network);
    await docker.runDetached(['--name', names.backend, '--network', network, '--network-alias', serviceHost, refOf(run, 'backend')]);
    await docker.runDetached(['--name', names.frontend, '--network', network, '--publish', '127.0.0.1::3000', refOf(run, 'frontend')]);
    const port = await docker.hostPort(names.frontend, 3000);
    let answer: Response | undefined;
    for (let i = 0; i < 60 && answer?.status !== 200; i++) {
      answer = await fetch(`http://127.0.0.1:${port}/api/tasks`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
      if (answer?.status !== 200) await new Promise((r) => setTimeout(r, 500));
    }
    assert.is(answer?.status, 200, 'the rewrite did not reach the backend');
    assert.equal(await answer!.json(), [], "the backend's task list, through the frontend");
  } finally {
    await docker.removeContainers([names.frontend, names.backend]);
    await docker.exec(['network', 'rm', network], { nothrow: true, timeoutMs: 30_000 });
  }
  // Another release name is another frontend image (the URL is in the tag); the backend is the same.
  const other = await runBuildImages(
    ['--json', '--dotenv', os.devNull, '--only', 'frontend'],
    fixtureEnv('rewrites-url', bases, { RELEASE_NAME: 'shop2', NAMESPACE: 'web' }),
  );
  assert.is(other.code, 0, explain(other));
  assert.is.not(refOf(other, 'frontend'), refOf(run, 'frontend'));
});

it('public-api-url: NEXT_PUBLIC_API_URL is a build arg with its reason; the app builds and answers', async () => {
  const run = await runBuildImages(ARGS, fixtureEnv('public-api-url', bases));
  assert.is(run.code, 0, explain(run));
  assert.ok(
    explained(run).some((l) => l.startsWith('frontend: build arg NEXT_PUBLIC_API_URL=')),
    explained(run).join('\n'),
  );
  assert.equal(
    checkResults(run.events),
    { 'app.backend-health': true, 'app.frontend-health': true, 'app.frontend-home': true },
    explain(run),
  );
});

test.run();
