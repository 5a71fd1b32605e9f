// Image sizes against their budgets: total, base and app layers (total − base),
// with the largest layers named when an image is over.
import type { HistoryEntry } from '../docker.ts';
import { ExitCode, ToolkitError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Engine, ImageResult } from './build.ts';
import type { ImagePlan } from './plan.ts';

const MB = 1_000_000; // as docker prints sizes

export interface SizeReport {
  totalBytes: number;
  baseBytes?: number;
  appBytes?: number;
  budgetMb: number;
  overBudget: boolean;
  largestLayers: HistoryEntry[];
}

/** What an image over its budget means: build-images fails (exit 1), deploy warns and goes on. */
export type SizeMode = 'fail' | 'warn';

export const toMb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;

export function describeLayer(entry: HistoryEntry): string {
  const text = entry.createdBy
    .replace(/^\|\d+ (\S+=\S* )*/, '')
    .replace(/^\/bin\/sh -c (#\(nop\) )?/, '')
    .replace(/\s+/g, ' ')
    .trim();
  const what = text || '(a base image layer)';
  return `${toMb(entry.sizeBytes)} MB  ${what.length > 110 ? `${what.slice(0, 107)}...` : what}`;
}

/** The sentence an over-budget image gets in the IMAGE_SIZE error. */
export function overBudgetText(plan: ImagePlan, size: SizeReport): string {
  return `${plan.name} is ${toMb(size.totalBytes)} MB, over its ${plan.budgetMb} MB budget (${plan.budgetKey})`;
}

export function sizeError(over: readonly string[]): ToolkitError {
  return new ToolkitError(
    over.join('; '),
    ExitCode.failed,
    'shrink the largest layers listed above, or raise the budget if the growth is intended',
    'IMAGE_SIZE',
  );
}

/**
 * Reads one image's size (and its base's), reports it as a line, and returns it.
 * Over budget: a ✗ line with the largest layers ('fail'), or a ⚠ line ('warn').
 */
export async function measureSize(engine: Engine, plan: ImagePlan, log: Logger, mode: SizeMode = 'fail'): Promise<SizeReport> {
  const { docker } = engine;
  const infos = await docker.inspectImages([plan.ref, plan.base]);
  const info = infos.get(plan.ref);
  if (!info)
    throw new ToolkitError(`${plan.ref} vanished from the engine during the run`, ExitCode.failed, 'run build-images again', 'IMAGE_BUILD');
  const baseBytes = infos.get(plan.base)?.Size;
  const totalBytes = info.Size;
  const appBytes = baseBytes === undefined ? undefined : totalBytes - baseBytes;
  const overBudget = totalBytes > plan.budgetMb * MB;
  // The layer listing explains the verdict; an engine that cannot give it must not change the verdict.
  let unlisted: string | undefined;
  const history = overBudget
    ? await docker.history(plan.ref).catch((error: unknown) => {
        unlisted = error instanceof Error ? error.message.split('\n')[0] : String(error);
        return [];
      })
    : [];
  const largestLayers = [...history].sort((a, b) => b.sizeBytes - a.sizeBytes).slice(0, 5);
  const size: SizeReport = { totalBytes, baseBytes, appBytes, budgetMb: plan.budgetMb, overBudget, largestLayers };
  const line = `${plan.name}: ${toMb(totalBytes)} MB (base ${baseBytes === undefined ? '?' : toMb(baseBytes)} MB + app layers ${appBytes === undefined ? '?' : toMb(appBytes)} MB), budget ${plan.budgetMb} MB`;
  const data = {
    image: plan.name,
    totalMb: toMb(totalBytes),
    baseMb: baseBytes === undefined ? undefined : toMb(baseBytes),
    appMb: appBytes === undefined ? undefined : toMb(appBytes),
    budgetMb: plan.budgetMb,
  };
  if (overBudget) {
    const layers = unlisted ? [`largest layers unavailable: ${unlisted}`] : ['largest layers:', ...largestLayers.map(describeLayer)];
    const detail = mode === 'warn' ? [...layers, `raise ${plan.budgetKey} if the growth is intended; build-images fails on this`] : layers;
    log.result(mode, `${line}: over budget`, detail, { ...data, overBudget: true, largestLayers: largestLayers.map(describeLayer) });
  } else log.result('ok', line, [], data);
  return size;
}

/** Total, base and app-layer sizes of each image; over budget → exit 1 IMAGE_SIZE naming the largest layers (with 'warn': ⚠ lines only). */
export async function checkSizes(
  engine: Engine,
  plans: readonly ImagePlan[],
  results: ImageResult[],
  log: Logger,
  mode: SizeMode = 'fail',
): Promise<void> {
  const over: string[] = [];
  for (const plan of plans) {
    const size = await measureSize(engine, plan, log, mode);
    const result = results.find((r) => r.name === plan.name);
    if (result) result.size = size;
    if (size.overBudget) over.push(overBudgetText(plan, size));
  }
  if (over.length && mode === 'fail') throw sizeError(over);
}
