// The app analysis as the first step of build-images and deploy: analyzeApps() once, its warnings
// printed, its blocking problems one exit-2 error before anything changes; and, for deploy, the
// chart values its facts give (ports, probe paths, APP_ENV / APP_SECRETS for the apps that read them).
import { analyzeApps } from './app/analyze.ts';
import type { AppAnalysis, AppName } from './app/types.ts';
import type { Config } from './config.ts';
import { ExitCode, ToolkitError } from './errors.ts';
import type { Logger } from './log.ts';
import type { ClusterProvider } from './providers/types.ts';
import { isReferenceApp } from './images/own-app.ts';
import { planImages, type ImagePlan } from './images/plan.ts';

export interface AnalyzeStepOptions {
  /** --use-our-dockerfiles: ignore the app folders' own Dockerfiles. */
  useOurDockerfiles?: boolean;
  /** The backend's URL as a browser reaches it (deploy knows it after the cluster stage). */
  browserBackendUrl?: string;
  /** Where our Dockerfiles are (default dockerfiles/; build-images --dockerfiles, the dev loop's tests). */
  dockerfilesDir?: string;
}

/** The URLs a browser uses, for an app whose browser code calls the backend directly. */
export interface BrowserUrls {
  frontend: string;
  backend: string;
}

/** analyzeApps with the settings from Config. */
function analyze(config: Config, opts: AnalyzeStepOptions): AppAnalysis {
  // The name lists go in opts: Config holds APP_SECRETS as name → value, and values stay out of the analysis.
  const { appSecrets: _secrets, appEnv: _env, ...settings } = config;
  return analyzeApps(settings, {
    useOurs: Boolean(opts.useOurDockerfiles),
    appSecrets: Object.keys(config.appSecrets),
    appEnv: Object.keys(config.appEnv),
    browserBackendUrl: opts.browserBackendUrl,
  });
}

/**
 * The app's browser code calls the backend directly (a NEXT_PUBLIC_ URL and no rewrites() proxy):
 * its build needs the backend URL a browser reaches.
 */
export function needsBrowserUrl(app: AppAnalysis): boolean {
  return app.frontend.buildTime.some((value) => value.source === 'access-url');
}

/** The analysis as a step: non-blocking problems are ⚠ lines, blocking ones exit 2 (the first one's code). */
export function analyzeOrFail(config: Config, log: Logger, opts: AnalyzeStepOptions = {}): AppAnalysis {
  const app = analyze(config, opts);
  const blocking = app.problems.filter((p) => p.blocking);
  for (const p of app.problems.filter((q) => !q.blocking)) log.warn(`${p.app}: ${p.message}`, [`fix: ${p.fix}`, `code: ${p.code}`]);
  if (blocking.length) {
    throw new ToolkitError(
      blocking.length === 1
        ? `${blocking[0]!.app}: ${blocking[0]!.message}`
        : `${blocking.length} problems stop the ${blocking.some((p) => p.app === 'frontend') && blocking.some((p) => p.app === 'backend') ? 'apps' : `${blocking[0]!.app}`} from being built:\n${blocking.map((p) => `  ${p.app}: ${p.message} (${p.code})`).join('\n')}`,
      ExitCode.usage,
      blocking.map((p) => p.fix).join('\n  '),
      blocking[0]!.code,
    );
  }
  for (const side of ['frontend', 'backend'] as const) {
    const facts = app[side];
    log.debug(
      `${side}: ${facts.dockerfile.value.kind === 'user' ? `your Dockerfile ${facts.dockerfile.value.path}` : 'our Dockerfile'}, port ${facts.port.value}, liveness ${facts.healthPath.value ?? '/'}`,
    );
  }
  return app;
}

/**
 * The plans deploy would make (the tags it would build), without printing anything: for readers that
 * compare the cluster with the sources (status, tests). Blocking problems throw like analyzeOrFail.
 */
export function plannedImages(config: Config, opts: AnalyzeStepOptions = {}): ImagePlan[] {
  return quietPlan(config, opts).plans;
}

