#!/usr/bin/env zx
// Deploy the Todo Chatbot to a local Kubernetes cluster: npx zx scripts/deploy.ts --help
import { DEPLOY_TARGET_FLAGS, REPO_ROOT, defineScript, runScript } from '../lib/cli.ts';

export const spec = defineScript({
  name: 'deploy',
  summary: 'build the images and deploy the Todo Chatbot to a local Kubernetes cluster',
  usage: 'npx zx scripts/deploy.ts [options]',
  flags: [
    ...DEPLOY_TARGET_FLAGS,
    {
      name: 'registry',
      type: 'string',
      placeholder: 'host/path',
      configKey: 'REGISTRY',
      description: 'registry to push to for generic clusters',
    },
    { name: 'skip-build', type: 'boolean', description: 'use the images already built; do not build' },
    {
      name: 'use-our-dockerfiles',
      type: 'boolean',
      description: 'build with our Dockerfiles even when an app folder has its own Dockerfile',
    },
    { name: 'no-wait', type: 'boolean', description: 'do not watch the rollout after the Helm release' },
    { name: 'dry-run', type: 'boolean', description: 'render what would be applied (helm template, same values) and change nothing' },
    {
      name: 'dump-dir',
      type: 'string',
      placeholder: 'dir',
      description: 'on a rollout failure, write describe, events and logs of the release there (CI artifacts)',
    },
    {
      name: 'allow-remote',
      type: 'boolean',
      description: 'allow a context that is not a local cluster (minikube, kind, k3d, docker-desktop)',
    },
  ],
  examples: [
    'npx zx scripts/deploy.ts',
    'npx zx scripts/deploy.ts --context kind-dev --namespace demo',
    'npx zx scripts/deploy.ts --dry-run > rendered.yaml',
    'npm run deploy -- --json > deploy.jsonl',
  ],
  notes: [
    'Secrets (OPENAI_API_KEY, DATABASE_URL) reach Helm only through a 0600 values file in a private temporary folder, removed afterwards.',
    'A second run with nothing changed builds, loads and upgrades nothing. Failure codes: docs/troubleshooting.md.',
    'Your own app: FRONTEND_DIR / BACKEND_DIR; the folders are analysed first (ports, probe paths, ASGI entry, Dockerfiles,',
    'build-time URLs); APP_SECRETS / APP_ENV name the variables whose .env values reach the pods (Secret / ConfigMap).',
  ],
});

await runScript(spec, async ({ args, log, signal, onCleanup }) => {
  // Loaded here, not at the top: --help and usage errors need only lib/cli.ts.
  const { deploy } = await import('../lib/deploy.ts');
  return deploy(log, {
    configFlags: args.configFlags,
    envFile: args.flags['dotenv'],
    root: REPO_ROOT,
    skipBuild: args.flags['skip-build'],
    useOurDockerfiles: args.flags['use-our-dockerfiles'],
    noWait: args.flags['no-wait'],
    dryRun: args.flags['dry-run'],
    allowRemote: args.flags['allow-remote'],
    valuesFiles: args.flags['values'] ?? [],
    dumpDir: args.flags['dump-dir'],
    signal,
    onCleanup,
  }) as Promise<0>;
});
