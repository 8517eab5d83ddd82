/**
 * The balancer on its own, both kinds (nginx, and the Node proxy with a PATH without nginx), in
 * front of real Socket.IO servers, with real socket.io-client clients. What each request did is
 * read from the servers' own HTTP tap, as the lab's trace reads it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpRequest, LabEvent } from '../../trace/events.ts';
import { isListening } from '../../server/free-port.ts';
import { HTTP_EVENTS_PER_S } from '../../server/balancer/http-tap.ts';
import {
  balancedServers,
  balancerKinds,
  connects,
  type BalancedServers,
} from '../support/balancer-fixture.ts';

const isHttp = (e: LabEvent): e is HttpRequest => e.kind === 'http.request';

let open: BalancedServers | null = null;
afterEach(async () => {
  await open?.close();
  open = null;
});

describe.each(balancerKinds())('the %s balancer', (kind) => {
  it('round-robin: the request after a polling handshake reaches another server, which answers 400 Session ID unknown', async () => {
    const lab = (open = await balancedServers(kind, 'round-robin'));
    const client = lab.client(['polling', 'websocket'], { id: 'c1' });
    expect(await connects(client)).toBe(false);
    const handshake = (await lab.waitFor(
      (e) => isHttp(e) && e.what === 'handshake' && e.status === 200,
    )) as HttpRequest;
    const refused = (await lab.waitFor((e) => isHttp(e) && e.status === 400)) as HttpRequest;
    expect(handshake).toMatchObject({
      step: '1a',
      transport: 'polling',
      balancer: 'round-robin',
      client: 'c1',
    });
    expect(refused).toMatchObject({
      error: 'Session ID unknown',
      sid: handshake.sid,
      balancer: 'round-robin',
    });
    // The poll, the send of the CONNECT packet or the upgrade, whichever reached a server first.
    expect(refused.step).toBe(refused.what === 'upgrade' ? '1b' : '1a');
    expect(refused.server).not.toBe(handshake.server);
    expect(lab.events.some((e) => e.kind === 'transport.upgrade')).toBe(false);
  });

  it('sticky: every request of a polling session reaches the server that opened it, and it upgrades', async () => {
    const lab = (open = await balancedServers(kind, 'sticky'));
    const client = lab.client(['polling', 'websocket'], { id: 'c1' });
    expect(await connects(client)).toBe(true);
    const upgraded = await lab.waitFor((e) => e.kind === 'transport.upgrade');
    await lab.waitFor((e) => isHttp(e) && e.what === 'upgrade');
    const session = lab.requests().filter((e) => e.sid === client.io.engine.id);
    expect(session.map((e) => e.what)).toEqual(
      expect.arrayContaining(['handshake', 'send', 'upgrade']),
    );
    expect(new Set(session.map((e) => e.server))).toEqual(new Set([upgraded.server]));
    expect(session.every((e) => e.status < 400 && e.balancer === 'sticky')).toBe(true);
    expect(session.find((e) => e.what === 'upgrade')).toMatchObject({ status: 101, step: '1b' });
    expect(upgraded).toMatchObject({ step: '1b', from: 'polling', to: 'websocket', client: 'c1' });
    expect(client.io.engine.transport.name).toBe('websocket');
  });

  it('round-robin: websocket-only clients need no stickiness, and go to each server in turn', async () => {
    const lab = (open = await balancedServers(kind, 'round-robin'));
    for (let i = 1; i <= 3; i++)
      expect(await connects(lab.client(['websocket'], { id: `c${i}` }))).toBe(true);
    const handshakes = (await lab.waitForCount(
      (e) => isHttp(e) && e.what === 'handshake',
      3,
    )) as HttpRequest[];
    expect(handshakes.map((e) => e.status)).toEqual([101, 101, 101]);
    expect(handshakes.every((e) => e.step === '1b' && e.transport === 'websocket')).toBe(true);
    expect(new Set(handshakes.map((e) => e.server)).size).toBe(3);
    expect(lab.requests().some((e) => e.status >= 400)).toBe(false);
  });

  it('switches mode live: after round-robin refused a polling client, sticky lets the next one through', async () => {
    const lab = (open = await balancedServers(kind, 'round-robin'));
    expect(await connects(lab.client(['polling', 'websocket']))).toBe(false);
    await lab.balancer.setMode('sticky');
    expect(lab.balancer.info()).toMatchObject({ mode: 'sticky', kind });
    expect(await connects(lab.client(['polling', 'websocket']))).toBe(true);
    await lab.waitFor((e) => e.kind === 'transport.upgrade');
    await lab.balancer.setMode('off');
    expect(await isListening('127.0.0.1', Number(new URL(lab.url).port))).toBe(false);
  });

  it('leaves out a server that stopped; a sticky cookie naming it goes to another', async () => {
    const lab = (open = await balancedServers(kind, 'sticky', 2));
    await lab.servers[0].stop();
    await lab.follow();
    const res = await fetch(`${lab.url}/socket.io/?EIO=4&transport=polling`, {
      headers: { cookie: 'lab_server=s1' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/^lab_server=s2;/);
    const handshake = await lab.waitFor((e) => isHttp(e) && e.what === 'handshake');
    expect(handshake.server).toBe('s2');
  });

  it('closing it frees its port and ends its process', async () => {
    const lab = (open = await balancedServers(kind, 'round-robin'));
    const port = Number(new URL(lab.url).port);
    expect(await isListening('127.0.0.1', port)).toBe(true);
    await lab.balancer.close();
    expect(await isListening('127.0.0.1', port)).toBe(false);
  });
});

describe('the HTTP tap', () => {
  it(`reports at most ${HTTP_EVENTS_PER_S} requests a second per server, in bursts of twice that`, async () => {
    const lab = (open = await balancedServers('node', 'off', 1));
    const port = lab.servers[0].port;
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 1000 }, () =>
        fetch(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling&sid=none`).then(
          (r) => r.status,
        ),
      ),
    );
    const seconds = (Date.now() - started) / 1000;
    expect(answers.every((s) => s === 400)).toBe(true);
    await lab.waitForCount(isHttp, 2 * HTTP_EVENTS_PER_S);
    // A stop sends what the tap still holds.
    await lab.servers[0].stop();
    const reported = lab.requests().length;
    expect(reported).toBeGreaterThanOrEqual(2 * HTTP_EVENTS_PER_S);
    // The burst, then the rate for as long as the requests took (long on a busy machine).
    expect(reported).toBeLessThanOrEqual(
      2 * HTTP_EVENTS_PER_S + Math.ceil(seconds * HTTP_EVENTS_PER_S) + 1,
    );
  });
});
