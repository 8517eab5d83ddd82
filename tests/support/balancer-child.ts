/**
 * A balancer in a process of its own, for the tests that kill that process or run it as another
 * user: `balancer-child.ts <port> <mode> <server port>...`. Prints `ready <kind>` once it
 * balances, and closes it on SIGTERM.
 */
import { LabBalancer } from '../../server/balancer/lab-balancer.ts';
import type { BalancerMode } from '../../server/balancer/balancer-modes.ts';

const [port, mode, ...serverPorts] = process.argv.slice(2);
const balancer = new LabBalancer({
  host: '127.0.0.1',
  port: Number(port),
  mode: mode as BalancerMode,
});
await balancer.setMode(mode as BalancerMode);
await balancer.follow(serverPorts.map((p, i) => ({ id: `s${i + 1}`, port: Number(p), up: true })));
console.log(`ready ${balancer.kind}`);
process.on('SIGTERM', () => void balancer.close().then(() => process.exit(0)));
