import { describe } from 'vitest';
import {
  describeKeyScripts,
  useDifferentialTargets,
  type KeyScript,
} from './broker-differential-targets.ts';

/**
 * The session store's side of the Redis Streams adapter (SET ... PX, GET, DEL, MULTI/EXEC) and
 * the key commands that go with it, against the real redis-server and the broker: every reply
 * and error equal, frame type included; TTLs compared to the nearest second.
 */

const targets = useDifferentialTargets();

const scripts: Record<string, KeyScript> = {
  'strings: SET options, GET, GETDEL, DEL, EXISTS, TYPE, TTL': {
    steps: [
      {
        on: 'a',
        send: [
          'SET {p}k',
          'SET {p}k v',
          'GET {p}k',
          'SET {p}k v2 GET',
          'SET {p}k v3 NX',
          'SET {p}k v3 NX GET',
          'SET {p}k2 v XX',
          'SET {p}k2 v XX GET',
          'SET {p}k v EX 0',
          'SET {p}k v PX -1',
          'SET {p}k v PX x',
          'SET {p}k v PX',
          'SET {p}k v EX 1 PX 2',
          'SET {p}k v NX XX',
          'SET {p}k v KEEPTTL PX 5',
          'SET {p}k v EX 1 KEEPTTL',
          'SET {p}k v EX 9999999999999999',
          'SET {p}k v PX 9223372036854775807',
          'SET {p}k v FOO',
          'SET {p}k v GET GET',
          'SET {p}k v nx nx',
          'SET {p}k v EXAT 1',
          'GET {p}k',
          'EXISTS {p}k',
          'SET {p}k v PX 100000 PX 200000',
          'SET {p}k v3 KEEPTTL',
          'GET {p}k',
        ],
      },
      { on: 'a', send: ['PTTL {p}k', 'TTL {p}k'], clock: true },
      {
        on: 'a',
        send: [
          'SET {p}k v4',
          'PTTL {p}k',
          'TTL {p}k',
          'PTTL {p}none',
          'TTL {p}none',
          'TTL',
          'XADD {p}s 1-1 a 1',
          'SET {p}s v GET',
          'GET {p}s',
          'GETDEL {p}s',
          'TYPE {p}s',
          'TYPE {p}k',
          'TYPE {p}none',
          'EXISTS {p}s {p}s {p}k {p}none',
          'DEL {p}s {p}s {p}none {p}k',
          'EXISTS {p}s {p}k',
          'SET {p}k "binary\\x00\\xff value"',
          'GETDEL {p}k',
          'GETDEL {p}k',
          'GET',
          'GET a b',
          'SET {p}s v',
          'GET {p}s',
          'SET {p}k v EX 100',
          'SET {p}k2 v',
        ],
      },
      { on: 'a', send: ['TTL {p}k', 'PTTL {p}k'], clock: true },
      { on: 'a', send: ['KEYS {p}k*', 'KEYS {p}none*', 'KEYS'], unordered: true },
    ],
    expect: ['"v2"', 'invalid expire time', 'WRONGTYPE', '"none"', 'binary'],
  },
  'MULTI, EXEC and DISCARD': {
    steps: [
      {
        on: 'a',
        send: [
          'SET {p}k session PX 100000',
          'MULTI',
          'GET {p}k',
          'DEL {p}k',
          'EXEC',
          'GET {p}k',
          'MULTI',
          'FOO',
          'GET {p}k',
          'EXEC',
          'EXEC',
          'DISCARD',
          'MULTI',
          'MULTI',
          'SET {p}k v',
          'XADD {p}k * a 1',
          'XREAD BLOCK 1000 STREAMS {p}s $',
          'XADD {p}s 1-1 a 1',
          'XREAD BLOCK 0 STREAMS {p}s 0',
          'PING',
          'EXEC',
          'MULTI',
          'SET {p}k discarded',
          'DISCARD',
          'GET {p}k',
          'MULTI',
          'GET',
          'EXEC',
          'MULTI',
          'SET {p}k after-reset',
          'RESET',
          'GET {p}k',
          'EXEC',
          'MULTI x',
          'EXEC x',
          'DISCARD x',
        ],
      },
    ],
    expect: ['"session"', 'EXECABORT', 'nested', 'QUEUED', 'WRONGTYPE', '"RESET"'],
    pipelinedOnly: true,
  },
  'stream and key commands in RESP2 subscriber mode': {
    steps: [
      { on: 'a', send: ['SUBSCRIBE {p}c'] },
      {
        on: 'a',
        send: [
          'XADD {p}s * a 1',
          'XREAD STREAMS {p}s 0',
          'GET {p}k',
          'MULTI',
          'EXEC',
          'UNSUBSCRIBE',
        ],
      },
    ],
    expect: ['"subscribe"'],
    resp2Only: true,
  },
  'MONITOR shows transactions and blocking reads as Redis does': {
    steps: [
      { on: 'mon', send: ['MONITOR'] },
      {
        on: 'a',
        send: [
          'MULTI',
          'SET {p}k v PX 100000',
          'FOO',
          'EXEC',
          'MULTI',
          'GET {p}k',
          'XREAD BLOCK 100 STREAMS {p}s $',
          'EXEC',
          'XREAD BLOCK 20 STREAMS {p}s $',
          'MULTI',
          'DISCARD',
        ],
      },
    ],
    expect: ['\\"EXEC\\"', '\\"XREAD\\"'],
    pipelinedOnly: true,
  }, // The lab's ACL lock-down meets the streams adapter's MULTI: a command the user may not run, or
  // a channel it may not publish on, refused while queueing makes the EXEC abort.
  'ACL refusals inside MULTI abort the EXEC': {
    steps: [
      { on: 'adm', send: ['ACL SETUSER {p}u on >pw ~* resetchannels &{p}ok +@all -echo'] },
      {
        on: 'u',
        send: [
          'AUTH {p}u pw',
          'MULTI',
          'PUBLISH {p}no forged',
          'SET {p}k v',
          'EXEC',
          'MULTI',
          'ECHO x',
          'EXEC',
          'MULTI',
          'PUBLISH {p}ok fine',
          'GET {p}k',
          'EXEC',
          'AUTH default x',
        ],
      },
      { on: 'adm', send: ['ACL DELUSER {p}u'] },
    ],
    expect: ['EXECABORT', 'channels used as arguments', "run the 'echo' command"],
    pipelinedOnly: true,
  },
};

describe('broker keys and transactions match redis-server', () =>
  describeKeyScripts(targets, scripts));
