#!/usr/bin/env zx
// How is the deployment doing? One screen, changing nothing: npx zx scripts/status.ts --help
import { RELEASE_FLAGS, REPO_ROOT, defineScript, runScript } from '../lib/cli.ts';

export const spec = defineScript({
  name: 'status',
  summary:
    'one screen on the deployment: release, images (and whether the sources changed), workloads, pods, Services, recent warnings; changes nothing',
  json: 'print one JSON document (the report) on stdout instead of the screen; with --watch one document per line',
  usage: 'npx zx scripts/status.ts [options]',
  flags: [
    ...RELEASE_FLAGS,
    { name: 'watch', type: 'boolean', alias: 'w', description: 'redraw every --interval until Ctrl-C' },
    { name: 'interval', type: 'string', placeholder: 'duration', description: 'how often --watch redraws (default 2s)' },
  ],
  examples: ['npx zx scripts/status.ts', 'npm run status -- --watch', 'npx zx scripts/status.ts --json | jq .workloads'],
  notes: ['Exit 0 when healthy, 1 when degraded (release not deployed, a workload not ready), 3 when the cluster does not answer.'],
});

await runScript(spec, async ({ args, log, signal }) => {
  // Loaded here, not at the top: --help and usage errors need only lib/cli.ts.
  const { statusCommand } = await import('../lib/status-view.ts');
  const f = args.flags;
  return statusCommand(log, {
    configFlags: args.configFlags,
    envFile: f['dotenv'],
    root: REPO_ROOT,
    json: f['json'],
    watch: f['watch'],
    interval: f['interval'],
    signal,
  });
});
