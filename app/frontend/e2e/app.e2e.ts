// End-to-end test of the built frontend against the real backend, driven
// through Debian's Chromium with playwright-core (no browser download).
//
//   npm run test:e2e              # builds when there is no build or a source is newer
//   npm run test:e2e -- --build   # always rebuilds first
//
// Env: CHROMIUM_PATH (default /usr/bin/chromium), BACKEND_DIR (default ../backend),
// CI (a missing Chromium fails instead of skipping the browser steps).
// Against a deployment (a cluster's NodePorts): E2E_BASE_URL=<frontend> E2E_BACKEND_URL=<backend>;
// then nothing is built or started here, and the same HTTP and browser steps run against it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const FRONTEND_DIR = path.resolve(__dirname, '..');
const REPO_ROOT = path.resolve(FRONTEND_DIR, '..', '..');
const BACKEND_DIR = path.resolve(process.env.BACKEND_DIR || path.join(FRONTEND_DIR, '..', 'backend'));
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const STANDALONE_SERVER = path.join(FRONTEND_DIR, '.next', 'standalone', 'server.js');
const SCREENSHOT_REL = 'test-results/frontend-e2e.png';
const ERROR_SCREENSHOT_REL = 'test-results/frontend-e2e-error.png';
const FAILURE_SCREENSHOT_REL = 'test-results/frontend-e2e-failure.png';
const IS_CI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
const FORCE_BUILD = process.argv.includes('--build');
const DEPLOYED = process.env.E2E_BASE_URL
  ? { frontend: process.env.E2E_BASE_URL.replace(/\/+$/, ''), backend: (process.env.E2E_BACKEND_URL ?? '').replace(/\/+$/, '') }
  : undefined;
const UI_TIMEOUT_MS = 15_000;
const START_TIMEOUT_MS = 90_000;

// ---------------------------------------------------------------- step runner
type Outcome = 'passed' | 'failed' | 'skipped';
const results: { name: string; outcome: Outcome }[] = [];
let stopRemaining = false;
let currentPage: Page | undefined;

async function step(name: string, fn: () => Promise<string | void>, opts: { browser?: boolean } = {}) {
  if (stopRemaining || (opts.browser && !browserAvailable)) {
    results.push({ name, outcome: 'skipped' });
    console.log(`  - ${name} (skipped)`);
    return;
  }
  const started = Date.now();
  try {
    const note = await fn();
    results.push({ name, outcome: 'passed' });
    console.log(`  ✓ ${name} (${Date.now() - started} ms)${note ? ` — ${note}` : ''}`);
  } catch (err) {
    if (err instanceof Skip) {
      results.push({ name, outcome: 'skipped' });
      console.log(`  - ${name} (skipped: ${err.message})`);
      return;
    }
    results.push({ name, outcome: 'failed' });
    console.log(`  ✗ ${name} (${Date.now() - started} ms)\n      ${(err as Error)?.stack ?? err}`);
    // Later steps build on earlier ones; running them would only add noise.
    stopRemaining = true;
    if (opts.browser && currentPage) {
      const file = path.join(REPO_ROOT, FAILURE_SCREENSHOT_REL);
      mkdirSync(path.dirname(file), { recursive: true });
      await currentPage.screenshot({ path: file, fullPage: true }).then(
        () => console.log(`      failure screenshot: ${FAILURE_SCREENSHOT_REL}`),
        () => undefined,
      );
    }
  }
}

/** Thrown by a step that cannot run here without it being a failure. */
class Skip extends Error {}

function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

