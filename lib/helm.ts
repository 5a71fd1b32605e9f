// Helm for deploy and teardown: version detection (3 or 4), release state,
// recovery of a release an interrupted run left pending, the private values
// file that carries secrets, and the digest that makes a no-op redeploy a no-op.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { ExitCode, PrereqError, ToolkitError } from './errors.ts';
import { CommandError, type Runner } from './exec.ts';
import { ClusterUnreachableError } from './kubectl.ts';
import { isUnreachable } from './unreachable.ts';
import { allocatedPortIn, nodePortTaken } from './values-check.ts';

export interface HelmInfo {
  bin: string;
  major: 3 | 4;
  version: string;
}

/** `helm version --template {{.Version}}` → v3.17.3 / v4.1.4. */
export async function detectHelm(run: Runner, bin = 'helm'): Promise<HelmInfo> {
  const result = await run(bin, ['version', '--template', '{{.Version}}'], { timeoutMs: 20_000, nothrow: true }).catch(() => undefined);
  const version = result?.stdout.trim() ?? '';
  const major = Number(/^v(\d+)\./.exec(version)?.[1]);
  if (!result || result.exitCode !== 0 || (major !== 3 && major !== 4)) {
    throw new PrereqError(
      `cannot tell the Helm version (${bin} version printed "${version || result?.stderr.trim() || 'nothing'}")`,
      'install Helm 3.17+ or 4.x (https://helm.sh/docs/intro/install/)',
    );
  }
  return { bin, major: major as 3 | 4, version };
}

export interface ReleaseRef {
  context: string;
  namespace: string;
  release: string;
}

function scope(ref: ReleaseRef): string[] {
  return ['--kube-context', ref.context, '--namespace', ref.namespace];
}

export interface UpgradeArgsOptions extends ReleaseRef {
  chart: string;
  valuesFiles: readonly string[];
  /** Stored as the revision's description: how the next run knows nothing changed. */
  description: string;
  /** Configuration key of each fixed NodePort (30080 → FRONTEND_NODEPORT), to name it when Helm reports it taken. */
  nodePortKeys?: Record<number, string>;
}

/**
 * `helm upgrade --install` argv. Values only by file: argv is world-readable (ps, /proc).
 * No --wait/--atomic (Helm 3) or --wait=watcher/--rollback-on-failure (Helm 4): helm's
 * wait cannot fail fast on a pod that will never start, so deploy watches the rollout
 * itself (lib/rollout.ts) and rolls back with `helm rollback` when it fails, on both majors.
 */
export function upgradeArgs(opts: UpgradeArgsOptions): string[] {
  return [
    'upgrade',
    '--install',
    opts.release,
    opts.chart,
    ...scope(opts),
    '--create-namespace',
    ...opts.valuesFiles.flatMap((f) => ['--values', f]),
    '--description',
    opts.description,
  ];
}

export interface ReleaseStatus {
  revision: number;
  status: string;
  description: string;
  /** The user-supplied values of the revision (what `helm get values` prints): status -o json carries them, so one call answers both. */
  values?: unknown;
}

/** Translates helm's failures: unreachable cluster → exit 3, anything else as is. */
async function helmRun(run: Runner, helm: Pick<HelmInfo, 'bin'>, ref: ReleaseRef, args: string[], timeoutMs = 60_000) {
  try {
    return await run(helm.bin, args, { timeoutMs });
  } catch (error) {
    if (error instanceof CommandError && isUnreachable(error.stderrTail)) {
      throw new ClusterUnreachableError(ref.context, error.stderrTail.trim().split('\n').pop() ?? '');
    }
    throw error;
  }
}

/** The release's latest revision, or undefined when there is no such release. */
export async function releaseStatus(run: Runner, helm: Pick<HelmInfo, 'bin'>, ref: ReleaseRef): Promise<ReleaseStatus | undefined> {
  try {
    const result = await helmRun(run, helm, ref, ['status', ref.release, ...scope(ref), '--output', 'json']);
    const json = JSON.parse(result.stdout) as { version: number; info: { status: string; description?: string }; config?: unknown };
    // config is omitted when empty; then `helm get values` answers (deployedValues), as it would for a Helm that never prints it.
    return { revision: json.version, status: json.info.status, description: json.info.description ?? '', values: json.config };
  } catch (error) {
    if (error instanceof CommandError && /release: not found/.test(error.stderrTail)) return undefined;
    throw error;
  }
}

