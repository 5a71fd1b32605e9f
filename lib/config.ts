// One typed, frozen Config from CLI flags > process environment > .env > defaults.
// Every bad value is reported at once, each with its name, the problem and an example.
// (Over 350 lines: the key table, its parsers and the strict .env reader belong together; the .env
// reader is the part that could move out.)
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ExitCode, ToolkitError } from './errors.ts';
import { isSecretKey, registerSecret } from './redact.ts';
import { closest } from './suggest.ts';

export const PROVIDERS = ['auto', 'minikube', 'kind', 'k3d', 'docker-desktop', 'generic'] as const;
export type ProviderName = (typeof PROVIDERS)[number];
export const DATABASE_MODES = ['postgres', 'external', 'sqlite'] as const;
export type DatabaseMode = (typeof DATABASE_MODES)[number];

export interface Config {
  kubeContext: string | undefined;
  namespace: string;
  releaseName: string;
  provider: ProviderName;
  minikubeProfile: string;
  minikubeDriver: string;
  minikubeCpus: number;
  minikubeMemoryMb: number;
  frontendDir: string;
  backendDir: string;
  frontendImage: string;
  backendImage: string;
  nodeImage: string;
  pythonImage: string;
  npmRegistry: string | undefined;
  pipIndexUrl: string | undefined;
  buildCaBundle: string | undefined;
  frontendSizeBudgetMb: number;
  backendSizeBudgetMb: number;
  registry: string | undefined;
  /** null: the cluster assigns a free one (NODEPORT=auto), e.g. for a second release. */
  frontendNodePort: number | null;
  backendNodePort: number | null;
  deployTimeoutMs: number;
  databaseMode: DatabaseMode;
  databaseUrl: string | undefined;
  openaiApiKey: string | undefined;
  openaiModel: string;
  openaiBaseUrl: string | undefined;
  /** Your own Dockerfiles (undefined: the app folder's own `Dockerfile` if any, else ours). */
  frontendDockerfile: string | undefined;
  backendDockerfile: string | undefined;
  /** ASGI entry `module:attribute`; undefined: detected by the app analysis. */
  backendApp: string | undefined;
  /** Container ports and probe paths; undefined: detected, else the toolkit's defaults. */
  frontendPort: number | undefined;
  backendPort: number | undefined;
  frontendHealthPath: string | undefined;
  frontendReadyPath: string | undefined;
  backendHealthPath: string | undefined;
  backendReadyPath: string | undefined;
  /** APP_SECRETS: name → value (from the environment or .env); only ever written into the chart's Secret. */
  appSecrets: Readonly<Record<string, string>>;
  /** APP_ENV: name → value, into the ConfigMaps. */
  appEnv: Readonly<Record<string, string>>;
}

type Parsed = { value: unknown } | { error: string };
type Parse = (raw: string, ctx: { root: string }) => Parsed;

export interface KeySpec {
  key: string;
  field: keyof Config;
  /** '' means unset (optional). */
  default: string;
  example: string;
  description: string;
  parse: Parse;
}

// --- parsers -----------------------------------------------------------------
const ok = (value: unknown): Parsed => ({ value });
const fail = (error: string): Parsed => ({ error });
const optional =
  (parse: Parse): Parse =>
  (raw, ctx) =>
    raw === '' ? ok(undefined) : parse(raw, ctx);

const text: Parse = (raw) => ok(raw);
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsLabel =
  (max: number): Parse =>
  (raw) =>
    raw.length <= max && DNS_LABEL.test(raw)
      ? ok(raw)
      : fail(`must be lowercase letters, digits and '-', start and end alphanumeric, at most ${max} characters`);
const oneOf =
  (choices: readonly string[]): Parse =>
  (raw) =>
    choices.includes(raw) ? ok(raw) : fail(`must be one of ${choices.join(', ')}`);
const integer =
  (min: number, max: number): Parse =>
  (raw) => {
    const n = Number(raw);
    return /^\d+$/.test(raw) && n >= min && n <= max ? ok(n) : fail(`must be a whole number from ${min} to ${max}`);
  };
