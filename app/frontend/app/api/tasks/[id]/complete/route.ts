import type { NextRequest } from 'next/server';
import { forward, idError } from '@/lib/backend';

export const dynamic = 'force-dynamic';

export async function PATCH(req: NextRequest, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await ctx.params;
  return idError('task_id', id) ?? forward(req, `/tasks/${id}/complete`);
}
