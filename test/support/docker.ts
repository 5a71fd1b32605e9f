// A real Docker engine for the image tests. When none answers, start Debian's
// docker.io daemon (`apt-get install docker.io`; needs root) in the background,
// its log in a temp file, and wait for it. The daemon listens on its unix socket
// only, and --ip 127.0.0.1 makes 127.0.0.1 the default for published ports.
// In CI (CI set) an engine that cannot start is a failure; locally a skip.
import { accessSync, constants, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Callback, Test } from 'uvu';
import { Docker, resolveDockerCli } from '../../lib/docker.ts';
import { createRunner, startBackground, tail } from '../../lib/exec.ts';

export type DockerSetup =
  | { ok: true; docker: Docker; startedDaemon: boolean; daemonLog?: string; stop(): Promise<void> }
  | { ok: false; reason: string };

const START_TIMEOUT_MS = 90_000;

function findExecutable(name: string, extraDirs: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), ...extraDirs].filter(Boolean);
  for (const dir of dirs) {
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return path.join(dir, name);
    } catch {
      // keep looking
    }
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function answers(docker: Docker): Promise<string | undefined> {
  try {
    return await docker.serverVersion();
  } catch {
    return undefined;
  }
}

export async function ensureDocker(opts: { log?: (line: string) => void } = {}): Promise<DockerSetup> {
  const log = opts.log ?? (() => undefined);
  const run = createRunner();
  let docker: Docker;
  try {
    docker = new Docker(await resolveDockerCli(run), run);
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  const noop = async () => undefined;
  if (await answers(docker)) return { ok: true, docker, startedDaemon: false, stop: noop };

  if (process.env.DOCKER_HOST)
    return { ok: false, reason: `DOCKER_HOST=${process.env.DOCKER_HOST} does not answer; not starting a local daemon for it` };
  const dockerd = findExecutable('dockerd', ['/usr/sbin', '/usr/bin']);
  if (!dockerd) return { ok: false, reason: 'no Docker daemon answers and dockerd is not installed (CI: apt-get install -y docker.io)' };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'no Docker daemon answers and starting dockerd needs root' };

  const logFile = path.join(os.tmpdir(), `todo-dockerd-${process.pid}.log`);
  log(`starting dockerd (log: ${logFile})`);
  // sh only redirects the log; exec makes dockerd the process that stop() signals.
  const daemon = startBackground('sh', ['-c', 'exec "$0" --ip 127.0.0.1 >>"$DOCKERD_LOG" 2>&1', dockerd], {
    env: { DOCKERD_LOG: logFile },
  });
  let exited = false;
  void daemon.exited.then(() => {
    exited = true;
  });
  const stop = async () => {
    await daemon.stop();
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline && !exited) {
    const version = await answers(docker);
    if (version) {
      log(`dockerd ${version} is up`);
      return { ok: true, docker, startedDaemon: true, daemonLog: logFile, stop };
    }
    await sleep(500);
  }
  await stop();
  let lastLines = '';
  try {
    lastLines = tail(readFileSync(logFile, 'utf8'), 5);
  } catch {
    // no log written
  }
  return {
    ok: false,
    reason: `dockerd did not answer within ${START_TIMEOUT_MS / 1000}s${exited ? ' (it exited)' : ''}; last log lines:\n${lastLines}`,
  };
}

/**
 * A `test` for cases that need the engine: runs it when the engine is up; when it
 * is not, fails it in CI (CI set) and skips it locally, naming the reason once.
 */
export function engineTest<T>(test: Test<T>, setup: DockerSetup): (name: string, fn: Callback<T>) => void {
  if (setup.ok) return (name, fn) => test(name, fn);
  if (process.env.CI)
    return (name) =>
      test(name, () => {
        throw new Error(`no Docker engine: ${setup.reason}`);
      });
  console.log(`skipping the Docker engine tests: ${setup.reason}`);
  return (name, fn) => test.skip(name, fn);
}

export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The --json events. */
  events: Record<string, unknown>[];
  durationMs: number;
}

/** Runs scripts/build-images.ts as a user would, with `env` on top of this process's environment. */
export async function runBuildImages(
  args: string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 40 * 60_000,
): Promise<ScriptRun> {
  const run = createRunner();
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
  const result = await run('node', ['--import', 'tsx', 'scripts/build-images.ts', ...args], { cwd: root, env, nothrow: true, timeoutMs });
  const events = result.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr, events, durationMs: result.durationMs };
}