/** A NodePort, or "auto": the cluster picks a free one (null in the chart's values). */
const nodePort: Parse = (raw, ctx) => (raw === 'auto' ? ok(null) : integer(30000, 32767)(raw, ctx));
const url: Parse = (raw) => {
  try {
    const u = new URL(raw);
    return /^https?:$/.test(u.protocol) ? ok(raw) : fail('must be an http:// or https:// URL');
  } catch {
    return fail('is not a valid URL');
  }
};
const databaseUrl: Parse = (raw) => {
  // The value is a secret: say what is wrong without echoing it.
  const match = /^(postgres(?:ql)?(?:\+psycopg)?|sqlite):\/\/(.*)$/.exec(raw);
  if (!match) return fail('must start with postgresql://, postgresql+psycopg:// or sqlite://');
  if (match[1] !== 'sqlite') {
    try {
      if (!new URL(raw.replace(/^[^:]+/, 'postgresql')).hostname) return fail('has no host name');
    } catch {
      return fail('is not a valid URL (check special characters in the password: percent-encode them)');
    }
  }
  return ok(raw);
};
const imageRepository: Parse = (raw) =>
  /^[a-z0-9]+([._/-][a-z0-9]+)*$/.test(raw) ? ok(raw) : fail('must be an image repository name without a tag, like todo-frontend');
const imageReference: Parse = (raw) =>
  /^[\w.-]+(:\d+)?(\/[\w.-]+)*(:[\w.-]+)?(@sha256:[a-f0-9]{64})?$/.test(raw)
    ? ok(raw)
    : fail('must be an image reference like node:22-alpine or node@sha256:<digest>');
const directory: Parse = (raw, { root }) => ok(path.resolve(root, raw));
const existingFile: Parse = (raw, { root }) => {
  const file = path.resolve(root, raw);
  return existsSync(file) ? ok(file) : fail(`file not found: ${file}`);
};
const port: Parse = (raw, ctx) => {
  const parsed = integer(1024, 65535)(raw, ctx);
  return 'error' in parsed
    ? fail('must be a port from 1024 to 65535 (the containers run without root, so they cannot bind lower ports)')
    : parsed;
};
/** An HTTP path for probes and HEALTHCHECKs: `/` then URL path characters, no spaces or quotes. */
const httpPath: Parse = (raw) =>
  /^\/[A-Za-z0-9\-._~!$&()*+,;=:@%/?]*$/.test(raw)
    ? ok(raw)
    : fail('must be an HTTP path starting with /, like /health (no spaces or quotes)');
/** uvicorn's `module:attribute` (dotted on both sides). */
const asgiApp: Parse = (raw) =>
  /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/.test(raw)
    ? ok(raw)
    : fail('must be an ASGI entry module:attribute, like main:app or app.main:app');
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A comma list of environment variable names; values are resolved after every key is read (resolveAppValues). */
const envNames: Parse = (raw) => {
  const names = raw
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const bad = names.filter((n) => !ENV_NAME.test(n));
  if (bad.length)
    return fail(
      `lists ${bad.map((n) => `"${n}"`).join(', ')}, which ${bad.length === 1 ? 'is not an' : 'are not'} environment variable name${bad.length === 1 ? '' : 's'} (letters, digits and _, not starting with a digit)`,
    );
  return ok([...new Set(names)]);
};

/**
 * Environment variables the chart sets itself in the app's containers: APP_SECRETS / APP_ENV may not
 * name them (the chart's value would silently win, or the app would get two).
 */
