#!/usr/bin/env zx
// Is the deployment healthy and does the app work? npx zx scripts/validate.ts --help
import { RELEASE_FLAGS, REPO_ROOT, defineScript, runScript } from '../lib/cli.ts';
import { checkCount, validateCommand } from '../lib/validate/index.ts';

export const spec = defineScript({
  name: 'validate',
  summary: `check the cluster, the Helm release, workloads, config, network and the app itself (${checkCount()})`,
  json: 'print one JSON document (the report) on stdout at the end instead of the table; progress goes to stderr',
  usage: 'npx zx scripts/validate.ts [options]',
  flags: [
    ...RELEASE_FLAGS,
    {
      name: 'url',
      type: 'string',
      placeholder: 'frontend=<url>,backend=<url>',
      description: 'run only the app checks against these base URLs (containers, local processes, a remote cluster)',
    },
    {
      name: 'only',
      type: 'string',
      placeholder: 'group',
      repeatable: true,
      description: 'run only these groups: cluster, release, workloads, config, network, app (repeatable or comma-separated)',
    },
    {
      name: 'skip',
      type: 'string',
      placeholder: 'group',
      repeatable: true,
      description: 'leave these groups out (repeatable or comma-separated)',
    },
    {
      name: 'json-lines',
      type: 'boolean',
      description: 'print one JSON event per line on stdout instead of the table: start, one per check as it finishes, summary',
    },
    {
      name: 'junit',
      type: 'string',
      placeholder: 'file',
      description: 'also write a JUnit XML report (one testsuite per group, one testcase per check)',
    },
    { name: 'disruptive', type: 'boolean', description: 'also check that a task survives a backend pod restart (deletes a backend pod)' },
    { name: 'timeout', type: 'string', placeholder: 'duration', description: 'total time budget for all checks (default 2m)' },
    {
      name: 'restart-window',
      type: 'string',
      placeholder: 'duration',
      description: 'a container restart this recent fails workloads.restarts (default 10m)',
    },
  ],
  examples: [
    'npx zx scripts/validate.ts',
    'npm run validate -- --junit report.xml',
    'npx zx scripts/validate.ts --only app --disruptive',
    'npx zx scripts/validate.ts --url frontend=http://127.0.0.1:3000,backend=http://127.0.0.1:8000',
    'npx zx scripts/validate.ts --skip app --json > validate.json',
    'npx zx scripts/validate.ts --json-lines | jq -c \'select(.type == "check") | [.id, .status]\'',
  ],
  notes: [
    'Exit 0 when every check passed (warnings allowed), 1 when one failed, 3 when the cluster does not answer.',
    "Each check's row prints as it finishes: on a terminal under a `done/total running: …` counter line, in CI and pipes one line per check.",
    'With --json, stdout holds one JSON document at the end; with --json-lines, one event per check (progress goes to stderr). Failure codes: docs/troubleshooting.md.',
  ],
});

await runScript(spec, async ({ args, log, signal }) => {
  const f = args.flags;
  return validateCommand(log, {
    configFlags: args.configFlags,
    envFile: f['dotenv'],
    root: REPO_ROOT,
    url: f['url'],
    only: f['only'],
    skip: f['skip'],
    junit: f['junit'],
    json: f['json'],
    jsonLines: f['json-lines'],
    disruptive: f['disruptive'],
    timeout: f['timeout'],
    restartWindow: f['restart-window'],
    signal,
  });
});
