// The inner loop of `npm run dev`, as pure logic over a small set of steps (DevSteps), so
// debounce, coalescing, cancellation and failure handling are tested with fake steps.
// Goal: what runs on the cluster follows the sources. A burst of saves becomes one cycle
// (trailing debounce); changes that arrive during a cycle wait for the next one; a newer
// change to an image whose build is still running aborts that build (the cycle ends
// "superseded" and the next one starts from the newer sources). A cycle that does not get
// its change serving (build, upgrade or rollout failed, cluster gone) keeps its targets
// dirty: they join the next cycle, so the next good edit deploys everything that is pending.
import type { ImageName } from '../images/plan.ts';
import { sleep } from '../sleep.ts';

export type Target = ImageName | 'chart';
export const TARGETS: readonly Target[] = ['frontend', 'backend', 'chart'];

export interface BuildResult {
  ref: string;
  /** false: the engine already had this content tag (nothing was built). */
  built: boolean;
}

export interface SmokeSummary {
  passed: number;
  total: number;
  /** Names of the failed checks, with their detail. */
  failed: { name: string; detail: string }[];
}

/** What one cycle does on the cluster; the real ones are lib/dev/steps.ts. */
export interface DevSteps {
  /** Builds one image from the sources as they are now; the signal aborts when a newer change to it arrives. */
  build(image: ImageName, signal: AbortSignal): Promise<BuildResult>;
  /**
   * Hands a built image to the cluster (the provider's load); false when the nodes had it already.
   * `fresh`: this cycle built the tag, so no node can have it yet (no need to ask).
   */
  load(image: ImageName, ref: string, signal: AbortSignal, fresh: boolean): Promise<boolean>;
  /** helm upgrade with these image refs (the chart as it is now); the new revision when it is known cheaply. */
  upgrade(refs: Readonly<Record<ImageName, string>>, signal: AbortSignal): Promise<number | undefined>;
  /** Waits until the release is rolled out; rejects with the diagnosis when it will not be. */
  rollout(signal: AbortSignal): Promise<void>;
  /** After a failed rollout: puts the last good revision back; says what it did. */
  recover(failedRevision: number | undefined, signal: AbortSignal): Promise<string>;
  smoke(signal: AbortSignal): Promise<SmokeSummary>;
  /** Whether the cluster answers (polled while the loop is paused). */
  reachable(signal: AbortSignal): Promise<boolean>;
}

export type Outcome = 'ok' | 'smoke-failed' | 'unchanged' | 'build-failed' | 'upgrade-failed' | 'rollout-failed' | 'superseded' | 'paused';
export type StageName = 'built' | 'loaded' | 'upgraded' | 'rolled';

export interface CycleReport {
  n: number;
  targets: Target[];
  outcome: Outcome;
  /** Stages that ran, in order, with their wall time. */
  stages: { name: StageName; ms: number; note?: string }[];
  smoke?: SmokeSummary;
  /** Time the smoke checks took (HTTP against the app, not tool time). */
  smokeMs?: number;
  /** One line: what failed, or what recovery did. */
  message?: string;
  /** More lines (the failing build step's last lines). */
  details?: string[];
  /** The revision the cycle installed, when it reached the upgrade. */
  revision?: number;
  totalMs: number;
}

export interface DevLoopOptions {
  /** Quiet time after the last change before a cycle starts; default 300 ms. */
  debounceMs?: number;
  /** How often a paused loop asks whether the cluster answers again; default 2 s. */
  pollMs?: number;
  /** The refs deployed before the loop starts (deploy's). */
  refs: Record<ImageName, string>;
  onReport(report: CycleReport): void;
  /** Pause and resume messages. */
  onNotice?(kind: 'paused' | 'resumed', message: string): void;
  /** Whether an error means the cluster does not answer (pause, do not fail). */
  isUnreachable?(error: unknown): boolean;
  now?(): number;
}

/** A build aborted because a newer change to its image arrived. */
export class Superseded extends Error {
  constructor(readonly image: ImageName) {
    super(`${image} changed again during its build`);
  }
}

/** Errors a step may throw with extra lines to show (a build's failing step output). */
export interface DetailedError extends Error {
  details?: string[];
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
const isImage = (t: Target): t is ImageName => t !== 'chart';
const defaultUnreachable = (error: unknown) => (error as { code?: string })?.code === 'CLUSTER_UNREACHABLE';

export class DevLoop {
  private readonly pending = new Set<Target>();
  /** Targets of cycles that did not get their change serving: they join the next cycle. */
  private readonly dirty = new Set<Target>();
  private readonly builds = new Map<ImageName, AbortController>();
  private readonly stopped = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private paused: Promise<void> | undefined;
  private cycles = 0;
  private idleWaiters: (() => void)[] = [];
  readonly refs: Record<ImageName, string>;

  constructor(
    private readonly steps: DevSteps,
    private readonly opts: DevLoopOptions,
  ) {
    this.refs = { ...opts.refs };
  }

  get cycleCount(): number {
    return this.cycles;
  }

  get isPaused(): boolean {
    return this.paused !== undefined;
  }

