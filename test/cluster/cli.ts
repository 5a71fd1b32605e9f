// npm run cluster:up | cluster:down | cluster:status — the from-source single-node
// Kubernetes this repo tests against (test/cluster/README.md).
import { existsSync } from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import { createRunner } from '../../lib/exec.ts';
import { ClusterError, COMPONENTS, describe, down, status, up } from './cluster.ts';
import { logFile, logTail } from './daemons.ts';
import { BIN_DIR, REPO_ROOT } from './layout.ts';

const HELP = `usage: npm run cluster:up | cluster:down [-- --purge] | cluster:status [-- --json]
       node --import tsx test/cluster/cli.ts <up|down|status|logs> [options]

A single-node Kubernetes ${describe.K8S_VERSION} built from source, on 127.0.0.1 only, with a local
registry at 127.0.0.1:5000. Needs root, the Debian packages of .ci/install-packages.sh, and a
Docker engine the first time (to make the pause and PostgreSQL stand-in images).

  up        build the binaries if missing (test/cluster/build-binaries.sh), start every
            component, wait for the node to be Ready, add context ${describe.CONTEXT} to the kubeconfig
  down      stop every component by PID, remove iptables chains, mounts, the bridge and the
            cluster's state; keep the binaries and the registry's images (--purge: those images too)
  status    each component's PID and health, and the node; exit 0 all up, 1 some down, 3 none up
  logs      the last lines of every component's log (what CI prints when the suite fails)

options:
  --purge   (down) also delete the registry's storage
  --json    (status) one JSON document
  --help    this text

State: ${describe.STATE_DIR} (data, logs) and ${describe.RUN_DIR} (sockets, PIDs).
Then: npx zx scripts/deploy.ts --context ${describe.CONTEXT} --registry 127.0.0.1:5000`;

const [command, ...rest] = process.argv.slice(2);
const flags = new Set(rest);
const log = (line: string) => process.stderr.write(`${line}\n`);
const run = createRunner();
const known: Record<string, string[]> = { up: [], down: ['--purge'], status: ['--json'], logs: [] };

async function main(): Promise<number> {
  if (!command || command === '--help' || flags.has('--help')) {
    process.stdout.write(`${HELP}\n`);
    return command ? 0 : 2;
  }
  if (!(command in known)) {
    log(`${pc.red('✗')} unknown command "${command}": use up, down, status or logs (--help)`);
    return 2;
  }
  const unknown = rest.filter((f) => !known[command]!.includes(f));
  if (unknown.length) {
    log(`${pc.red('✗')} unknown option ${unknown[0]} for ${command}: ${known[command]!.join(', ') || 'it takes none'} (--help)`);
    return 2;
  }
  if (command === 'up') {
    if (!COMPONENTS.every((c) => !c.bin.startsWith(BIN_DIR) || existsSync(c.bin)) || !existsSync(path.join(BIN_DIR, 'pause'))) {
      log(`building the cluster binaries into ${path.relative(REPO_ROOT, BIN_DIR)} (once per version)`);
      await run('bash', [path.join(REPO_ROOT, 'test/cluster/build-binaries.sh')], { stream: true, timeoutMs: 0 });
    }
    const timings = await up({ run, log });
    for (const [phase, ms] of Object.entries(timings.phases)) log(`  ${phase}: ${(ms / 1000).toFixed(1)}s`);
    log(
      `${pc.green('✓')} cluster ${describe.CONTEXT} is up in ${(timings.totalMs / 1000).toFixed(1)}s (API ${describe.SERVER}, registry 127.0.0.1:5000)`,
    );
    log(`  next: npx zx scripts/deploy.ts --context ${describe.CONTEXT} --registry 127.0.0.1:5000`);
    return 0;
  }
  if (command === 'down') {
    const report = await down({ run, log, purge: flags.has('--purge') });
    log(
      `${pc.green('✓')} cluster ${describe.CONTEXT} is down: stopped ${report.stopped.join(', ') || 'nothing (none was running)'}; ` +
        `${report.containers} containers, ${report.chains} iptables chains, ${report.mounts} mounts, ${report.cgroups} cgroups removed`,
    );
    return 0;
  }
  if (command === 'logs') {
    for (const c of COMPONENTS) process.stdout.write(`--- ${c.name} (${logFile(c.name)})\n${logTail(c.name, 40)}\n`);
    return 0;
  }
  const state = await status();
  const answering = state.components.filter((c) => c.ready).length;
  if (flags.has('--json')) process.stdout.write(`${JSON.stringify({ context: describe.CONTEXT, ...state }, null, 2)}\n`);
  else {
    for (const c of state.components)
      process.stdout.write(
        `${c.ready ? pc.green('✓') : pc.red('✗')} ${c.name.padEnd(24)} ${c.pid ? `pid ${c.pid}` : 'not running'}${c.pid && !c.ready ? ' (not answering)' : ''}\n`,
      );
    process.stdout.write(`${state.nodeReady ? pc.green('✓') : pc.red('✗')} node ${state.nodeReady ? 'Ready' : 'not Ready'}\n`);
  }
  return answering === state.components.length && state.nodeReady ? 0 : answering === 0 ? 3 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`${pc.red('✗')} cluster ${command}: ${error instanceof ClusterError || error instanceof Error ? error.message : String(error)}`);
    if (command === 'up') log('  the components that started are still running: npm run cluster:down cleans up');
    process.exit(1);
  },
);
