#!/usr/bin/env zx
// Regenerates .env.example from the configuration table in lib/config.ts.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, defineScript, runScript } from '../lib/cli.ts';
import { renderEnvExample } from '../lib/config.ts';

export const spec = defineScript({
  name: 'env-example',
  summary: 'regenerate .env.example from lib/config.ts',
  usage: 'npx zx scripts/env-example.ts',
  flags: [],
  examples: ['npm run env-example'],
});

await runScript(spec, async ({ log }) => {
  writeFileSync(path.join(REPO_ROOT, '.env.example'), renderEnvExample());
  log.ok('wrote .env.example');
});