/** A row of `helm history --output json` (docker.ts's HistoryEntry is an image layer, not this). */
export interface HelmRevision {
  revision: number;
  updated: string;
  status: string;
  chart: string;
  app_version: string;
  description: string;
}

export async function releaseHistory(run: Runner, helm: HelmInfo, ref: ReleaseRef): Promise<HelmRevision[]> {
  const result = await helmRun(run, helm, ref, ['history', ref.release, ...scope(ref), '--output', 'json']);
  return (JSON.parse(result.stdout) as HelmRevision[]).sort((a, b) => a.revision - b.revision);
}

/** The revision to return to: the newest one that was ever deployed, other than `except`. */
export function lastGood(history: readonly HelmRevision[], except?: number): number | undefined {
  return [...history].reverse().find((h) => h.revision !== except && (h.status === 'deployed' || h.status === 'superseded'))?.revision;
}

export type Recovery = { action: 'none' } | { action: 'rolled-back'; from: string; to: number } | { action: 'uninstalled'; from: string };

/**
 * A release left pending-install / pending-upgrade / pending-rollback by an
 * interrupted run blocks every later upgrade ("another operation is in progress").
 * Roll it back to the last deployed revision, or uninstall an install that never
 * completed. Safe because our own run holds no lock on it: a pending status seen
 * here is a dead operation (helm has no live-lock).
 */
export async function recoverPending(run: Runner, helm: HelmInfo, ref: ReleaseRef, current: ReleaseStatus | undefined): Promise<Recovery> {
  if (!current || !current.status.startsWith('pending-')) return { action: 'none' };
  const to = lastGood(await releaseHistory(run, helm, ref), current.revision);
  if (to === undefined) {
    await helmRun(run, helm, ref, ['uninstall', ref.release, ...scope(ref), '--wait'], 5 * 60_000);
    return { action: 'uninstalled', from: current.status };
  }
  await helmRun(run, helm, ref, ['rollback', ref.release, String(to), ...scope(ref)], 5 * 60_000);
  return { action: 'rolled-back', from: current.status, to };
}

/** Undoes a failed deploy: back to the previous good revision, or uninstall a first install. */
export async function rollbackRelease(run: Runner, helm: HelmInfo, ref: ReleaseRef, failedRevision: number): Promise<Recovery> {
  const to = lastGood(await releaseHistory(run, helm, ref), failedRevision);
  if (to === undefined) {
    await helmRun(run, helm, ref, ['uninstall', ref.release, ...scope(ref)], 5 * 60_000);
    return { action: 'uninstalled', from: 'failed' };
  }
  await helmRun(run, helm, ref, ['rollback', ref.release, String(to), ...scope(ref)], 5 * 60_000);
  return { action: 'rolled-back', from: 'failed', to };
}

/** The revision `helm upgrade` reports ("REVISION: 3" in its status table), or undefined (then ask helm status). */
export async function upgrade(run: Runner, helm: HelmInfo, opts: UpgradeArgsOptions, signal?: AbortSignal): Promise<number | undefined> {
  try {
    const result = await run(helm.bin, upgradeArgs(opts), { timeoutMs: 5 * 60_000, signal });
    const revision = Number(/^REVISION: (\d+)$/m.exec(result.stdout)?.[1]);
    return Number.isInteger(revision) && revision > 0 ? revision : undefined;
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    if (isUnreachable(error.stderrTail)) throw new ClusterUnreachableError(opts.context, error.stderrTail.trim().split('\n').pop() ?? '');
    // The API server refused a Service's NodePort: another Service took it after pre-flight looked.
    const allocated = allocatedPortIn(error.stderrTail);
    if (allocated)
      throw nodePortTaken([
        {
          key: opts.nodePortKeys?.[allocated.port] ?? `the nodePort of Service ${allocated.service ?? '?'}`,
          component: allocated.service ?? '',
          port: allocated.port,
        },
      ]);
    const pending = /another operation \(install\/upgrade\/rollback\) is in progress/.test(error.stderrTail);
    throw new ToolkitError(
      `helm upgrade of ${opts.release} failed: ${error.stderrTail.trim().split('\n').slice(-3).join(' ')}`,
      ExitCode.failed,
      pending
        ? 'another helm operation on this release is running (or died): wait for it, or run deploy again to recover the pending release'
        : "read helm's error above; `deploy --dry-run` renders the chart with the same values without touching the cluster",
      pending ? 'HELM_RELEASE_PENDING' : 'HELM_UPGRADE_FAILED',
    );
  }
}