export const TOOLKIT_ENV_NAMES: readonly string[] = [
  'PORT',
  'HOSTNAME',
  'BACKEND_URL',
  'NEXT_TELEMETRY_DISABLED',
  'NODE_ENV',
  'WEB_CONCURRENCY',
  'DATA_DIR',
  'APP_VERSION',
  'LOG_LEVEL',
  'CORS_ORIGINS',
  'DATABASE_URL',
  'DB_PASSWORD',
  'OPENAI_API_KEY',
  'OPENAI_MODEL',
  'OPENAI_BASE_URL',
  'APP_MODULE',
  'HEALTH_PATH',
];

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
export function parseDuration(raw: string): number | undefined {
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  const parts = [...raw.matchAll(/(\d+)(ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== raw) return undefined;
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * DURATION_UNITS[unit!]!, 0);
}
const duration: Parse = (raw) => {
  const ms = parseDuration(raw);
  return ms && ms > 0 ? ok(ms) : fail('must be a duration like 300 (seconds), 90s, 5m or 1m30s');
};
const memoryMb: Parse = (raw) => {
  const match = /^(\d+)\s*(m|mb|mi|g|gb|gi)?$/i.exec(raw);
  if (!match) return fail('must be megabytes (4096) or a size like 4g or 8192mb');
  const mb = Number(match[1]) * (/^g/i.test(match[2] ?? '') ? 1024 : 1);
  return mb >= 1800 ? ok(mb) : fail('must be at least 1800 MB (minikube refuses less)');
};

// --- the keys ----------------------------------------------------------------
export const KEYS = [
  {
    key: 'KUBE_CONTEXT',
    field: 'kubeContext',
    default: '',
    example: 'minikube',
    description: 'kube context to deploy to (empty: the current context)',
    parse: optional(text),
  },
  {
    key: 'NAMESPACE',
    field: 'namespace',
    default: 'todo-chatbot',
    example: 'todo-chatbot',
    description: 'Kubernetes namespace of the release',
    parse: dnsLabel(63),
  },
  {
    key: 'RELEASE_NAME',
    field: 'releaseName',
    default: 'todo-chatbot',
    example: 'todo-chatbot',
    description: 'Helm release name',
    parse: dnsLabel(53),
  },
  {
    key: 'CLUSTER_PROVIDER',
    field: 'provider',
    default: 'auto',
    example: 'minikube',
    description: `cluster type (${PROVIDERS.join(', ')}); auto detects it from the context`,
    parse: oneOf(PROVIDERS),
  },
  {
    key: 'MINIKUBE_PROFILE',
    field: 'minikubeProfile',
    default: 'minikube',
    example: 'minikube',
    description: 'minikube profile to use and start when stopped',
    parse: text,
  },
  {
    key: 'MINIKUBE_DRIVER',
    field: 'minikubeDriver',
    default: 'docker',
    example: 'docker',
    description: 'minikube driver used by minikube start',
    parse: oneOf(['docker', 'podman', 'kvm2', 'hyperkit', 'hyperv', 'virtualbox', 'vfkit', 'qemu2', 'qemu', 'none', 'ssh']),
  },
  {
    key: 'MINIKUBE_CPUS',
    field: 'minikubeCpus',
    default: '2',
    example: '4',
    description: 'CPUs for minikube start',
    parse: integer(2, 64),
  },
  {
    key: 'MINIKUBE_MEMORY',
    field: 'minikubeMemoryMb',
    default: '4096',
    example: '4g',
    description: 'memory for minikube start (MB, or 4g)',
    parse: memoryMb,
  },
  {
    key: 'FRONTEND_DIR',
    field: 'frontendDir',
    default: 'app/frontend',
    example: '../my-app/frontend',
    description: 'frontend source folder (Docker build context)',
    parse: directory,
  },
  {
    key: 'BACKEND_DIR',
    field: 'backendDir',
    default: 'app/backend',
    example: '../my-app/backend',
    description: 'backend source folder (Docker build context)',
    parse: directory,
  },
  {
    key: 'FRONTEND_IMAGE',
    field: 'frontendImage',
    default: 'todo-frontend',
    example: 'todo-frontend',
    description: 'frontend image repository (the tag is computed from the sources)',
    parse: imageRepository,
  },
  {
    key: 'BACKEND_IMAGE',
    field: 'backendImage',
    default: 'todo-backend',
    example: 'todo-backend',
    description: 'backend image repository (the tag is computed from the sources)',
    parse: imageRepository,
  },
  {
    key: 'NODE_IMAGE',
    field: 'nodeImage',
    default: 'node:22-alpine',
    example: 'node:22-alpine@sha256:<digest>',
    description: 'base image of the frontend',
    parse: imageReference,
  },
  {
    key: 'PYTHON_IMAGE',
    field: 'pythonImage',
    default: 'python:3.11-slim',
    example: 'python:3.11-slim',
    description: 'base image of the backend',
    parse: imageReference,
  },
  {
    key: 'NPM_REGISTRY',
    field: 'npmRegistry',
    default: '',
    example: 'https://registry.npmjs.org/',
    description: 'npm registry used inside image builds',
    parse: optional(url),
  },
  {
    key: 'PIP_INDEX_URL',
    field: 'pipIndexUrl',
    default: '',
    example: 'https://pypi.org/simple',
    description: 'pip index used inside image builds',
    parse: optional(url),
  },
  {
    key: 'BUILD_CA_BUNDLE',
    field: 'buildCaBundle',
    default: '',
    example: './certs/corporate-ca.pem',
    description: 'extra CA bundle for builds behind a TLS-intercepting proxy (passed as a BuildKit secret)',
    parse: optional(existingFile),
  },
  {
    key: 'FRONTEND_SIZE_BUDGET_MB',
    field: 'frontendSizeBudgetMb',
    default: '200',
    example: '200',
    description: 'frontend image size budget in MB',
    parse: integer(1, 100_000),
  },
  {
    key: 'BACKEND_SIZE_BUDGET_MB',
    field: 'backendSizeBudgetMb',
    default: '500',
    example: '500',
    description: 'backend image size budget in MB',
    parse: integer(1, 100_000),
  },
  {
    key: 'REGISTRY',
    field: 'registry',
    default: '',
    example: 'registry.example.com/team',
    description: 'registry to push to for generic clusters',
    parse: optional(text),
  },
  {
    key: 'FRONTEND_NODEPORT',
    field: 'frontendNodePort',
    default: '30080',
    example: '30080',
    description: 'NodePort of the frontend Service (30000-32767), or auto: the cluster assigns a free one',
    parse: nodePort,
  },
  {
    key: 'BACKEND_NODEPORT',
    field: 'backendNodePort',
    default: '30800',
    example: '30800',
    description: 'NodePort of the backend Service (30000-32767), or auto: the cluster assigns a free one',
    parse: nodePort,
  },
  {
    key: 'DEPLOY_TIMEOUT',
    field: 'deployTimeoutMs',
    default: '5m',
    example: '5m',
    description: 'how long deploy waits for the rollout',
    parse: duration,
  },
  {
    key: 'DATABASE_MODE',
    field: 'databaseMode',
    default: 'postgres',
    example: 'postgres',
    description: `database (${DATABASE_MODES.join(', ')})`,
    parse: oneOf(DATABASE_MODES),
  },
  {
    key: 'DATABASE_URL',
    field: 'databaseUrl',
    default: '',
    example: 'postgresql://app:<password>@db.example.com:5432/todo',
    description: 'external database URL (DATABASE_MODE=external); secret',
    parse: optional(databaseUrl),
  },
  {
    key: 'OPENAI_API_KEY',
    field: 'openaiApiKey',
    default: '',
    example: 'sk-…',
    description: 'enables the OpenAI agent; empty: the offline agent; secret',
    parse: optional(text),
  },
  {
    key: 'OPENAI_MODEL',
    field: 'openaiModel',
    default: 'gpt-4o-mini',
    example: 'gpt-4o-mini',
    description: 'model for the OpenAI agent',
    parse: text,
  },
  {
    key: 'OPENAI_BASE_URL',
    field: 'openaiBaseUrl',
    default: '',
    example: 'https://api.openai.com/v1',
    description: 'OpenAI-compatible endpoint',
    parse: optional(url),
  },
  {
    key: 'FRONTEND_DOCKERFILE',
    field: 'frontendDockerfile',
    default: '',
    example: '../my-app/frontend/Dockerfile',
    description:
      'your own frontend Dockerfile (empty: FRONTEND_DIR/Dockerfile when it exists, else ours; --use-our-dockerfiles forces ours)',
    parse: optional(existingFile),
  },
  {
    key: 'BACKEND_DOCKERFILE',
    field: 'backendDockerfile',
    default: '',
    example: '../my-app/backend/Dockerfile',
    description: 'your own backend Dockerfile (empty: BACKEND_DIR/Dockerfile when it exists, else ours; --use-our-dockerfiles forces ours)',
    parse: optional(existingFile),
  },
  {
    key: 'BACKEND_APP',
    field: 'backendApp',
    default: '',
    example: 'main:app',
    description: 'ASGI entry of the backend, module:attribute (empty: detected, e.g. app.main:app or main:app)',
    parse: optional(asgiApp),
  },
  {
    key: 'FRONTEND_PORT',
    field: 'frontendPort',
    default: '',
    example: '3000',
    description: 'port the frontend container listens on (empty: detected, else 3000)',
    parse: optional(port),
  },
  {
    key: 'BACKEND_PORT',
    field: 'backendPort',
    default: '',
    example: '8000',
    description: 'port the backend container listens on (empty: detected, else 8000)',
    parse: optional(port),
  },
  {
    key: 'FRONTEND_HEALTH_PATH',
    field: 'frontendHealthPath',
    default: '',
    example: '/api/health',
    description: 'frontend liveness path (empty: detected, else /)',
    parse: optional(httpPath),
  },
  {
    key: 'FRONTEND_READY_PATH',
    field: 'frontendReadyPath',
    default: '',
    example: '/api/ready',
    description: 'frontend readiness path (empty: the liveness path)',
    parse: optional(httpPath),
  },
  {
    key: 'BACKEND_HEALTH_PATH',
    field: 'backendHealthPath',
    default: '',
    example: '/health',
    description: 'backend liveness path (empty: detected, else /health)',
    parse: optional(httpPath),
  },
  {
    key: 'BACKEND_READY_PATH',
    field: 'backendReadyPath',
    default: '',
    example: '/ready',
    description: 'backend readiness path (empty: detected, else the liveness path)',
    parse: optional(httpPath),
  },
  {
    key: 'APP_SECRETS',
    field: 'appSecrets',
    default: '',
    example: 'JWT_SECRET,STRIPE_KEY',
    description:
      "comma list of variables your backend needs as secrets: their values (set in .env or the environment) go only into the release's Secret",
    parse: envNames,
  },
  {
    key: 'APP_ENV',
    field: 'appEnv',
    default: '',
    example: 'FEATURE_FLAGS,SUPPORT_EMAIL',
    description: 'comma list of plain variables for your apps: their values (set in .env or the environment) go into the ConfigMaps',
    parse: envNames,
  },
] as const satisfies readonly KeySpec[];

/** A configuration key (NAMESPACE, …): flags, sources and messages name keys by this type. */
export type ConfigKey = (typeof KEYS)[number]['key'];

/**
 * Config and KEYS cannot drift: a KEYS entry's field must be a Config field (KeySpec),
 * and a Config field that no KEYS entry sets makes this fail tsc, naming the field.
 */
export type KeysCoverConfig<C, Keys extends readonly { field: PropertyKey }[]> = [Exclude<keyof C, Keys[number]['field']>] extends [never]
  ? true
  : { fieldsWithoutAKey: Exclude<keyof C, Keys[number]['field']> };
true satisfies KeysCoverConfig<Config, typeof KEYS>;

const BY_KEY = new Map<string, (typeof KEYS)[number]>(KEYS.map((spec) => [spec.key, spec]));

export interface ConfigProblem {
  key: string;
  source: string;
  message: string;
  example: string;
}

export class ConfigError extends ToolkitError {
  /** `warnings`: the .env warnings (misspelt keys) that a failed load would otherwise never print. */
  constructor(
    readonly problems: ConfigProblem[],
    readonly warnings: readonly string[] = [],
  ) {
    super(
      [
        `${problems.length} invalid configuration value${problems.length === 1 ? '' : 's'}:`,
        ...problems.map(formatProblem),
        ...(warnings.length ? ['also:', ...warnings.map((w) => `  ${w}`)] : []),
      ].join('\n'),
      ExitCode.usage,
      'fix the values above in .env, the environment or the command line; .env.example documents every key',
      'CONFIG',
    );
  }
}

function formatProblem(p: ConfigProblem): string {
  return `  ${p.key} (${p.source}) ${p.message}; for example ${p.key}=${p.example}`;
}

export interface LoadConfigOptions {
  /** Values from CLI flags, by key (e.g. { NAMESPACE: 'demo' }). */
  flags?: Partial<Record<ConfigKey, string | undefined>>;
  env?: NodeJS.ProcessEnv;
  /** Path of the .env file; missing is fine. */
  envFile?: string;
  /** Relative folders resolve against this; default the current directory. */
  root?: string;
}

export interface LoadedConfig {
  config: Readonly<Config>;
  warnings: string[];
  /** Where each key's value came from. */
  sources: Readonly<Record<string, 'flag' | 'environment' | '.env' | 'default'>>;
}

/** A .env line that is not KEY=value, or a quote that does not close: exit 2 with the file and line. */
export class DotenvError extends ToolkitError {
  constructor(file: string, line: number, problem: string) {
    super(
      `${file} line ${line}: ${problem}`,
      ExitCode.usage,
      'each line is KEY=value, KEY="value" or KEY=\'value\' (a quoted value closes on the same line), a # comment, or empty; .env.example shows them all',
      'CONFIG',
    );
  }
}

const DOTENV_LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s?(.*)$/;
const DOUBLE_QUOTE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', $: '$' };

/**
 * The .env format, strictly: one KEY=value per line, values unquoted (a ` #` starts a
 * comment), or in '…' / "…" (escapes \n \t \" \\) / `…` closed on the same line.
 * A line that is none of these is an error naming the line, never a guess: a quote
 * that does not close would otherwise swallow the next line into the value. Errors
 * never quote the line itself, which may hold a secret.
 */
export function parseDotenv(text: string, file: string): { values: Record<string, string>; lines: Record<string, number> } {
  const values: Record<string, string> = {};
  const lines: Record<string, number> = {};
  const name = path.basename(file);
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '');
    const number = index + 1;
    if (!line.trim() || line.trim().startsWith('#')) return;
    const match = DOTENV_LINE.exec(line);
    if (!match) {
      // Name the key only when the line starts with one (KEY value): never echo what may be a secret.
      const word = /^\s*(?:export\s+)?([A-Z][A-Z0-9_]+)(?:\s|$)/.exec(line)?.[1];
      throw new DotenvError(
        name,
        number,
        line.includes('=')
          ? 'not KEY=value: a key is letters, digits and _, and starts with a letter or _'
          : `${word ? `${word} has` : 'the line has'} no "=" (expected KEY=value)`,
      );
    }
    const key = match[1]!;
    let rest = match[2]!.replace(/^\s+/, '');
    let value: string;
    const quote = rest[0];
    if (quote === '"' || quote === "'" || quote === '`') {
      let i = 1;
      value = '';
      for (; i < rest.length && rest[i] !== quote; i++) {
        if (quote === '"' && rest[i] === '\\' && i + 1 < rest.length) {
          const next = rest[++i]!;
          value += DOUBLE_QUOTE_ESCAPES[next] ?? `\\${next}`;
        } else value += rest[i];
      }
      if (i >= rest.length) throw new DotenvError(name, number, `${key}: the value's opening ${quote} is not closed on this line`);
      rest = rest.slice(i + 1).trim();
      if (rest && !rest.startsWith('#'))
        throw new DotenvError(name, number, `${key}: text after the closing ${quote} (put a comment after " #")`);
    } else {
      value = rest.replace(/\s+#.*$/, '').trim();
    }
    values[key] = value;
    lines[key] = number;
  });
  return { values, lines };
}

