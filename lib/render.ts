// The raw manifests in manifests/ are generated from the Helm chart, never
// edited: `helm template` with documented values, one file per object, each
// with a header that says so. --check compares instead of writing, for CI.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CommandError, createRunner, type Runner } from './exec.ts';
import { ExitCode, PrereqError, ToolkitError, type ExitCodeValue } from './errors.ts';
import type { Logger } from './log.ts';
import { HELM_INSTALL_HINT } from './prereqs.ts';

import { REPO_ROOT } from './cli.ts';

export { REPO_ROOT };
/** Paths relative to the repository root (they appear in the generated headers). */
export const CHART_PATH = 'helm-chart/todo-chatbot';
export const MANIFESTS_VALUES_PATH = `${CHART_PATH}/ci/manifests-values.yaml`;
export const MANIFESTS_DIR = 'manifests';
export const RELEASE_NAME = 'todo-chatbot';
export const REGENERATE_COMMAND = 'node --import tsx scripts/render.ts';
/** First line of every generated file: how write mode tells its own files from others. */
export const GENERATED_MARKER = '# GENERATED FILE - DO NOT EDIT.';

/** Helm's install order (pkg/release/util/kind_sorter.go), so that `ls manifests/` reads in apply order. */
const KIND_ORDER = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
] as const;
const UNKNOWN_KIND_ORDER = 99;

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface RenderedDoc {
  /** The template it came from, e.g. "templates/backend/deployment.yaml". */
  source: string;
  /** The document's YAML as Helm printed it, without the "# Source:" line. */
  text: string;
  object: K8sObject;
}

export interface HelmTemplateOptions {
  helmBin: string;
  chartDir: string;
  releaseName?: string;
  namespace?: string;
  valuesFiles?: readonly string[];
  /** --set pairs for tests; secrets never go here (they would land in argv). */
  set?: Readonly<Record<string, string>>;
  skipTests?: boolean;
  cwd?: string;
}

/** Runs `helm template` and returns its standard output. */
export async function helmTemplate(run: Runner, opts: HelmTemplateOptions): Promise<string> {
  const args = ['template', opts.releaseName ?? RELEASE_NAME, opts.chartDir];
  if (opts.namespace) args.push('--namespace', opts.namespace);
  for (const file of opts.valuesFiles ?? []) args.push('--values', file);
  for (const [key, value] of Object.entries(opts.set ?? {})) args.push('--set', `${key}=${value}`);
  if (opts.skipTests) args.push('--skip-tests');
  try {
    const result = await run(opts.helmBin, args, { cwd: opts.cwd, timeoutMs: 120_000 });
    return result.stdout;
  } catch (error) {
    if (error instanceof CommandError && error.toolExitCode === 127) {
      throw new PrereqError(
        `helm was not found (tried "${opts.helmBin}")`,
        `${HELM_INSTALL_HINT}, or pass --helm <path> (or set HELM_BIN)`,
      );
    }
    throw error;
  }
}

/** Splits `helm template` output into objects, keeping each document's text. */
export function splitHelmOutput(output: string): RenderedDoc[] {
  const docs: RenderedDoc[] = [];
  for (const chunk of output.split(/^---[ \t]*$/m)) {
    const sourceMatch = /^# Source: [^/\n]+\/(.+)$/m.exec(chunk);
    const text = chunk.replace(/^# Source: .*\n?/m, '').trim();
    if (!text) continue;
    const object: unknown = YAML.parse(text);
    if (object === null || object === undefined) continue;
    if (!isK8sObject(object)) {
      throw new ToolkitError(
        `helm template produced a document that is not a Kubernetes object (from ${sourceMatch?.[1] ?? 'an unknown template'}):\n${text.slice(0, 300)}`,
      );
    }
    docs.push({ source: sourceMatch?.[1] ?? 'unknown', text, object });
  }
  return docs;
}

function isK8sObject(value: unknown): value is K8sObject {
  const v = value as Partial<K8sObject> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.apiVersion === 'string' &&
    typeof v.kind === 'string' &&
    typeof v.metadata === 'object' &&
    v.metadata !== null &&
    typeof v.metadata.name === 'string'
  );
}

/** "31-deployment-todo-chatbot-backend.yaml": install-order prefix, kind, name. */
export function manifestFileName(object: Pick<K8sObject, 'kind' | 'metadata'>): string {
  const index = KIND_ORDER.indexOf(object.kind as (typeof KIND_ORDER)[number]);
  const order = index === -1 ? UNKNOWN_KIND_ORDER : index + 10;
  return `${order}-${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
}

export function generatedHeader(source: string): string {
  return [
    GENERATED_MARKER,
    `# Rendered from ${CHART_PATH}/${source} by scripts/render.ts`,
    `# (helm template ${RELEASE_NAME} ${CHART_PATH} --values ${MANIFESTS_VALUES_PATH} --skip-tests).`,
    `# Change the chart or the values, then regenerate: ${REGENERATE_COMMAND}`,
  ].join('\n');
}

