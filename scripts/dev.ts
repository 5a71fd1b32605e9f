#!/usr/bin/env zx
// The inner loop: deploy, then rebuild and redeploy what changes until Ctrl-C: npx zx scripts/dev.ts --help
import { RELEASE_FLAGS, REPO_ROOT, runScript, type ScriptSpec } from '../lib/cli.ts';
import { devSession } from '../lib/dev/session.ts';
import { UsageError } from '../lib/errors.ts';

export const spec: ScriptSpec = {
  name: 'dev',
  summary: 'deploy, then watch the sources, the Dockerfiles and the chart and redeploy what changes (like skaffold dev) until Ctrl-C',
  usage: 'npm run dev -- [options]',
  flags: [
    ...RELEASE_FLAGS,
    {
      name: 'provider',
      type: 'string',
      placeholder: 'name',
      configKey: 'CLUSTER_PROVIDER',
      description: 'auto, minikube, kind, k3d, docker-desktop or generic',
    },
    {
      name: 'values',
      type: 'string',
      placeholder: 'file',
      repeatable: true,
      description: 'extra Helm values file, applied after the generated one (repeatable)',
    },
    {
      name: 'timeout',
      type: 'string',
      placeholder: 'duration',
      configKey: 'DEPLOY_TIMEOUT',
      description: 'how long to wait for each rollout (e.g. 5m)',
    },
    { name: 'cleanup', type: 'boolean', description: 'uninstall the release when the session ends (default: it stays deployed)' },
    { name: 'no-logs', type: 'boolean', description: "do not stream the release's logs" },
    {
      name: 'allow-remote',
      type: 'boolean',
      description: 'allow a context that is not a local cluster (minikube, kind, k3d, docker-desktop)',
    },
  ],
  examples: ['npm run dev', 'npm run dev -- --cleanup', 'npm run dev -- --context kind-dev --no-logs'],
  notes: [
    'Each change prints one line: #7 backend changed → built 3.1s · loaded 1.2s · rolled 4.0s · smoke ok.',
    'A failed build, upgrade or rollout never ends the session: it says why (a failed rollout is rolled back to the last good revision) and waits for the next change.',
    'Watched: FRONTEND_DIR and BACKEND_DIR (minus what their .dockerignore leaves out of the image), dockerfiles/ and helm-chart/. Ctrl-C exits 130.',
  ],
};

await runScript(spec, async ({ args, log, signal, onCleanup }) => {
  if (args.positionals.length) throw new UsageError(`unexpected argument ${args.positionals[0]}`, 'run `dev --help` for the options');
  return devSession(log, {
    configFlags: args.configFlags,
    envFile: args.flags['dotenv'] as string | undefined,
    root: REPO_ROOT,
    valuesFiles: (args.flags['values'] as string[] | undefined) ?? [],
    allowRemote: Boolean(args.flags['allow-remote']),
    cleanup: Boolean(args.flags['cleanup']),
    noLogs: Boolean(args.flags['no-logs']),
    signal,
    onCleanup,
  });
});