export function loadConfig(opts: LoadConfigOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const root = opts.root ?? process.cwd();
  const envFile = opts.envFile ?? path.join(root, '.env');
  const fileText = existsSync(envFile) ? readFileSync(envFile, 'utf8') : '';
  const { values: fileValues, lines: fileLines } = parseDotenv(fileText, envFile);
  const warnings = unknownKeyWarnings(fileValues, envFile);

  // Secrets are registered before any validation message could mention them.
  for (const source of [fileValues, env]) {
    for (const [key, value] of Object.entries(source)) if (isSecretKey(key)) registerSecret(value);
  }
  for (const [key, value] of Object.entries(opts.flags ?? {})) if (isSecretKey(key)) registerSecret(value);
  // The values of the names APP_SECRETS lists are secrets whatever the names look like.
  const [rawAppSecrets] = pick(BY_KEY.get('APP_SECRETS')!, opts.flags ?? {}, env, fileValues, envFile, fileLines);
  for (const name of rawAppSecrets.split(',').map((n) => n.trim())) if (name) registerSecret(env[name] ?? fileValues[name]);

  const problems: ConfigProblem[] = [];
  const values: Record<string, unknown> = {};
  const sources: Record<string, LoadedConfig['sources'][string]> = {};
  const wheres: Record<string, string> = {};
  for (const spec of KEYS) {
    const [raw, source, where] = pick(spec, opts.flags ?? {}, env, fileValues, envFile, fileLines);
    sources[spec.key] = source;
    wheres[spec.key] = where;
    const parsed = spec.parse(raw.trim(), { root });
    if ('error' in parsed) problems.push({ key: spec.key, source: where, message: parsed.error, example: spec.example });
    else values[spec.field] = parsed.value;
  }
  const config = values as unknown as Config;
  const listedNames = [values.appSecrets, values.appEnv].flatMap((v) => (Array.isArray(v) ? (v as string[]) : []));
  if (!problems.length) problems.push(...resolveAppValues(values, wheres, (name) => env[name] ?? fileValues[name]));
  if (!problems.length) problems.push(...crossChecks(config, sources));
  // A name listed in APP_SECRETS / APP_ENV is read from .env on purpose: not an unknown key.
  const appNames = new Set(listedNames);
  const shown = warnings.filter((w) => !appNames.has(/: (\S+) is not a known key/.exec(w)?.[1] ?? ''));
  if (problems.length) throw new ConfigError(problems, shown);
  return { config: Object.freeze(config), warnings: shown, sources: Object.freeze(sources) };
}

