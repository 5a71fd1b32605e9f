// `status`: one look at the deployment, changing nothing. It reads the cluster
// through validate's readers (lib/checks/readers.ts: one kubectl call for the
// release's objects, helm history for the release) and judges readiness with the
// rollout watch's workloadProgress() (lib/status/progress.ts), so the three never disagree on "ready".
// (A little over 350 lines once formatted: the reads and the one-screen model belong together; the view is lib/status-view.ts.)
import { component, latestRevision, readContext, releaseObjects, servingPods } from './checks/readers.ts';
import type { Config } from './config.ts';
import { ExitCode, PrereqError, type ExitCodeValue } from './errors.ts';
import { CommandError, type Runner } from './exec.ts';
import { parseImageRef } from './image-ref.ts';
import { browserUrlsAt, needsBrowserUrl, quietPlan } from './own-app.ts';
import { ClusterUnreachableError, Kubectl, type KubeList, type KubeObject } from './kubectl.ts';
import { providerFor, resolveTarget, type ClusterTarget } from './providers/index.ts';
import { settleAll } from './settle.ts';
import { workloadProgress } from './status/progress.ts';
import { containerStatuses as statuses, isWorkload, type KubeEvent, type Pod, type Workload } from './status/types.ts';
import { isUnreachable } from './unreachable.ts';

/** The fields of a Service port read here. */
interface ServicePort {
  name?: string;
  port: number;
  nodePort?: number;
}

export type Health = 'healthy' | 'degraded' | 'unreachable';

export interface ImageStatus {
  container: string;
  image: string;
  /** current: the running tag is the current sources' content tag; changed: it is not; undefined: not built from these sources (postgres). */
  sources?: 'current' | 'changed';
  /** The current sources' content tag, when it differs. */
  sourcesTag?: string;
}

export interface RestartInfo {
  pod: string;
  container: string;
  reason: string;
  exitCode?: number;
  at?: string;
}

export interface WorkloadStatus {
  component: string;
  kind: 'Deployment' | 'StatefulSet';
  name: string;
  ready: number;
  desired: number;
  updated: number;
  /** Rolled out by `kubectl rollout status`'s rules (workloadProgress). */
  done: boolean;
  images: ImageStatus[];
  /** Pod phases of the workload's serving pods, with a waiting reason in place of "Pending"/"Running" when a container waits (CrashLoopBackOff). */
  phases: Record<string, number>;
  restarts: number;
  lastRestart?: RestartInfo;
}

export interface ServiceStatus {
  name: string;
  component: string;
  type: string;
  ports: { name?: string; port: number; nodePort?: number }[];
  /** http://<node address>:<nodePort>, when the host reaches NodePorts. */
  url?: string;
}

export interface WarningEvent {
  at: string;
  object: string;
  reason: string;
  message: string;
  count: number;
}

export interface StatusReport {
  health: Health;
  exitCode: ExitCodeValue;
  context: string;
  provider?: string;
  namespace: string;
  release: string;
  revision?: { revision: number; status: string; chart: string; appVersion: string; updated: string; description: string };
  workloads: WorkloadStatus[];
  services: ServiceStatus[];
  events: WarningEvent[];
  /** Why it is degraded or unreachable; empty when healthy. */
  problems: string[];
  /** Why the images could not be compared with the sources (the app folders are missing, …). */
  sourcesNote?: string;
  /** Services not reachable from the host by NodePort: how to reach them. */
  accessHint?: string;
  checkedAt: string;
}

export interface StatusOptions {
  config: Config;
  run: Runner;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Warning events newer than this count (default 10 minutes). */
  eventWindowMs?: number;
  now?: () => number;
}

const EVENT_WINDOW_MS = 10 * 60_000;
/** The tag of an image reference (none for `repo@sha256:…`), by the one ImageRef parser. */
const tagOf = (image: string) => {
  try {
    return parseImageRef(image).tag;
  } catch {
    return undefined;
  }
};

/**
 * The content tags of the current sources by component (the tags deploy would build), or why there
 * are none. A frontend whose browser code calls the backend directly is built with the URL a browser
 * reaches: `browserUrlNeeded` says so, and the caller plans again with it (deploy does the same).
 */
