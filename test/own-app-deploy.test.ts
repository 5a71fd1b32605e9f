// deploy of each fixture app shape on the fake cluster (test/fakes): the analysis's facts reach the
// release's values (ports, probe paths, the backend Service port, APP_ENV / APP_SECRETS), the images
// are the ones deploy planned, and a secret value never reaches argv, the output or a leftover file.
//   node --import tsx test/own-app-deploy.test.ts
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deployFixture, plannedRefs, type DeployFixture } from './support/deploy-fixture.ts';
import { FIXTURES, randomSecret } from './support/own-app.ts';

const latestRevision = (fake: DeployFixture) =>
  fake
    .state()
    .helm!.releases!.find((r) => r.name === 'todo-chatbot')!
    .revisions.at(-1)!;
const builds = (fake: DeployFixture) => fake.calls('docker').filter((c) => c.argv.includes('build'));
const dirs = (shape: string) => ({
  FRONTEND_DIR: path.join(FIXTURES, shape, 'frontend'),
  BACKEND_DIR: path.join(FIXTURES, shape, 'backend'),
});

interface Expect {
  ports: { frontend: number; backend: number };
  paths: { frontend: string; backend: string; backendReady: string | null };
  userDockerfiles?: boolean;
}
const SHAPES: Record<string, Expect> = {
  'root-main': { ports: { frontend: 3000, backend: 8000 }, paths: { frontend: '/api/health', backend: '/health', backendReady: null } },
  'own-dockerfiles': {
    ports: { frontend: 3001, backend: 8080 },
    paths: { frontend: '/api/health', backend: '/health', backendReady: null },
    userDockerfiles: true,
  },
  'rewrites-url': {
    ports: { frontend: 3000, backend: 8000 },
    paths: { frontend: '/api/health', backend: '/health', backendReady: '/ready' },
  },
  'public-api-url': {
    ports: { frontend: 3000, backend: 8000 },
    paths: { frontend: '/api/health', backend: '/healthz', backendReady: null },
  },
  'no-health': { ports: { frontend: 3000, backend: 8000 }, paths: { frontend: '/', backend: '/openapi.json', backendReady: null } },
  pnpm: { ports: { frontend: 3000, backend: 8000 }, paths: { frontend: '/api/health', backend: '/health', backendReady: null } },
};

for (const [shape, want] of Object.entries(SHAPES)) {
  test(`${shape}: deploy builds the planned images and hands the app's ports and probe paths to the chart`, async () => {
    const env = dirs(shape);
    const fake = await deployFixture({ provider: 'kind', built: false, env });
    try {
      const r = await fake.script('deploy', []);
      assert.is(r.code, 0, r.stdout + r.stderr);
      // The fixture's .env sets NAMESPACE=todo: the in-cluster URL baked into a frontend depends on it.
      const refs = plannedRefs({ ...env, NAMESPACE: 'todo' });
      const values = latestRevision(fake).values;
      // public-api-url's frontend is built with the browser's backend URL, known only with the cluster (its own test).
      if (shape !== 'public-api-url') assert.is(values.frontend.image.tag, refs.frontend.split(':')[1]);
      assert.is(values.backend.image.tag, refs.backend.split(':')[1]);
      assert.equal(
        [values.frontend.containerPort, values.backend.containerPort, values.backend.service.port],
        [want.ports.frontend, want.ports.backend, want.ports.backend],
      );
      assert.is(values.frontend.probes.livenessPath, want.paths.frontend);
      assert.is(values.backend.probes.livenessPath, want.paths.backend);
      assert.is(values.backend.probes.readinessPath, want.paths.backendReady);
      assert.equal(values.tests, { proxyPath: '' });
      const dockerfiles = builds(fake).map((c) => c.argv[c.argv.indexOf('--file') + 1]!);
      assert.is(dockerfiles.length, 2);
      for (const file of dockerfiles) assert.is(file.startsWith(path.join(FIXTURES, shape)), Boolean(want.userDockerfiles), file);
      assert.equal(fake.leftovers(), []);
      if (want.userDockerfiles) {
        assert.match(r.stdout, /image from your Dockerfile .*own-dockerfiles\/backend\/Dockerfile/);
        // --use-our-dockerfiles: ours build the same folders (new tags, a new release revision).
        fake.clearCalls();
        const ours = await fake.script('deploy', ['--use-our-dockerfiles']);
        assert.is(ours.code, 0, ours.stdout + ours.stderr);
        for (const c of builds(fake)) assert.match(c.argv[c.argv.indexOf('--file') + 1]!, /dockerfiles\/(frontend|backend)\.Dockerfile$/);
        assert.is(builds(fake).length, 2);
        assert.is.not(latestRevision(fake).values.backend.image.tag, values.backend.image.tag);
      }
    } finally {
      fake.cleanup();
    }
  });
}

