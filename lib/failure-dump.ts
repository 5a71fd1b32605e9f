// What a person looks at after a failed rollout: the failing pod's events, the last log
// lines of its container (and of the previous one), and the exact kubectl commands for
// more; with --dump-dir, describe, logs and events of the whole release as files (CI
// artifacts). Read before the rollback, which takes the failing pods away. Never reads
// Secret data: `describe` of a Secret prints only sizes, and Secrets are not described.
import { accessSync, constants, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ExitCode, ToolkitError } from './errors.ts';
import { CommandError } from './exec.ts';
import { releaseSelector, type Kubectl, type KubeList } from './kubectl.ts';
import type { Diagnosis } from './status/advice.ts';
import type { KubeEvent, Pod } from './status/types.ts';
import { redact } from './redact.ts';

const LOG_LINES = 20;

/** `--dump-dir DIR` must be writable (or creatable): checked before anything changes; exit 2 otherwise. */
export function checkDumpDir(dir: string, root: string): string {
  const full = path.resolve(root, dir);
  let probe = full;
  while (!existsSync(probe)) probe = path.dirname(probe);
  const problem = !statSync(probe).isDirectory()
    ? `${probe === full ? 'it' : probe} is a file, not a folder`
    : (() => {
        try {
          accessSync(probe, constants.W_OK);
          return undefined;
        } catch {
          return `${probe === full ? 'it' : probe} is not writable`;
        }
      })();
  if (problem)
    throw new ToolkitError(
      `--dump-dir ${dir}: cannot write the failure dump there: ${problem}`,
      ExitCode.usage,
      'give a folder you can write to (it is created when missing), e.g. --dump-dir rollout-dump',
      'DUMP_DIR_UNWRITABLE',
    );
  return full;
}

/** One event as a line: `Warning BackOff: Back-off restarting failed container (×12)`. */
const eventLine = (e: KubeEvent) =>
  `${e.type ?? ''} ${e.reason ?? ''}: ${String(e.message ?? '').trim()}${Number(e.count ?? 1) > 1 ? ` (×${e.count})` : ''}`.trim();

const lastLines = (text: string, n = LOG_LINES) => text.trimEnd().split('\n').filter(Boolean).slice(-n);

async function podEvents(kubectl: Kubectl, pod: string): Promise<string[]> {
  const list = await kubectl
    .json<KubeList<KubeEvent>>(['events', '--field-selector', `involvedObject.name=${pod}`])
    .catch(() => ({ items: [] as KubeEvent[] }));
  return list.items.filter((e) => e.involvedObject?.name === pod).map(eventLine);
}

/** The last log lines, or kubectl's reason there are none ("container … is waiting to start: ContainerCreating"). */
async function logTail(kubectl: Kubectl, pod: string, container: string, previous: boolean): Promise<string[] | string> {
  return kubectl.exec(['logs', pod, '--container', container, '--tail', String(LOG_LINES), ...(previous ? ['--previous'] : [])]).then(
    (text) => lastLines(text),
    (error: unknown) => (error instanceof CommandError ? error.stderrTail : String(error)).trim().split('\n').pop() ?? '',
  );
}

/**
 * The lines printed under a rollout failure. The crash-loop diagnosis already shows the
 * previous container's log; it is not repeated.
 */
export async function failureReport(kubectl: Kubectl, diagnosis: Diagnosis, release: string): Promise<string[]> {
  const k = `kubectl --context ${kubectl.target.context} -n ${kubectl.target.namespace}`;
  const { pod, container } = diagnosis;
  if (!pod) {
    return [
      'look next:',
      `  ${k} get pods,events --selector ${releaseSelector(release)}`,
      `  ${k} describe pods --selector ${releaseSelector(release)}`,
    ];
  }
  const lines: string[] = [];
  const events = await podEvents(kubectl, pod);
  lines.push(events.length ? `events of pod ${pod}:` : `pod ${pod} has no events`, ...events.map((e) => `  ${e}`));
  if (container) {
    const current = await logTail(kubectl, pod, container, false);
    if (typeof current === 'string') lines.push(`no log of container ${container}${current ? `: ${current}` : ''}`);
    else if (current.length) lines.push(`last ${current.length} log lines of container ${container}:`, ...current.map((l) => `  ${l}`));
    else lines.push(`container ${container} has no log lines yet`);
    if (diagnosis.code !== 'CRASH_LOOP') {
      // Most containers have no previous one: only a log that is there is shown.
      const previous = await logTail(kubectl, pod, container, true);
      if (typeof previous !== 'string' && previous.length)
        lines.push(`last ${previous.length} log lines of the previous container ${container}:`, ...previous.map((l) => `  ${l}`));
    }
  }
  lines.push(
    'look next:',
    `  ${k} describe pod/${pod}`,
    ...(container ? [`  ${k} logs pod/${pod} --container ${container}`, `  ${k} logs pod/${pod} --container ${container} --previous`] : []),
    `  ${k} get events --field-selector involvedObject.name=${pod}`,
  );
  return lines;
}

/**
 * Writes describe.txt, events.txt and logs/<pod>.<container>[.previous].log of the release
 * into `dir`; returns the files written. A file kubectl cannot fill says why instead.
 */
export async function writeDump(kubectl: Kubectl, release: string, dir: string): Promise<string[]> {
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const written: string[] = [];
  const put = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), redact(text.endsWith('\n') ? text : `${text}\n`));
    written.push(name);
  };
  const selector = ['--selector', releaseSelector(release)];
  const failed = (what: string, error: unknown) =>
    `${what} failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  put(
    'describe.txt',
    await kubectl
      .exec(['describe', 'deployments,statefulsets,replicasets,pods,services,persistentvolumeclaims', ...selector])
      .catch((e: unknown) => failed('kubectl describe', e)),
  );
  const events = await kubectl.json<KubeList<KubeEvent>>(['events']).catch((e: unknown) => failed('kubectl get events', e));
  put(
    'events.txt',
    typeof events === 'string'
      ? events
      : events.items
          .map((e) =>
            `${e.lastTimestamp ?? e.eventTime ?? ''} ${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''} ${eventLine(e)}`.trim(),
          )
          .join('\n') || '(no events)',
  );
  const pods = await kubectl.json<KubeList<Pod>>(['pods', ...selector]).catch(() => ({ items: [] as Pod[] }));
  for (const pod of pods.items) {
    for (const status of pod.status?.containerStatuses ?? []) {
      const base = `logs/${pod.metadata.name}.${status.name}`;
      put(
        `${base}.log`,
        await kubectl.exec(['logs', pod.metadata.name, '--container', status.name]).catch((e: unknown) => failed('kubectl logs', e)),
      );
      if ((status.restartCount ?? 0) > 0 || status.lastState?.terminated) {
        put(
          `${base}.previous.log`,
          await kubectl
            .exec(['logs', pod.metadata.name, '--container', status.name, '--previous'])
            .catch((e: unknown) => failed('kubectl logs --previous', e)),
        );
      }
    }
  }
  return written;
}
