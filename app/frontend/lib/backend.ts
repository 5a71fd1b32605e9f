// Server-side proxy from the browser-facing /api/* route handlers to the
// FastAPI backend. Everything is read from process.env per request so one
// build works against any BACKEND_URL.
import type { NextRequest } from 'next/server';
import { USER_COOKIE, userNameError } from './user';

const DEFAULT_BACKEND_URL = 'http://localhost:8000';
const DEFAULT_TIMEOUT_MS = 30_000; // chat replies from a hosted model can take a while

type Config = { ok: true; base: string; timeoutMs: number } | { ok: false; detail: string };

export function backendConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = (env.BACKEND_URL ?? '').trim() || DEFAULT_BACKEND_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, detail: 'BACKEND_URL is not a valid URL: set it like http://backend:8000' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      ok: false,
      detail: `BACKEND_URL must use http or https, not ${url.protocol}: set it like http://backend:8000`,
    };
  }
  const rawTimeout = (env.BACKEND_TIMEOUT_MS ?? '').trim();
  const timeoutMs = rawTimeout === '' ? DEFAULT_TIMEOUT_MS : Number(rawTimeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    return {
      ok: false,
      detail: `BACKEND_TIMEOUT_MS must be a positive integer of milliseconds, got "${rawTimeout.slice(0, 20)}"`,
    };
  }
  return { ok: true, base: url.href.replace(/\/+$/, ''), timeoutMs };
}

export function json(status: number, body: unknown): Response {
  return Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
}

/** The validated user name from the cookie, or an error response to return as is. */
export function requireUser(req: NextRequest): { user: string } | { response: Response } {
  const value = req.cookies.get(USER_COOKIE)?.value;
  if (value === undefined) {
    return {
      response: json(401, { detail: `No user selected: cookie ${USER_COOKIE} is missing; enter your name first` }),
    };
  }
  const problem = userNameError(value);
  if (problem) {
    return { response: json(401, { detail: `Cookie ${USER_COOKIE} is invalid. ${problem}` }) };
  }
  return { user: value };
}

/** Task and conversation ids must be plain positive integers before they go into a backend path. */
export function idError(name: string, value: string): Response | null {
  if (/^[1-9][0-9]{0,17}$/.test(value)) return null;
  return json(422, {
    detail: [
      {
        loc: ['path', name],
        msg: `${name} must be a positive integer, got "${value.slice(0, 40)}"`,
        type: 'int_parsing',
      },
    ],
  });
}

// Node's fetch hides the socket error in `cause`; turn it into a short reason.
function unavailableReason(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const code = e?.cause?.code;
  if (code) return `cannot connect (${code})`;
  return e?.cause?.message || e?.message || String(err);
}

const PASS_RESPONSE_HEADERS = ['content-type', 'location', 'retry-after'];

/**
 * Forwards the request to `${BACKEND_URL}/api/${user}${subpath}` and relays the
 * backend's status and body unchanged; 502 when the backend cannot be reached.
 */
export async function forward(req: NextRequest, subpath: string, opts: { method?: string; withQuery?: boolean } = {}): Promise<Response> {
  const config = backendConfig();
  if (!config.ok) {
    log('error', 'bad frontend configuration', { detail: config.detail });
    return json(500, { detail: config.detail });
  }
  const who = requireUser(req);
  if ('response' in who) return who.response;

  const method = opts.method ?? req.method;
  const query = opts.withQuery ? req.nextUrl.search : '';
  const target = `${config.base}/api/${encodeURIComponent(who.user)}${subpath}${query}`;
  const hasBody = !['GET', 'HEAD', 'DELETE'].includes(method);
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: string | undefined;
  if (hasBody) {
    body = await req.text();
    if (body.length > 0) headers['content-type'] = req.headers.get('content-type') ?? 'application/json';
    else body = undefined;
  }
  const requestId = req.headers.get('x-request-id');
  if (requestId) headers['x-request-id'] = requestId;

  try {
    const upstream = await fetch(target, {
      method,
      headers,
      body,
      cache: 'no-store',
      redirect: 'manual',
      signal: AbortSignal.timeout(config.timeoutMs),
    });
    // Read the whole body inside the try: a backend dying mid-answer is also "unavailable".
    const payload = upstream.status === 204 || upstream.status === 304 ? null : await upstream.arrayBuffer();
    const outHeaders = new Headers({ 'cache-control': 'no-store' });
    for (const name of PASS_RESPONSE_HEADERS) {
      const value = upstream.headers.get(name);
      if (value) outHeaders.set(name, value);
    }
    return new Response(payload, { status: upstream.status, headers: outHeaders });
  } catch (err) {
    const reason = unavailableReason(err, config.timeoutMs);
    // Log only the origin: BACKEND_URL could carry credentials in its user-info part.
    log('error', 'backend unavailable', { backend: new URL(config.base).origin, method, subpath, reason });
    return json(502, { detail: `Backend unavailable: ${reason}` });
  }
}

function log(level: string, msg: string, fields: Record<string, unknown>): void {
  console.error(JSON.stringify({ ts: new Date().toISOString(), level, msg, ...fields }));
}