function pick(
  spec: (typeof KEYS)[number],
  flags: Partial<Record<ConfigKey, string | undefined>>,
  env: NodeJS.ProcessEnv,
  file: Record<string, string>,
  envFile: string,
  fileLines: Record<string, number>,
): [string, LoadedConfig['sources'][string], string] {
  const flag = flags[spec.key];
  if (flag !== undefined) return [flag, 'flag', `from the command line`];
  if (env[spec.key] !== undefined) return [env[spec.key]!, 'environment', 'from the environment'];
  if (file[spec.key] !== undefined) {
    const line = fileLines[spec.key];
    return [file[spec.key]!, '.env', `in ${path.basename(envFile)}${line ? ` line ${line}` : ''}`];
  }
  return [spec.default, 'default', 'default'];
}

/**
 * APP_SECRETS / APP_ENV: turns the parsed name lists into name → value maps, reading each value
 * from the environment or .env. Errors name the variable, never its value.
 */
function resolveAppValues(
  values: Record<string, unknown>,
  wheres: Record<string, string>,
  lookup: (name: string) => string | undefined,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const lists = { APP_SECRETS: (values.appSecrets ?? []) as string[], APP_ENV: (values.appEnv ?? []) as string[] };
  const problem = (key: 'APP_SECRETS' | 'APP_ENV', message: string) =>
    problems.push({ key, source: wheres[key] ?? 'default', message, example: BY_KEY.get(key)!.example });
  for (const key of ['APP_SECRETS', 'APP_ENV'] as const) {
    const names = lists[key];
    const reserved = names.filter((n) => TOOLKIT_ENV_NAMES.includes(n) || BY_KEY.has(n));
    if (reserved.length)
      problem(
        key,
        `lists ${reserved.join(', ')}, which the toolkit sets itself (${reserved.some((n) => BY_KEY.has(n)) ? 'a toolkit setting' : 'the chart sets it in the containers'}); rename the variable in your app or drop it from the list`,
      );
    const missing = names.filter((n) => !reserved.includes(n) && lookup(n) === undefined);
    if (missing.length)
      problem(
        key,
        `lists ${missing.join(', ')} but ${missing.length === 1 ? 'it has' : 'they have'} no value: add ${missing.map((n) => `${n}=…`).join(' and ')} to .env (or the environment)`,
      );
  }
  const both = lists.APP_SECRETS.filter((n) => lists.APP_ENV.includes(n));
  if (both.length)
    problem(
      'APP_ENV',
      `lists ${both.join(', ')}, also listed in APP_SECRETS: a variable is either a secret or not; keep it in APP_SECRETS only`,
    );
  if (problems.length) return problems;
  const toRecord = (names: string[]) => Object.freeze(Object.fromEntries(names.map((n) => [n, lookup(n)!])));
  values.appSecrets = toRecord(lists.APP_SECRETS);
  values.appEnv = toRecord(lists.APP_ENV);
  return problems;
}

