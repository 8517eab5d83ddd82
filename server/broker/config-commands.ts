/**
 * CONFIG GET and CONFIG SET for the one setting the lab changes: `client-output-buffer-limit`,
 * in redis-server 7's words and replies (checked by tests/integration/broker-output-limit.test.ts).
 * The broker keeps the `normal` and `replica` classes for CONFIG GET, and enforces `pubsub`
 * (client-connection.ts): it has no replicas, and a normal client that stops reading has its
 * commands paused instead.
 */
import type { BrokerContext, OutputLimit } from './broker-context.ts';
import { command, type CommandSpec } from './command-spec.ts';
import { globMatch } from './glob-match.ts';
import { bulk, error, simple } from './resp-encoder.ts';

export type OutputLimitClass = 'normal' | 'slave' | 'pubsub';

const NAME = 'client-output-buffer-limit';
const CLASSES: OutputLimitClass[] = ['normal', 'slave', 'pubsub'];

/** Redis's memory units: k and m are powers of ten, kb and mb of two (`memtoull`). */
const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1000,
  kb: 1024,
  m: 1000 ** 2,
  mb: 1024 ** 2,
  g: 1000 ** 3,
  gb: 1024 ** 3,
};

function bytes(word: string): number | undefined {
  const m = /^(\d+)([a-z]*)$/i.exec(word);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  return m && unit !== undefined ? Number(m[1]) * unit : undefined;
}

const FAILED = `ERR CONFIG SET failed (possibly related to argument '${NAME}') - `;

/**
 * Reads `class hard soft seconds [class ...]` as Redis does: all or nothing, `replica` for
 * `slave`; answers the error Redis gives, or the classes to change.
 */
export function parseOutputLimits(value: string): Map<OutputLimitClass, OutputLimit> | string {
  const words = value.split(/\s+/).filter(Boolean);
  if (words.length % 4 !== 0)
    return `${FAILED}Wrong number of arguments in buffer limit configuration.`;
  const out = new Map<OutputLimitClass, OutputLimit>();
  for (let i = 0; i < words.length; i += 4) {
    const name = words[i].toLowerCase() === 'replica' ? 'slave' : words[i].toLowerCase();
    if (!CLASSES.includes(name as OutputLimitClass))
      return `${FAILED}Invalid client class specified in buffer limit configuration.`;
    const [hard, soft] = [bytes(words[i + 1]), bytes(words[i + 2])];
    const seconds = /^\d+$/.test(words[i + 3]) ? Number(words[i + 3]) : undefined;
    if (hard === undefined || soft === undefined || seconds === undefined)
      return `${FAILED}Error in hard, soft or soft_seconds setting in buffer limit configuration.`;
    out.set(name as OutputLimitClass, { hard, soft, softSeconds: seconds });
  }
  return out;
}

/** The value CONFIG GET shows: every class, in bytes. */
export function formatOutputLimits(limits: Record<OutputLimitClass, OutputLimit>): string {
  return CLASSES.map((c) => {
    const l = limits[c];
    return `${c} ${l.hard} ${l.soft} ${l.softSeconds}`;
  }).join(' ');
}

function configGet(ctx: BrokerContext, patterns: string[]): [string, string][] {
  const known: [string, () => string][] = [[NAME, () => formatOutputLimits(ctx.outputLimits)]];
  return known
    .filter(([name]) => patterns.some((p) => globMatch(p.toLowerCase(), name)))
    .map(([name, value]) => [name, value()]);
}

const S = { group: 'server', categories: ['@admin', '@slow', '@dangerous'] };

export const configCommand: CommandSpec = command(
  'config',
  -2,
  'server',
  'A container for server configuration commands.',
  {
    ...S,
    since: '2.0.0',
    subcommands: [
      command(
        'config|get',
        -3,
        'server',
        'Returns the effective values of configuration parameters.',
        {
          ...S,
          run: (ctx, client, argv) => {
            const pairs = configGet(
              ctx,
              argv.slice(2).map((b) => b.toString('latin1')),
            );
            client.reply({ t: 'map', v: pairs.map(([k, v]) => [bulk(k), bulk(v)]) });
          },
        },
      ),
      command('config|set', -4, 'server', 'Sets configuration parameters in-flight.', {
        ...S,
        run: (ctx, client, argv) => {
          const name = argv[2].toString('latin1');
          if (name.toLowerCase() !== NAME || argv.length !== 4) {
            client.reply(
              error(`ERR Unknown option or number of arguments for CONFIG SET - '${name}'`),
            );
            return;
          }
          const parsed = parseOutputLimits(argv[3].toString('latin1'));
          if (typeof parsed === 'string') {
            client.reply(error(parsed));
            return;
          }
          for (const [c, limit] of parsed) ctx.outputLimits[c] = limit;
          client.reply(simple('OK'));
        },
      }),
    ],
  },
);
