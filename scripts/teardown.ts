#!/usr/bin/env zx
// Remove the Todo Chatbot from the cluster: npx zx scripts/teardown.ts --help
import { RELEASE_FLAGS, REPO_ROOT, defineScript, runScript } from '../lib/cli.ts';

export const spec = defineScript({
  name: 'teardown',
  summary: 'uninstall the Todo Chatbot release; optionally delete its data and stop minikube',
  usage: 'npx zx scripts/teardown.ts [options]',
  flags: [
    ...RELEASE_FLAGS,
    { name: 'purge', type: 'boolean', description: 'also delete the namespace and the database volume (asks first)' },
    { name: 'yes', type: 'boolean', alias: 'y', description: 'do not ask before --purge (required without a terminal)' },
    { name: 'stop-minikube', type: 'boolean', description: 'then stop the minikube profile' },
    {
      name: 'allow-remote',
      type: 'boolean',
      description: 'allow a context that is not a local cluster (minikube, kind, k3d, docker-desktop, loopback API server)',
    },
  ],
  examples: ['npx zx scripts/teardown.ts', 'npx zx scripts/teardown.ts --purge --yes --stop-minikube'],
});

await runScript(spec, async ({ args, log }) => {
  // Loaded here, not at the top: --help and usage errors need only lib/cli.ts.
  const { teardown } = await import('../lib/teardown.ts');
  return teardown(log, {
    configFlags: args.configFlags,
    envFile: args.flags['dotenv'],
    root: REPO_ROOT,
    purge: args.flags['purge'],
    yes: args.flags['yes'],
    stopMinikube: args.flags['stop-minikube'],
    allowRemote: args.flags['allow-remote'],
  }) as Promise<0>;
});
