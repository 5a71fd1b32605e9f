// The last stage of deploy: where the app answers from this host (node address +
// NodePort), or the tunnel to open when the NodePorts are not reachable.
import type { Config } from './config.ts';
import { releaseSelector, type Kubectl } from './kubectl.ts';
import type { Logger, StepRecord } from './log.ts';
import type { ClusterTarget } from './providers/index.ts';
import type { ClusterProvider } from './providers/types.ts';

export interface AccessInput {
  config: Config;
  target: ClusterTarget;
  provider: ClusterProvider;
  /** The NodePorts the Services have (the cluster assigns them when the values leave them unset). */
  ports: { frontend?: number; backend?: number };
}

export async function reportAccess(
  log: Logger,
  step: StepRecord,
  { config, target, provider, ports: assigned }: AccessInput,
): Promise<void> {
  const ports = { frontend: assigned.frontend ?? config.frontendNodePort, backend: assigned.backend ?? config.backendNodePort };
  const address = await provider.nodeAddress().catch(() => undefined);
  const urls = address ? { frontend: `http://${address}:${ports.frontend}`, backend: `http://${address}:${ports.backend}` } : undefined;
  if (urls) log.result('ok', `frontend ${urls.frontend}  backend ${urls.backend}`, [], { urls, nodePorts: ports });
  else {
    const how =
      target.provider === 'minikube'
        ? `minikube -p ${target.minikubeProfile} service ${config.releaseName}-frontend -n ${config.namespace} --url`
        : `kubectl --context ${target.context} -n ${config.namespace} port-forward svc/${config.releaseName}-frontend 3000:3000`;
    // npm run open keeps the tunnel up (and reconnects it after a pod restart); the raw command is there for those who want it.
    log.result(
      'info',
      `the NodePorts (frontend ${ports.frontend}, backend ${ports.backend}) are not reachable from this host directly; open a tunnel with \`npm run open\` (or by hand: ${how})`,
      [],
      { tunnel: how, open: 'npm run open', nodePorts: ports },
    );
  }
  log.info(`next: npx zx scripts/validate.ts${config.kubeContext ? ` --context ${target.context}` : ''}`);
  step.summary = urls ? urls.frontend : 'tunnel needed';
}

/** The NodePort of each of the release's Services, from a list of them. */
export function nodePortsOf(services: readonly { metadata: { name: string }; spec?: { ports?: { nodePort?: number }[] } }[]): {
  frontend?: number;
  backend?: number;
} {
  const port = (suffix: string) =>
    services.find((s) => s.metadata.name.endsWith(suffix))?.spec?.ports?.find((p) => typeof p.nodePort === 'number')?.nodePort;
  return { frontend: port('-frontend'), backend: port('-backend') };
}

/** The NodePorts the release's Services have now (assigned by the cluster when the values leave them unset). */
export async function servicePorts(
  kubectl: Kubectl,
  release: string,
  signal?: AbortSignal,
): Promise<{ frontend?: number; backend?: number }> {
  return nodePortsOf((await kubectl.json(['services', '--selector', releaseSelector(release)], { signal })).items);
}
