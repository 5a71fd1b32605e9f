// The HTTP smoke checks, as data: build-images --test runs them against local
// containers and validate runs them against the cluster. Each check talks HTTP
// only (the platform fetch with a per-request timeout), retries what is safe to
// retry, and cleans up what it created under a dedicated smoke user.
import { randomBytes } from 'node:crypto';
import { expBackoff, retry } from 'zx';

export interface BaseUrls {
  frontend: string;
  backend: string;
}

/** How patient a check is: validate bounds every request by its total time budget. */
export interface SmokeOptions {
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** Attempts per retryable request; default 5. */
  retries?: number;
  /** Aborted when the caller's time budget runs out: no new attempt starts, the running one ends. */
  signal?: AbortSignal;
}

export interface SmokeCheck {
  id: string;
  name: string;
  /** Returns a one-line detail on success; throws SmokeFailure (or any error) on failure. */
  run(urls: BaseUrls, opts?: SmokeOptions): Promise<string>;
  /** What to look at when it fails. */
  hint: string;
  /** Whose logs explain a failure (validate turns it into a kubectl command for the release). */
  logs?: 'backend' | 'frontend';
  /** Ids of checks whose failure makes this one meaningless (validate skips it then). */
  dependsOn?: readonly string[];
}

export interface SmokeResult {
  id: string;
  name: string;
  ok: boolean;
  detail: string;
  hint?: string;
  durationMs: number;
}

export class SmokeFailure extends Error {}

const REQUEST_TIMEOUT_MS = 10_000;
/** GETs are retried (a pod may be warming up); writes are retried only when the connection was refused. */
const RETRIES = 5;
const backoff = () => expBackoff('4s', '250ms');

interface Answer {
  status: number;
  text: string;
  headers: Headers;
  durationMs: number;
}

function joinUrl(base: string, pathname: string): string {
  return `${base.replace(/\/+$/, '')}${pathname}`;
}

function refused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } }).cause;
  // Refused means the request never reached a server, so sending it again cannot duplicate it.
  return cause?.code === 'ECONNREFUSED';
}

/** The abort reason validate uses when its total time budget runs out. */
export class BudgetExceeded extends Error {
  constructor(readonly budgetMs: number) {
    super(`the total time budget of ${formatSeconds(budgetMs)} ran out`);
    this.name = 'BudgetExceeded';
  }
}

function describe(error: unknown, timeoutMs: number, signal?: AbortSignal): string {
  if (signal?.aborted && signal.reason instanceof Error) return signal.reason.message;
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${formatSeconds(timeoutMs)}`;
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
}

const formatSeconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`);

/** Delays from zx's expBackoff, never sleeping past the caller's budget. */
function* boundedBackoff(signal?: AbortSignal): Generator<number> {
  for (const delay of backoff()) yield signal?.aborted ? 0 : delay;
}

/**
 * One HTTP request, retried (zx retry + expBackoff) when that is safe; returns the
 * answer whatever its status — after the last attempt also a 502/503/504, so the
 * caller can quote the body (e.g. /ready's reason).
 */
