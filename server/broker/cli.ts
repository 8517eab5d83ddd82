/**
 * `npm run broker -- [--port 6390] [--host 127.0.0.1] [--password secret]`: the embedded
 * broker on its own, for demos that want a Redis-compatible pub/sub server without Redis.
 */
import { parseArgs } from 'node:util';
import { EmbeddedBroker } from './broker.ts';

const USAGE = `Usage: npm run broker -- [--port <0-65535>] [--host <address>] [--password <secret>]
  --port      TCP port to listen on (default 6379; 0 picks a free port)
  --host      address to bind (default 127.0.0.1; use 0.0.0.0 to accept other machines)
  --password  require AUTH <password> from clients`;

function fail(message: string, usage = true): never {
  console.error(usage ? `broker: ${message}\n${USAGE}` : `broker: ${message}`);
  process.exit(2);
}

function parseFlags(argv: string[]): { port: number; host: string; password?: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        password: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const portText = values.port ?? '6379';
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
    fail(`--port must be a whole number from 0 to 65535, got "${portText}"`);
  }
  const host = values.host ?? '127.0.0.1';
  if (host.trim() === '') fail('--host must not be empty');
  if (values.password !== undefined && values.password === '') {
    fail('--password must not be empty (leave it out for no password)');
  }
  return { port: Number(portText), host, password: values.password };
}

const flags = parseFlags(process.argv.slice(2));
let broker: EmbeddedBroker;
try {
  broker = await EmbeddedBroker.start({
    ...flags,
    onEvent: (e) => {
      if (e.type === 'client-killed') {
        console.log(`client ${e.id}${e.name ? ` (${e.name})` : ''} disconnected: ${e.reason}`);
      }
    },
  });
} catch (err) {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    fail(
      `port ${flags.port} on ${flags.host} is already in use (a Redis or another broker?); pick another --port`,
      false,
    );
  }
  if (code === 'EADDRNOTAVAIL') fail(`cannot bind to ${flags.host}: no such local address`, false);
  if (code === 'EACCES') fail(`not allowed to listen on port ${flags.port}`, false);
  throw err;
}

console.log(
  [
    `Fanout Lab embedded broker listening on ${flags.host}:${broker.port}`,
    `  url:      redis://${flags.host === '0.0.0.0' ? '127.0.0.1' : flags.host}:${broker.port}`,
    `  speaks:   RESP2/RESP3 pub/sub (PUBLISH, (P|S)SUBSCRIBE, SPUBLISH, PUBSUB ...),`,
    `            streams (XADD, XREAD BLOCK, XRANGE ...) and plain keys with expiry, MULTI/EXEC`,
    `  auth:     ${flags.password ? 'password required' : 'none'}`,
    `  try:      redis-cli -p ${broker.port} ping`,
    `  Ctrl+C stops it.`,
  ].join('\n'),
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the broker`);
    broker.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