function sourceTags(
  config: Config,
  browserBackendUrl?: string,
): { tags: Record<string, string>; note?: string; browserUrlNeeded?: boolean } {
  try {
    const { app, plans } = quietPlan(config, { browserBackendUrl });
    return {
      tags: Object.fromEntries(plans.map((p) => [p.name, p.image.tag ?? ''])),
      browserUrlNeeded: !browserBackendUrl && needsBrowserUrl(app),
    };
  } catch (error) {
    return { tags: {}, note: `sources not compared: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
}

/** The pods a workload's selector matches. */
function podsOf(workload: KubeObject, pods: readonly KubeObject[]): KubeObject[] {
  const sel: Record<string, string> = workload.spec?.selector?.matchLabels ?? {};
  return pods.filter((p) => Object.entries(sel).every(([k, v]) => p.metadata.labels?.[k] === v));
}

/** A pod's phase as people read it: the waiting reason of a container that waits (CrashLoopBackOff), else the phase. */
function phaseOf(pod: Pod): string {
  const waiting = statuses(pod).find((s) => s.state?.waiting?.reason)?.state?.waiting?.reason;
  if (waiting && waiting !== 'ContainerCreating') return waiting;
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  return pod.status?.phase ?? 'Unknown';
}

function workloadStatus(
  w: Workload & KubeObject,
  pods: readonly KubeObject[],
  tags: Record<string, string>,
  releaseTags: Record<string, string> = {},
): WorkloadStatus {
  const state = workloadProgress(w);
  const mine = podsOf(w, pods);
  const name = component(w);
  const phases: Record<string, number> = {};
  let restarts = 0;
  let lastRestart: RestartInfo | undefined;
  for (const pod of mine) {
    const phase = phaseOf(pod);
    phases[phase] = (phases[phase] ?? 0) + 1;
    for (const s of statuses(pod)) {
      restarts += s.restartCount ?? 0;
      const t = s.lastState?.terminated;
      if (!s.restartCount || !t) continue;
      if (!lastRestart || Date.parse(t.finishedAt ?? '') > Date.parse(lastRestart.at ?? '')) {
        lastRestart = { pod: pod.metadata.name, container: s.name, reason: t.reason ?? 'restart', exitCode: t.exitCode, at: t.finishedAt };
      }
    }
  }
  // The image each container runs: the reference the workload asks for (containerd reports a
  // digest-pinned image by its config ID, which names nothing a person knows).
  const running = new Map<string, string>();
  for (const c of w.spec?.template?.spec?.containers ?? []) running.set(c.name, c.image);
  const want = tags[name];
  const images = [...running].map(([container, image]): ImageStatus => {
    if (!want) return { container, image };
    // A ref pinned by digest alone keeps its content tag in the release's values.
    const deployed = tagOf(image) ?? (image.includes('@sha256:') ? releaseTags[name] : undefined);
    return deployed === want ? { container, image, sources: 'current' } : { container, image, sources: 'changed', sourcesTag: want };
  });
  return {
    component: name,
    kind: state.kind,
    name: state.name,
    ready: state.ready,
    desired: state.desired,
    updated: state.updated,
    done: state.done,
    images,
    phases,
    restarts,
    lastRestart,
  };
}

function warningEvents(events: readonly KubeEvent[], sinceMs: number): WarningEvent[] {
  return events
    .map((e) => ({
      e,
      at: e.lastTimestamp ?? e.eventTime ?? e.series?.lastObservedTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp,
    }))
    .filter((x): x is { e: KubeEvent; at: string } => x.e.type === 'Warning' && Date.parse(x.at ?? '') >= sinceMs)
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
    .map(({ e, at }) => ({
      at,
      object: `${e.involvedObject?.kind ?? '?'}/${e.involvedObject?.name ?? '?'}`,
      reason: e.reason ?? '',
      message: String(e.message ?? '').trim(),
      count: e.count ?? e.series?.count ?? 1,
    }));
}

/** Why the deployment is not healthy, one line each; empty when it is. */
function problemsOf(report: Pick<StatusReport, 'revision' | 'workloads' | 'release' | 'namespace'>): string[] {
  const problems: string[] = [];
  if (!report.revision) problems.push(`release ${report.release} is not installed in namespace ${report.namespace}`);
  else if (report.revision.status !== 'deployed')
    problems.push(`release ${report.release} revision ${report.revision.revision} is ${report.revision.status}`);
  if (report.revision && !report.workloads.length) problems.push('the release has no Deployment or StatefulSet');
  for (const w of report.workloads) {
    if (!w.done)
      problems.push(
        `${w.component}: ${w.ready}/${w.desired} ready${w.updated < w.desired ? `, ${w.updated}/${w.desired} updated` : ''}${Object.keys(w.phases).some((p) => p !== 'Running') ? ` (${phaseText(w.phases)})` : ''}`,
      );
  }
  return problems;
}

export function phaseText(phases: Record<string, number>): string {
  const entries = Object.entries(phases);
  return entries.length ? entries.map(([phase, n]) => `${n} ${phase}`).join(', ') : 'no pods';
}

/** Reads everything status shows; a cluster that does not answer gives a report with health "unreachable", not an exception. */
export async function readStatus(opts: StatusOptions): Promise<StatusReport> {
  const { config } = opts;
  const now = opts.now ?? Date.now;
  const run: Runner = opts.env ? (cmd, args, o = {}) => opts.run(cmd, args, { ...o, env: { ...opts.env, ...o.env } }) : opts.run;
  const base = {
    namespace: config.namespace,
    release: config.releaseName,
    workloads: [],
    services: [],
    events: [],
    checkedAt: new Date(now()).toISOString(),
  };
  let target: ClusterTarget;
  try {
    target = await resolveTarget(run, config, opts.env);
  } catch (error) {
    throw missingTool(error);
  }
  const kube = new Kubectl(run, { context: target.context, namespace: config.namespace });
  const ctx = readContext(
    kube,
    config.releaseName,
    opts.signal,
    async (args) =>
      (
        await run('helm', [...args, '--kube-context', target.context, '--namespace', config.namespace], {
          timeoutMs: 30_000,
          signal: opts.signal,
        })
      ).stdout,
  );
  const provider = providerFor(run, target);
  try {
    // Independent reads, at once: the release, its objects, the namespace's events, where NodePorts answer.
    // All of them end before a failure is reported (settleAll): none outlives the command.
    const reads = settleAll([
      latestRevision(ctx),
      releaseObjects(ctx),
      servingPods(ctx),
      kube.json<KubeList<KubeEvent>>(['events'], { signal: opts.signal }).then((l) => l.items),
      provider.nodeAddress().catch(() => undefined),
    ]);
    let sources = sourceTags(config); // while those run
    const [revision, objects, serving, events, address] = await reads;
    const browser = sources.browserUrlNeeded ? browserUrlsAt(address, config) : undefined;
    if (browser) sources = sourceTags(config, browser.backend);
    // Only a release deployed by digest (a registry) needs its values to know the content tags: one more helm call.
    const pinned = objects
      .filter(isWorkload)
      .some((w) =>
        (w.spec?.template?.spec?.containers ?? []).some((c: { image: string }) => c.image.includes('@sha256:') && !tagOf(c.image)),
      );
    const releaseTags: Record<string, string> = {};
    if (pinned) {
      const values = JSON.parse((await ctx.helm(['get', 'values', config.releaseName, '--output', 'json'])) || '{}') as Record<
        string,
        { image?: { tag?: string } }
      >;
      for (const [key, v] of Object.entries(values ?? {})) if (typeof v?.image?.tag === 'string') releaseTags[key] = v.image.tag;
    }
    const workloads = objects
      .filter(isWorkload)
      .map((w) => workloadStatus(w, serving, sources.tags, releaseTags))
      .sort((a, b) => a.component.localeCompare(b.component));
    const services = objects
      .filter((o) => o.kind === 'Service')
      .map((s): ServiceStatus => {
        const ports = ((s.spec?.ports ?? []) as ServicePort[]).map((p) => ({ name: p.name, port: p.port, nodePort: p.nodePort }));
        const nodePort = (ports.find((p: { name?: string }) => p.name === 'http') ?? ports[0])?.nodePort;
        const host = address?.includes(':') ? `[${address}]` : address;
        return {
          name: s.metadata.name,
          component: component(s),
          type: s.spec?.type ?? 'ClusterIP',
          ports,
          url: host && nodePort ? `http://${host}:${nodePort}` : undefined,
        };
      })
      .sort((a, b) => a.component.localeCompare(b.component));
    const rev = revision && {
      revision: revision.revision,
      status: revision.status,
      chart: revision.chart,
      appVersion: revision.app_version,
      updated: revision.updated,
      description: revision.description,
    };
    const partial = {
      ...base,
      context: target.context,
      provider: target.provider,
      revision: rev,
      workloads,
      services,
      events: warningEvents(events, now() - (opts.eventWindowMs ?? EVENT_WINDOW_MS)),
    };
    const problems = problemsOf(partial);
    const nodePorts = services.some((s) => s.ports.some((p) => p.nodePort));
    return {
      ...partial,
      problems,
      health: problems.length ? 'degraded' : 'healthy',
      exitCode: problems.length ? ExitCode.failed : ExitCode.ok,
      sourcesNote: sources.note,
      accessHint: nodePorts && !address ? 'the NodePorts are not reachable from this host: `npm run open` tunnels to the app' : undefined,
    };
  } catch (error) {
    if (error instanceof ClusterUnreachableError || (error instanceof CommandError && isUnreachable(error.stderrTail))) {
      return {
        ...base,
        context: target.context,
        provider: target.provider,
        problems: [
          error instanceof ClusterUnreachableError
            ? error.message
            : `the cluster of context ${target.context} does not answer: ${error.stderrTail.trim().split('\n').pop()}`,
        ],
        health: 'unreachable',
        exitCode: ExitCode.prereq,
      };
    }
    throw missingTool(error);
  }
}

/** kubectl or helm not installed: exit 3 with the fix, as the other scripts do. */
function missingTool(error: unknown): unknown {
  if (error instanceof CommandError && error.toolExitCode === 127) {
    const tool = error.command.split(' ')[0] ?? 'a tool';
    return new PrereqError(
      `${tool} is not installed or not on PATH (status reads the cluster through kubectl and helm)`,
      'install kubectl and Helm 3.17+ (npm run deploy -- --help lists the prerequisites), or fix PATH',
    );
  }
  return error;
}

/** The --json document. */
export function statusJson(report: StatusReport): Record<string, unknown> {
  return { ok: report.exitCode === ExitCode.ok, ...report };
}
