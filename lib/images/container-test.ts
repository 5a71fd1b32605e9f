// Running both images locally the way a restricted pod would, then the app's
// HTTP checks against them (build-images --test).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Docker } from '../docker.ts';
import { ExitCode, ToolkitError } from '../errors.ts';
import { formatDuration, type Logger } from '../log.ts';
import { ownAppChecks, type AppPaths } from '../app-checks.ts';
import { runSmokeChecks, SMOKE_CHECKS, type SmokeResult } from '../smoke.ts';
import { sleep } from '../sleep.ts';

const FAILURE_TAIL_LINES = 30;

export interface TestOptions {
  log: Logger;
  signal?: AbortSignal;
  /** Registers cleanup that also runs on Ctrl-C (the script runner's onCleanup). */
  onCleanup?: (fn: () => Promise<void>) => void;
  healthTimeoutMs?: number;
  /**
   * A user's own app (from the plans): its ports and probe paths, checked with ownAppChecks instead of
   * our app's smoke checks; `backendAliases` are the host names its frontend build baked in (the
   * in-cluster Service name), given to the backend container so they resolve here too.
   */
  app?: OwnAppUnderTest;
}

export interface OwnAppUnderTest {
  ports: { frontend: number; backend: number };
  paths: AppPaths;
  backendAliases: string[];
  /** APP_ENV / APP_SECRETS per app: passed in private env files (0600, removed after), never on the command line. */
  env?: { frontend: Record<string, string>; backend: Record<string, string> };
}

