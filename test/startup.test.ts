// Scripts start fast: `--help` and usage errors must not load the job's modules, so each
// entry point imports lib/cli.ts (and small, dependency-free modules) at the top and loads
// the job inside main. Checked two ways: the static imports of each script, and a real
// `--help` run that reports every module it loaded.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from './support/tools.ts';

/** The scripts whose job is heavy (processes, clusters, images): their job loads inside main. */
const LAZY = ['deploy', 'teardown', 'status', 'open', 'build-images'];

test('the heavy scripts import only lib/cli.ts (and lib/config.ts) at the top', () => {
  for (const name of LAZY) {
    const text = readFileSync(path.join(REPO_ROOT, 'scripts', `${name}.ts`), 'utf8');
    const staticLib = [...text.matchAll(/^import [^;]*? from '\.\.\/lib\/([^']+)';$/gm)]
      .filter((m) => !m[0].startsWith('import type'))
      .map((m) => m[1]);
    assert.ok(
      staticLib.every((m) => m === 'cli.ts' || m === 'config.ts'),
      `${name}: ${staticLib.join(', ')}`,
    );
  }
});

test('deploy --help loads none of the job modules (deploy, helm, images, providers, kube)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'startup-'));
  try {
    // A loader hook that writes every module URL it resolves to a file.
    const hook = path.join(dir, 'hook.mjs');
    const log = path.join(dir, 'loaded.txt');
    writeFileSync(
      hook,
      `import { appendFileSync } from 'node:fs';\nexport async function resolve(spec, ctx, next) { const r = await next(spec, ctx); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`,
    );
    const register = path.join(dir, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(new URL(`file://${hook}`).href)});\n`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', register, 'scripts/deploy.ts', '--help'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, 'Usage:');
    const loaded = readFileSync(log, 'utf8')
      .split('\n')
      .filter((u) => u.includes('/lib/'))
      .map((u) => u.replace(/^.*\/lib\//, 'lib/'));
    assert.ok(loaded.includes('lib/cli.ts'));
    for (const heavy of [
      'lib/deploy.ts',
      'lib/helm.ts',
      'lib/images/pipeline.ts',
      'lib/providers/index.ts',
      'lib/kubectl.ts',
      'lib/exec.ts',
    ])
      assert.not.ok(loaded.includes(heavy), `${heavy} loaded for --help`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