export async function uninstall(run: Runner, helm: HelmInfo, ref: ReleaseRef, opts: { wait?: boolean } = {}): Promise<void> {
  await helmRun(
    run,
    helm,
    ref,
    ['uninstall', ref.release, ...scope(ref), '--ignore-not-found', ...(opts.wait ? ['--wait'] : [])],
    5 * 60_000,
  );
}

// --- the private values file --------------------------------------------------

export interface PrivateValues {
  file: string;
  /** Idempotent: removes the file and its folder. */
  remove(): void;
}

/**
 * Writes values (secrets included) to a 0600 file in a fresh 0700 folder, the
 * only way secrets reach helm: never argv (visible to every user via ps), never
 * logs. The caller removes it in a finally and registers remove() for Ctrl-C.
 */
export function writePrivateValues(values: Record<string, unknown>, prefix = 'todo-chatbot-values-'): PrivateValues {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix)); // mkdtemp creates it 0700
  const file = path.join(dir, 'values.yaml');
  writeFileSync(file, stringify(values), { mode: 0o600, flag: 'wx' });
  let removed = false;
  return {
    file,
    remove() {
      if (removed) return;
      removed = true;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// --- what a deploy would change ---------------------------------------------------

/** sha256 over every file of the chart folder (sorted relative paths and contents). */
export function chartDigest(chartDir: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else
        hash
          .update(`${path.relative(chartDir, full)}\0`)
          .update(readFileSync(full))
          .update('\0');
    }
  };
  walk(chartDir);
  return hash.digest('hex');
}

const DESCRIPTION_PREFIX = 'todo-chatbot-k8s deploy inputs ';

/**
 * The description a deploy stores on its revision: a digest of the chart files
 * only. The values are compared with what the release itself holds (`helm get
 * values`, kept in Helm's own release Secret), never hashed into this public
 * text: an unsalted hash of a low-entropy secret can be guessed offline.
 */
export function deployDescription(parts: { chartDigest: string }): string {
  return `${DESCRIPTION_PREFIX}chart ${parts.chartDigest.slice(0, 16)}`;
}

/** The values the release's latest revision was given (user-supplied, merged), or undefined. */
export async function deployedValues(run: Runner, helm: HelmInfo, ref: ReleaseRef, status?: ReleaseStatus): Promise<unknown> {
  if (status?.values !== undefined) return status.values;
  const result = await helmRun(run, helm, ref, ['get', 'values', ref.release, ...scope(ref), '--output', 'json']);
  return JSON.parse(result.stdout || 'null') ?? {};
}

/** JSON with sorted keys, so that two equal value trees compare equal as text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Why the release needs an upgrade (not deployed, another chart, other values), or undefined: nothing to upgrade. */
export function releaseDifference(
  current: ReleaseStatus | undefined,
  description: string,
  deployed?: unknown,
  wanted?: unknown,
): string | undefined {
  if (!current) return 'no release yet';
  if (current.status !== 'deployed') return `release is ${current.status}`;
  if (current.description !== description) return 'chart changed';
  if (canonicalJson(deployed) !== canonicalJson(wanted)) return 'values changed';
  return undefined;
}

/** Deployed, same chart, same values: nothing to upgrade. */
export function isUnchanged(current: ReleaseStatus | undefined, description: string, deployed?: unknown, wanted?: unknown): boolean {
  return releaseDifference(current, description, deployed, wanted) === undefined;
}
