/**
 * Phones for the classroom tests and the benchmark: the phone page's own PhoneLink, driven from
 * Node. `from` binds a loopback address of its own (127.0.0.2 and up), so the hub sees a device
 * of the room rather than the lab's own machine.
 */
import http from 'node:http';
import { PhoneLink, type Post } from '../../web/src/join/phone-link.ts';
import { until } from './lab-fixture.ts';

export function postFrom(base: string, localAddress?: string): Post {
  return (path, body) =>
    new Promise((resolve, reject) => {
      const data = typeof body === 'string' ? body : JSON.stringify(body);
      const req = http.request(
        `${base}${path}`,
        {
          method: 'POST',
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
            resolve({ status: res.statusCode ?? 0, body: parsed });
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
    post: postFrom(hubUrl, opts.from),
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
