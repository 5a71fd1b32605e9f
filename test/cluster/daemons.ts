// Long-running components: started detached (they outlive `cluster:up`), each with a
// PID file and a log file, and stopped by that PID only — after checking that the PID
// still belongs to the program we started, so a recycled PID is never signalled.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { paths } from './layout.ts';

export interface DaemonSpec {
  name: string;
  /** The program (absolute path), as /proc/PID/cmdline shows it. */
  bin: string;
  args: string[];
  env?: Record<string, string>;
  /**
   * The end of an argument that tells our process apart when the program is an interpreter
   * (node): a script path relative to the repo, so a cluster started from another clone of it
   * is still recognised and stopped.
   */
  marker?: string;
}

const pidFile = (name: string) => path.join(paths.pids, `${name}.pid`);
export const logFile = (name: string) => path.join(paths.logs, `${name}.log`);

function cmdline(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** The PID of a component we started, if that process is still the one we started. */
export function runningPid(spec: Pick<DaemonSpec, 'name' | 'bin' | 'marker'>): number | undefined {
  if (!existsSync(pidFile(spec.name))) return undefined;
  const pid = Number(readFileSync(pidFile(spec.name), 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  const argv = cmdline(pid);
  if (!argv?.length) return undefined;
  const sameProgram = argv[0] === spec.bin || path.basename(argv[0]!) === path.basename(spec.bin);
  return sameProgram && (!spec.marker || argv.some((a) => a.endsWith(`/${spec.marker}`))) ? pid : undefined;
}

export function startDaemon(spec: DaemonSpec): number {
  const existing = runningPid(spec);
  if (existing) return existing;
  mkdirSync(paths.pids, { recursive: true });
  mkdirSync(paths.logs, { recursive: true });
  // A fresh log per start: the file then tells this run's story only.
  const fd = openSync(logFile(spec.name), 'w');
  try {
    const child = spawn(spec.bin, spec.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...spec.env },
    });
    if (!child.pid) throw new Error(`could not start ${spec.name} (${spec.bin})`);
    child.unref();
    writeFileSync(pidFile(spec.name), `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** Running, and not a zombie: a stopped daemon's parent is init, which may take seconds to reap it. */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/** TERM, then KILL after `graceMs`. Returns whether the component was running. */
export async function stopDaemon(spec: Pick<DaemonSpec, 'name' | 'bin' | 'marker'>, graceMs = 10_000): Promise<boolean> {
  const pid = runningPid(spec);
  rmSync(pidFile(spec.name), { force: true });
  if (!pid) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) {
    process.kill(pid, 'SIGKILL');
    while (alive(pid)) await sleep(50);
  }
  return true;
}

/** The last lines of a component's log, for failure reports. */
export function logTail(name: string, lines = 25): string {
  try {
    return readFileSync(logFile(name), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
