// deploy --dry-run of an own app with the real Helm 3: the chart renders the analysis's ports and
// probe paths, APP_SECRETS become keys of the release's Secret referenced by both apps, and the value
// is never printed (raw or base64).
//   node --import tsx test/own-app-dry-run.test.ts
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRunner } from '../lib/exec.ts';
import { splitHelmOutput } from '../lib/render.ts';
import { FIXTURES, randomSecret } from './support/own-app.ts';
import { ensureTools, REPO_ROOT } from './support/tools.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const tools = await ensureTools();
const run = createRunner();

test('extra-secret --dry-run: ports, probe paths and the secret key rendered; the value printed nowhere', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'own-app-dry-run-'));
  try {
    const binDir = path.join(dir, 'bin');
    mkdirSync(binDir);
    symlinkSync(tools.HELM3_BIN!, path.join(binDir, 'helm'));
    const secret = randomSecret();
    const envFile = path.join(dir, '.env');
    writeFileSync(
      envFile,
      [
        `FRONTEND_DIR=${path.join(FIXTURES, 'extra-secret/frontend')}`,
        `BACKEND_DIR=${path.join(FIXTURES, 'extra-secret/backend')}`,
        'BACKEND_PORT=8081',
        'APP_SECRETS=BETTER_AUTH_SECRET',
        `BETTER_AUTH_SECRET=${secret}`,
        'DATABASE_MODE=sqlite',
        '',
      ].join('\n'),
    );
    const r = await run(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/deploy.ts'), '--dry-run', '--dotenv', envFile],
      {
        cwd: REPO_ROOT,
        nothrow: true,
        timeoutMs: 120_000,
        env: { PATH: `${binDir}${path.delimiter}${process.env.PATH}`, TMPDIR: dir, KUBECONFIG: path.join(dir, 'none'), CI: 'true' },
      },
    );
    assert.is(r.exitCode, 0, r.stdout + r.stderr);
    const base64 = Buffer.from(secret).toString('base64');
    for (const out of [r.stdout, r.stderr]) assert.not.ok(out.includes(secret) || out.includes(base64), 'the secret value was printed');
    const objects = splitHelmOutput(r.stdout).map((d) => d.object as Any);
    const deployment = (c: string) =>
      objects.find((o) => o.kind === 'Deployment' && o.metadata.labels['app.kubernetes.io/component'] === c).spec.template.spec
        .containers[0];
    const backend = deployment('backend');
    assert.equal(backend.ports[0].containerPort, 8081);
    assert.equal(backend.readinessProbe.httpGet.path, '/health', 'no readiness route: the liveness path');
    const secretObject = objects.find((o) => o.kind === 'Secret' && o.data && 'BETTER_AUTH_SECRET' in o.data);
    assert.ok(secretObject, 'the release Secret has the key (its value masked in the printout)');
    for (const c of ['backend', 'frontend']) {
      assert.equal(deployment(c).env.find((e: Any) => e.name === 'BETTER_AUTH_SECRET').valueFrom.secretKeyRef, {
        name: secretObject.metadata.name,
        key: 'BETTER_AUTH_SECRET',
      });
    }
    const service = objects.find((o) => o.kind === 'Service' && o.metadata.labels['app.kubernetes.io/component'] === 'backend');
    assert.is(service.spec.ports[0].port, 8081, 'the Service on the backend port (the URL a frontend may have baked in)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
