// Teardown: uninstall the release; --purge also deletes the database PVCs and the
// namespace (asking first, before anything changes); --stop-minikube stops the
// profile. Safe to run twice: a stopped profile has nothing left to uninstall.
// A context that is not a local cluster is refused without --allow-remote, as in deploy.
import { createInterface } from 'node:readline/promises';
import { assertMayChange, minikubeStopped, requireMinikube } from './cluster.ts';
import { loadConfig } from './config.ts';
import { ExitCode, ToolkitError } from './errors.ts';
import { createRunner } from './exec.ts';
import { detectHelm, releaseStatus, uninstall } from './helm.ts';
import { Kubectl, releaseSelector } from './kubectl.ts';
import type { Logger } from './log.ts';
import { requirePrereqs } from './prereqs.ts';
import { resolveTarget } from './providers/index.ts';

export interface TeardownOptions {
  configFlags: Record<string, string>;
  envFile?: string;
  root: string;
  purge: boolean;
  yes: boolean;
  stopMinikube: boolean;
  /** Allow a context that is not a local cluster (the guard deploy uses). */
  allowRemote?: boolean;
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

const SKIPPED_STOPPED = (profile: string | undefined) =>
  `minikube profile ${profile} is stopped: nothing is running, so nothing is left to uninstall`;

export async function teardown(log: Logger, opts: TeardownOptions): Promise<number> {
  const run = createRunner({ log, env: opts.env });
  const { config, warnings } = loadConfig({ flags: opts.configFlags, envFile: opts.envFile, root: opts.root, env: opts.env });
  for (const warning of warnings) log.warn(warning);
  const steps = ['Prerequisites', 'Cluster', 'Release', ...(opts.purge ? ['Purge'] : []), ...(opts.stopMinikube ? ['Stop minikube'] : [])];
  log.plan(steps.length);
  // Refuse a purge we cannot confirm before anything changes.
  const interactive = opts.interactive ?? Boolean(process.stdin.isTTY);
  if (opts.purge && !opts.yes && !interactive) {
    throw new ToolkitError(
      '--purge deletes the namespace and the database volume, and there is no terminal to confirm on',
      ExitCode.usage,
      'add --yes to confirm without asking',
      'CONFIRMATION_REQUIRED',
    );
  }
  const helm = await log.step('Prerequisites', async (step) => {
    // The same tools and Helm version deploy requires.
    await requirePrereqs(run, log, 'teardown', ['helm', 'kubectl']);
    const found = await detectHelm(run);
    step.summary = `helm ${found.version}, kubectl`;
    return found;
  });
  const target = await log.step('Cluster', async (step) => {
    const t = await resolveTarget(run, config, opts.env);
    // The guard deploy uses, before the first change.
    assertMayChange(t, Boolean(opts.allowRemote), 'teardown', log);
    if (opts.stopMinikube || minikubeStopped(t)) await requireMinikube(run, t);
    step.summary = `${t.context} (${t.provider}${minikubeStopped(t) ? `, profile ${t.minikube!.status}` : ''})`;
    return t;
  });
  const ref = { context: target.context, namespace: config.namespace, release: config.releaseName };
  const kubectl = new Kubectl(run, { context: target.context, namespace: config.namespace });
  // A stopped profile runs nothing: there is nothing to uninstall, and its API server would not answer.
  const stopped = minikubeStopped(target);
  // Ask before changing anything: "n" leaves the release, the volume and the namespace as they were.
  if (opts.purge && !opts.yes && !stopped) {
    const answer = await (opts.ask ?? askOnTerminal)(
      `Delete namespace ${ref.namespace} and the database volume of ${ref.release} on ${target.context}? Data is lost. [y/N] `,
    );
    if (!/^y(es)?$/i.test(answer.trim())) {
      log.warn('cancelled: nothing changed (the release, its volume and the namespace are as they were)');
      log.summary(`teardown of ${ref.release} on ${target.context} cancelled`);
      return ExitCode.ok;
    }
  }
  await log.step('Release', async (step) => {
    if (stopped) {
      step.summary = SKIPPED_STOPPED(target.minikubeProfile);
      return;
    }
    // helm prints "uninstalled" even for a release it did not find: ask first.
    const existed = await releaseStatus(run, helm, ref);
    if (existed) await uninstall(run, helm, ref);
    step.summary = existed
      ? `uninstalled ${ref.release} from ${ref.namespace}`
      : `${ref.release} was not installed in ${ref.namespace}: nothing to do`;
  });
  if (opts.purge) {
    await log.step('Purge', async (step) => {
      if (stopped) {
        step.summary = `skipped: ${SKIPPED_STOPPED(target.minikubeProfile)} (its data goes with \`minikube delete -p ${target.minikubeProfile}\`)`;
        return;
      }
      // PVCs of the StatefulSet outlive helm uninstall; delete them by the release label.
      await kubectl.exec(
        ['delete', 'persistentvolumeclaims', '--selector', releaseSelector(ref.release), '--ignore-not-found', '--wait=false'],
        { timeoutMs: 120_000 },
      );
      await kubectl.exec(['delete', 'namespace', ref.namespace, '--ignore-not-found', '--wait=false'], {
        clusterScoped: true,
        timeoutMs: 120_000,
      });
      step.summary = `deleted the volumes of ${ref.release} and namespace ${ref.namespace}`;
    });
  }
  if (opts.stopMinikube) {
    await log.step('Stop minikube', async (step) => {
      if (target.provider !== 'minikube') {
        step.summary = `skipped: ${target.context} is ${target.provider}, not minikube`;
        return;
      }
      if (stopped) {
        step.summary = `profile ${target.minikubeProfile} is already ${target.minikube!.status}`;
        return;
      }
      await run('minikube', ['stop', '--profile', target.minikubeProfile ?? config.minikubeProfile], { timeoutMs: 5 * 60_000 });
      step.summary = `stopped profile ${target.minikubeProfile}`;
    });
  }
  log.summary(`teardown of ${ref.release} on ${target.context} done`);
  return ExitCode.ok;
}
