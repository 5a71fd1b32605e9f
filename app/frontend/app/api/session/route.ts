// Local identity: the chosen name lives in the todo_user cookie.
import type { NextRequest } from 'next/server';
import { json } from '@/lib/backend';
import { USER_COOKIE, isValidUserName, userNameError } from '@/lib/user';

export const dynamic = 'force-dynamic';

const ONE_YEAR_S = 60 * 60 * 24 * 365;

export function GET(req: NextRequest): Response {
  const value = req.cookies.get(USER_COOKIE)?.value;
  return json(200, { user: isValidUserName(value) ? value : null });
}

export async function POST(req: NextRequest): Promise<Response> {
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    return json(422, { detail: 'Request body must be JSON like {"name": "alice"}' });
  }
  const raw = (body as { name?: unknown } | null)?.name;
  const name = typeof raw === 'string' ? raw.trim() : raw;
  const problem = userNameError(name);
  if (problem) return json(422, { detail: problem });
  const res = json(200, { user: name });
  // httpOnly: the page gets the name from the server render, scripts never need the cookie.
  res.headers.append('set-cookie', `${USER_COOKIE}=${name}; Path=/; Max-Age=${ONE_YEAR_S}; SameSite=Lax; HttpOnly`);
  return res;
}

export function DELETE(): Response {
  const res = json(200, { user: null });
  res.headers.append('set-cookie', `${USER_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly`);
  return res;
}