test('public-api-url: the browser calls the backend directly, so the frontend is built with the backend URL a browser reaches, and the backend allows the frontend origin', async () => {
  const fake = await deployFixture({ provider: 'kind', built: false, env: dirs('public-api-url') });
  try {
    const r = await fake.script('deploy', []);
    assert.is(r.code, 0, r.stdout + r.stderr);
    const frontendBuild = builds(fake).find((c) => c.argv.some((a) => a.startsWith('NEXT_BUILD_ENV=')))!;
    const buildEnv = frontendBuild.argv.find((a) => a.startsWith('NEXT_BUILD_ENV='))!;
    const backendUrl = /^NEXT_BUILD_ENV=NEXT_PUBLIC_API_URL=(http:\/\/172\.18\.0\.\d+:30800)$/.exec(buildEnv)?.[1];
    assert.ok(backendUrl, buildEnv);
    assert.match(r.stdout, `frontend: build arg NEXT_PUBLIC_API_URL=${backendUrl}:`);
    const values = latestRevision(fake).values;
    assert.is(values.config.corsOrigins, backendUrl!.replace(':30800', ':30080'));
    // The frontend image deployed is the one built with that URL.
    assert.ok(
      frontendBuild.argv.some((a) => a.endsWith(`:${values.frontend.image.tag}`)),
      'the deployed frontend tag is the built one',
    );
    // status plans the frontend with the same browser URL, so the image it runs matches the sources.
    const status = await fake.script('status', ['--json']);
    const workloads = (JSON.parse(status.stdout) as { workloads: { component: string; images: { sources?: string }[] }[] }).workloads;
    assert.equal(
      workloads.filter((w) => w.component !== 'postgresql').map((w) => [w.component, w.images[0]?.sources]),
      [
        ['backend', 'current'],
        ['frontend', 'current'],
      ],
      status.stdout,
    );
  } finally {
    fake.cleanup();
  }
});

test('extra-secret: APP_SECRETS reaches the release values of both apps that read it, only through the private values file; a second run changes nothing', async () => {
  const secret = randomSecret();
  const env = {
    ...dirs('extra-secret'),
    APP_SECRETS: 'BETTER_AUTH_SECRET',
    BETTER_AUTH_SECRET: secret,
    APP_ENV: 'SUPPORT_EMAIL',
    SUPPORT_EMAIL: 'help@example.com',
  };
  const fake = await deployFixture({ provider: 'kind', built: false, env });
  try {
    const r = await fake.script('deploy', ['--verbose']);
    assert.is(r.code, 0, r.stdout + r.stderr);
    const values = latestRevision(fake).values;
    assert.equal(values.backend.extraSecretEnv, { BETTER_AUTH_SECRET: secret });
    assert.equal(values.frontend.extraSecretEnv, { BETTER_AUTH_SECRET: secret });
    assert.equal(values.backend.extraEnv, { SUPPORT_EMAIL: 'help@example.com' });
    for (const tool of ['helm', 'docker', 'kubectl', 'kind']) {
      for (const call of fake.calls(tool))
        assert.not.ok(
          call.argv.some((a) => a.includes(secret)),
          `${tool} ${call.argv.join(' ')} holds the secret`,
        );
    }
    assert.not.ok(r.stdout.includes(secret) || r.stderr.includes(secret), 'the secret was printed');
    assert.equal(fake.leftovers(), []);
    // --dry-run prints the rendered Secret: the value is masked there too, in its base64 form.
    const dry = await fake.script('deploy', ['--dry-run']);
    assert.is(dry.code, 0, dry.stdout + dry.stderr);
    assert.not.ok(
      dry.stdout.includes(Buffer.from(secret).toString('base64')) || dry.stdout.includes(secret),
      'the dry run printed the secret',
    );
    fake.clearCalls();
    const again = await fake.script('deploy', []);
    assert.is(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /Release: unchanged/);
  } finally {
    fake.cleanup();
  }
});

test('a listed secret without a value stops deploy with exit 2 before the cluster is touched', async () => {
  const fake = await deployFixture({ provider: 'kind', built: false, env: { ...dirs('extra-secret') } });
  try {
    const r = await fake.script('deploy', [], { env: { APP_SECRETS: 'BETTER_AUTH_SECRET' } });
    assert.is(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /APP_SECRETS .*lists BETTER_AUTH_SECRET but it has no value/);
    assert.equal(fake.calls('kubectl'), []);
    assert.equal(builds(fake), []);
  } finally {
    fake.cleanup();
  }
});

test.run();