export async function request(
  method: string,
  url: string,
  opts: { body?: unknown; headers?: Record<string, string>; retryOn?: number[] } & SmokeOptions = {},
): Promise<Answer> {
  const timeoutMs = opts.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const attempts = Math.max(1, opts.retries ?? RETRIES);
  const once = async (): Promise<Answer> => {
    const started = performance.now();
    const timeout = AbortSignal.timeout(timeoutMs);
    const res = await fetch(url, {
      method,
      headers: { accept: 'application/json, text/html;q=0.9', ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
      signal: opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout,
      redirect: 'manual',
    });
    const text = await res.text();
    return { status: res.status, text, headers: res.headers, durationMs: performance.now() - started };
  };
  const safe = method === 'GET' || method === 'HEAD';
  let attempt = 0;
  // zx's retry retries every throw, so what must not be retried travels back as a value;
  // so does the last attempt, so that retry does not sleep after it.
  const outcome = await retry(attempts, boundedBackoff(opts.signal), async () => {
    attempt += 1;
    const last = attempt >= attempts || Boolean(opts.signal?.aborted);
    try {
      const answer = await once();
      if (!last && safe && (opts.retryOn ?? [502, 503, 504]).includes(answer.status)) throw new SmokeFailure(`${method} ${url} → ${answer.status}`);
      return { answer };
    } catch (error) {
      if (error instanceof SmokeFailure) throw error;
      if (last || opts.signal?.aborted || !(safe || refused(error))) return { error };
      throw error;
    }
  }).catch((error: unknown) => ({ error }));
  if ('error' in outcome) {
    const e = outcome.error;
    throw new SmokeFailure(e instanceof SmokeFailure ? e.message : `${method} ${url} failed: ${describe(e, timeoutMs, opts.signal)}`);
  }
  return outcome.answer;
}

function expectStatus(answer: Answer, expected: number, what: string): void {
  if (answer.status !== expected) throw new SmokeFailure(`${what} → ${answer.status}, expected ${expected}: ${answer.text.slice(0, 200)}`);
}

function tryJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** Two quick attempts of 5 s at most, independent of a budget that may have run out. */
function cleanupOptions(opts: SmokeOptions | undefined): SmokeOptions {
  return { timeoutMs: Math.min(opts?.timeoutMs ?? REQUEST_TIMEOUT_MS, 5000), retries: 2 };
}

function json<T>(answer: Answer, what: string): T {
  try {
    return JSON.parse(answer.text) as T;
  } catch {
    throw new SmokeFailure(`${what} did not answer JSON: ${answer.text.slice(0, 120)}`);
  }
}

const ms = (answer: Answer) => `${Math.round(answer.durationMs)}ms`;

/** A user id of the backend's form ([A-Za-z0-9_.-]{1,64}) that no person uses. */
export function smokeUser(): string {
  return `smoke-${randomBytes(6).toString('hex')}`;
}

interface Task {
  id: number;
  user_id: string;
  title: string;
  completed: boolean;
}

async function getJson<T>(url: string, what: string, opts: SmokeOptions = {}, expected = 200): Promise<{ body: T; answer: Answer }> {
  const answer = await request('GET', url, opts);
  expectStatus(answer, expected, what);
  return { body: json<T>(answer, what), answer };
}

export const SMOKE_CHECKS: readonly SmokeCheck[] = [
  {
    id: 'backend-health',
    name: 'backend /health',
    hint: 'the backend process is not serving: look at the backend logs',
    logs: 'backend',
    async run({ backend }, opts) {
      const { body, answer } = await getJson<{ status?: string; version?: string }>(joinUrl(backend, '/health'), 'GET /health', opts);
      if (body.status !== 'ok') throw new SmokeFailure(`GET /health answered status "${body.status}", expected "ok"`);
      return `ok, version ${body.version ?? '?'} (${ms(answer)})`;
    },
  },
  {
    id: 'backend-ready',
    name: 'backend /ready (database)',
    hint: 'the backend cannot reach its database: check DATABASE_URL and the database pod or file',
    logs: 'backend',
    dependsOn: ['backend-health'],
    async run({ backend }, opts) {
      // A 503 is the backend's own verdict, retried while it may still change; then quoted.
      const answer = await request('GET', joinUrl(backend, '/ready'), opts);
      if (answer.status === 503) {
        const body = tryJson<{ status?: string; reason?: string }>(answer.text);
        throw new SmokeFailure(`GET /ready → 503 ${body?.status ?? ''}: ${body?.reason ?? answer.text.slice(0, 200)}`.replace(/ +:/, ':'));
      }
      expectStatus(answer, 200, 'GET /ready');
      const body = json<{ status?: string; reason?: string }>(answer, 'GET /ready');
      if (body.status !== 'ready') throw new SmokeFailure(`GET /ready answered "${body.status}"${body.reason ? `: ${body.reason}` : ''}`);
      return `ready (${ms(answer)})`;
    },
  },
  {
    id: 'frontend-health',
    name: 'frontend /api/health',
    hint: 'the frontend server is not serving: look at the frontend logs',
    logs: 'frontend',
    async run({ frontend }, opts) {
      const { body, answer } = await getJson<{ status?: string }>(joinUrl(frontend, '/api/health'), 'GET /api/health', opts);
      if (body.status !== 'ok') throw new SmokeFailure(`GET /api/health answered status "${body.status}", expected "ok"`);
      return `ok (${ms(answer)})`;
    },
  },
  {
    id: 'frontend-home',
    name: 'home page',
    hint: 'the page does not render: look at the frontend logs for a server error',
    logs: 'frontend',
    dependsOn: ['frontend-health'],
    async run({ frontend }, opts) {
      const answer = await request('GET', joinUrl(frontend, '/'), { ...opts, headers: { accept: 'text/html' } });
      expectStatus(answer, 200, 'GET /');
      if (!/text\/html/.test(answer.headers.get('content-type') ?? '')) throw new SmokeFailure(`GET / answered ${answer.headers.get('content-type')}, expected text/html`);
      if (!answer.text.includes('<title>Todo Chatbot</title>')) throw new SmokeFailure('GET / has no <title>Todo Chatbot</title>');
      return `HTML with <title>Todo Chatbot</title>, ${Math.round(answer.text.length / 1024)} KiB (${ms(answer)})`;
    },
  },
  {
    id: 'frontend-proxy',
    name: 'frontend → backend proxy',
    hint: 'the frontend cannot reach the backend: check BACKEND_URL in the frontend and the backend Service',
    logs: 'frontend',
    // Not on backend-health: with the backend down, the proxy's 502 is the cause worth showing.
    dependsOn: ['frontend-health'],
    async run({ frontend }, opts) {
      const user = smokeUser();
      // The frontend names the user by the todo_user cookie and forwards to /api/<user>/tasks.
      // No retry on 502: the proxy's "Backend unavailable" is the answer to report.
      const answer = await request('GET', joinUrl(frontend, '/api/tasks'), { ...opts, retryOn: [503, 504], headers: { cookie: `todo_user=${user}` } });
      expectStatus(answer, 200, 'GET /api/tasks through the frontend');
      const body = json<unknown>(answer, 'GET /api/tasks through the frontend');
      if (!Array.isArray(body)) throw new SmokeFailure('GET /api/tasks through the frontend did not answer a list');
      return `backend reached, ${body.length} tasks for ${user} (${ms(answer)})`;
    },
  },
  {
    id: 'task-roundtrip',
    name: 'task create/read/complete/delete',
    hint: 'the task API fails: look at the backend logs and /ready',
    logs: 'backend',
    dependsOn: ['backend-ready'],
    async run({ backend }, opts) {
      const user = smokeUser();
      const base = joinUrl(backend, `/api/${user}/tasks`);
      const title = `smoke test ${new Date().toISOString()}`;
      let created: Task | undefined;
      try {
        const post = await request('POST', base, { ...opts, body: { title, description: 'created by the smoke checks' } });
        expectStatus(post, 201, `POST /api/${user}/tasks`);
        created = json<Task>(post, 'POST tasks');
        if (created.title !== title || created.completed !== false) throw new SmokeFailure(`POST tasks returned ${post.text.slice(0, 200)}`);
        const read = await getJson<Task>(`${base}/${created.id}`, `GET tasks/${created.id}`, opts);
        if (read.body.title !== title) throw new SmokeFailure(`GET tasks/${created.id} returned title "${read.body.title}"`);
        const done = await request('PATCH', `${base}/${created.id}/complete`, { ...opts, body: { completed: true } });
        expectStatus(done, 200, `PATCH tasks/${created.id}/complete`);
        if (json<Task>(done, 'PATCH complete').completed !== true) throw new SmokeFailure('PATCH complete did not mark the task completed');
        const del = await request('DELETE', `${base}/${created.id}`, opts);
        expectStatus(del, 204, `DELETE tasks/${created.id}`);
        const gone = await request('GET', `${base}/${created.id}`, opts);
        expectStatus(gone, 404, `GET tasks/${created.id} after DELETE`);
        const id = created.id;
        created = undefined;
        return `task ${id} created, read, completed and deleted as ${user}`;
      } finally {
        // Cleanup gets its own short budget: it must run even when the caller's ran out.
        if (created) await request('DELETE', `${base}/${created.id}`, cleanupOptions(opts)).catch(() => undefined);
      }
    },
  },
  {
    id: 'chat-roundtrip',
    name: 'chat adds a task',
    hint: 'the chat agent fails: look at the backend logs (with OPENAI_API_KEY set, check the key and OPENAI_BASE_URL)',
    logs: 'backend',
    dependsOn: ['backend-ready'],
    async run({ backend }, opts) {
      const user = smokeUser();
      const tasksUrl = joinUrl(backend, `/api/${user}/tasks`);
      const leftovers = async (o?: SmokeOptions) => (await getJson<Task[]>(tasksUrl, `GET /api/${user}/tasks`, o)).body;
      try {
        const chat = await request('POST', joinUrl(backend, `/api/${user}/chat`), { ...opts, body: { message: 'add smoke-test task' } });
        expectStatus(chat, 200, `POST /api/${user}/chat`);
        const reply = json<{ conversation_id?: number; response?: string; tool_calls?: { name: string }[] }>(chat, 'POST chat');
        if (!reply.tool_calls?.some((c) => c.name === 'add_task')) {
          throw new SmokeFailure(`chat "add smoke-test task" called ${JSON.stringify(reply.tool_calls?.map((c) => c.name) ?? [])}, expected add_task; reply: ${String(reply.response).slice(0, 120)}`);
        }
        const tasks = await leftovers(opts);
        const task = tasks.find((t) => /smoke-test/.test(t.title));
        if (!task) throw new SmokeFailure(`chat reported add_task but ${user} has no task titled like "smoke-test task"`);
        const del = await request('DELETE', `${tasksUrl}/${task.id}`, opts);
        expectStatus(del, 204, `DELETE tasks/${task.id}`);
        return `conversation ${reply.conversation_id}: add_task created task ${task.id} ("${task.title}"), deleted`;
      } finally {
        // Whatever happened above, leave no smoke tasks behind.
        const cleanup = cleanupOptions(opts);
        const rest = await leftovers(cleanup).catch(() => [] as Task[]);
        await Promise.all(rest.map((t) => request('DELETE', `${tasksUrl}/${t.id}`, cleanup).catch(() => undefined)));
      }
    },
  },
];

/** Runs checks one after another (the round trips write) and reports every result. */
export async function runSmokeChecks(urls: BaseUrls, checks: readonly SmokeCheck[] = SMOKE_CHECKS, onResult?: (r: SmokeResult) => void, opts?: SmokeOptions): Promise<SmokeResult[]> {
  const results: SmokeResult[] = [];
  for (const check of checks) {
    const started = performance.now();
    let result: SmokeResult;
    try {
      const detail = await check.run(urls, opts);
      result = { id: check.id, name: check.name, ok: true, detail, durationMs: performance.now() - started };
    } catch (error) {
      result = { id: check.id, name: check.name, ok: false, detail: error instanceof Error ? error.message : String(error), hint: check.hint, durationMs: performance.now() - started };
    }
    results.push(result);
    onResult?.(result);
  }
  return results;
}
