// Running both images locally the way a restricted pod would, then the app's
// HTTP checks against them (build-images --test).
import { randomBytes } from 'node:crypto';
import type { Docker } from '../docker.ts';
import { ExitCode, ToolkitError } from '../errors.ts';
import { formatDuration, type Logger } from '../log.ts';
import { runSmokeChecks, type SmokeResult } from '../smoke.ts';
import { sleep } from '../sleep.ts';

const FAILURE_TAIL_LINES = 30;

export interface TestOptions {
  log: Logger;
  signal?: AbortSignal;
  /** Registers cleanup that also runs on Ctrl-C (the script runner's onCleanup). */
  onCleanup?: (fn: () => Promise<void>) => void;
  healthTimeoutMs?: number;
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
      const why = !state.Running ? `exited with code ${state.ExitCode}` : health === 'unhealthy' ? 'turned unhealthy' : `not healthy within ${formatDuration(timeoutMs)} (${health ?? 'no HEALTHCHECK'})`;
      const logs = await docker.logs(name, FAILURE_TAIL_LINES);
      throw new ToolkitError(
        `container ${name} ${why}${lastProbe ? `; last health probe: ${lastProbe.slice(0, 200)}` : ''}\n  last log lines:\n${logs.split('\n').map((l) => `    ${l}`).join('\n')}`,
        ExitCode.failed,
        'the container logs above show why the app did not start',
        'CONTAINER_UNHEALTHY',
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
export async function testContainers(docker: Docker, refs: { frontend: string; backend: string }, opts: TestOptions): Promise<ContainerTestReport> {
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
  const restricted = ['--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--health-interval', '1s'];
  try {
    await track(() => docker.createNetwork(network, { 'dev.todo-chatbot.test': id }));
    await track(() => docker.runDetached([
      '--name', names.backend, '--label', label, '--network', network, '--network-alias', 'backend',
      '--publish', '127.0.0.1::8000', ...restricted, '--tmpfs', '/data:uid=1000,gid=1000,mode=0750',
      refs.backend,
    ]));
    await track(() => docker.runDetached([
      '--name', names.frontend, '--label', label, '--network', network, '--network-alias', 'frontend',
      '--publish', '127.0.0.1::3000', ...restricted, '--env', 'BACKEND_URL=http://backend:8000',
      refs.frontend,
    ]));
    const timeout = opts.healthTimeoutMs ?? 120_000;
    const [backendMs, frontendMs] = await Promise.all([waitHealthy(docker, names.backend, timeout, opts.signal), waitHealthy(docker, names.frontend, timeout, opts.signal)]);
    log.ok(`both containers healthy (backend ${formatDuration(backendMs)}, frontend ${formatDuration(frontendMs)})`);
    const urls = {
      backend: `http://127.0.0.1:${await docker.hostPort(names.backend, 8000)}`,
      frontend: `http://127.0.0.1:${await docker.hostPort(names.frontend, 3000)}`,
    };
    const results = await runSmokeChecks(urls, undefined, (r) =>
      log.result(r.ok ? 'ok' : 'fail', `${r.name}: ${r.detail}`, r.ok || !r.hint ? [] : [`hint: ${r.hint}`], { check: r.id, ok: r.ok, durationMs: Math.round(r.durationMs) }),
    );
    const failed = results.filter((r) => !r.ok);
    if (failed.length) {
      const logs = await Promise.all([names.backend, names.frontend].map(async (n) => `${n}:\n${(await docker.logs(n, 15)).split('\n').map((l) => `    ${l}`).join('\n')}`));
      throw new ToolkitError(
        `${failed.length} of ${results.length} smoke checks failed: ${failed.map((r) => r.id).join(', ')}\n  last log lines:\n${logs.join('\n')}`,
        ExitCode.failed,
        failed[0]!.hint,
        'SMOKE_FAILED',
      );
    }
    return { network, urls, results };
  } finally {
    await cleanup();
  }
}
