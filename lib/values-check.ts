// Pre-flight checks of what deploy would hand Helm, before anything is built or
// changed: the merged values against the chart's schema (Helm's own check, run by
// `helm template`), and the NodePorts those values ask for against the Services
// that already hold them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ExitCode, ToolkitError } from './errors.ts';
import { CommandError, type Runner } from './exec.ts';
import type { Kubectl, KubeList, KubeObject } from './kubectl.ts';
import { helmTemplate } from './render.ts';

export interface SchemaProblem {
  /** Dotted key, e.g. frontend.replicaCount ("" for the root). */
  key: string;
  message: string;
}

/** Aggregate lines that only say a child failed (Helm 3 gojsonschema, Helm 4 santhosh-tekuri/jsonschema). */
const AGGREGATE = /^(Must validate .* \((allOf|anyOf|oneOf)\)|'(allOf|anyOf|oneOf)' failed|validation failed)$/;

/**
 * Helm's schema errors as (key, message) pairs. Helm 3: `- frontend.replicaCount: Must be
 * greater than or equal to 1`, `- (root): Additional property x is not allowed`. Helm 4:
 * `- at '/frontend/replicaCount': minimum: got 0, want 1`, `- at '': additional properties 'x' not allowed`.
 */
export function parseSchemaErrors(stderr: string): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  for (const line of stderr.split('\n')) {
    const v4 = /^\s*- at '([^']*)': (.+)$/.exec(line);
    const v3 = v4 ? undefined : /^- ([^:\s]+): (.+)$/.exec(line);
    if (!v4 && !v3) continue;
    const key = v4 ? v4[1]!.split('/').filter(Boolean).join('.') : v3![1] === '(root)' ? '' : v3![1]!;
    const message = (v4 ?? v3)![2]!.trim();
    if (AGGREGATE.test(message)) continue;
    // An unknown key is a problem of that key, not of its parent.
    const extra =
      /^Additional property (\S+) is not allowed$/.exec(message) ?? /^additional propert(?:y|ies) (.+) not allowed$/.exec(message);
    if (extra) {
      for (const name of extra[1]!.split(',').map((n) => n.trim().replace(/^'|'$/g, ''))) {
        problems.push({ key: key ? `${key}.${name}` : name, message: 'unknown key (the chart has no such value)' });
      }
      continue;
    }
    problems.push({ key, message });
  }
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(`${p.key}\0${p.message}`) && seen.add(`${p.key}\0${p.message}`));
}

function has(values: unknown, key: string): boolean {
  let node = values;
  for (const part of key.split('.').filter(Boolean)) {
    if (typeof node !== 'object' || node === null || !(part in node)) return false;
    node = (node as Record<string, unknown>)[part];
  }
  return true;
}

export interface ValuesSources {
  /** The values deploy generates (from the configuration). */
  generated: Record<string, unknown>;
  /** --values files as given and as resolved, in order. */
  userFiles: readonly { given: string; file: string }[];
}

/** Which input sets a key: the last --values file that has it, else the generated values. */
export function sourceOf(key: string, sources: ValuesSources): string {
  for (const f of [...sources.userFiles].reverse()) {
    if (has(parse(readFileSync(f.file, 'utf8')), key)) return `--values ${f.given}`;
  }
  return 'the values deploy generates from the configuration';
}

/**
 * Renders the chart with the deploy's values files (`helm template`, which applies the
 * chart's values.schema.json before any template runs). Returns the manifests; a value
 * the chart refuses is exit 2 VALUES_INVALID naming the file and the key.
 */
