// Which cluster a run talks to, and how images reach it. The context is resolved
// once (flag > KUBE_CONTEXT > current-context) and named explicitly in every later
// call, so another terminal switching contexts mid-run changes nothing.
import os from 'node:os';
import path from 'node:path';
import type { Config, ProviderName } from '../config.ts';
import { ExitCode, ToolkitError } from '../errors.ts';
import { CommandError, createRunner, type Runner } from '../exec.ts';
import type { Logger } from '../log.ts';
import { readKubeconfigFiles } from '../kubeconfig-file.ts';
import { closest } from '../suggest.ts';
import { DockerDesktopProvider } from './docker-desktop.ts';
import { GenericProvider } from './generic.ts';
import { K3dProvider } from './k3d.ts';
import { KindProvider } from './kind.ts';
import { MinikubeProvider, minikubeProfiles } from './minikube.ts';
import type { ClusterProvider, ResolveProvider } from './types.ts';

export type ConcreteProvider = Exclude<ProviderName, 'auto'>;

export interface ClusterTarget {
  /** The kube context every kubectl/helm call names explicitly. */
  context: string;
  provider: ConcreteProvider;
  /** false for generic, unless its API server is on a loopback address: deploy refuses it without --allow-remote. */
  local: boolean;
  /** API server URL from the kubeconfig. */
  server: string;
  /** minikube only. */
  minikubeProfile?: string;
  /** minikube only: driver and container runtime from its profile. */
  minikube?: { driver: string; runtime: string; status: string };
  /** How the provider was recognised (for --verbose and errors). */
  detectedBy: string;
}

interface KubeconfigView {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string } }[];
  clusters?: {
    name: string;
    cluster: { server?: string; 'certificate-authority'?: string; extensions?: { name: string; extension?: { provider?: string } }[] };
  }[];
}

/** $MINIKUBE_HOME/.minikube (minikube's localpath.MiniPath). */
export function minikubeHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.MINIKUBE_HOME;
  if (home) return path.basename(home) === '.minikube' ? home : path.join(home, '.minikube');
  return path.join(env.HOME ?? os.homedir(), '.minikube');
}

/**
 * True when the kubeconfig's server URL names a loopback address (127.0.0.0/8, ::1,
 * localhost): the API server runs on this machine, so the cluster is a local one
 * even when no provider recognises it (a from-source cluster, k3s, kubeadm).
 */
