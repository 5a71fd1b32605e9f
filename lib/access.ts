// How the host reaches the app: a node address with the Services' NodePorts when
// one GET shows our app answers there (its health JSON, not just any HTTP), otherwise `kubectl port-forward` per Service,
// started here, used, and always stopped by close().
import { ExitCode, ToolkitError, type ErrorCode } from './errors.ts';
import { startBackground, type Background } from './exec.ts';
import { releaseSelector, type Kubectl, type KubeList, type KubeObject } from './kubectl.ts';
import type { Logger } from './log.ts';

/** Where the host reaches the app's two servers. */
export interface BaseUrls {
  frontend: string;
  backend: string;
}

/** How the host reaches the app: found here (NodePort or port-forward), or the URLs given with --url. */
export interface AppAccess {
  urls: BaseUrls;
  via: 'nodeport' | 'port-forward' | 'given';
  /** A port-forward ends when its pod does (e.g. after a restart): start it again. NodePorts need nothing. */
  reconnect(): Promise<BaseUrls>;
  close(): Promise<void>;
}

/** URLs the caller already has (validate --url, build-images --test's containers): nothing to open or close. */
export function givenAccess(urls: BaseUrls): AppAccess {
  return { urls, via: 'given', reconnect: async () => urls, close: async () => undefined };
}

export interface OpenAccessOptions {
  kube: Kubectl;
  release: string;
  /** Where the host reaches NodePorts (ClusterProvider.nodeAddress); undefined: port-forward. */
  nodeAddress(): Promise<string | undefined>;
  /** For the kubectl port-forward child (tests put fake tools first on PATH). */
  env?: Record<string, string | undefined>;
  log?: Logger;
  signal?: AbortSignal;
  /** One GET per URL to see whether the NodePort answers; default 3 s. */
  probeTimeoutMs?: number;
  /** How long a port-forward may take to print its local port; default 20 s. */
  forwardTimeoutMs?: number;
  /** reconnect() asks for the same local ports again, so URLs already handed out (a browser tab) keep working. */
  keepPorts?: boolean;
}

type Json = Record<string, unknown>;
const isObject = (body: unknown): body is Json => typeof body === 'object' && body !== null && !Array.isArray(body);

/**
 * Which Service serves which base URL, the path that proves it answers, and how its
 * answer shows it is *our* app: the JSON its health route returns (backend
 * app/routes/health.py: {status, version}; frontend app/api/health: {status}).
 */
const ENDPOINTS = [
  { name: 'frontend', probe: '/api/health', isOurs: (body: unknown) => isObject(body) && typeof body.status === 'string' },
  {
    name: 'backend',
    probe: '/health',
    isOurs: (body: unknown) => isObject(body) && typeof body.status === 'string' && typeof body.version === 'string',
  },
] as const;

function accessError(message: string, hint: string, code: ErrorCode): ToolkitError {
  return new ToolkitError(message, ExitCode.failed, hint, code);
}

/** kubectl prints "Forwarding from 127.0.0.1:43127 -> 3000" once the listener is up (pkg/cmd/portforward). */
const FORWARDING = /Forwarding from 127\.0\.0\.1:(\d+) ->/;

/**
 * Does our app answer at this URL? Any HTTP answer is not enough: on some networks an
 * address that cannot be reached still answers (an egress proxy's 404, a captive
 * portal's page). Only a 200 with the health JSON of our app counts; anything else
 * is "not reachable" and validate falls back to port-forward.
 */
export async function answers(
  url: string,
  isOurs: (body: unknown) => boolean,
  timeoutMs: number,
  signal?: AbortSignal,
  log?: Logger,
): Promise<boolean> {
  try {
    const timeout = AbortSignal.timeout(timeoutMs);
    const res = await fetch(url, { signal: signal ? AbortSignal.any([timeout, signal]) : timeout, redirect: 'manual' });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (res.status === 200 && isOurs(body)) return true;
    log?.debug(`${url} answered HTTP ${res.status}${body === undefined ? ' (not JSON)' : ''}, not as the Todo Chatbot does: not our app`);
    return false;
  } catch {
    return false;
  }
}

