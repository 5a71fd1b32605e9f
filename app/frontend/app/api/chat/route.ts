import type { NextRequest } from 'next/server';
import { forward } from '@/lib/backend';

export const dynamic = 'force-dynamic';

export function POST(req: NextRequest): Promise<Response> {
  return forward(req, '/chat');
}
