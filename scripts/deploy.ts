#!/usr/bin/env zx
// Deploy the Todo Chatbot to a local Kubernetes cluster: npx zx scripts/deploy.ts --help
import { REPO_ROOT, runScript, type ScriptSpec } from '../lib/cli.ts';
import { deploy } from '../lib/deploy.ts';

export const spec: ScriptSpec = {
  name: 'deploy',
  summary: 'build the images and deploy the Todo Chatbot to a local Kubernetes cluster',
  usage: 'npx zx scripts/deploy.ts [options]',
  flags: [
    { name: 'context', type: 'string', placeholder: 'name', configKey: 'KUBE_CONTEXT', description: 'kube context (default: the current context)' },
    { name: 'namespace', type: 'string', alias: 'n', placeholder: 'name', configKey: 'NAMESPACE', description: 'namespace of the release' },
    { name: 'release', type: 'string', placeholder: 'name', configKey: 'RELEASE_NAME', description: 'Helm release name' },
    { name: 'provider', type: 'string', placeholder: 'name', configKey: 'CLUSTER_PROVIDER', description: 'auto, minikube, kind, k3d, docker-desktop or generic' },
    { name: 'timeout', type: 'string', placeholder: 'duration', configKey: 'DEPLOY_TIMEOUT', description: 'how long to wait for the rollout (e.g. 5m)' },
    { name: 'registry', type: 'string', placeholder: 'host/path', configKey: 'REGISTRY', description: 'registry to push to for generic clusters' },
    { name: 'skip-build', type: 'boolean', description: 'use the images already built; do not build' },
  ],
  examples: [
    'npx zx scripts/deploy.ts',
    'npx zx scripts/deploy.ts --context kind-dev --namespace demo',
    'npm run deploy -- --json > deploy.jsonl',
  ],
};

await runScript(spec, async ({ args, log }) =>
  deploy(log, {
    configFlags: args.configFlags,
    envFile: args.flags['dotenv'] as string | undefined,
    root: REPO_ROOT,
    skipBuild: Boolean(args.flags['skip-build']),
  }) as Promise<0>,
);
