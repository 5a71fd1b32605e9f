// The reference app as local processes for tests: the FastAPI backend from its
// .venv (made by app/backend/test.sh) and the Next.js standalone frontend
// (built once with npm run build and reused). Both listen on 127.0.0.1 only.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRunner, startBackground, type Background } from '../../lib/exec.ts';
import { REPO_ROOT } from '../../lib/cli.ts';

export const BACKEND_DIR = path.join(REPO_ROOT, 'app', 'backend');
export const FRONTEND_DIR = path.join(REPO_ROOT, 'app', 'frontend');
const PYTHON = path.join(BACKEND_DIR, '.venv', 'bin', 'python');
const STANDALONE = path.join(FRONTEND_DIR, '.next', 'standalone');

export interface AppServer {
  url: string;
  port: number;
  process: Background;
  stop(): Promise<void>;
}

/** A free port on 127.0.0.1 (optionally within a range, e.g. the NodePort range). */
export async function freePort(range?: [number, number]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const want = range ? range[0] + Math.floor(Math.random() * (range[1] - range[0])) : 0;
    const port = await new Promise<number | undefined>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(undefined));
      srv.listen(want, '127.0.0.1', () => {
        const p = (srv.address() as AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    if (port) return port;
  }
  throw new Error('no free port on 127.0.0.1');
}

async function waitHttp(server: Background, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return;
    } catch {
      const ended = await Promise.race([server.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 150))]);
      if (ended || Date.now() > deadline) {
        await server.stop();
        throw new Error(
          `${server.command} did not answer ${url}${ended ? ' (it exited)' : ''}:\n${server.stderr().slice(-2000)}\n${server.stdout().slice(-1000)}`,
        );
      }
    }
  }
}

/** Creates the backend's .venv with its own test.sh when it is missing or broken. */
export async function ensureBackendVenv(): Promise<void> {
  const usable = () => existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import uvicorn'], { stdio: 'ignore' }).status === 0;
  if (usable()) return;
  await createRunner()('bash', [path.join(BACKEND_DIR, 'test.sh'), '--collect-only', '-q'], { cwd: BACKEND_DIR, timeoutMs: 10 * 60_000 });
  if (!usable()) throw new Error(`${PYTHON} cannot import uvicorn after app/backend/test.sh`);
}

/** Builds the standalone frontend once (npm run build, ~1-2 min) and copies its assets beside server.js. */
export async function ensureFrontendBuild(): Promise<void> {
  const run = createRunner();
  if (!existsSync(path.join(STANDALONE, 'server.js'))) {
    if (!existsSync(path.join(FRONTEND_DIR, 'node_modules', 'next')))
      await run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: FRONTEND_DIR, timeoutMs: 10 * 60_000 });
    await run('npm', ['run', 'build'], { cwd: FRONTEND_DIR, timeoutMs: 10 * 60_000, env: { NEXT_TELEMETRY_DISABLED: '1' } });
  }
  if (!existsSync(path.join(STANDALONE, '.next', 'static')))
    await run('node', ['scripts/copy-standalone-assets.mjs'], { cwd: FRONTEND_DIR });
}

const APP_ENV_CLEARED = {
  OPENAI_API_KEY: undefined,
  OPENAI_BASE_URL: undefined,
  OPENAI_MODEL: undefined,
  CORS_ORIGINS: undefined,
  DATABASE_URL: undefined,
};

/** The real backend (SQLite in a temp folder, offline agent unless env says otherwise). */
export async function startBackend(
  opts: { port?: number; env?: Record<string, string | undefined>; waitPath?: string } = {},
): Promise<AppServer & { dataDir: string }> {
  await ensureBackendVenv();
  const port = opts.port ?? (await freePort());
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'validate-backend-'));
  const proc = startBackground(PYTHON, ['-m', 'uvicorn', 'app.main:app', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: BACKEND_DIR,
    env: { ...APP_ENV_CLEARED, DATA_DIR: dataDir, PYTHONUNBUFFERED: '1', LOG_LEVEL: 'warning', ...opts.env },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(proc, `${url}${opts.waitPath ?? '/health'}`, 60_000);
  return {
    url,
    port,
    process: proc,
    dataDir,
    async stop() {
      await proc.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The real standalone frontend, proxying to `backendUrl`. */
export async function startFrontend(backendUrl: string, opts: { port?: number } = {}): Promise<AppServer> {
  await ensureFrontendBuild();
  const port = opts.port ?? (await freePort());
  const proc = startBackground(process.execPath, [path.join(STANDALONE, 'server.js')], {
    cwd: STANDALONE,
    env: { PORT: String(port), HOSTNAME: '127.0.0.1', BACKEND_URL: backendUrl, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(proc, `${url}/api/health`, 60_000);
  return { url, port, process: proc, stop: () => proc.stop() };
}
