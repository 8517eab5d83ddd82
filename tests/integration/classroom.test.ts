/**
 * Classroom mode against a real lab (real Redis or the embedded broker, three real servers on
 * every interface, the hub with its token): phones join through POST /api/join, talk to their own
 * server's port, and the teacher stays in charge. Phones are the phone page's own PhoneLink.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { io as connect } from 'socket.io-client';
import { apiCalls, type ApiCall, type ApiRefusal } from '../../trace/api-calls.ts';
import type { LabInfo } from '../../trace/lab-info.ts';
import type { PhoneLink } from '../../web/src/join/phone-link.ts';
import {
  BACKENDS,
  closeAllLabs,
  makeLab,
  nextEvent,
  until,
  type TestLab,
} from '../support/lab-fixture.ts';
import { joinedPhone, makePhone, sendFrom, waitPhone } from '../support/phones.ts';

afterAll(closeAllLabs);

describe.each(BACKENDS)('classroom mode (%s)', (backend) => {
  let lab: TestLab;
  let token: string;
  const phones: PhoneLink[] = [];
  const teacher = <T>(call: ApiCall<T>) => lab.send(call, token);
  const phone = async (name: string, from?: string) => {
    const p = await joinedPhone(lab.url, name, { from });
    phones.push(p);
    return p;
  };
  const info = async () => (await lab.send(apiCalls.lab())).body;

  beforeAll(async () => {
    lab = await makeLab(backend, {
      host: '0.0.0.0',
      classroom: { size: 8 },
      redisKind: 'owned',
    });
    token = lab.token!;
  });

  afterEach(async () => {
    for (const p of phones.splice(0)) p.close();
    await teacher(apiCalls.classClearStudents());
    await teacher(apiCalls.classChange({ chat: 'open', joining: 'open', placement: null }));
  });

  it('answers a join with a place, and a bad or oversized body with one sentence and a 4xx', async () => {
    const ok = await lab.send(apiCalls.join('<b>Ada</b>'));
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({
      name: '<b>Ada</b>',
      server: expect.stringMatching(/^s[123]$/),
    });
    expect(Object.keys(ok.body).sort()).toEqual(['id', 'key', 'name', 'port', 'server']);
    const cases: [unknown, number, RegExp][] = [
      ['{"name": ', 400, /not valid JSON/],
      ['[1, 2]', 400, /must be a JSON object/],
      [{}, 400, /as "name"/],
      [{ name: 7 }, 400, /as "name"/],
      [{ name: '   ' }, 400, /1 to 20 characters/],
      [{ name: 'x'.repeat(21) }, 400, /21 characters/],
      [{ name: 'a\u202eb' }, 400, /invisible/],
      [{ name: 'c1' }, 400, /lab's own names/],
      [{ name: '<B>ADA</B>' }, 409, /^Someone .* "<B>ADA<\/B>"/],
      [JSON.stringify({ name: 'x'.repeat(70 * 1024) }), 413, /over 64 KiB/],
    ];
    for (const [body, status, sentence] of cases) {
      // Raw on purpose: bodies no builder makes (not JSON, not an object, a name of a wrong type).
      const res = await lab.api<{ error: string }>('POST', '/api/join', body);
      expect([res.status, res.body.error]).toEqual([status, expect.stringMatching(sentence)]);
      // One sentence: it ends once, with its full stop.
      expect(res.body.error.trim().split(/\.\s/).length).toBe(1);
    }
    const listed = await info();
    expect(listed.class?.students.map((s) => s.name)).toEqual(['<b>Ada</b>']);
    expect(listed.clients.filter((c) => c.kind === 'phone').map((c) => c.id)).toEqual([
      '<b>Ada</b>',
    ]);
  });

  it('gives a phone no way to change the lab: every change call without the token is a 401', async () => {
    const p = await phone('Bea');
    // From a device of the room, as the phone page sends its calls.
    const send = sendFrom(lab.url);
    const calls: ApiCall[] = [
      apiCalls.server('s1', 'stop'),
      apiCalls.addServer(),
      apiCalls.setup({ servers: 1 }),
      apiCalls.redis('stop'),
      apiCalls.addClients({}),
      apiCalls.classChange({ chat: 'paused' }),
      apiCalls.classVote({ question: 'q', choices: ['a', 'b'] }),
      apiCalls.classVoteClose(),
      apiCalls.classRemoveStudent(p.me!.id),
      apiCalls.classClearStudents(),
      apiCalls.classVoteEnd(),
    ];
    for (const call of calls) {
      const res = await send(call);
      expect([call.method, call.path, res.status]).toEqual([call.method, call.path, 401]);
    }
    expect((await info()).class?.chat).toBe('open');
    expect(p.state).toBe('connected');
  });

  it('places phones round-robin over the servers that are up, or on the server the teacher chose', async () => {
    await teacher(apiCalls.server('s2', 'stop'));
    const a = await phone('Ann');
    const b = await phone('Ben');
    expect([a.me!.server, b.me!.server].sort()).toEqual(['s1', 's3']);
    await teacher(apiCalls.server('s2', 'start'));
    const chose = await teacher(apiCalls.classChange({ placement: 's2' }));
    expect(chose.status).toBe(200);
    expect((await phone('Cat')).me!.server).toBe('s2');
    expect((await phone('Dan')).me!.server).toBe('s2');
    const unknown = await lab.refusal(apiCalls.classChange({ placement: 's9' }), token);
    expect([unknown.status, unknown.body.error]).toEqual([
      404,
      expect.stringMatching(/no server "s9"/),
    ]);
  });

  it('tells the next phone plainly that the class is full, and that joining is paused', async () => {
    for (let i = 0; i < 8; i++) await lab.send(apiCalls.join(`Kid ${i}`));
    const full = await lab.refusal(apiCalls.join('Late'));
    expect([full.status, full.body.error]).toEqual([
      409,
      'The class is full: it has 8 phones, the most this lab takes (--class-size).',
    ]);
    await teacher(apiCalls.classClearStudents());
    await teacher(apiCalls.classChange({ joining: 'paused' }));
    const paused = await lab.refusal(apiCalls.join('Late'));
    expect([paused.status, paused.body.error]).toEqual([
      409,
      expect.stringMatching(/Joining is paused/),
    ]);
  });

  it('limits joins per address, and the other devices of the room keep theirs', async () => {
    const send = sendFrom(lab.url, '127.0.0.2');
    const answers: number[] = [];
    for (let i = 0; i < 11; i++) answers.push((await send(apiCalls.join(''))).status);
    expect(answers.slice(0, 10).every((s) => s === 400)).toBe(true);
    const limited = await send(apiCalls.join('Eve'));
    expect(limited.status).toBe(429);
    expect((limited.body as ApiRefusal).error).toMatch(
      /^Too many tries from this device; wait \d+ s/,
    );
    expect((await sendFrom(lab.url, '127.0.0.3')(apiCalls.join('Fay'))).status).toBe(201);
  });

  it("refuses a connection that is not a student's, or not on the student's server", async () => {
    const p = await phone('Gus');
    const me = p.me!;
    const port = (s: string) => lab.lab.server(s).port;
    const other = ['s1', 's2', 's3'].find((s) => s !== me.server)!;
    const attempts = [
      {
        port: port(me.server),
        auth: { student: me.id, key: 'wrong', labClient: me.name },
        why: /not in the class/,
      },
      {
        port: port(other),
        auth: { student: me.id, key: me.key, labClient: me.name },
        why: /belong on/,
      },
      {
        port: port(me.server),
        auth: { student: me.id, key: me.key, labClient: 'Teacher' },
        why: /own nickname/,
      },
    ];
    for (const a of attempts) {
      const s = connect(`http://127.0.0.1:${a.port}`, {
        transports: ['websocket'],
        auth: a.auth,
        reconnection: false,
        forceNew: true,
      });
      const [err] = await nextEvent<Error>(s, 'connect_error');
      expect(err.message).toMatch(a.why);
      s.close();
    }
  });

  it("carries a phone's chat message to the phones on other servers, signed with its nickname and server", async () => {
    const [a, b, c] = [await phone('Hal'), await phone('Ivy'), await phone('Jo')];
    expect(new Set([a, b, c].map((p) => p.me!.server)).size).toBe(3);
    a.send('hello class');
    for (const p of [a, b, c])
      await waitPhone(p, (x) => x.received.some((m) => m.text === 'hello class'), 'got it');
    expect(c.received[0]).toMatchObject({
      text: 'hello class',
      name: 'Hal',
      from: a.me!.server,
      via: c.me!.server,
    });
    // Rooms: only the phones in the room get a room message.
    b.room('green');
    await waitPhone(b, (x) => x.rooms.includes('green'), 'in green');
    a.send('to green', 'green');
    await waitPhone(
      b,
      (x) => x.received.some((m) => m.text === 'to green' && m.room === 'green'),
      'room message',
    );
    b.room('green', true);
    await waitPhone(b, (x) => !x.rooms.includes('green'), 'left green');
  });

  it("drops the phones' messages while the teacher pauses the chat, and tells them why", async () => {
    const [a, b] = [await phone('Kim'), await phone('Lu')];
    await teacher(apiCalls.classChange({ chat: 'paused' }));
    await waitPhone(a, (x) => x.view?.chat === 'paused', 'sees the pause');
    a.send('during the pause');
    await waitPhone(a, (x) => x.note === 'The teacher paused the class chat.', 'told');
    // The teacher's own machine keeps talking: a lab client's message goes through.
    const c1 = await lab.client(b.me!.server === 's1' ? 's2' : 's1', { labClient: 'c90' });
    c1.emit('chat message', 'from the lab');
    await waitPhone(b, (x) => x.received.some((m) => m.text === 'from the lab'), 'lab message');
    expect(b.received.some((m) => m.text === 'during the pause')).toBe(false);
    await teacher(apiCalls.classChange({ chat: 'open' }));
    await waitPhone(a, (x) => x.view?.chat === 'open', 'sees it open');
    a.send('after the pause');
    await waitPhone(b, (x) => x.received.some((m) => m.text === 'after the pause'), 'after');
    c1.close();
  });

  it('a phone whose server is stopped says so, and once back counts what it missed from the trace', async () => {
    await teacher(apiCalls.classChange({ placement: 's2' }));
    const away = await phone('Max');
    await teacher(apiCalls.classChange({ placement: 's1' }));
    const talker = await phone('Ned');
    await teacher(apiCalls.server('s2', 'stop'));
    await waitPhone(away, (x) => x.state === 'away' && x.view?.serverState === 'down', 'down');
    for (const text of ['one', 'two', 'three']) talker.send(text);
    await waitPhone(
      talker,
      (x) => x.received.filter((m) => ['one', 'two', 'three'].includes(m.text)).length === 3,
      'three',
    );
    await teacher(apiCalls.server('s2', 'start'));
    await waitPhone(away, (x) => x.missed !== null, 'missed report');
    expect(away.missed).toMatchObject({ count: 3, about: false, atLeast: false });
    expect(away.received.some((m) => m.text === 'two')).toBe(false);
  });

  it('a phone whose server is cut off from Redis says so, and counts what the other servers delivered without it', async () => {
    await teacher(apiCalls.classChange({ placement: 's1' }));
    const talker = await phone('Oz');
    await teacher(apiCalls.classChange({ placement: 's3' }));
    const cut = await phone('Pia');
    await teacher(apiCalls.redis('stop'));
    await waitPhone(cut, (x) => x.view?.link === 'lost', 'cut off');
    talker.send('while redis is down');
    await waitPhone(
      talker,
      (x) => x.received.some((m) => m.text === 'while redis is down'),
      'local',
    );
    await teacher(apiCalls.redis('start'));
    await waitPhone(cut, (x) => x.missed !== null, 'missed report', 20_000);
    expect(cut.missed!.count).toBe(1);
    // Its own server's messages still reached it, so the talker missed nothing of its own.
    expect(talker.missed?.count ?? 0).toBe(0);
  });

  it('moves the phones of a removed server to another, which they reach by themselves', async () => {
    const added = await teacher(apiCalls.addServer());
    await teacher(apiCalls.classChange({ placement: added.body.id }));
    const p = await phone('Quin');
    expect(p.me!.server).toBe(added.body.id);
    await teacher(apiCalls.removeServer(added.body.id));
    await waitPhone(
      p,
      (x) => x.view?.server !== added.body.id && x.state === 'connected',
      'moved',
      15_000,
    );
    const listed = (await info()).class!.students.find((s) => s.id === p.me!.id)!;
    expect(listed).toMatchObject({ server: p.view!.server, state: 'connected' });
  });

  it('lets the teacher remove a student and clear the names; a removed phone cannot come back', async () => {
    const [a, b] = [await phone('Rae'), await phone('Sol')];
    const removed = await teacher(apiCalls.classRemoveStudent(a.me!.id));
    expect(removed).toEqual({ status: 200, body: { removed: a.me!.id, name: 'Rae' } });
    await waitPhone(a, (x) => x.state === 'removed', 'removed');
    expect(a.dismissed).toMatch(/took you out/);
    const back = connect(`http://127.0.0.1:${a.me!.port}`, {
      transports: ['websocket'],
      auth: { student: a.me!.id, key: a.me!.key, labClient: 'Rae' },
      reconnection: false,
      forceNew: true,
    });
    expect((await nextEvent<Error>(back, 'connect_error'))[0].message).toMatch(/not in the class/);
    back.close();
    expect((await teacher(apiCalls.classClearStudents())).body).toEqual({ removed: 1 });
    await waitPhone(b, (x) => x.state === 'removed', 'cleared');
    const after = await info();
    expect(after.class!.students).toEqual([]);
    expect(after.clients.filter((c) => c.kind === 'phone')).toEqual([]);
  });

  it('opens a prediction to the class: one anonymous vote per phone, counts live, then the outcome', async () => {
    const kids = [await phone('Tam'), await phone('Uma'), await phone('Vic')];
    const opened = await teacher(
      apiCalls.classVote({
        question: 'c1 sends a chat message. Who receives it?',
        choices: ['c1 and c3', 'everybody', 'only c1'],
        lesson: 'why-an-adapter',
        step: 2,
      }),
    );
    expect(opened.status).toBe(201);
    for (const k of kids) await waitPhone(k, (x) => x.view?.vote?.open === true, 'sees the vote');
    expect(kids[0].view!.vote).toMatchObject({
      question: 'c1 sends a chat message. Who receives it?',
      voted: false,
    });
    expect(kids[0].view!.vote!.counts).toBeUndefined();
    kids[0].vote(1);
    kids[1].vote(1);
    kids[2].vote(0);
    for (const k of kids) await waitPhone(k, (x) => x.view?.vote?.voted === true, 'voted');
    kids[0].vote(2);
    await waitPhone(
      kids[0],
      (x) => x.note === 'You have voted already: one vote per phone.',
      'refused',
    );
    await until(async () => (await info()).class?.vote?.voters === 3, 5000, 'three votes listed');
    const listed = (await info()).class!.vote!;
    expect(listed.counts).toEqual([1, 2, 0]);
    expect(JSON.stringify(listed)).not.toMatch(/Tam|Uma|Vic|st\d/);
    const closed = await teacher(
      apiCalls.classVoteClose({ fits: [1], observed: 'c1, c2, c3, c4' }),
    );
    expect(closed.body).toMatchObject({
      open: false,
      outcome: { fits: [1], observed: 'c1, c2, c3, c4' },
    });
    await waitPhone(kids[2], (x) => x.view?.vote?.outcome !== undefined, 'outcome');
    expect(kids[2].view!.vote).toMatchObject({ counts: [1, 2, 0], outcome: { fits: [1] } });
    expect(
      (await lab.refusal(apiCalls.classVoteClose({ fits: [7], observed: 'x' }), token)).status,
    ).toBe(400);
    await teacher(apiCalls.classVoteEnd());
    await waitPhone(kids[0], (x) => x.view?.vote === null, 'vote gone');
  });

  it('sends the class to pages on /lab as it changes', async () => {
    const page = connect(`${lab.url}/lab`, { transports: ['websocket'], forceNew: true });
    await nextEvent(page, 'hello');
    const seen = new Promise<LabInfo>((resolve) =>
      page.on(
        'lab',
        (l: LabInfo) =>
          l.class?.students.some((s) => s.name === 'Wyn' && s.state === 'connected') && resolve(l),
      ),
    );
    await phone('Wyn');
    const l = await seen;
    expect(l.clients.find((c) => c.id === 'Wyn')).toMatchObject({
      kind: 'phone',
      state: 'connected',
    });
    page.close();
  });
});

describe('a lab without a class', () => {
  it('says how to start one', async () => {
    const lab = await makeLab(BACKENDS[0], { servers: 1 });
    const res = await lab.refusal(apiCalls.join('Ada'));
    expect([res.status, res.body.error]).toEqual([
      404,
      expect.stringMatching(/npm start -- --classroom/),
    ]);
    expect((await lab.send(apiCalls.lab())).body.class).toBeUndefined();
    const stray = makePhone(lab.url);
    expect(await stray.join('Ada')).toMatch(/--classroom/);
  });
});
