// Promise.all for work that runs tools: it waits for every promise to settle before it throws the
// first failure, so no tool call started beside the failed one outlives the command (Promise.all
// rejects at once and leaves the others running, after the command has already reported and exited).

/** The values in order, or the first rejection (by position) once all have settled. */
export async function settleAll<T extends readonly unknown[]>(promises: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises as readonly Promise<unknown>[]);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