export function isLoopbackServer(server: string): boolean {
  let host: string;
  try {
    host = new URL(server).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Name patterns of the providers that do not need a tool call to recognise. */
const BY_CONTEXT_NAME: { pattern: RegExp; provider: ConcreteProvider }[] = [
  { pattern: /^kind-/, provider: 'kind' },
  { pattern: /^k3d-/, provider: 'k3d' },
  { pattern: /^(docker-desktop|docker-for-desktop)$/, provider: 'docker-desktop' },
];

async function kubeconfig(run: Runner, runnerEnv: NodeJS.ProcessEnv | undefined): Promise<KubeconfigView> {
  // The files themselves when they parse: no process to start (kubectl config view is the fallback that names a problem).
  // Only with the runner's environment in hand: kubectl would read the KUBECONFIG the runner gives it.
  const fromFiles = runnerEnv && readKubeconfigFiles(runnerEnv);
  if (fromFiles) return fromFiles;
  try {
    return JSON.parse((await run('kubectl', ['config', 'view', '--output', 'json'], { timeoutMs: 20_000 })).stdout) as KubeconfigView;
  } catch (error) {
    if (error instanceof CommandError) {
      throw new ToolkitError(
        `cannot read the kubeconfig: ${error.stderrTail || error.message}`,
        ExitCode.prereq,
        'check KUBECONFIG and ~/.kube/config (`kubectl config view`)',
        'KUBECONFIG_INVALID',
      );
    }
    throw error;
  }
}

/**
 * Resolves the context (flag > KUBE_CONTEXT > current-context) and detects the provider. Side-effect free.
 * `runnerEnv`: the environment `run` gives the tools; with it the kubeconfig files are read directly.
 */
export async function resolveTarget(
  run: Runner,
  config: Pick<Config, 'kubeContext' | 'provider' | 'minikubeProfile'>,
  runnerEnv?: NodeJS.ProcessEnv,
): Promise<ClusterTarget> {
  const env = runnerEnv ?? process.env;
  const view = await kubeconfig(run, runnerEnv);
  const names = (view.contexts ?? []).map((c) => c.name);
  const context = config.kubeContext ?? view['current-context'];
  if (!context) {
    throw new ToolkitError(
      'no kube context: the kubeconfig has no current-context and none was given',
      ExitCode.usage,
      names.length
        ? `pass --context <name> (or KUBE_CONTEXT=); contexts here: ${names.join(', ')}`
        : 'start a cluster first (minikube start, kind create cluster, k3d cluster create)',
      'KUBE_CONTEXT_MISSING',
    );
  }
  const entry = (view.contexts ?? []).find((c) => c.name === context);
  if (!entry) {
    const near = closest(context, names);
    throw new ToolkitError(
      `kube context "${context}" is not in the kubeconfig`,
      ExitCode.usage,
      `${near ? `did you mean ${near}? ` : ''}contexts here: ${names.join(', ') || 'none'} (\`kubectl config get-contexts\`)`,
      'KUBE_CONTEXT_NOT_FOUND',
    );
  }
  const cluster = (view.clusters ?? []).find((c) => c.name === entry.context.cluster)?.cluster ?? {};
  const server = cluster.server ?? '';
  const base = { context, server };

  const detected = await detect(run, context, cluster, config, env);
  const provider = config.provider === 'auto' ? detected.provider : config.provider;
  const detectedBy = config.provider === 'auto' ? detected.by : `CLUSTER_PROVIDER=${config.provider}`;
  if (provider === 'minikube') {
    const profile = detected.profile ?? (detected.provider === 'minikube' ? context : config.minikubeProfile);
    const info = detected.info ?? (await minikubeProfiles(run)).find((p) => p.name === profile);
    return {
      ...base,
      provider,
      local: true,
      minikubeProfile: profile,
      minikube: info ? { driver: info.driver, runtime: info.runtime, status: info.status } : undefined,
      detectedBy,
    };
  }
  const loopback = provider === 'generic' && isLoopbackServer(server);
  return {
    ...base,
    provider,
    local: provider !== 'generic' || loopback,
    detectedBy: loopback ? `${detectedBy}; API server on loopback` : detectedBy,
  };
}

async function detect(
  run: Runner,
  context: string,
  cluster: NonNullable<KubeconfigView['clusters']>[number]['cluster'],
  config: Pick<Config, 'provider'>,
  env: NodeJS.ProcessEnv,
): Promise<{ provider: ConcreteProvider; by: string; profile?: string; info?: Awaited<ReturnType<typeof minikubeProfiles>>[number] }> {
  const byName = BY_CONTEXT_NAME.find((r) => r.pattern.test(context));
  if (byName) return { provider: byName.provider, by: `context name ${context}` };
  // minikube writes its provider extension and its CA under the minikube home (pkg/minikube/kubeconfig).
  const minikubeSigns: [boolean, string][] = [
    [
      Boolean(cluster.extensions?.some((e) => e.extension?.provider === 'minikube.sigs.k8s.io')),
      'the cluster extension provider minikube.sigs.k8s.io',
    ],
    [
      Boolean(cluster['certificate-authority']?.startsWith(minikubeHome(env) + path.sep)),
      'the cluster certificate under the minikube home',
    ],
  ];
  const sign = minikubeSigns.find(([yes]) => yes);
  if (sign) return { provider: 'minikube', by: sign[1], profile: context };
  // Last: the context is named after a minikube profile (asks minikube, if installed).
  if (config.provider === 'auto' || config.provider === 'minikube') {
    const profile = (await minikubeProfiles(run)).find((p) => p.name === context);
    if (profile) return { provider: 'minikube', by: `minikube profile ${profile.name}`, profile: profile.name, info: profile };
  }
  return { provider: 'generic', by: 'no local provider matched' };
}

/** The provider for a target (image loading, node address). */
export function providerFor(run: Runner, target: ClusterTarget, _log?: Logger, registry?: string): ClusterProvider {
  switch (target.provider) {
    case 'minikube':
      return new MinikubeProvider(run, target.minikubeProfile ?? 'minikube', target.minikube ?? { driver: 'docker', runtime: 'docker' });
    case 'kind':
      return new KindProvider(run, target.context);
    case 'k3d':
      return new K3dProvider(run, target.context);
    case 'docker-desktop':
      return new DockerDesktopProvider(run);
    case 'generic':
      // A local generic cluster's node is this machine: its NodePorts answer on loopback.
      return new GenericProvider(run, registry, target.local ? '127.0.0.1' : undefined);
  }
}

/** Refuses a non-local cluster unless the user said so: a local deploy must never reach a shared cluster by accident. */
export function assertLocal(target: ClusterTarget, allowRemote: boolean): void {
  if (target.local || allowRemote) return;
  throw new ToolkitError(
    `context ${target.context} (${target.server || 'unknown server'}) is not a local cluster (minikube, kind, k3d, docker-desktop, or an API server on a loopback address): refusing to deploy to it`,
    ExitCode.usage,
    `switch to a local context (--context minikube), or pass --allow-remote if you really mean this cluster (with --registry for the images)`,
    'REMOTE_CONTEXT_REFUSED',
  );
}

/** For scripts/build-images.ts --load (same detection as deploy). */
export const resolveProvider: ResolveProvider = async (opts) => {
  const run = createRunner();
  const target = await resolveTarget(run, {
    kubeContext: opts.kubeContext,
    provider: opts.provider,
    minikubeProfile: opts.minikubeProfile,
  });
  return providerFor(run, target);
};
