#!/usr/bin/env zx
// Every pod's log at once, following restarts and rollouts: npx zx scripts/logs.ts --help
import pc from 'picocolors';
import { RELEASE_FLAGS, REPO_ROOT, defineScript, runScript } from '../lib/cli.ts';
import { loadConfig } from '../lib/config.ts';
import { createRunner } from '../lib/exec.ts';
import { COMPONENTS, parseLogsFlags, streamLogs } from '../lib/logs.ts';

export const spec = defineScript({
  name: 'logs',
  summary: 'stream the logs of every pod of the release with a coloured prefix per pod, following restarts and rollouts, until Ctrl-C',
  json: 'print one JSON object per line on stdout: {"type":"log",pod,container,component,line,fields?}, and "started"/"ended" per stream',
  usage: 'npx zx scripts/logs.ts [options]',
  flags: [
    ...RELEASE_FLAGS,
    {
      name: 'component',
      type: 'string',
      alias: 'c',
      placeholder: 'names',
      repeatable: true,
      description: `only these components: ${COMPONENTS.join(', ')} (comma-separated or repeated)`,
    },
    {
      name: 'since',
      type: 'string',
      placeholder: 'duration',
      description: 'only lines newer than this, e.g. 10m (for the containers running when it starts)',
    },
    {
      name: 'previous',
      type: 'boolean',
      alias: 'p',
      description: 'print the last log of every restarted container (the run before the restart) and exit',
    },
    { name: 'grep', type: 'string', placeholder: 'regex', description: 'only lines that match this regular expression' },
  ],
  examples: [
    'npm run logs',
    'npx zx scripts/logs.ts --component backend --since 10m',
    'npx zx scripts/logs.ts --previous --component backend',
    'npx zx scripts/logs.ts --grep "error|warn" --json',
  ],
  notes: ['Runs until Ctrl-C (exit 130), stopping every kubectl it started. Exit 3 when the cluster does not answer at the start.'],
});

await runScript(spec, async ({ args, log, signal, onCleanup }) => {
  const f = args.flags;
  const settings = parseLogsFlags({ component: f['component'], since: f['since'], previous: f['previous'], grep: f['grep'] });
  const { config, warnings } = loadConfig({ flags: args.configFlags, envFile: f['dotenv'], root: REPO_ROOT });
  for (const w of warnings) log.warn(w);
  return streamLogs({
    ...settings,
    config,
    run: createRunner({ log }),
    log,
    json: f['json'],
    color: log.mode === 'pretty' && pc.isColorSupported,
    signal,
    onCleanup: (fn) => onCleanup(fn),
  });
});
