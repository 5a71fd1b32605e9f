// One abortable sleep. It removes its abort listener when the timer fires: a poll
// loop that sleeps with the same signal would otherwise add one listener per
// round, and Node warns (MaxListenersExceededWarning) after ten.

/** Resolves after `ms`, or at once when `signal` aborts (it never rejects: the caller checks signal.aborted). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