function crossChecks(config: Config, sources: Record<string, string>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (config.databaseMode === 'external' && !config.databaseUrl) {
    problems.push({
      key: 'DATABASE_URL',
      source: sources.DATABASE_URL ?? 'default',
      message: 'is required when DATABASE_MODE=external',
      example: BY_KEY.get('DATABASE_URL')!.example,
    });
  }
  if (config.frontendNodePort !== null && config.frontendNodePort === config.backendNodePort) {
    problems.push({
      key: 'BACKEND_NODEPORT',
      source: sources.BACKEND_NODEPORT ?? 'default',
      message: `must differ from FRONTEND_NODEPORT (${config.frontendNodePort})`,
      example: '30800',
    });
  }
  return problems;
}

/** Unknown keys in .env: a likely misspelling names the known key. */
function unknownKeyWarnings(fileValues: Record<string, string>, envFile: string): string[] {
  const warnings: string[] = [];
  for (const key of Object.keys(fileValues)) {
    if (BY_KEY.has(key)) continue;
    const nearest = nearestKey(key);
    warnings.push(
      nearest
        ? `${path.basename(envFile)}: ${key} is not a known key — did you mean ${nearest}?`
        : `${path.basename(envFile)}: ${key} is not a known key and is ignored (see .env.example)`,
    );
  }
  return warnings;
}

export function nearestKey(key: string): string | undefined {
  return closest(key.toUpperCase(), BY_KEY.keys());
}

/** The text of .env.example, generated from KEYS so the two never drift. */
export function renderEnvExample(): string {
  const lines = [
    '# todo-chatbot-k8s configuration. Copy to .env (never commit .env) and change what you need.',
    '# Precedence: command-line flag > process environment > .env > the defaults shown here.',
    '# Keys ending in _KEY, _SECRET, _PASSWORD or _TOKEN, and DATABASE_URL, are secrets: they are',
    '# masked in every output and reach the cluster only through a private values file.',
    '',
  ];
  for (const spec of KEYS) {
    lines.push(`# ${spec.description}`, `${spec.key}=${spec.default}`, '');
  }
  return lines.join('\n');
}
