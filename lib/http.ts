// HTTP to the app, as the app checks do it: the platform fetch with a per-request
// timeout, retries only where they are safe (a GET; a write only when the
// connection was refused), every attempt bounded by the caller's time budget.
import { randomBytes } from 'node:crypto';
import { expBackoff, retry } from 'zx';
import { CheckFailure } from './validate/report.ts';

/** How patient a request is: validate bounds every request by its total time budget. */
export interface HttpOptions {
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** Attempts per retryable request; default 5. */
  retries?: number;
  /** Aborted when the caller's time budget runs out: no new attempt starts, the running one ends. */
  signal?: AbortSignal;
}

const REQUEST_TIMEOUT_MS = 10_000;
/** GETs are retried (a pod may be warming up); writes are retried only when the connection was refused. */
const RETRIES = 5;
const backoff = () => expBackoff('4s', '250ms');

export interface Answer {
  status: number;
  text: string;
  headers: Headers;
  durationMs: number;
}

export function joinUrl(base: string, pathname: string): string {
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
  opts: { body?: unknown; headers?: Record<string, string>; retryOn?: number[] } & HttpOptions = {},
): Promise<Answer> {
  const timeoutMs = opts.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const attempts = Math.max(1, opts.retries ?? RETRIES);
  const once = async (): Promise<Answer> => {
    const started = performance.now();
    const timeout = AbortSignal.timeout(timeoutMs);
    const res = await fetch(url, {
      method,
      headers: {
        accept: 'application/json, text/html;q=0.9',
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
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
      if (!last && safe && (opts.retryOn ?? [502, 503, 504]).includes(answer.status))
        throw new CheckFailure(`${method} ${url} → ${answer.status}`);
      return { answer };
    } catch (error) {
      if (error instanceof CheckFailure) throw error;
      if (last || opts.signal?.aborted || !(safe || refused(error))) return { error };
      throw error;
    }
  }).catch((error: unknown) => ({ error }));
  if ('error' in outcome) {
    const e = outcome.error;
    throw new CheckFailure(e instanceof CheckFailure ? e.message : `${method} ${url} failed: ${describe(e, timeoutMs, opts.signal)}`);
  }
  return outcome.answer;
}

export function expectStatus(answer: Answer, expected: number, what: string): void {
  if (answer.status !== expected) throw new CheckFailure(`${what} → ${answer.status}, expected ${expected}: ${answer.text.slice(0, 200)}`);
}

export function tryJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** Two quick attempts of 5 s at most, independent of a budget that may have run out. */
export function cleanupOptions(opts: HttpOptions | undefined): HttpOptions {
  return { timeoutMs: Math.min(opts?.timeoutMs ?? REQUEST_TIMEOUT_MS, 5000), retries: 2 };
}

export function json<T>(answer: Answer, what: string): T {
  try {
    return JSON.parse(answer.text) as T;
  } catch {
    throw new CheckFailure(`${what} did not answer JSON: ${answer.text.slice(0, 120)}`);
  }
}

export const elapsed = (answer: Answer) => `${Math.round(answer.durationMs)}ms`;

/** A user id of the backend's form ([A-Za-z0-9_.-]{1,64}) that no person uses. */
export function smokeUser(): string {
  return `smoke-${randomBytes(6).toString('hex')}`;
}

export async function getJson<T>(url: string, what: string, opts: HttpOptions = {}, expected = 200): Promise<{ body: T; answer: Answer }> {
  const answer = await request('GET', url, opts);
  expectStatus(answer, expected, what);
  return { body: json<T>(answer, what), answer };
}
