// Which environment variables reach the app's container, and so which of the ones its code reads
// are missing. The chart's names are read from its templates (not copied here), so a variable the
// chart starts setting is known without a change to this file.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppName, EnvRead } from './types.ts';
import { isSecretKey } from '../redact.ts';
import { readText } from './files.ts';

const CHART_TEMPLATES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../helm-chart/todo-chatbot/templates');

/** Set in every container by Kubernetes or by the runtime itself. */
const PLATFORM_ENV: Record<AppName, readonly string[]> = {
  backend: ['HOSTNAME', 'HOME', 'PATH', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT', 'PYTHONPATH'],
  frontend: [
    'HOSTNAME',
    'HOME',
    'PATH',
    'KUBERNETES_SERVICE_HOST',
    'KUBERNETES_SERVICE_PORT',
    'NODE_ENV',
    'NEXT_RUNTIME',
    'NEXT_PHASE',
    'NEXT_TELEMETRY_DISABLED',
    'VERCEL',
    'CI',
  ],
};

const chartCache = new Map<AppName, string[]>();

/** Env names the chart sets for a component: its ConfigMap's data keys and the Deployment's `env:` names. */
export function chartEnvNames(app: AppName): string[] {
  const cached = chartCache.get(app);
  if (cached) return cached;
  const names = new Set<string>();
  const configMap = readText(path.join(CHART_TEMPLATES, app, 'configmap.yaml')) ?? '';
  const data = configMap.split(/^data:\s*$/m)[1] ?? '';
  for (const m of data.matchAll(/^ {2}(?:\{\{-?.*\}\}\s*)?([A-Z_][A-Z0-9_]*):/gm)) names.add(m[1]!);
  const deployment = readText(path.join(CHART_TEMPLATES, app, 'deployment.yaml')) ?? '';
  for (const m of deployment.matchAll(/^\s*- name: ([A-Z_][A-Z0-9_]*)\s*$/gm)) names.add(m[1]!);
  const list = [...names].sort();
  chartCache.set(app, list);
  return list;
}

/** A credential by its name: the toolkit's secret keys, and the usual …SECRET / …TOKEN / …KEY names. NEXT_PUBLIC_* is public by definition. */
export function looksSecret(name: string): boolean {
  if (name.startsWith('NEXT_PUBLIC_')) return false;
  return isSecretKey(name) || /SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|(?:^|_)KEY(?:_|$)|PRIVATE/.test(name);
}

export interface SupplyInputs {
  app: AppName;
  /** Names the image itself sets (ENV lines of the Dockerfile used) and whether it is ours. */
  dockerfileEnv: readonly string[];
  dockerfileKind: 'user' | 'ours';
  appSecrets: readonly string[];
  appEnv: readonly string[];
  /** Build-time values the toolkit passes (BACKEND_URL, NEXT_PUBLIC_API_URL). */
  buildTime: readonly string[];
}

export interface RawRead {
  name: string;
  from: string;
  hasDefault: boolean;
}

/** One EnvRead per name (its first read), in the order first read; `hasDefault` when every read has one. */
export function classifyReads(reads: readonly RawRead[], inputs: SupplyInputs): EnvRead[] {
  const byName = new Map<string, { from: string; hasDefault: boolean }>();
  for (const r of reads) {
    const seen = byName.get(r.name);
    if (!seen) byName.set(r.name, { from: r.from, hasDefault: r.hasDefault });
    else seen.hasDefault &&= r.hasDefault;
  }
  const toolkit = new Set([
    ...chartEnvNames(inputs.app),
    ...PLATFORM_ENV[inputs.app],
    ...inputs.buildTime,
    ...(inputs.dockerfileKind === 'ours' ? inputs.dockerfileEnv : []),
  ]);
  return [...byName].map(([name, r]) => ({
    name,
    from: r.from,
    secretLike: looksSecret(name),
    suppliedBy: toolkit.has(name)
      ? 'toolkit'
      : inputs.appSecrets.includes(name)
        ? 'APP_SECRETS'
        : inputs.appEnv.includes(name)
          ? 'APP_ENV'
          : inputs.dockerfileKind === 'user' && inputs.dockerfileEnv.includes(name)
            ? 'dockerfile'
            : r.hasDefault
              ? 'default-in-code'
              : 'missing',
  }));
}
