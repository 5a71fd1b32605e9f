#!/usr/bin/env zx
// Regenerates manifests/ from the Helm chart, or checks it with --check: npx zx scripts/render.ts --help
import path from 'node:path';
import { REPO_ROOT, defineScript, runScript } from '../lib/cli.ts';
import { CHART_PATH, MANIFESTS_DIR, MANIFESTS_VALUES_PATH, renderCommand } from '../lib/render.ts';

export const spec = defineScript({
  name: 'render',
  summary: `render ${CHART_PATH} into the raw manifests in ${MANIFESTS_DIR}/ (one file per object), or check them`,
  usage: 'npx zx scripts/render.ts [options]',
  flags: [
    {
      name: 'check',
      type: 'boolean',
      description: `compare ${MANIFESTS_DIR}/ with a fresh render, write nothing, exit 1 on any difference (for CI)`,
    },
    {
      name: 'out',
      type: 'string',
      placeholder: 'dir',
      description: `folder to write or check (default: ${MANIFESTS_DIR}/ of the repository)`,
    },
    { name: 'helm', type: 'string', placeholder: 'path', description: 'helm binary (default: $HELM_BIN, else helm on PATH)' },
  ],
  examples: ['npm run render:manifests', 'npm run render:check', 'npx zx scripts/render.ts --out /tmp/manifests --helm ~/bin/helm4'],
  notes: [`Values: ${MANIFESTS_VALUES_PATH}. Secrets are never rendered; ${MANIFESTS_DIR}/README.md says where they go.`],
});

await runScript(spec, async ({ args, log }) => {
  const out = args.flags.out;
  return renderCommand({
    check: args.flags.check,
    outDir: out ? path.resolve(out) : path.join(REPO_ROOT, MANIFESTS_DIR),
    helmBin: args.flags.helm ?? (process.env.HELM_BIN || 'helm'),
    log,
  });
});