async function until(cond: () => Promise<boolean> | boolean, what: string, timeoutMs = UI_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await sleep(100);
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- processes
interface Server {
  name: string;
  proc: ChildProcess;
  output: string[];
  exited: boolean;
}
const servers: Server[] = [];

function startServer(name: string, cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Server {
  // detached: own process group, so stopping it also stops anything it spawned.
  const proc = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const server: Server = { name, proc, output: [], exited: false };
  const keep = (chunk: Buffer) => {
    server.output.push(...chunk.toString().split('\n').filter(Boolean));
    if (server.output.length > 200) server.output.splice(0, server.output.length - 200);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  proc.on('exit', () => (server.exited = true));
  servers.push(server);
  return server;
}

async function stopServer(server: Server): Promise<void> {
  if (server.exited || server.proc.pid === undefined) return;
  const pid = server.proc.pid;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + 8_000;
  while (!server.exited && Date.now() < deadline) await sleep(50);
  if (!server.exited) {
    signal('SIGKILL');
    while (!server.exited) await sleep(50);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForHttp(server: Server, url: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (server.exited) {
      throw new Error(`${server.name} exited before answering ${url}:\n${tail(server)}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`${server.name} did not answer ${url} within ${START_TIMEOUT_MS} ms (${last}):\n${tail(server)}`);
}

const tail = (s: Server, n = 30) =>
  s.output
    .slice(-n)
    .map((l) => `      | ${l}`)
    .join('\n');

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { cwd, env, stdio: 'inherit' });
    proc.on('error', reject);
    proc.on('exit', (code, sig) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} failed (${sig ?? `exit ${code}`})`)),
    );
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

// Testing an old build against new sources would report on code that is gone.
const SOURCE_PATHS = ['app', 'components', 'lib', 'public', 'next.config.ts', 'package.json', 'package-lock.json', 'tsconfig.json'];
function newestSourceMtime(): number {
  return Math.max(
    0,
    ...SOURCE_PATHS.map((p) => path.join(FRONTEND_DIR, p))
      .filter(existsSync)
      .flatMap((p) => (statSync(p).isDirectory() ? filesUnder(p) : [p]))
      .map((f) => statSync(f).mtimeMs),
  );
}

// ---------------------------------------------------------------- the test
let browserAvailable = true;
let browser: Browser | undefined;
let dataDir: string | undefined;

async function main(): Promise<number> {
  console.log('frontend e2e: build → real backend → standalone frontend → Chromium');
  rmSync(path.join(REPO_ROOT, FAILURE_SCREENSHOT_REL), { force: true });
  let backend: Server | undefined;
  let frontend: Server | undefined;
  let backendUrl = '';
  let base = '';
  let page!: Page;
  const user = `e2e-${process.pid}-${Date.now().toString(36)}`;
  const cookieHeader = () => ({ cookie: `todo_user=${user}` });
  const taskTitle = 'Write the release notes';
  const renamedTitle = 'Write the release notes v2';
  const chatTitle = 'buy milk from chat';
  const browserRequests: string[] = [];

  await step('Chromium is installed', async () => {
    if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
    const help =
      `Chromium not found at ${CHROMIUM_PATH}: install the Debian package "chromium" ` +
      `(apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium binary.`;
    if (IS_CI) throw new Error(help);
    browserAvailable = false;
    throw new Skip(`${help} Browser steps are skipped (they fail when CI is set).`);
  });

  if (DEPLOYED) {
    await step('deployment answers at E2E_BASE_URL and E2E_BACKEND_URL', async () => {
      check(DEPLOYED.backend !== '', 'E2E_BACKEND_URL is required with E2E_BASE_URL');
      base = DEPLOYED.frontend;
      backendUrl = DEPLOYED.backend;
      const health = await fetch(`${backendUrl}/health`);
      check(health.ok, `backend /health answered ${health.status}`);
      return `${base} → ${backendUrl}`;
    });
  } else {
    await step('standalone build is present', async () => {
      let note = 'reused existing .next/standalone (pass --build to rebuild)';
      const reason = FORCE_BUILD
        ? '--build'
        : !existsSync(STANDALONE_SERVER)
          ? 'no build yet'
          : newestSourceMtime() > statSync(STANDALONE_SERVER).mtimeMs
            ? 'sources changed since the last build'
            : null;
      if (reason) {
        console.log(`      building (${reason})`);
        const started = Date.now();
        await run('npm', ['run', 'build'], FRONTEND_DIR, { ...process.env, NEXT_TELEMETRY_DISABLED: '1' });
        note = `npm run build took ${((Date.now() - started) / 1000).toFixed(1)} s`;
      }
      check(existsSync(STANDALONE_SERVER), `${STANDALONE_SERVER} is missing after the build`);
      // A plain `next build` (without the postbuild step) leaves the assets out.
      await run('node', ['scripts/copy-standalone-assets.mjs'], FRONTEND_DIR);
      return note;
    });

    await step('client bundle carries no backend address', async () => {
      const staticDir = path.join(FRONTEND_DIR, '.next', 'static');
      const js = filesUnder(staticDir).filter((f) => f.endsWith('.js'));
      check(js.length > 0, `no client JavaScript under ${staticDir}`);
      const leaks = js.filter((f) => /BACKEND_URL|localhost:8000|NEXT_PUBLIC_/.test(readFileSync(f, 'utf8')));
      check(leaks.length === 0, `client bundle mentions the backend: ${leaks.join(', ')}`);
      return `${js.length} files scanned`;
    });

    await step('backend virtualenv is ready', async () => {
      const python = path.join(BACKEND_DIR, '.venv', 'bin', 'python');
      // A half-finished install leaves python without uvicorn; test.sh repairs that too.
      const usable = () => existsSync(python) && spawnSync(python, ['-c', 'import uvicorn'], { stdio: 'ignore' }).status === 0;
      if (usable()) return `reused ${path.relative(REPO_ROOT, python)}`;
      const testSh = path.join(BACKEND_DIR, 'test.sh');
      check(existsSync(testSh), `${testSh} is missing: the backend must provide it to create its .venv`);
      await run('bash', [testSh, '--collect-only', '-q'], BACKEND_DIR);
      check(usable(), `${python} still cannot import uvicorn after running test.sh`);
      return `created by ${path.relative(REPO_ROOT, testSh)}`;
    });

    await step('real backend starts (SQLite, offline agent)', async () => {
      const port = await freePort();
      dataDir = mkdtempSync(path.join(tmpdir(), 'todo-e2e-data-'));
      const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PYTHONUNBUFFERED: '1' };
      // The offline intent parser makes the chat deterministic; a stray key or DB would not.
      for (const name of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_MODEL', 'DATABASE_URL', 'CORS_ORIGINS']) {
        delete env[name];
      }
      backend = startServer(
        'backend',
        path.join(BACKEND_DIR, '.venv', 'bin', 'python'),
        ['-m', 'uvicorn', 'app.main:app', '--host', '127.0.0.1', '--port', String(port)],
        BACKEND_DIR,
        env,
      );
      backendUrl = `http://127.0.0.1:${port}`;
      await waitForHttp(backend, `${backendUrl}/health`);
      return backendUrl;
    });

    await step('standalone frontend starts', async () => {
      const port = await freePort();
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PORT: String(port),
        HOSTNAME: '127.0.0.1',
        BACKEND_URL: backendUrl,
        NODE_ENV: 'production',
        NEXT_TELEMETRY_DISABLED: '1',
      };
      frontend = startServer('frontend', process.execPath, [STANDALONE_SERVER], FRONTEND_DIR, env);
      base = `http://127.0.0.1:${port}`;
      await waitForHttp(frontend, `${base}/api/health`);
      return base;
    });
  }

  await step('GET /api/health answers {status: ok}', async () => {
    const res = await fetch(`${base}/api/health`);
    check(res.status === 200, `expected 200, got ${res.status}`);
    const body = await res.json();
    check(body?.status === 'ok', `unexpected body ${JSON.stringify(body)}`);
  });

  await step('proxy validates the user cookie and ids', async () => {
    const noCookie = await fetch(`${base}/api/tasks`);
    check(noCookie.status === 401, `no cookie: expected 401, got ${noCookie.status}`);
    const badCookie = await fetch(`${base}/api/tasks`, { headers: { cookie: 'todo_user=../../etc' } });
    check(badCookie.status === 401, `invalid cookie: expected 401, got ${badCookie.status}`);
    const badId = await fetch(`${base}/api/tasks/abc`, { headers: cookieHeader() });
    check(badId.status === 422, `non-numeric task id: expected 422, got ${badId.status}`);
    const missing = await fetch(`${base}/api/tasks/999999`, { headers: cookieHeader() });
    check(missing.status === 404, `unknown task: expected the backend's 404 passed through, got ${missing.status}`);
  });

  await step(
    'browser opens the page titled "Todo Chatbot" and asks for a name',
    async () => {
      browser = await chromium.launch({
        executablePath: CHROMIUM_PATH,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      const context = await browser.newContext({ viewport: { width: 1200, height: 760 } });
      page = await context.newPage();
      currentPage = page;
      page.setDefaultTimeout(UI_TIMEOUT_MS);
      page.on('request', (r) => browserRequests.push(r.url()));
      page.on('pageerror', (err) => console.log(`      [browser error] ${err.message}`));
      await page.goto(base);
      const title = await page.title();
      check(title === 'Todo Chatbot', `expected <title> "Todo Chatbot", got "${title}"`);
      await page.getByTestId('user-name-input').waitFor();
    },
    { browser: true },
  );

  await step(
    'an invalid name is refused with a clear message',
    async () => {
      await page.getByTestId('user-name-input').fill('not valid!');
      await page.getByTestId('user-name-submit').click();
      const msg = await page.getByTestId('user-name-error').textContent();
      check(msg?.includes('not allowed'), `unexpected message "${msg}"`);
    },
    { browser: true },
  );

  await step(
    'entering a name shows an empty task list and sets the cookie',
    async () => {
      await page.getByTestId('user-name-input').fill(user);
      await page.getByTestId('user-name-submit').click();
      const shown = await page.getByTestId('current-user').textContent();
      check(shown === user, `header shows "${shown}", expected "${user}"`);
      await page.getByTestId('tasks-empty').waitFor();
      const cookie = (await page.context().cookies()).find((c) => c.name === 'todo_user');
      check(cookie?.value === user, `cookie todo_user is ${JSON.stringify(cookie?.value)}`);
    },
    { browser: true },
  );

  const taskRow = (title: string) =>
    page.getByTestId('task-item').filter({ has: page.getByTestId('task-title').getByText(title, { exact: true }) });
  const backendTasks = async () => {
    const res = await fetch(`${backendUrl}/api/${user}/tasks`);
    check(res.ok, `backend GET tasks answered ${res.status}`);
    return (await res.json()) as { id: number; title: string; completed: boolean }[];
  };

  await step(
    'add a task in the UI and see it',
    async () => {
      await page.getByTestId('new-task-input').fill(taskTitle);
      await page.getByTestId('add-task-button').click();
      await taskRow(taskTitle).waitFor();
      const stored = await backendTasks();
      check(
        stored.some((t) => t.title === taskTitle && !t.completed),
        `backend has ${JSON.stringify(stored)}`,
      );
    },
    { browser: true },
  );

  await step(
    'complete the task',
    async () => {
      await taskRow(taskTitle).getByTestId('task-toggle').click();
      await until(async () => (await taskRow(taskTitle).getAttribute('data-completed')) === 'true', 'the task to show as completed');
      check(await taskRow(taskTitle).getByTestId('task-toggle').isChecked(), 'checkbox is not checked');
      const stored = await backendTasks();
      check(stored.find((t) => t.title === taskTitle)?.completed === true, `backend has ${JSON.stringify(stored)}`);
    },
    { browser: true },
  );

  await step(
    'edit the task title',
    async () => {
      await taskRow(taskTitle).getByTestId('task-edit').click();
      await page.getByTestId('task-edit-input').fill(renamedTitle);
      await page.getByTestId('task-save').click();
      await taskRow(renamedTitle).waitFor();
      const stored = await backendTasks();
      check(
        stored.some((t) => t.title === renamedTitle),
        `backend has ${JSON.stringify(stored)}`,
      );
    },
    { browser: true },
  );

  await step(
    'add then delete a throwaway task',
    async () => {
      const title = 'Throwaway task';
      await page.getByTestId('new-task-input').fill(title);
      await page.getByTestId('add-task-button').click();
      await taskRow(title).waitFor();
      await taskRow(title).getByTestId('task-delete').click();
      await taskRow(title).waitFor({ state: 'detached' });
      const stored = await backendTasks();
      check(!stored.some((t) => t.title === title), `backend still has it: ${JSON.stringify(stored)}`);
    },
    { browser: true },
  );

  await step(
    `chat "add ${chatTitle}" adds the task to the list`,
    async () => {
      await page.getByTestId('chat-input').fill(`add ${chatTitle}`);
      await page.getByTestId('chat-send').click();
      await page.locator('[data-testid="chat-message"][data-role="assistant"]').first().waitFor();
      const chips = await page.getByTestId('chat-tool-call').allTextContents();
      check(chips.includes('add_task'), `expected an add_task tool call, got ${JSON.stringify(chips)}`);
      // No reload here: the list must refresh by itself because the reply changed tasks.
      await taskRow(chatTitle).waitFor();
      const stored = await backendTasks();
      check(
        stored.some((t) => t.title === chatTitle),
        `backend has ${JSON.stringify(stored)}`,
      );
    },
    { browser: true },
  );

  await step(
    'reload keeps the user, the tasks and the conversation',
    async () => {
      await page.reload();
      check((await page.getByTestId('current-user').textContent()) === user, 'user lost on reload');
      await taskRow(chatTitle).waitFor();
      await until(async () => (await page.getByTestId('chat-message').count()) >= 2, 'the conversation history to load from the backend');
      const texts = await page.getByTestId('chat-message').allTextContents();
      check(
        texts.some((t) => t.includes(`add ${chatTitle}`)),
        `history is ${JSON.stringify(texts)}`,
      );
    },
    { browser: true },
  );

  await step(
    'browser only talked to the frontend',
    async () => {
      const foreign = browserRequests.filter((u) => /^https?:/.test(u) && !u.startsWith(`${base}/`));
      check(browserRequests.length > 0, 'no browser requests were recorded');
      check(foreign.length === 0, `requests to other origins: ${foreign.join(', ')}`);
      return `${browserRequests.length} requests`;
    },
    { browser: true },
  );

  await step(
    'save a screenshot',
    async () => {
      const file = path.join(REPO_ROOT, SCREENSHOT_REL);
      mkdirSync(path.dirname(file), { recursive: true });
      await page.screenshot({ path: file, fullPage: true });
      console.log(`screenshot: ${SCREENSHOT_REL}`);
    },
    { browser: true },
  );

  await step(
    "switching user shows that user's own (empty) list",
    async () => {
      await page.getByTestId('switch-user').click();
      await page.getByTestId('user-name-input').fill(`${user}-other`);
      await page.getByTestId('user-name-submit').click();
      await page.getByTestId('tasks-empty').waitFor();
      check((await page.getByTestId('task-item').count()) === 0, "another user's tasks are visible");
    },
    { browser: true },
  );

  // Stopping the backend is this process's to do only when it started it; a deployment's
  // own outage is validate --disruptive's business.
  if (!DEPLOYED)
    await step(
      'backend down: UI shows an error state, proxy answers 502, health stays up',
      async () => {
        check(backend, 'backend was not started');
        await stopServer(backend);
        await page.getByTestId('tasks-reload').click();
        const banner = await page.getByTestId('error-banner').textContent();
        check(banner?.includes('Backend unavailable'), `banner says "${banner}"`);
        await page.getByTestId('tasks-stale').waitFor();
        await page.getByTestId('chat-input').fill('show my tasks');
        await page.getByTestId('chat-send').click();
        const chatError = await page.getByTestId('chat-error').textContent();
        check(chatError?.includes('Backend unavailable'), `chat error says "${chatError}"`);
        // Still the app, not a crash page: header and inputs remain usable.
        await page.getByTestId('new-task-input').fill('still typing');
        check(!(await page.getByTestId('fatal-error').count()), 'the error boundary was shown');
        const proxied = await fetch(`${base}/api/tasks`, { headers: cookieHeader() });
        const body = await proxied.json();
        check(proxied.status === 502, `proxy answered ${proxied.status}, expected 502`);
        check(/^Backend unavailable: /.test(body?.detail), `unexpected body ${JSON.stringify(body)}`);
        const health = await fetch(`${base}/api/health`);
        check(health.status === 200, `/api/health answered ${health.status} while the backend is down`);
        const file = path.join(REPO_ROOT, ERROR_SCREENSHOT_REL);
        await page.screenshot({ path: file, fullPage: true });
        return `error screenshot: ${ERROR_SCREENSHOT_REL}`;
      },
      { browser: true },
    );

  const failed = results.filter((r) => r.outcome === 'failed').length;
  if (failed > 0) {
    for (const s of servers) if (s.output.length) console.log(`\n${s.name} output (last lines):\n${tail(s)}`);
  }
  return failed;
}

async function cleanup(): Promise<void> {
  await browser?.close().catch(() => undefined);
  await Promise.all(servers.map(stopServer));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

function summary(): string {
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  const skipped = count('skipped');
  return `${count('passed')} passed, ${count('failed')} failed${skipped ? `, ${skipped} skipped` : ''}`;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.log(`\n${sig}: stopping servers`);
    results.push({ name: `interrupted by ${sig}`, outcome: 'failed' });
    void cleanup().finally(() => {
      console.log(summary());
      process.exit(130);
    });
  });
}

main()
  .catch((err) => {
    console.error(err);
    results.push({ name: 'unexpected error', outcome: 'failed' });
    return 1;
  })
  .then(async (failed) => {
    await cleanup();
    console.log(summary());
    process.exit(failed > 0 ? 1 : 0);
  });
