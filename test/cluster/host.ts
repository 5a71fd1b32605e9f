// What the cluster changes on the host, and how cluster:down puts it back: sysctls,
// the pod bridge, iptables chains, mounts under the cluster's directories, the pods'
// cgroups, and containers left by a crashed containerd. Every change made by `up` is
// recorded first (host-changes.json), so `down` also cleans up after a half-started run.
import { existsSync, readFileSync, readdirSync, rmdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Runner } from '../../lib/exec.ts';
import { CHAIN_PREFIXES, NET, RUN_DIR, STATE_DIR, paths } from './layout.ts';

/** Sysctls the cluster needs; their previous values are put back by down. */
const SYSCTLS: Record<string, string> = {
  'net.ipv4.ip_forward': '1',
  // kube-proxy sets this itself for NodePorts on 127.0.0.1 (localhostNodePorts); recorded so down restores it.
  'net.ipv4.conf.all.route_localnet': '1',
  'net.bridge.bridge-nf-call-iptables': '1',
};

interface HostChanges {
  sysctls: Record<string, string>;
}

const sysctlPath = (key: string) => path.join('/proc/sys', ...key.split('.'));

function readSysctl(key: string): string | undefined {
  try {
    return readFileSync(sysctlPath(key), 'utf8').trim();
  } catch {
    return undefined;
  }
}

function writeSysctl(key: string, value: string): void {
  try {
    writeFileSync(sysctlPath(key), value);
  } catch {
    // Not every kernel has every key (bridge-nf-call-* needs br_netfilter); the component that needs it will say so.
  }
}

export function hasHostRecord(): boolean {
  return existsSync(paths.hostChanges);
}

/** The marker that the host's KUBE-/CNI- chains are this cluster's: another Kubernetes on this host must not lose its rules. */
export async function foreignKubeChains(run: Runner): Promise<string[]> {
  if (hasHostRecord()) return [];
  const saved = await run('iptables-save', [], { nothrow: true, timeoutMs: 30_000 });
  return [...new Set([...saved.stdout.matchAll(/^:((?:KUBE-|CNI-)\S+)/gm)].map((m) => m[1]!))];
}

export async function prepareHost(run: Runner): Promise<void> {
  mkdirSync(STATE_DIR, { recursive: true });
  if (!hasHostRecord()) {
    const before: HostChanges = { sysctls: {} };
    for (const key of Object.keys(SYSCTLS)) {
      const value = readSysctl(key);
      if (value !== undefined) before.sysctls[key] = value;
    }
    writeFileSync(paths.hostChanges, JSON.stringify(before, null, 2));
  }
  await run('modprobe', ['br_netfilter'], { nothrow: true, timeoutMs: 10_000 });
  for (const [key, value] of Object.entries(SYSCTLS)) if (key !== 'net.ipv4.conf.all.route_localnet') writeSysctl(key, value);
  // The bridge exists before any pod, so CoreDNS and the kubelet's node IP can use its address.
  const link = await run('ip', ['link', 'show', NET.bridge], { nothrow: true });
  if (link.exitCode !== 0) await run('ip', ['link', 'add', NET.bridge, 'type', 'bridge']);
  const addr = await run('ip', ['-4', 'addr', 'show', 'dev', NET.bridge]);
  if (!addr.stdout.includes(`${NET.gateway}/`)) await run('ip', ['addr', 'add', `${NET.gateway}/24`, 'dev', NET.bridge]);
  await run('ip', ['link', 'set', NET.bridge, 'up']);
  // Pods may talk to each other and to this host, and to nothing else.
  await run('iptables', ['-N', ADMIN_CHAIN], { nothrow: true });
  await run('iptables', ['-F', ADMIN_CHAIN]);
  await run('iptables', ['-A', ADMIN_CHAIN, '-s', NET.podCidrWide, '!', '-d', NET.podCidrWide, '-j', 'REJECT']);
}

/** The firewall plugin's admin chain (its default name), consulted before its per-pod ACCEPTs; it never flushes it. */
export const ADMIN_CHAIN = 'CNI-ADMIN';

const isOurChain = (chain: string) => CHAIN_PREFIXES.some((p) => chain.startsWith(p));

