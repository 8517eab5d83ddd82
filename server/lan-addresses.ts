import os from 'node:os';

/** The machine's IPv4 addresses on its networks (not loopback): where the class can reach it. */
export function lanAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
}

/**
 * The addresses a hub listening on `host` can be reached at from the room: every LAN address for
 * an "every interface" host, else the host itself; the machine's name when it has no network.
 */
export function reachableAddresses(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [host];
  const found = lanAddresses();
  return found.length ? found : [os.hostname()];
}
