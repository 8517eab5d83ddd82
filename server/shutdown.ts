/**
 * Ctrl+C and SIGTERM for the lab's programs (`npm start`, `npm run server`). The first stops
 * everything gracefully, and every part of that is bounded, so it ends within seconds even with
 * Redis away; should it not, the deadline ends the process anyway. A second signal ends it at once.
 */

/** The graceful stop's deadline: what it waits for is bounded well under this. */
export const SHUTDOWN_DEADLINE_MS = 5000;

export function onShutdown(announce: (signal: string) => void, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    // The shell's convention: 128 + the signal's number.
    const code = signal === 'SIGINT' ? 130 : 143;
    if (stopping) {
      console.error(
        `${signal} again: a second Ctrl+C quits at once, without waiting for the servers and Redis.`,
      );
      process.exit(code);
    }
    stopping = true;
    announce(signal);
    setTimeout(() => {
      console.error(
        `The shutdown did not finish within ${SHUTDOWN_DEADLINE_MS / 1000} s; quitting.`,
      );
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    stop().then(
      () => process.exit(0),
      (err: Error) => {
        console.error(`The shutdown failed (${err.message}); quitting.`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}