/** Removes every KUBE-/CNI-/TODO-LOCAL- chain and the rules that jump to them, in each table, for IPv4 and IPv6. */
export async function removeChains(run: Runner): Promise<number> {
  let removed = 0;
  for (const tool of ['iptables', 'ip6tables']) {
    for (const table of ['filter', 'nat', 'mangle', 'raw']) {
      const listed = await run(tool, ['-t', table, '-S'], { nothrow: true, timeoutMs: 30_000 });
      if (listed.exitCode !== 0) continue;
      const lines = listed.stdout.split('\n');
      const chains = lines
        .filter((l) => l.startsWith('-N '))
        .map((l) => l.slice(3).trim())
        .filter(isOurChain);
      // Jumps from chains that are not ours (FORWARD, PREROUTING, ...) into ours.
      for (const line of lines) {
        const m = /^-A (\S+) (.*)$/.exec(line);
        if (!m || isOurChain(m[1]!)) continue;
        const target = /(?:^| )-[jg] (\S+)/.exec(m[2]!)?.[1];
        if (!target || !isOurChain(target)) continue;
        await run(tool, ['-t', table, '-D', m[1]!, ...splitRule(m[2]!)], { nothrow: true });
      }
      for (const chain of chains) await run(tool, ['-t', table, '-F', chain], { nothrow: true });
      for (const chain of chains) {
        const r = await run(tool, ['-t', table, '-X', chain], { nothrow: true });
        if (r.exitCode === 0) removed++;
      }
    }
  }
  return removed;
}

/** iptables -S quotes arguments that contain spaces (comments): split like a shell would. */
export function splitRule(rule: string): string[] {
  const out: string[] = [];
  for (const m of rule.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return out;
}

/** Mount points under the cluster's directories (overlay snapshots, pod volumes, netns), deepest first. */
export function clusterMounts(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const roots = [STATE_DIR, RUN_DIR].map((d) => d.replace(/\/+$/, '') + '/');
  return mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((mp): mp is string => Boolean(mp) && roots.some((r) => mp!.startsWith(r)))
    .sort((a, b) => b.length - a.length);
}

export async function unmountAll(run: Runner): Promise<number> {
  let count = 0;
  // Unmounting one may reveal or drop others: repeat until none is left (bounded).
  for (let round = 0; round < 5; round++) {
    const mounts = clusterMounts();
    if (!mounts.length) break;
    for (const mp of mounts) {
      const r = await run('umount', ['--lazy', mp], { nothrow: true });
      if (r.exitCode === 0) count++;
    }
  }
  return count;
}

/** The top kubepods cgroup in every v1 controller, or under the v2 root. */
function podCgroupTops(root: string): string[] {
  const tops: string[] = [];
  if (existsSync(path.join(root, 'kubepods'))) tops.push(path.join(root, 'kubepods'));
  for (const controller of existsSync(root) ? readdirSync(root) : []) {
    const dir = path.join(root, controller, 'kubepods');
    if (existsSync(dir)) tops.push(dir);
  }
  return tops;
}

/**
 * Processes still in the pods' cgroups once containerd and the shims are gone (a crashed
 * cluster leaves its containers' processes to init): every one of them is a pod's, so KILL.
 */
export function killPodProcesses(root = '/sys/fs/cgroup'): number {
  const pids = new Set<number>();
  const walk = (dir: string) => {
    for (const file of ['cgroup.procs', 'tasks']) {
      try {
        for (const line of readFileSync(path.join(dir, file), 'utf8').split('\n')) if (/^\d+$/.test(line)) pids.add(Number(line));
      } catch {
        // not this cgroup version's file
      }
    }
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) walk(path.join(dir, entry.name));
  };
  for (const top of podCgroupTops(root)) walk(top);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  return pids.size;
}

/** The pods' cgroups (kubepods, in every v1 controller, or under the v2 root). Empty ones only: rmdir refuses the rest. */
export function removePodCgroups(root = '/sys/fs/cgroup'): number {
  const tops = podCgroupTops(root);
  let removed = 0;
  const rmTree = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const child = path.join(dir, entry);
      try {
        if (statSync(child).isDirectory()) rmTree(child);
      } catch {
        // gone already
      }
    }
    try {
      rmdirSync(dir);
      removed++;
    } catch {
      // still has a process, or already gone
    }
  };
  for (const top of tops) rmTree(top);
  return removed;
}

/** Kills the containers our runc root knows (a crashed containerd leaves them running), and our containerd's shims. */
export async function killContainers(run: Runner): Promise<number> {
  let killed = 0;
  if (existsSync(paths.runcRoot)) {
    const list = await run('runc', ['--root', paths.runcRoot, 'list', '--quiet'], { nothrow: true });
    for (const id of list.stdout
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean)) {
      await run('runc', ['--root', paths.runcRoot, 'kill', id, 'KILL'], { nothrow: true });
      await run('runc', ['--root', paths.runcRoot, 'delete', '--force', id], { nothrow: true });
      killed++;
    }
  }
  for (const pid of shimPids()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  return killed;
}

/** containerd-shim processes started by our containerd: their argv names our socket. */
export function shimPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (argv[0]?.includes('containerd-shim') && argv.includes(paths.containerdSock)) pids.push(Number(entry));
  }
  return pids;
}

export async function restoreHost(run: Runner): Promise<void> {
  await run('ip', ['link', 'del', NET.bridge], { nothrow: true });
  if (!hasHostRecord()) return;
  const before = JSON.parse(readFileSync(paths.hostChanges, 'utf8')) as HostChanges;
  for (const [key, value] of Object.entries(before.sysctls)) writeSysctl(key, value);
}
