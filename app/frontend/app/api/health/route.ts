// Liveness of the frontend itself: never calls the backend, so a backend
// outage does not restart the frontend pods.
export const dynamic = 'force-dynamic';

export function GET(): Response {
  return Response.json({ status: 'ok' }, { headers: { 'cache-control': 'no-store' } });
}
