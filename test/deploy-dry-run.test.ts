// deploy --dry-run with the real Helm 3 and Helm 4: renders with the generated
// values file, changes nothing, and every object validates like the chart tests.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { splitHelmOutput } from '../lib/render.ts';
import { createRunner } from '../lib/exec.ts';
import { ensureKubectlValidate, validateObjects } from './support/kubectl-validate.ts';
import { ensureTools, REPO_ROOT } from './support/tools.ts';
import { plannedRefs } from './support/deploy-fixture.ts';

const tools = await ensureTools();
const validator = await ensureKubectlValidate();
const run = createRunner();

for (const [name, bin] of [
  ['helm3', tools.HELM3_BIN!],
  ['helm4', tools.HELM4_BIN!],
] as const) {
  test(`${name}: deploy --dry-run renders the chart with the deploy's values; the objects validate; no values file left`, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dry-run-'));
    try {
      const binDir = path.join(dir, 'bin');
      await run('mkdir', ['-p', binDir]);
      symlinkSync(bin, path.join(binDir, 'helm'));
      const envFile = path.join(dir, '.env');
      writeFileSync(envFile, 'NAMESPACE=demo\nFRONTEND_NODEPORT=31080\n');
      // A render without the cluster cannot read the PostgreSQL Secret: the chart wants the password given.
      const password = path.join(dir, 'password.yaml');
      writeFileSync(password, 'postgresql:\n  auth:\n    password: dry-run-pw-123\n');
      const r = await run(
        process.execPath,
        ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/deploy.ts'), '--dry-run', '--dotenv', envFile, '--values', password],
        {
          cwd: REPO_ROOT,
          nothrow: true,
          timeoutMs: 120_000,
          env: { PATH: `${binDir}${path.delimiter}${process.env.PATH}`, TMPDIR: dir, KUBECONFIG: path.join(dir, 'none'), CI: 'true' },
        },
      );
      assert.is(r.exitCode, 0, r.stdout + r.stderr);
      // stdout is the manifests and nothing else (`deploy --dry-run > rendered.yaml`); progress is on stderr.
      assert.ok(r.stdout.startsWith('---\n# Source:'), r.stdout.slice(0, 300));
      assert.match(r.stderr, /✓ \[4\/6\] Release: rendered with helm/);
      const docs = splitHelmOutput(r.stdout);
      const refs = plannedRefs();
      const deployments = docs.filter((d) => d.object.kind === 'Deployment').map((d) => d.object as any);
      const images = deployments.map((d) => d.spec.template.spec.containers[0].image).sort();
      assert.equal(images, [refs.backend, refs.frontend]);
      assert.ok(docs.every((d) => d.object.metadata?.namespace === undefined || d.object.metadata.namespace === 'demo'));
      assert.ok(docs.some((d) => d.object.kind === 'Service' && JSON.stringify(d.object).includes('31080')));
      assert.equal(
        await validateObjects(
          docs.map((d) => d.object),
          { bin: validator.bin },
        ),
        [],
      );
      assert.equal(
        (await run('ls', [dir])).stdout.split('\n').filter((n) => n.startsWith('todo-chatbot-values-')),
        [],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