export async function openAccess(opts: OpenAccessOptions): Promise<AppAccess> {
  const { kube, log } = opts;
  const services = (await kube.json<KubeList>(['services', '--selector', releaseSelector(opts.release)], { signal: opts.signal })).items;
  const pick = (name: string): { svc: KubeObject; port: { port: number; nodePort?: number } } => {
    const svc = services.find((s) => s.metadata.labels?.['app.kubernetes.io/component'] === name);
    const port = svc?.spec?.ports?.find((p: { name?: string }) => p.name === 'http') ?? svc?.spec?.ports?.[0];
    if (!svc || !port) {
      throw accessError(
        `release ${opts.release} has no ${name} Service in namespace ${kube.target.namespace}`,
        'deploy first (npx zx scripts/deploy.ts), or check --release and --namespace',
        'ACCESS_NO_SERVICE',
      );
    }
    return { svc, port };
  };
  const targets = ENDPOINTS.map((e) => ({ ...e, ...pick(e.name) }));

  const address = await opts.nodeAddress().catch((error: unknown) => {
    log?.debug(`no node address: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  });
  if (address && targets.every((t) => t.port.nodePort)) {
    const host = address.includes(':') ? `[${address}]` : address;
    const urls = Object.fromEntries(targets.map((t) => [t.name, `http://${host}:${t.port.nodePort}`])) as unknown as BaseUrls;
    const ok = await Promise.all(
      targets.map((t) => answers(`${urls[t.name]}${t.probe}`, t.isOurs, opts.probeTimeoutMs ?? 3000, opts.signal, log)),
    );
    if (ok.every(Boolean)) {
      return { urls, via: 'nodeport', reconnect: async () => urls, close: async () => undefined };
    }
    log?.debug(`NodePorts on ${address} do not answer as our app; using kubectl port-forward`);
  }

  let forwards: Background[] = [];
  const stop = async () => {
    const running = forwards;
    forwards = [];
    await Promise.all(running.map((f) => f.stop()));
  };
  const localPorts: Partial<Record<keyof BaseUrls, number>> = {};
  const start = async (): Promise<BaseUrls> => {
    const urls: Partial<BaseUrls> = {};
    try {
      for (const t of targets) {
        const previous = opts.keepPorts ? localPorts[t.name] : undefined;
        // The port given out before; taken by something else meanwhile: any free one.
        const { forward, port } = await portForward(opts, t.svc.metadata.name, t.port.port, previous).catch((error: unknown) =>
          previous ? portForward(opts, t.svc.metadata.name, t.port.port) : Promise.reject(error),
        );
        forwards.push(forward);
        localPorts[t.name] = port;
        urls[t.name] = `http://127.0.0.1:${port}`;
      }
    } catch (error) {
      await stop();
      throw error;
    }
    return urls as BaseUrls;
  };
  const urls = await start();
  const access: AppAccess = {
    urls,
    via: 'port-forward',
    async reconnect() {
      await stop();
      access.urls = await start();
      return access.urls;
    },
    close: stop,
  };
  return access;
}

async function portForward(
  opts: OpenAccessOptions,
  service: string,
  port: number,
  local?: number,
): Promise<{ forward: Background; port: number }> {
  const { context, namespace } = opts.kube.target;
  const forward = startBackground(
    'kubectl',
    [
      '--context',
      context,
      '--namespace',
      namespace,
      'port-forward',
      `service/${service}`,
      `${local ?? ''}:${port}`,
      '--address',
      '127.0.0.1',
    ],
    { env: opts.env, log: opts.log, timeoutMs: 0 },
  );
  const deadline = Date.now() + (opts.forwardTimeoutMs ?? 20_000);
  for (;;) {
    const local = FORWARDING.exec(forward.stdout())?.[1];
    if (local) return { forward, port: Number(local) };
    const ended = await Promise.race([forward.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 50))]);
    if (ended || Date.now() > deadline || opts.signal?.aborted) {
      await forward.stop();
      const why =
        forward.stderr().trim().split('\n').pop() || (ended ? 'kubectl port-forward exited' : 'no "Forwarding from" line in time');
      throw accessError(
        `kubectl port-forward to service/${service} failed: ${why}`,
        `check that the ${service} Service has ready pods (kubectl get endpointslices -n ${namespace}) and that kubectl can reach the cluster`,
        'ACCESS_PORT_FORWARD',
      );
    }
  }
}
