#!/usr/bin/env zx
// The inner loop: deploy, then rebuild and redeploy what changes until Ctrl-C: npx zx scripts/dev.ts --help
import { DEPLOY_TARGET_FLAGS, REPO_ROOT, defineScript, runScript } from '../lib/cli.ts';

export const spec = defineScript({
  name: 'dev',
  summary: 'deploy, then watch the sources, the Dockerfiles and the chart and redeploy what changes (like skaffold dev) until Ctrl-C',
  usage: 'npm run dev -- [options]',
  flags: [
    ...DEPLOY_TARGET_FLAGS,
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
});

await runScript(spec, async ({ args, log, signal, onCleanup }) => {
  // Loaded here, not at the top: --help and usage errors need only lib/cli.ts.
  const { devSession } = await import('../lib/dev/session.ts');
  return devSession(log, {
    configFlags: args.configFlags,
    envFile: args.flags.dotenv,
    root: REPO_ROOT,
    valuesFiles: args.flags.values ?? [],
    allowRemote: args.flags['allow-remote'],
    cleanup: args.flags.cleanup,
    noLogs: args.flags['no-logs'],
    signal,
    onCleanup,
  });
});
