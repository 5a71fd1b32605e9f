// `open`: makes the app reachable from this host and keeps it so until Ctrl-C.
// How is lib/access.ts's (NodePort when our app answers there, else kubectl
// port-forward, with the same identity checks validate uses); this module prints
// the URLs, opens a browser when asked, and watches the URLs: a port-forward dies
// with its pod, so when one stops answering it is started again on the same ports.
import { answers, openAccess, type AppAccess, type BaseUrls } from './access.ts';
import { loadConfig } from './config.ts';
import { ExitCode, type ExitCodeValue } from './errors.ts';
import { createRunner, type Runner } from './exec.ts';
import { Kubectl } from './kubectl.ts';
import type { Logger } from './log.ts';
import { providerFor, resolveTarget } from './providers/index.ts';
import { sleep } from './sleep.ts';

/** The health route that proves each URL is our app (the ones lib/access.ts probes). */
const HEALTH: Record<keyof BaseUrls, { path: string; isOurs: (body: unknown) => boolean }> = {
  frontend: { path: '/api/health', isOurs: (b) => typeof (b as { status?: unknown })?.status === 'string' },
  backend: { path: '/health', isOurs: (b) => typeof (b as { status?: unknown })?.status === 'string' },
};

/** The command that hands a URL to the desktop's browser. */
export function browserCommand(platform: NodeJS.Platform = process.platform): { cmd: string; args: (url: string) => string[] } {
  if (platform === 'darwin') return { cmd: 'open', args: (url) => [url] };
  if (platform === 'win32') return { cmd: 'cmd', args: (url) => ['/c', 'start', '""', url] };
  return { cmd: 'xdg-open', args: (url) => [url] };
}

export interface OpenOptions {
  configFlags: Record<string, string>;
  envFile?: string;
  root: string;
  browser: boolean;
  signal: AbortSignal;
  env?: NodeJS.ProcessEnv;
  onCleanup?: (fn: () => Promise<void>) => void;
  /** How often the URLs are checked; default 2 s. */
  checkMs?: number;
}

async function openBrowser(run: Runner, url: string, log: Logger): Promise<void> {
  const { cmd, args } = browserCommand();
  try {
    await run(cmd, args(url), { timeoutMs: 15_000 });
    log.info(`opened ${url} in the browser`);
  } catch (error) {
    log.warn(`could not open a browser (${cmd}): open ${url} yourself`, [
      error instanceof Error ? error.message.split('\n')[0]! : String(error),
    ]);
  }
}

/** Both URLs answer as our app. */
async function healthy(urls: BaseUrls, signal: AbortSignal): Promise<boolean> {
  const ok = await Promise.all(
    (Object.keys(HEALTH) as (keyof BaseUrls)[]).map((k) => answers(`${urls[k]}${HEALTH[k].path}`, HEALTH[k].isOurs, 3000, signal)),
  );
  return ok.every(Boolean);
}

function announce(log: Logger, access: AppAccess, again = false): void {
  const how = access.via === 'nodeport' ? 'NodePorts' : 'kubectl port-forward (kept open until Ctrl-C)';
  log.event(
    { type: again ? 'reconnected' : 'open', urls: access.urls, via: access.via },
    () =>
      `${again ? 'reconnected' : 'the app is reachable'} via ${how}:\n  frontend  ${access.urls.frontend}\n  backend   ${access.urls.backend}`,
  );
}

/** scripts/open.ts: open access, print the URLs, keep them working until Ctrl-C (exit 130). */
export async function openCommand(log: Logger, opts: OpenOptions): Promise<ExitCodeValue> {
  const { config, warnings } = loadConfig({ flags: opts.configFlags, envFile: opts.envFile, root: opts.root, env: opts.env });
  for (const w of warnings) log.warn(w);
  const run = createRunner({ log, env: opts.env });
  const target = await resolveTarget(run, config, opts.env);
  const provider = providerFor(run, target, log);
  const kube = new Kubectl(run, { context: target.context, namespace: config.namespace });
  const access = await openAccess({
    kube,
    release: config.releaseName,
    nodeAddress: () => provider.nodeAddress(),
    env: opts.env,
    log,
    signal: opts.signal,
    keepPorts: true,
  });
  opts.onCleanup?.(() => access.close());
  try {
    announce(log, access);
    if (opts.browser) await openBrowser(run, access.urls.frontend, log);
    log.info('Ctrl-C to stop');
    let down = false;
    while (!opts.signal.aborted) {
      await sleep(opts.checkMs ?? 2000, opts.signal);
      if (opts.signal.aborted) break;
      if (await healthy(access.urls, opts.signal)) {
        if (down) log.ok('the app answers again');
        down = false;
        continue;
      }
      if (opts.signal.aborted) break;
      if (access.via === 'nodeport') {
        // Nothing to restart: the Service routes to whichever pod is ready; say so once.
        if (!down) log.warn(`the app does not answer at ${access.urls.frontend} right now (pods restarting?); still watching`);
        down = true;
        continue;
      }
      // The forward's pod went (restart, rollout): forward again, to the same local ports.
      try {
        await access.reconnect();
        announce(log, access, true);
        down = false;
      } catch (error) {
        if (!down) log.warn(`cannot forward yet: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}; retrying`);
        down = true;
      }
    }
  } finally {
    await access.close();
  }
  return ExitCode.interrupted;
}