/** A private folder with one env file per app (values may be secrets: never argv); `remove` deletes it. */
function privateEnvFiles(env: OwnAppUnderTest['env']): { args: (side: 'frontend' | 'backend') => string[]; remove: () => void } {
  const sides = (['frontend', 'backend'] as const).filter((side) => Object.keys(env?.[side] ?? {}).length);
  if (!sides.length) return { args: () => [], remove: () => undefined };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'todo-test-env-'));
  for (const side of sides) {
    const lines = Object.entries(env![side]).map(([name, value]) => {
      if (/[\r\n]/.test(value))
        throw new ToolkitError(
          `${name}: a value with a line break cannot go into a container's env file`,
          ExitCode.usage,
          `put ${name} on one line in .env`,
          'CONFIG',
        );
      return `${name}=${value}`;
    });
    writeFileSync(path.join(dir, `${side}.env`), `${lines.join('\n')}\n`, { mode: 0o600 });
  }
  return {
    args: (side) => (sides.includes(side) ? ['--env-file', path.join(dir, `${side}.env`)] : []),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The users the chart runs the pods as (podSecurityContext): the test runs the images the same way. */
const POD_USERS = { frontend: '1001:1001', backend: '1000:1000' };

/** Until the container answers 2xx on `url` (an image without a HEALTHCHECK), failing fast when it exits. */
async function waitServing(
  docker: Docker,
  name: string,
  url: () => Promise<string>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<number> {
  const started = Date.now();
  let last = '';
  for (;;) {
    if (signal?.aborted) throw new ToolkitError('interrupted', ExitCode.interrupted);
    const state = await docker.containerState(name);
    if (state.Running) {
      try {
        const res = await fetch(await url(), { signal: AbortSignal.timeout(4000), redirect: 'manual' });
        if (res.status >= 200 && res.status < 400) return Date.now() - started;
        last = `HTTP ${res.status}`;
      } catch (error) {
        last = (error as Error).message;
      }
    }
    if (!state.Running || Date.now() - started > timeoutMs) {
      throw await unhealthy(
        docker,
        name,
        state.Running
          ? `did not answer within ${formatDuration(timeoutMs)}${last ? ` (${last})` : ''}`
          : `exited with code ${state.ExitCode}`,
        'the container logs above show why the app did not start (the image has no HEALTHCHECK: its liveness path was polled)',
      );
    }
    await sleep(500, signal);
  }
}

/** CONTAINER_UNHEALTHY: what happened to the container, then its last log lines. */
async function unhealthy(docker: Docker, name: string, what: string, hint: string): Promise<ToolkitError> {
  const logs = await docker.logs(name, FAILURE_TAIL_LINES);
  const tail = logs
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
  return new ToolkitError(`container ${name} ${what}\n  last log lines:\n${tail}`, ExitCode.failed, hint, 'CONTAINER_UNHEALTHY');
}

/** The HEALTHCHECK when the image has one, else the liveness path over HTTP. */
async function waitReady(
  docker: Docker,
  name: string,
  url: () => Promise<string>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<number> {
  const state = await docker.containerState(name);
  return state.Health ? waitHealthy(docker, name, timeoutMs, signal) : waitServing(docker, name, url, timeoutMs, signal);
}

/** Waits for a container's HEALTHCHECK to report healthy; fails fast when it exits or turns unhealthy. */
export async function waitHealthy(docker: Docker, name: string, timeoutMs: number, signal?: AbortSignal): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (signal?.aborted) throw new ToolkitError('interrupted', ExitCode.interrupted);
    const state = await docker.containerState(name);
    const health = state.Health?.Status;
    if (health === 'healthy') return Date.now() - started;
    const lastProbe = state.Health?.Log?.at(-1)?.Output?.trim();
    if (!state.Running || health === 'unhealthy' || Date.now() - started > timeoutMs) {
      const why = !state.Running
        ? `exited with code ${state.ExitCode}`
        : health === 'unhealthy'
          ? 'turned unhealthy'
          : `not healthy within ${formatDuration(timeoutMs)} (${health ?? 'no HEALTHCHECK'})`;
      throw await unhealthy(
        docker,
        name,
        `${why}${lastProbe ? `; last health probe: ${lastProbe.slice(0, 200)}` : ''}`,
        'the container logs above show why the app did not start',
      );
    }
    await sleep(500, signal);
  }
}

export interface ContainerTestReport {
  network: string;
  urls: { frontend: string; backend: string };
  results: SmokeResult[];
}

/**
 * Runs both images the way a restricted pod would (non-root, read-only root with
 * tmpfs /tmp and /data, no capabilities) on a private network, ports published on
 * 127.0.0.1 only; waits for the HEALTHCHECKs, runs the smoke checks, and always
 * removes the containers and the network.
 */
export async function testContainers(
  docker: Docker,
  refs: { frontend: string; backend: string },
  opts: TestOptions,
): Promise<ContainerTestReport> {
  const { log } = opts;
  const id = randomBytes(4).toString('hex');
  const network = `todo-test-${id}`;
  const names = { backend: `${network}-backend`, frontend: `${network}-frontend` };
  const label = `dev.todo-chatbot.test=${id}`;
  // Every docker call in flight is awaited before cleaning up: a `docker run`
  // interrupted by Ctrl-C may still create its container in the daemon.
  // Once cleanup has begun, nothing new is started.
  let inflight: Promise<unknown> = Promise.resolve();
  let cleaning: Promise<void> | undefined;
  const track = <T>(start: () => Promise<T>): Promise<T> => {
    if (cleaning) return Promise.reject(new ToolkitError('interrupted', ExitCode.interrupted));
    const p = start();
    inflight = Promise.all([inflight, p.catch(() => undefined)]);
    return p;
  };
  // One cleanup, shared: whoever calls second (the signal handler or the finally
  // below) waits for it to finish instead of exiting half-way.
  const cleanup = () =>
    (cleaning ??= (async () => {
      await inflight;
      // By label, not by name, so that whatever was created goes; a second pass
      // catches a create that the daemon finished after the first.
      await docker.removeLabelled(label);
      await sleep(300);
      await docker.removeLabelled(label);
      log.debug(`removed the test containers and network ${network}`);
    })());
  opts.onCleanup?.(cleanup);
  const restricted = [
    '--read-only',
    '--tmpfs',
    '/tmp',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--health-interval',
    '1s',
  ];
  const app = opts.app;
  const ports = app?.ports ?? { frontend: 3000, backend: 8000 };
  // Own apps run as the pods will (the chart's users; Next.js's cache on a writable volume, as the chart mounts it).
  const envFiles = privateEnvFiles(app?.env);
  const asPod = (side: 'frontend' | 'backend') =>
    app ? ['--user', POD_USERS[side], ...(side === 'frontend' ? ['--tmpfs', '/app/.next/cache:uid=1001,gid=1001'] : [])] : [];
  try {
    await track(() => docker.createNetwork(network, { 'dev.todo-chatbot.test': id }));
    await track(() =>
      docker.runDetached([
        '--name',
        names.backend,
        '--label',
        label,
        '--network',
        network,
        '--network-alias',
        'backend',
        ...(app?.backendAliases ?? []).flatMap((alias) => ['--network-alias', alias]),
        '--publish',
        `127.0.0.1::${ports.backend}`,
        ...restricted,
        ...asPod('backend'),
        ...envFiles.args('backend'),
        '--tmpfs',
        '/data:uid=1000,gid=1000,mode=0750',
        refs.backend,
      ]),
    );
    await track(() =>
      docker.runDetached([
        '--name',
        names.frontend,
        '--label',
        label,
        '--network',
        network,
        '--network-alias',
        'frontend',
        '--publish',
        `127.0.0.1::${ports.frontend}`,
        ...restricted,
        ...asPod('frontend'),
        ...envFiles.args('frontend'),
        '--env',
        `BACKEND_URL=http://backend:${ports.backend}`,
        refs.frontend,
      ]),
    );
    const timeout = opts.healthTimeoutMs ?? 120_000;
    const hostUrl = async (side: 'frontend' | 'backend') => `http://127.0.0.1:${await docker.hostPort(names[side], ports[side])}`;
    const probe = (side: 'frontend' | 'backend') => async () => `${await hostUrl(side)}${app?.paths[side].healthPath ?? '/'}`;
    const [backendMs, frontendMs] = await Promise.all([
      app
        ? waitReady(docker, names.backend, probe('backend'), timeout, opts.signal)
        : waitHealthy(docker, names.backend, timeout, opts.signal),
      app
        ? waitReady(docker, names.frontend, probe('frontend'), timeout, opts.signal)
        : waitHealthy(docker, names.frontend, timeout, opts.signal),
    ]);
    log.ok(`both containers healthy (backend ${formatDuration(backendMs)}, frontend ${formatDuration(frontendMs)})`);
    const urls = { backend: await hostUrl('backend'), frontend: await hostUrl('frontend') };
    const results = await runSmokeChecks(urls, app ? ownAppChecks(app.paths) : SMOKE_CHECKS, (r) =>
      log.result(r.ok ? 'ok' : 'fail', `${r.name}: ${r.detail}`, r.ok || !r.hint ? [] : [`hint: ${r.hint}`], {
        check: r.id,
        ok: r.ok,
        durationMs: Math.round(r.durationMs),
      }),
    );
    const failed = results.filter((r) => !r.ok);
    if (failed.length) {
      const logs = await Promise.all(
        [names.backend, names.frontend].map(
          async (n) =>
            `${n}:\n${(await docker.logs(n, 15))
              .split('\n')
              .map((l) => `    ${l}`)
              .join('\n')}`,
        ),
      );
      throw new ToolkitError(
        `${failed.length} of ${results.length} smoke checks failed: ${failed.map((r) => r.id).join(', ')}\n  last log lines:\n${logs.join('\n')}`,
        ExitCode.failed,
        failed[0]!.hint,
        'SMOKE_FAILED',
      );
    }
    return { network, urls, results };
  } finally {
    envFiles.remove();
    await cleanup();
  }
}
