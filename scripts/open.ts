#!/usr/bin/env zx
// Reach the app from this host (NodePort, else a kept-up port-forward): npx zx scripts/open.ts --help
import { RELEASE_FLAGS, REPO_ROOT, defineScript, runScript } from '../lib/cli.ts';

export const spec = defineScript({
  name: 'open',
  summary:
    'make the frontend and backend reachable from this host (NodePort when it answers, else kubectl port-forward, reconnected across pod restarts) and print the URLs; runs until Ctrl-C',
  json: 'print one JSON event per line: {"type":"open",urls,via}, then "reconnected" events and warnings',
  usage: 'npx zx scripts/open.ts [options]',
  flags: [
    ...RELEASE_FLAGS,
    { name: 'browser', type: 'boolean', alias: 'b', description: 'also open the frontend in the browser (xdg-open / open)' },
  ],
  examples: ['npm run open', 'npx zx scripts/open.ts --browser', 'npx zx scripts/open.ts --json | head -1'],
  notes: [
    'Runs until Ctrl-C (exit 130) and then stops every port-forward it started. Exit 3 when the cluster does not answer, 1 when the release has no frontend/backend Service.',
  ],
});

await runScript(spec, async ({ args, log, signal, onCleanup }) => {
  // Loaded here, not at the top: --help and usage errors need only lib/cli.ts.
  const { openCommand } = await import('../lib/open.ts');
  return openCommand(log, {
    configFlags: args.configFlags,
    envFile: args.flags['dotenv'],
    root: REPO_ROOT,
    browser: args.flags['browser'],
    signal,
    onCleanup,
  });
});
