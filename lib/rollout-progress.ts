// The rollout watch's progress, for people and machines: on a TTY one live line per
// workload redrawn in place; in CI or a pipe a line on every change and at least every
// 10 s; with --json one event per change; at the end one summary line per workload.
import type { WorkloadProgress } from './status/progress.ts';
import { formatDuration, type Logger } from './log.ts';

/** A plain (CI, pipe) run repeats an unchanged state this often, so a long image pull is not silence. */
export const PLAIN_REPEAT_MS = 10_000;

/** How often the watch looks: on a TTY a change must show within 1 s. */
export function pollIntervalMs(log: Logger): number {
  return log.mode === 'pretty' ? 500 : 2000;
}

/** `backend 0/1 ContainerCreating (pulling image, 12s)`, `frontend 2/2 ready`. */
export function workloadLine(w: WorkloadProgress, sinceMs?: number): string {
  if (w.done) return `${w.name} ${w.ready}/${w.desired} ready`;
  const why = w.why ?? 'updating';
  const elapsed = sinceMs === undefined ? '' : `${Math.floor(sinceMs / 1000)}s`;
  const detail = /\)$/.test(why) && elapsed ? `${why.slice(0, -1)}, ${elapsed})` : `${why}${elapsed ? ` (${elapsed})` : ''}`;
  return `${w.name} ${w.ready}/${w.desired} ${detail}`;
}

const stateKey = (w: WorkloadProgress) => `${w.name} ${w.ready}/${w.desired} ${w.done ? 'done' : (w.why ?? '')}`;

export class RolloutProgress {
  private readonly started: number;
  /** When each workload entered its current state (for "12s" in its line). */
  private readonly since = new Map<string, { key: string; at: number }>();
  private lastKey = '';
  private lastPrinted = -Infinity;
  private last: WorkloadProgress[] = [];

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  /** One look of the watch. */
  update(workloads: readonly WorkloadProgress[]): void {
    const at = this.now();
    for (const w of workloads) {
      const key = stateKey(w);
      if (this.since.get(w.name)?.key !== key) this.since.set(w.name, { key, at });
    }
    this.last = [...workloads];
    const key = workloads.map(stateKey).join('\n');
    const changed = key !== this.lastKey;
    this.lastKey = key;
    const lines = () => workloads.map((w) => workloadLine(w, at - (this.since.get(w.name)?.at ?? at)));
    if (this.log.mode === 'pretty') {
      this.log.live(lines());
    } else if (this.log.mode === 'json') {
      if (changed)
        this.log.event({
          type: 'rollout',
          workloads: workloads.map((w) => ({
            kind: w.kind,
            name: w.name,
            ready: w.ready,
            desired: w.desired,
            updated: w.updated,
            done: w.done,
            why: w.done ? undefined : w.why,
          })),
        });
    } else if (changed || at - this.lastPrinted >= PLAIN_REPEAT_MS) {
      this.log.info(`  ${lines().join(', ')}`);
      this.lastPrinted = at;
    }
  }

  /** The rollout completed: one summary line per workload (replacing the live lines on a TTY). */
  finish(workloads: readonly WorkloadProgress[] = this.last): void {
    const took = formatDuration(this.now() - this.started);
    const summary = (w: WorkloadProgress) => `${workloadLine(w)} (rollout ${took})`;
    if (this.log.mode === 'pretty') this.log.live(workloads.map((w) => `✓ ${summary(w)}`));
    else
      for (const w of workloads)
        this.log.result('ok', summary(w), [], { workload: w.name, kind: w.kind, ready: w.ready, desired: w.desired });
  }
}