  /** A file of `target` changed. */
  change(target: Target): void {
    if (this.stopped.signal.aborted) return;
    this.pending.add(target);
    if (isImage(target)) this.builds.get(target)?.abort(new Superseded(target));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), this.opts.debounceMs ?? 300);
  }

  /** Targets known not to be serving their sources (the first deploy failed): they join the next cycle. */
  markDirty(targets: readonly Target[]): void {
    for (const t of targets) this.dirty.add(t);
  }

  /** Resolves once no cycle runs or waits (tests, bench). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops: aborts running builds and the rollout watch, waits for the cycle to end. */
  async stop(): Promise<void> {
    this.stopped.abort();
    clearTimeout(this.timer);
    for (const controller of this.builds.values()) controller.abort();
    await this.running;
    await this.paused;
  }

  private isIdle(): boolean {
    return !this.running && !this.paused && !this.pending.size && this.timer === undefined;
  }

  private settle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private kick(): void {
    this.timer = undefined;
    if (this.running || this.paused || this.stopped.signal.aborted) return this.settle();
    if (!this.pending.size) return this.settle();
    const targets = TARGETS.filter((t) => this.pending.has(t) || this.dirty.has(t));
    this.pending.clear();
    this.dirty.clear();
    this.running = this.cycle(targets).finally(() => {
      this.running = undefined;
      // Changes that came during the cycle: the next cycle, after the same quiet time.
      if (this.pending.size && !this.paused && !this.stopped.signal.aborted) {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.kick(), this.opts.debounceMs ?? 300);
      }
      this.settle();
    });
  }

  private async cycle(targets: Target[]): Promise<void> {
    const now = this.opts.now ?? (() => performance.now());
    const started = now();
    const n = ++this.cycles;
    const signal = this.stopped.signal;
    const report: CycleReport = { n, targets, outcome: 'ok', stages: [], totalMs: 0 };
    const stage = async <T>(name: StageName, fn: () => Promise<T>, note?: (value: T) => string | undefined): Promise<T> => {
      const t0 = now();
      const value = await fn();
      report.stages.push({ name, ms: now() - t0, note: note?.(value) });
      return value;
    };
    const finish = (outcome: Outcome, error?: unknown) => {
      report.outcome = outcome;
      if (error !== undefined) {
        report.message ??= firstLine(error);
        const details = (error as DetailedError)?.details;
        if (details?.length) report.details = details;
      }
      if (outcome !== 'ok' && outcome !== 'smoke-failed' && outcome !== 'unchanged') for (const t of targets) this.dirty.add(t);
      report.totalMs = now() - started;
      if (!signal.aborted) this.opts.onReport(report);
    };
    const images = targets.filter(isImage);
    const refs = { ...this.refs };
    let phase: 'build' | 'upgrade' | 'rollout' = 'build';
    try {
      if (images.length) {
        for (const image of images) this.builds.set(image, new AbortController());
        const fresh = new Set<ImageName>();
        try {
          const results = await stage(
            'built',
            async () => {
              const settled = await Promise.allSettled(
                images.map((image) => this.steps.build(image, AbortSignal.any([signal, this.builds.get(image)!.signal]))),
              );
              const superseded = images.find((image) => this.builds.get(image)!.signal.aborted);
              if (superseded) throw new Superseded(superseded);
              const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
              if (failed) throw failed.reason;
              return (settled as PromiseFulfilledResult<BuildResult>[]).map((s) => s.value);
            },
            (results) => (results.some((r) => r.built) ? undefined : 'up to date'),
          );
          images.forEach((image, i) => {
            refs[image] = results[i]!.ref;
            if (results[i]!.built) fresh.add(image);
          });
        } finally {
          for (const image of images) this.builds.delete(image);
        }
        const changed = images.filter((image) => refs[image] !== this.refs[image]);
        if (!changed.length && !targets.includes('chart')) {
          report.message = 'the build context did not change (same content tag): nothing to deploy';
          return finish('unchanged');
        }
        const loaded = await stage('loaded', async () =>
          (await Promise.all(changed.map((image) => this.steps.load(image, refs[image], signal, fresh.has(image))))).some(Boolean),
        );
        if (!loaded) report.stages.pop();
      }
      phase = 'upgrade';
      const t0 = now();
      const revision = await this.steps.upgrade(refs, signal);
      report.revision = revision;
      const upgradeMs = now() - t0;
      phase = 'rollout';
      try {
        await stage('rolled', () => this.steps.rollout(signal));
        report.stages[report.stages.length - 1]!.ms += upgradeMs;
      } catch (error) {
        if (signal.aborted || this.unreachable(error)) throw error;
        report.message = firstLine(error);
        const recovery = await this.steps.recover(revision, signal).catch((e: unknown) => `recovery failed too: ${firstLine(e)}`);
        report.message = `${report.message} → ${recovery}`;
        return finish('rollout-failed', error);
      }
      Object.assign(this.refs, refs);
      const t1 = now();
      const smoke = await this.steps.smoke(signal);
      report.smoke = smoke;
      report.smokeMs = now() - t1;
      return finish(smoke.failed.length ? 'smoke-failed' : 'ok');
    } catch (error) {
      if (signal.aborted) return finish('superseded', error);
      if (error instanceof Superseded) return finish('superseded', error);
      if (this.unreachable(error)) {
        finish('paused', error);
        this.pause(firstLine(error));
        return;
      }
      return finish(phase === 'build' ? 'build-failed' : phase === 'upgrade' ? 'upgrade-failed' : 'rollout-failed', error);
    }
  }

  private unreachable(error: unknown): boolean {
    return (this.opts.isUnreachable ?? defaultUnreachable)(error);
  }

  /** One message, then a quiet poll until the cluster answers; then the dirty targets run again. */
  private pause(why: string): void {
    this.opts.onNotice?.('paused', `${why}; paused until the cluster answers (changes are kept)`);
    this.paused = (async () => {
      const signal = this.stopped.signal;
      while (!signal.aborted) {
        await sleep(this.opts.pollMs ?? 2000, signal);
        if (signal.aborted) break;
        if (await this.steps.reachable(signal).catch(() => false)) break;
      }
      this.paused = undefined;
      if (signal.aborted) return this.settle();
      this.opts.onNotice?.('resumed', 'the cluster answers again: resuming');
      for (const t of this.dirty) this.pending.add(t);
      clearTimeout(this.timer);
      this.kick();
    })();
  }
}
