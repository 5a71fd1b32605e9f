// `logs`: every pod of the release at once, as stern does. The pods are listed
// every couple of seconds; each running container gets one `kubectl logs --follow`
// (a restart or a rollout brings a new container, so a new stream), and every line
// comes out with a coloured prefix naming its pod. The backend's JSON lines are
// shown as level, message and the fields worth reading. Ctrl-C stops every stream.
import type { ContainerStatus } from './status/types.ts';
import pc from 'picocolors';
import { component, servingPods, type ReadContext } from './checks/readers.ts';
import type { Config } from './config.ts';
import { parseDuration } from './config.ts';
import { ExitCode, UsageError, type ExitCodeValue } from './errors.ts';
import { startBackground, type Background, type Runner } from './exec.ts';
import { ClusterUnreachableError, Kubectl, type KubeObject } from './kubectl.ts';
import type { Logger } from './log.ts';
import { redact } from './redact.ts';
import { sleep } from './sleep.ts';
import { resolveTarget } from './providers/index.ts';

export const COMPONENTS = ['frontend', 'backend', 'postgresql'] as const;

export interface LogsFlags {
  component?: readonly string[];
  since?: string;
  previous?: boolean;
  grep?: string;
}

export interface LogsSettings {
  components?: string[];
  /** Whole seconds, as kubectl takes them (--since=600s). */
  sinceSeconds?: number;
  previous: boolean;
  grep?: RegExp;
}

/** Checks every flag before anything runs (exit 2 with the fix). */
export function parseLogsFlags(flags: LogsFlags): LogsSettings {
  const components = flags.component
    ?.flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  const unknown = components?.filter((c) => !(COMPONENTS as readonly string[]).includes(c)) ?? [];
  if (unknown.length)
    throw new UsageError(
      `--component ${unknown.join(',')}: not a component of the Todo Chatbot`,
      `use ${COMPONENTS.join(', ')} (comma-separated or repeated)`,
    );
  let sinceSeconds: number | undefined;
  if (flags.since !== undefined) {
    const ms = parseDuration(flags.since);
    if (!ms)
      throw new UsageError(`--since ${flags.since}: not a duration`, 'use a duration like 30s, 10m or 2h (a bare number is seconds)');
    sinceSeconds = Math.max(1, Math.ceil(ms / 1000));
  }
  let grep: RegExp | undefined;
  if (flags.grep !== undefined) {
    try {
      grep = new RegExp(flags.grep);
    } catch (error) {
      throw new UsageError(
        `--grep ${flags.grep}: not a regular expression (${(error as Error).message})`,
        'give a JavaScript regular expression, e.g. --grep "error|warn"',
      );
    }
  }
  return { components: components?.length ? [...new Set(components)] : undefined, sinceSeconds, previous: Boolean(flags.previous), grep };
}

// --- one line --------------------------------------------------------------------

export interface LogLine {
  pod: string;
  container: string;
  component: string;
  /** The line as the container wrote it. */
  line: string;
  /** A JSON log line's fields (the backend's structured logs, app/backend/app/logs.py). */
  fields?: Record<string, unknown>;
}

/** The pod's name without the release, its ReplicaSet hash shortened: todo-chatbot-backend-7f9c8d6b5-x2x4z → backend-7f9c…x2x4z. */
export function shortPodName(pod: string, release: string): string {
  const rest = pod.startsWith(`${release}-`) ? pod.slice(release.length + 1) : pod;
  const m = /^(.*)-([0-9a-f]{6,10})-([a-z0-9]{5})$/.exec(rest);
  return m ? `${m[1]}-${m[2]!.slice(0, 4)}…${m[3]}` : rest;
}

const COMPONENT_COLOURS: Record<string, keyof ReturnType<typeof pc.createColors>> = {
  frontend: 'cyan',
  backend: 'magenta',
  postgresql: 'yellow',
};
const LEVEL_COLOURS: Record<string, keyof ReturnType<typeof pc.createColors>> = {
  debug: 'dim',
  info: 'green',
  warning: 'yellow',
  warn: 'yellow',
  error: 'red',
  critical: 'red',
};
/** Fields every JSON line has, or that the level and message already say. */
const PLAIN_FIELDS = new Set(['ts', 'time', 'timestamp', 'level', 'msg', 'message', 'logger', 'exc']);

function parseJsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) && ('msg' in value || 'message' in value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A JSON line read aloud: `ERROR  db connect failed  attempt=3 error="timeout"` (+ the traceback below). */
export function readableJson(fields: Record<string, unknown>, color = false): string {
  const c = pc.createColors(color);
  const level = String(fields.level ?? 'info').toLowerCase();
  const paint = c[LEVEL_COLOURS[level] ?? 'reset'] as (s: string) => string;
  const extra = Object.entries(fields)
    .filter(([k]) => !PLAIN_FIELDS.has(k))
    .map(([k, v]) => `${c.dim(`${k}=`)}${typeof v === 'string' && !/\s|"/.test(v) ? v : JSON.stringify(v)}`);
  const exc = typeof fields.exc === 'string' ? `\n${fields.exc}` : '';
  return `${paint(level.toUpperCase().padEnd(5))} ${String(fields.msg ?? fields.message ?? '')}${extra.length ? `  ${extra.join(' ')}` : ''}${exc}`;
}

export interface LineFormat {
  release: string;
  json: boolean;
  color: boolean;
  /** Prefix column width (the longest prefix so far). */
  width: number;
}

export function formatLine(l: LogLine, f: LineFormat): string {
  if (f.json)
    return JSON.stringify({
      type: 'log',
      pod: l.pod,
      container: l.container,
      component: l.component,
      line: l.line,
      ...(l.fields ? { fields: l.fields } : {}),
    });
  const c = pc.createColors(f.color);
  const prefix = shortPodName(l.pod, f.release);
  const paint = c[COMPONENT_COLOURS[l.component] ?? 'blue'] as (s: string) => string;
  const text = l.fields ? readableJson(l.fields, f.color) : l.line;
  return `${paint(prefix.padEnd(f.width))} ${text}`;
}

// --- following the release --------------------------------------------------------

export interface LogsOptions extends LogsSettings {
  config: Config;
  run: Runner;
  log: Logger;
  json: boolean;
  color: boolean;
  signal: AbortSignal;
  env?: NodeJS.ProcessEnv;
  out?: NodeJS.WritableStream;
  /** Start and end of each stream ("+ backend-7f9c…x2x4z"); default stderr. */
  notices?: NodeJS.WritableStream;
  /** How often the pod list is read; default 2 s. */
  pollMs?: number;
  /** Registers the streams' stop for Ctrl-C (runScript's onCleanup). */
  onCleanup?: (fn: () => Promise<void>) => void;
}

interface Stream {
  proc: Background;
  pod: string;
  container: string;
}

/** Containers that run now: pod × container status with the containerID that names this run of it. */
function runningContainers(pods: readonly KubeObject[]): { pod: KubeObject; container: string; id: string }[] {
  return pods.flatMap((pod) =>
    ((pod.status?.containerStatuses ?? []) as ContainerStatus[])
      .filter((s) => s.state?.running)
      .map((s) => ({
        pod,
        container: s.name,
        id: String(s.containerID ?? `${pod.metadata.name}/${s.name}/${s.restartCount ?? 0}`),
      })),
  );
}

/** scripts/logs.ts: --previous prints the last run of every restarted container; otherwise follows until Ctrl-C. */
export async function streamLogs(opts: LogsOptions): Promise<ExitCodeValue> {
  const out = opts.out ?? process.stdout;
  const notices = opts.notices ?? process.stderr;
  const run: Runner = opts.env ? (cmd, args, o = {}) => opts.run(cmd, args, { ...o, env: { ...opts.env, ...o.env } }) : opts.run;
  const target = await resolveTarget(run, opts.config, opts.env);
  const { namespace, releaseName: release } = opts.config;
  const kube = new Kubectl(run, { context: target.context, namespace });
  const fmt: LineFormat = { release, json: opts.json, color: opts.color && !opts.json, width: 0 };
  const c = pc.createColors(fmt.color);
  const notice = (kind: 'started' | 'ended', pod: string, container: string) => {
    if (opts.json) out.write(`${JSON.stringify({ type: kind, pod, container })}\n`);
    else notices.write(`${c.dim(`${kind === 'started' ? '+' : '-'} ${shortPodName(pod, release)} ${container}`)}\n`);
  };
  const emit = (pod: KubeObject, container: string, line: string) => {
    if (opts.grep && !opts.grep.test(line)) return;
    const l: LogLine = { pod: pod.metadata.name, container, component: component(pod), line: redact(line), fields: parseJsonLine(line) };
    fmt.width = Math.max(fmt.width, shortPodName(l.pod, release).length);
    out.write(`${formatLine(l, fmt)}\n`);
  };
  const listPods = async (): Promise<KubeObject[]> => {
    // A fresh read each round: the readers memoize, and this loop wants what is there now.
    const ctx: ReadContext = {
      kube,
      target: { context: target.context, namespace, release },
      signal: opts.signal,
      once: (_key, fn) => fn(),
      helm: async () => '',
    };
    const pods = await servingPods(ctx);
    return pods
      .filter((p) => !opts.components || opts.components.includes(component(p)))
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  };
  const kubectlLogs = (pod: string, container: string, extra: string[]) => [
    '--context',
    target.context,
    '--namespace',
    namespace,
    'logs',
    `pod/${pod}`,
    '--container',
    container,
    ...extra,
  ];

  if (opts.previous) {
    const pods = await listPods();
    const restarted = pods.flatMap((pod) =>
      ((pod.status?.containerStatuses ?? []) as ContainerStatus[])
        .filter((s) => s.lastState?.terminated)
        .map((s) => ({ pod, container: s.name })),
    );
    if (!restarted.length) {
      opts.log.warn(
        `no container of ${release}${opts.components ? ` (${opts.components.join(', ')})` : ''} has restarted: there is no previous log to show`,
      );
      return ExitCode.ok;
    }
    for (const { pod, container } of restarted) {
      const text = await kube.exec(
        [
          'logs',
          `pod/${pod.metadata.name}`,
          '--container',
          container,
          '--previous',
          ...(opts.sinceSeconds ? [`--since=${opts.sinceSeconds}s`] : []),
        ],
        { signal: opts.signal },
      );
      for (const line of text.split('\n').filter((l, i, all) => l || i < all.length - 1)) emit(pod, container, line);
    }
    return ExitCode.ok;
  }

  const streams = new Map<string, Stream>();
  /**
   * Containers already streamed, by containerID, with the time their stream ended. A stream
   * ends with its container (a restart brings a new ID); when it ended while the same
   * container still runs (the API server went away, kubectl died), it is started again from
   * a second before it ended: a line may repeat, none is lost.
   */
  const ended = new Map<string, number | undefined>();
  const stopAll = async () => {
    const all = [...streams.values()];
    streams.clear();
    await Promise.all(all.map((s) => s.proc.stop()));
  };
  opts.onCleanup?.(stopAll);
  let first = true;
  let unreachableSince: number | undefined;
  try {
    while (!opts.signal.aborted) {
      let pods: KubeObject[];
      try {
        pods = await listPods();
        if (unreachableSince !== undefined) opts.log.info('the cluster answers again');
        unreachableSince = undefined;
      } catch (error) {
        // Before the first look, a cluster that does not answer is exit 3; later it is a pause.
        if (first || !(error instanceof ClusterUnreachableError) || opts.signal.aborted) throw error;
        if (unreachableSince === undefined) opts.log.warn(`${error.message}; retrying`);
        unreachableSince ??= Date.now();
        await sleep(opts.pollMs ?? 2000, opts.signal);
        continue;
      }
      for (const p of pods) fmt.width = Math.max(fmt.width, shortPodName(p.metadata.name, release).length);
      if (first && !pods.length)
        opts.log.warn(
          `no running pod of release ${release}${opts.components ? ` (${opts.components.join(', ')})` : ''} in namespace ${namespace} yet; waiting for one (Ctrl-C to stop)`,
        );
      for (const { pod, container, id } of runningContainers(pods)) {
        if (streams.has(id)) continue;
        const endedAt = ended.get(id);
        // The first round honours --since; a container that starts later is shown from its first line.
        const since =
          endedAt !== undefined
            ? [`--since=${Math.ceil((Date.now() - endedAt) / 1000) + 1}s`]
            : first && opts.sinceSeconds
              ? [`--since=${opts.sinceSeconds}s`]
              : [];
        ended.set(id, undefined);
        let partial = '';
        const proc = startBackground('kubectl', kubectlLogs(pod.metadata.name, container, ['--follow', ...since]), {
          env: opts.env,
          log: opts.log,
          timeoutMs: 0,
          onStdout: (chunk) => {
            const lines = (partial + chunk).split('\n');
            partial = lines.pop() ?? '';
            for (const line of lines) emit(pod, container, line);
          },
        });
        streams.set(id, { proc, pod: pod.metadata.name, container });
        notice('started', pod.metadata.name, container);
        void proc.exited.then(() => {
          if (partial) emit(pod, container, partial);
          ended.set(id, Date.now());
          if (streams.delete(id) && !opts.signal.aborted) notice('ended', pod.metadata.name, container);
        });
      }
      first = false;
      await sleep(opts.pollMs ?? 2000, opts.signal);
    }
  } finally {
    await stopAll();
  }
  return ExitCode.interrupted;
}
