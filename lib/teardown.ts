// Teardown: uninstall the release; --purge also deletes the database PVCs and the
// namespace (asking first); --stop-minikube stops the profile. Safe to run twice.
import { createInterface } from 'node:readline/promises';
import { loadConfig } from './config.ts';
import { ExitCode, ToolkitError } from './errors.ts';
import { createRunner } from './exec.ts';
import { detectHelm, releaseStatus, uninstall } from './helm.ts';
import { Kubectl, releaseSelector } from './kube.ts';
import type { Logger } from './log.ts';
import { resolveTarget } from './providers/index.ts';

export interface TeardownOptions {
  configFlags: Record<string, string>;
  envFile?: string;
  root: string;
  purge: boolean;
  yes: boolean;
  stopMinikube: boolean;
  env?: NodeJS.ProcessEnv;
  /** Whether stdin is a terminal we can ask on (tests pass false). */
  interactive?: boolean;
  ask?: (question: string) => Promise<string>;
}

async function askOnTerminal(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

export async function teardown(log: Logger, opts: TeardownOptions): Promise<number> {
  const run = createRunner({ log, env: opts.env });
  const { config } = loadConfig({ flags: opts.configFlags, envFile: opts.envFile, root: opts.root, env: opts.env });
  const steps = ['Cluster', 'Release', ...(opts.purge ? ['Purge'] : []), ...(opts.stopMinikube ? ['Stop minikube'] : [])];
  log.plan(steps.length);
  // Refuse a purge we cannot confirm before anything changes.
  const interactive = opts.interactive ?? Boolean(process.stdin.isTTY);
  if (opts.purge && !opts.yes && !interactive) {
    throw new ToolkitError('--purge deletes the namespace and the database volume, and there is no terminal to confirm on', ExitCode.usage, 'add --yes to confirm without asking', 'CONFIRMATION_REQUIRED');
  }
  const target = await log.step('Cluster', async (step) => {
    const t = await resolveTarget(run, config, opts.env);
    step.summary = `${t.context} (${t.provider})`;
    return t;
  });
  const ref = { context: target.context, namespace: config.namespace, release: config.releaseName };
  const kubectl = new Kubectl(run, { context: target.context, namespace: config.namespace });
  await log.step('Release', async (step) => {
    const helm = await detectHelm(run);
    // helm prints "uninstalled" even for a release it did not find: ask first.
    const existed = await releaseStatus(run, helm, ref);
    if (existed) await uninstall(run, helm, ref);
    step.summary = existed ? `uninstalled ${ref.release} from ${ref.namespace}` : `${ref.release} was not installed in ${ref.namespace}: nothing to do`;
  });
  if (opts.purge) {
    await log.step('Purge', async (step) => {
      if (!opts.yes) {
        const answer = await (opts.ask ?? askOnTerminal)(`Delete namespace ${ref.namespace} and the database volume of ${ref.release} on ${target.context}? Data is lost. [y/N] `);
        if (!/^y(es)?$/i.test(answer.trim())) {
          step.summary = 'cancelled: nothing deleted';
          return;
        }
      }
      // PVCs of the StatefulSet outlive helm uninstall; delete them by the release label.
      await kubectl.exec(['delete', 'persistentvolumeclaims', '--selector', releaseSelector(ref.release), '--ignore-not-found', '--wait=false'], { timeoutMs: 120_000 });
      await kubectl.exec(['delete', 'namespace', ref.namespace, '--ignore-not-found', '--wait=false'], { clusterScoped: true, timeoutMs: 120_000 });
      step.summary = `deleted the volumes of ${ref.release} and namespace ${ref.namespace}`;
    });
  }
  if (opts.stopMinikube) {
    await log.step('Stop minikube', async (step) => {
      if (target.provider !== 'minikube') {
        step.summary = `skipped: ${target.context} is ${target.provider}, not minikube`;
        return;
      }
      await run('minikube', ['stop', '--profile', target.minikubeProfile ?? config.minikubeProfile], { timeoutMs: 5 * 60_000 });
      step.summary = `stopped profile ${target.minikubeProfile}`;
    });
  }
  log.summary(`teardown of ${ref.release} on ${target.context} done`);
  return ExitCode.ok;
}