export async function renderChecked(
  run: Runner,
  opts: {
    helmBin: string;
    chartDir: string;
    releaseName: string;
    namespace: string;
    valuesFiles: readonly string[];
    sources: ValuesSources;
  },
): Promise<string> {
  try {
    return await helmTemplate(run, {
      helmBin: opts.helmBin,
      chartDir: opts.chartDir,
      releaseName: opts.releaseName,
      namespace: opts.namespace,
      valuesFiles: opts.valuesFiles,
    });
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    const problems = parseSchemaErrors(error.stderrTail);
    const lines = problems.length
      ? problems.map((p) => `${sourceOf(p.key, opts.sources)}: ${p.key || '(top level)'}: ${p.message}`)
      : [
          error.stderrTail
            .trim()
            .split('\n')
            .filter(Boolean)
            .slice(-3)
            .join(' ')
            .replace(/^Error: execution error at \(([^)]+)\): /, 'the chart ($1) says: '),
        ];
    throw new ToolkitError(
      `the chart refuses the values (nothing was built or changed):\n${lines.map((l) => `  ${l}`).join('\n')}`,
      ExitCode.usage,
      `fix the keys named above; ${path.join(path.basename(opts.chartDir), 'values.schema.json')} says what each key takes (\`helm show values ${opts.chartDir}\` shows the defaults)`,
      'VALUES_INVALID',
    );
  }
}

// --- NodePorts ---------------------------------------------------------------

export interface WantedPort {
  /** What sets it: the configuration key (FRONTEND_NODEPORT), or the values file and key. */
  key: string;
  component: string;
  port: number;
}

/** Where each component's NodePort comes from when deploy generates it. */
const NODEPORT_KEYS: Record<string, string> = { frontend: 'FRONTEND_NODEPORT', backend: 'BACKEND_NODEPORT' };

/**
 * The fixed NodePorts the merged values (chart defaults, generated, --values) ask for:
 * a NodePort or LoadBalancer Service with a nodePort set (null lets the cluster pick one).
 */
export function wantedNodePorts(merged: Record<string, any>, sources: ValuesSources): WantedPort[] {
  return Object.entries(NODEPORT_KEYS).flatMap(([component, configKey]) => {
    const service = merged[component]?.service;
    if (!service || !['NodePort', 'LoadBalancer'].includes(service.type) || typeof service.nodePort !== 'number') return [];
    const valuesKey = `${component}.service.nodePort`;
    const source = sourceOf(valuesKey, sources);
    return [{ key: source.startsWith('--values') ? `${source}: ${valuesKey}` : configKey, component, port: service.nodePort }];
  });
}

/**
 * Exit 2 NODEPORT_TAKEN when a Service other than the release's own holds a wanted port
 * (the API server would refuse the release's Service: "provided port is already allocated").
 */
export async function checkNodePorts(
  kubectl: Kubectl,
  target: { namespace: string; release: string },
  wanted: readonly WantedPort[],
  signal?: AbortSignal,
): Promise<void> {
  if (!wanted.length) return;
  const services = await kubectl.json<KubeList>(['services', '--all-namespaces'], { clusterScoped: true, signal });
  // The release's own Services keep their ports on upgrade.
  const ours = (svc: KubeObject) =>
    svc.metadata.namespace === target.namespace && svc.metadata.labels?.['app.kubernetes.io/instance'] === target.release;
  const taken = wanted.flatMap((w) => {
    const svc = services.items.find(
      (s) => !ours(s) && ((s.spec?.ports ?? []) as { nodePort?: number }[]).some((p) => p.nodePort === w.port),
    );
    return svc ? [{ ...w, holder: `${svc.metadata.namespace}/${svc.metadata.name}` }] : [];
  });
  if (taken.length) throw nodePortTaken(taken);
}

export function nodePortTaken(taken: readonly (WantedPort & { holder?: string })[]): ToolkitError {
  const lines = taken.map((t) => `${t.key}=${t.port}: already allocated${t.holder ? ` to Service ${t.holder}` : ' to another Service'}`);
  return new ToolkitError(
    `a NodePort the release needs is taken:\n${lines.map((l) => `  ${l}`).join('\n')}`,
    ExitCode.usage,
    `choose a free port in 30000-32767 for ${[...new Set(taken.map((t) => t.key))].join(' and ')} (e.g. --values or .env), or remove the Service that holds it`,
    'NODEPORT_TAKEN',
  );
}

/** The NodePort in Helm's error when the API server refused it (a race with another Service). */
export function allocatedPortIn(stderr: string): { service?: string; port: number } | undefined {
  const match =
    /(?:Service "([^"]+)" is invalid: )?spec\.ports\[\d+\]\.nodePort: Invalid value: (\d+): provided port is already allocated/.exec(
      stderr,
    );
  return match ? { service: match[1], port: Number(match[2]) } : undefined;
}