/** The analysis and the plans, printing nothing (its warnings were printed once already, or are not wanted). */
export function quietPlan(config: Config, opts: AnalyzeStepOptions = {}): { app: AppAnalysis; plans: ImagePlan[] } {
  const app = analyze(config, opts);
  const blocking = app.problems.find((p) => p.blocking);
  if (blocking) throw new ToolkitError(`${blocking.app}: ${blocking.message}`, ExitCode.usage, blocking.fix, blocking.code);
  return { app, plans: planImages({ config, app, dockerfilesDir: opts.dockerfilesDir }) };
}

/**
 * Which app gets each APP_SECRETS / APP_ENV variable: the ones whose code reads it (the analysis
 * saw the read), else the backend (a read the analysis cannot see, e.g. a settings class by prefix).
 */
function readersOf(app: AppAnalysis, name: string): AppName[] {
  const readers = (['frontend', 'backend'] as const).filter((side) => app[side].env.some((read) => read.name === name));
  return readers.length ? readers : ['backend'];
}

function split(app: AppAnalysis, values: Readonly<Record<string, string>>): Record<AppName, Record<string, string>> {
  const out: Record<AppName, Record<string, string>> = { frontend: {}, backend: {} };
  for (const [name, value] of Object.entries(values)) for (const side of readersOf(app, name)) out[side][name] = value;
  return out;
}

/** APP_ENV and APP_SECRETS as each app's container gets them (the container test passes them in private env files). */
export function appRuntimeEnv(config: Config, app: AppAnalysis): Record<AppName, Record<string, string>> {
  const env = split(app, config.appEnv);
  const secrets = split(app, config.appSecrets);
  return { frontend: { ...env.frontend, ...secrets.frontend }, backend: { ...env.backend, ...secrets.backend } };
}

/**
 * The chart values the analysed app needs: container ports, probe paths, the backend Service on the
 * backend's port (the in-cluster URL baked into the frontend uses it), APP_ENV into the ConfigMaps and
 * APP_SECRETS into the Secret (only through the private values file). Our reference app keeps the
 * chart's helm test proxy check; an own app has no known read-only route, so that check is off.
 */
export function appValues(config: Config, app: AppAnalysis, browser?: BrowserUrls): Record<string, unknown> {
  const env = split(app, config.appEnv);
  const secrets = split(app, config.appSecrets);
  const reference = isReferenceApp(config);
  return {
    frontend: {
      containerPort: app.frontend.port.value,
      probes: { livenessPath: app.frontend.healthPath.value ?? '/', readinessPath: app.frontend.readyPath.value, startupPath: null },
      extraEnv: env.frontend,
      extraSecretEnv: secrets.frontend,
    },
    backend: {
      containerPort: app.backend.port.value,
      service: { port: app.backend.port.value },
      probes: { livenessPath: app.backend.healthPath.value, readinessPath: app.backend.readyPath.value, startupPath: null },
      extraEnv: env.backend,
      extraSecretEnv: secrets.backend,
    },
    ...(reference ? {} : { tests: { proxyPath: '' } }),
    // The browser calls the backend from the frontend's origin: the backend must allow it (CORS_ORIGINS).
    ...(browser ? { config: { corsOrigins: browser.frontend } } : {}),
  };
}

/** The frontend's and the backend's URLs as a browser on this machine reaches them; undefined (with a warning) when not known before the install. */
export async function browserUrls(provider: ClusterProvider, config: Config, log: Logger): Promise<BrowserUrls | undefined> {
  const urls = browserUrlsAt(await provider.nodeAddress().catch(() => undefined), config);
  if (!urls) {
    log.warn(
      "the frontend's browser code calls the backend directly, but its URL is not known before the install (no node address, or NodePort auto): the build gets an empty URL",
      [
        'set FRONTEND_NODEPORT / BACKEND_NODEPORT to fixed ports, or proxy the backend through next.config rewrites() (see APP_BROWSER_URL)',
      ],
    );
    return undefined;
  }
  return urls;
}

/** The URLs a browser uses at this node address: known before the install only with fixed NodePorts. */
export function browserUrlsAt(address: string | undefined, config: Config): BrowserUrls | undefined {
  if (!address || config.frontendNodePort === null || config.backendNodePort === null) return undefined;
  return { frontend: `http://${address}:${config.frontendNodePort}`, backend: `http://${address}:${config.backendNodePort}` };
}
