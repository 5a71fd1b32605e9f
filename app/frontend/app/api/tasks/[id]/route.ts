import type { NextRequest } from 'next/server';
import { forward, idError } from '@/lib/backend';

export const dynamic = 'force-dynamic';

type Ctx = { params: Promise<{ id: string }> };

async function handle(req: NextRequest, ctx: Ctx): Promise<Response> {
  const { id } = await ctx.params;
  return idError('task_id', id) ?? forward(req, `/tasks/${id}`);
}

export function GET(req: NextRequest, ctx: Ctx): Promise<Response> {
  return handle(req, ctx);
}

export function PUT(req: NextRequest, ctx: Ctx): Promise<Response> {
  return handle(req, ctx);
}

export function DELETE(req: NextRequest, ctx: Ctx): Promise<Response> {
  return handle(req, ctx);
}
