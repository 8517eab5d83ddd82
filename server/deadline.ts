/**
 * Bounded waits. Stopping a server or the lab must end in bounded time whatever Redis does
 * (down, or cut off with its connections still open), so every wait on something outside the
 * process that has no timeout of its own goes through here.
 */

/** Resolves true when `promise` settles within `ms`, false when it does not (it is not cancelled). */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const done = () => {
      clearTimeout(timer);
      resolve(true);
    };
    promise.then(done, done);
  });
}