/** File name → content, for every object of the rendered chart. */
export function manifestFiles(docs: readonly RenderedDoc[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const doc of docs) {
    const name = manifestFileName(doc.object);
    if (files.has(name)) throw new ToolkitError(`two rendered objects map to the same file ${name}: rename one of them in the chart`);
    files.set(name, `${generatedHeader(doc.source)}\n${doc.text}\n`);
  }
  // Sorted, so that the Map (and any listing of it) is the same on every run.
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b, 'en')));
}

export interface RenderOptions {
  helmBin: string;
  root?: string;
  run?: Runner;
}

/** Renders the chart with the documented manifest values; returns the files manifests/ must hold. */
export async function renderManifests(opts: RenderOptions): Promise<Map<string, string>> {
  const root = opts.root ?? REPO_ROOT;
  const run = opts.run ?? createRunner();
  const output = await helmTemplate(run, {
    helmBin: opts.helmBin,
    chartDir: CHART_PATH,
    releaseName: RELEASE_NAME,
    valuesFiles: [MANIFESTS_VALUES_PATH],
    skipTests: true,
    cwd: root,
  });
  const docs = splitHelmOutput(output);
  const secrets = docs.filter((doc) => doc.object.kind === 'Secret');
  if (secrets.length) {
    // The raw manifests are committed: a Secret there would be a committed secret.
    throw new ToolkitError(
      `the manifest values render Secret objects (${secrets.map((d) => d.object.metadata.name).join(', ')})`,
      ExitCode.failed,
      `point every secret at an existingSecret in ${MANIFESTS_VALUES_PATH} and document it in ${MANIFESTS_DIR}/README.md`,
    );
  }
  return manifestFiles(docs);
}

/** Files kubectl would apply from a folder. */
const MANIFEST_FILE = /\.(ya?ml|json)$/;

export interface ManifestDiff {
  missing: string[];
  changed: string[];
  /** Files kubectl would apply that render does not produce. */
  extra: string[];
}

export function diffManifests(dir: string, expected: ReadonlyMap<string, string>): ManifestDiff {
  const present = existsSync(dir) ? readdirSync(dir).filter((name) => MANIFEST_FILE.test(name)) : [];
  const missing: string[] = [];
  const changed: string[] = [];
  for (const [name, content] of expected) {
    if (!present.includes(name)) missing.push(name);
    else if (readFileSync(path.join(dir, name), 'utf8') !== content) changed.push(name);
  }
  const extra = present.filter((name) => !expected.has(name)).sort();
  return { missing, changed, extra };
}

export function isClean(diff: ManifestDiff): boolean {
  return diff.missing.length + diff.changed.length + diff.extra.length === 0;
}

/** Writes the files and removes generated files that render no longer produces. */
export function writeManifests(
  dir: string,
  expected: ReadonlyMap<string, string>,
): { written: string[]; removed: string[]; foreign: string[] } {
  mkdirSync(dir, { recursive: true });
  const diff = diffManifests(dir, expected);
  const removed: string[] = [];
  const foreign: string[] = [];
  for (const name of diff.extra) {
    const file = path.join(dir, name);
    if (readFileSync(file, 'utf8').startsWith(GENERATED_MARKER)) {
      rmSync(file);
      removed.push(name);
    } else {
      foreign.push(name);
    }
  }
  const written = [...diff.missing, ...diff.changed];
  for (const name of written) writeFileSync(path.join(dir, name), expected.get(name)!);
  return { written, removed, foreign };
}

// --- the command ----------------------------------------------------------------

export interface RenderCommandOptions {
  /** Compare instead of writing (for CI). */
  check: boolean;
  outDir: string;
  helmBin: string;
  log: Logger;
  run?: Runner;
}

/** scripts/render.ts: writes manifests/ (or checks it) and returns the exit code. */
export async function renderCommand(opts: RenderCommandOptions): Promise<ExitCodeValue> {
  const { log } = opts;
  const files = await renderManifests({ helmBin: opts.helmBin, run: opts.run ?? createRunner({ log }) });
  const shown = path.relative(process.cwd(), opts.outDir) || '.';
  if (opts.check) {
    const diff = diffManifests(opts.outDir, files);
    if (isClean(diff)) {
      log.ok(`${shown}/ is up to date (${files.size} objects)`);
      return ExitCode.ok;
    }
    log.fail(`${shown}/ differs from what the chart renders`, [
      ...diff.changed.map((name) => `changed: ${name}`),
      ...diff.missing.map((name) => `missing: ${name}`),
      ...diff.extra.map((name) => `not rendered by the chart: ${name}`),
    ]);
    throw new ToolkitError(`${shown}/ is out of date`, ExitCode.failed, `regenerate it with: ${REGENERATE_COMMAND}`, 'MANIFESTS_STALE');
  }
  const { written, removed, foreign } = writeManifests(opts.outDir, files);
  log.ok(`${shown}/: ${files.size} objects, ${written.length} written, ${removed.length} removed`, [
    ...written.map((name) => `wrote ${name}`),
    ...removed.map((name) => `removed ${name}`),
  ]);
  if (foreign.length) log.warn(`${shown}/ has files render did not write and kubectl would apply`, foreign);
  return ExitCode.ok;
}
