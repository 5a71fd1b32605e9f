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

export interface SmokeCheck {
  id: string;
  name: string;
  /** Returns a one-line detail on success; throws SmokeFailure (or any error) on failure. */
  run(urls: BaseUrls): Promise<string>;
  /** What to look at when it fails. */
  hint: string;
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

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000}s`;
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
}

/** One HTTP request, retried when that is safe; returns the answer whatever its status. */
export async function request(
  method: string,
  url: string,
  opts: { body?: unknown; headers?: Record<string, string>; retryOn?: number[] } = {},
): Promise<Answer> {
  const once = async (): Promise<Answer> => {
    const started = performance.now();
    const res = await fetch(url, {
      method,
      headers: { accept: 'application/json, text/html;q=0.9', ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      redirect: 'manual',
    });
    const text = await res.text();
    return { status: res.status, text, headers: res.headers, durationMs: performance.now() - started };
  };
  const safe = method === 'GET' || method === 'HEAD';
  // zx's retry retries every throw, so unsafe failures travel back as values.
  const outcome = await retry(RETRIES, backoff(), async () => {
    try {
      const answer = await once();
      if (safe && (opts.retryOn ?? [502, 503, 504]).includes(answer.status)) throw new SmokeFailure(`${method} ${url} → ${answer.status}`);
      return { answer };
    } catch (error) {
      if (error instanceof SmokeFailure) throw error;
      if (safe || refused(error)) throw error;
      return { error };
    }
  }).catch((error: unknown) => ({ error }));
  if ('error' in outcome) {
    const e = outcome.error;
    throw new SmokeFailure(e instanceof SmokeFailure ? e.message : `${method} ${url} failed: ${describe(e)}`);
  }
  return outcome.answer;
}

function expectStatus(answer: Answer, expected: number, what: string): void {
  if (answer.status !== expected) throw new SmokeFailure(`${what} → ${answer.status}, expected ${expected}: ${answer.text.slice(0, 200)}`);
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

async function getJson<T>(url: string, what: string, expected = 200): Promise<{ body: T; answer: Answer }> {
  const answer = await request('GET', url);
  expectStatus(answer, expected, what);
  return { body: json<T>(answer, what), answer };
}

export const SMOKE_CHECKS: readonly SmokeCheck[] = [
  {
    id: 'backend-health',
    name: 'backend /health',
    hint: 'the backend process is not serving: look at the backend logs (docker logs / kubectl logs)',
    async run({ backend }) {
      const { body, answer } = await getJson<{ status?: string; version?: string }>(joinUrl(backend, '/health'), 'GET /health');
      if (body.status !== 'ok') throw new SmokeFailure(`GET /health answered status "${body.status}", expected "ok"`);
      return `ok, version ${body.version ?? '?'} (${ms(answer)})`;
    },
  },
  {
    id: 'backend-ready',
    name: 'backend /ready (database)',
    hint: 'the backend cannot reach its database: check DATABASE_URL and the database pod or file',
    async run({ backend }) {
      const { body, answer } = await getJson<{ status?: string; reason?: string }>(joinUrl(backend, '/ready'), 'GET /ready');
      if (body.status !== 'ready') throw new SmokeFailure(`GET /ready answered "${body.status}"${body.reason ? `: ${body.reason}` : ''}`);
      return `ready (${ms(answer)})`;
    },
  },
  {
    id: 'frontend-health',
    name: 'frontend /api/health',
    hint: 'the frontend server is not serving: look at the frontend logs',
    async run({ frontend }) {
      const { body, answer } = await getJson<{ status?: string }>(joinUrl(frontend, '/api/health'), 'GET /api/health');
      if (body.status !== 'ok') throw new SmokeFailure(`GET /api/health answered status "${body.status}", expected "ok"`);
      return `ok (${ms(answer)})`;
    },
  },
  {
    id: 'frontend-home',
    name: 'home page',
    hint: 'the page does not render: look at the frontend logs for a server error',
    async run({ frontend }) {
      const answer = await request('GET', joinUrl(frontend, '/'), { headers: { accept: 'text/html' } });
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
    async run({ frontend }) {
      const user = smokeUser();
      // The frontend names the user by the todo_user cookie and forwards to /api/<user>/tasks.
      const answer = await request('GET', joinUrl(frontend, '/api/tasks'), { headers: { cookie: `todo_user=${user}` } });
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
    async run({ backend }) {
      const user = smokeUser();
      const base = joinUrl(backend, `/api/${user}/tasks`);
      const title = `smoke test ${new Date().toISOString()}`;
      let created: Task | undefined;
      try {
        const post = await request('POST', base, { body: { title, description: 'created by the smoke checks' } });
        expectStatus(post, 201, `POST /api/${user}/tasks`);
        created = json<Task>(post, 'POST tasks');
        if (created.title !== title || created.completed !== false) throw new SmokeFailure(`POST tasks returned ${post.text.slice(0, 200)}`);
        const read = await getJson<Task>(`${base}/${created.id}`, `GET tasks/${created.id}`);
        if (read.body.title !== title) throw new SmokeFailure(`GET tasks/${created.id} returned title "${read.body.title}"`);
        const done = await request('PATCH', `${base}/${created.id}/complete`, { body: { completed: true } });
        expectStatus(done, 200, `PATCH tasks/${created.id}/complete`);
        if (json<Task>(done, 'PATCH complete').completed !== true) throw new SmokeFailure('PATCH complete did not mark the task completed');
        const del = await request('DELETE', `${base}/${created.id}`);
        expectStatus(del, 204, `DELETE tasks/${created.id}`);
        const gone = await request('GET', `${base}/${created.id}`);
        expectStatus(gone, 404, `GET tasks/${created.id} after DELETE`);
        const id = created.id;
        created = undefined;
        return `task ${id} created, read, completed and deleted as ${user}`;
      } finally {
        if (created) await request('DELETE', `${base}/${created.id}`).catch(() => undefined);
      }
    },
  },
  {
    id: 'chat-roundtrip',
    name: 'chat adds a task',
    hint: 'the chat agent fails: look at the backend logs (with OPENAI_API_KEY set, check the key and OPENAI_BASE_URL)',
    async run({ backend }) {
      const user = smokeUser();
      const tasksUrl = joinUrl(backend, `/api/${user}/tasks`);
      const leftovers = async () => (await getJson<Task[]>(tasksUrl, `GET /api/${user}/tasks`)).body;
      try {
        const chat = await request('POST', joinUrl(backend, `/api/${user}/chat`), { body: { message: 'add smoke-test task' } });
        expectStatus(chat, 200, `POST /api/${user}/chat`);
        const reply = json<{ conversation_id?: number; response?: string; tool_calls?: { name: string }[] }>(chat, 'POST chat');
        if (!reply.tool_calls?.some((c) => c.name === 'add_task')) {
          throw new SmokeFailure(`chat "add smoke-test task" called ${JSON.stringify(reply.tool_calls?.map((c) => c.name) ?? [])}, expected add_task; reply: ${String(reply.response).slice(0, 120)}`);
        }
        const tasks = await leftovers();
        const task = tasks.find((t) => /smoke-test/.test(t.title));
        if (!task) throw new SmokeFailure(`chat reported add_task but ${user} has no task titled like "smoke-test task"`);
        const del = await request('DELETE', `${tasksUrl}/${task.id}`);
        expectStatus(del, 204, `DELETE tasks/${task.id}`);
        return `conversation ${reply.conversation_id}: add_task created task ${task.id} ("${task.title}"), deleted`;
      } finally {
        // Whatever happened above, leave no smoke tasks behind.
        const rest = await leftovers().catch(() => [] as Task[]);
        await Promise.all(rest.map((t) => request('DELETE', `${tasksUrl}/${t.id}`).catch(() => undefined)));
      }
    },
  },
];

/** Runs checks one after another (the round trips write) and reports every result. */
export async function runSmokeChecks(urls: BaseUrls, checks: readonly SmokeCheck[] = SMOKE_CHECKS, onResult?: (r: SmokeResult) => void): Promise<SmokeResult[]> {
  const results: SmokeResult[] = [];
  for (const check of checks) {
    const started = performance.now();
    let result: SmokeResult;
    try {
      const detail = await check.run(urls);
      result = { id: check.id, name: check.name, ok: true, detail, durationMs: performance.now() - started };
    } catch (error) {
      result = { id: check.id, name: check.name, ok: false, detail: error instanceof Error ? error.message : String(error), hint: check.hint, durationMs: performance.now() - started };
    }
    results.push(result);
    onResult?.(result);
  }
  return results;
}
