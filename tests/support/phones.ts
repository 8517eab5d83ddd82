/**
 * Phones for the classroom tests and the benchmark: the phone page's own PhoneLink, driven from
 * Node. `from` binds a loopback address of its own (127.0.0.2 and up), so the hub sees a device
 * of the room rather than the lab's own machine.
 */
import http from 'node:http';
import { PhoneLink, type Send } from '../../web/src/join/phone-link.ts';
import { until } from './lab-fixture.ts';

/** Typed calls to the hub from a device of the room (trace/api-calls.ts), as the phone page sends them. */
export function sendFrom(base: string, localAddress?: string): Send {
  return ({ method, path, body }) =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? '' : JSON.stringify(body);
      const req = http.request(
        `${base}${path}`,
        {
          method,
          localAddress,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(data),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c));
          res.on('end', () => {
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // Not JSON: the test sees the text.
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as never });
          });
        },
      );
      req.on('error', reject);
      req.end(data);
    });
}

export function makePhone(hubUrl: string, opts: { from?: string } = {}): PhoneLink {
  return new PhoneLink({
    hubUrl,
    serverHost: '127.0.0.1',
    send: sendFrom(hubUrl, opts.from),
    // engine.io-client passes localAddress on to ws in Node; its types do not list it.
    socketOptions: opts.from ? ({ localAddress: opts.from } as object) : {},
  });
}

/** Joins and waits until the phone is connected to its server and has heard from the hub. */
export async function joinedPhone(hubUrl: string, name: string, opts: { from?: string } = {}) {
  const phone = makePhone(hubUrl, opts);
  const error = await phone.join(name);
  if (error) throw new Error(`${name} could not join: ${error}`);
  await until(
    () => phone.state === 'connected' && phone.view !== null,
    10_000,
    `${name} connected`,
  );
  return phone;
}

export function waitPhone(
  phone: PhoneLink,
  check: (p: PhoneLink) => boolean,
  what: string,
  ms = 10_000,
) {
  return until(() => check(phone), ms, `${phone.me?.name ?? 'phone'}: ${what}`);
}
