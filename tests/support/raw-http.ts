/**
 * HTTP as a hostile or impatient client sends it: requests written byte for byte on sockets
 * opened beforehand, so that several calls reach the hub in the same tick and nothing in the
 * client (fetch, an agent's queue) spaces them out or cleans up a malformed request target.
 */
import net from 'node:net';

export interface RawRequest {
  method: string;
  /** Sent as is: `/%E0%A4%A`, `//:99999` and the like reach the server unchanged. */
  target: string;
  body?: unknown;
  token?: string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

function encode(url: URL, r: RawRequest, connection: 'close' | 'keep-alive'): string {
  const body =
    r.body === undefined ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  const lines = [
    `${r.method} ${r.target} HTTP/1.1`,
    `Host: ${url.host}`,
    `Connection: ${connection}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  if (r.token) lines.push(`Authorization: Bearer ${r.token}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** The chunked body that starts at `at`, and where it ends; null until all of it has arrived. */
function readChunked(raw: Buffer, at: number): { body: Buffer; end: number } | null {
  const parts: Buffer[] = [];
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) return null;
    const size = Number.parseInt(raw.toString('latin1', at, eol), 16);
    const next = eol + 2 + size + 2;
    if (next > raw.length) return null;
    if (!size) return { body: Buffer.concat(parts), end: next };
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    at = next;
  }
}

/**
 * The first whole response in `raw` and the bytes after it, or null while it is incomplete.
 * `closed`: the server closed the connection, so a response with no length ends here.
 */
export function takeResponse(
  raw: Buffer,
  closed: boolean,
): { response: RawResponse; rest: Buffer } | null {
  const split = raw.indexOf('\r\n\r\n');
  if (split < 0) {
    if (closed) throw new Error(`no complete HTTP response: ${JSON.stringify(raw.toString())}`);
    return null;
  }
  const [statusLine, ...headerLines] = raw.toString('latin1', 0, split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const start = split + 4;
  let end: number;
  let body: Buffer;
  if (headers['transfer-encoding'] === 'chunked') {
    const chunked = readChunked(raw, start);
    if (!chunked) return null;
    ({ body, end } = chunked);
  } else if (headers['content-length'] !== undefined) {
    end = start + Number(headers['content-length']);
    if (end > raw.length) return null;
    body = raw.subarray(start, end);
  } else {
    if (!closed) return null;
    end = raw.length;
    body = raw.subarray(start);
  }
  const text = body.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const status = Number(statusLine.split(' ')[1]);
  return { response: { status, headers, text, json }, rest: raw.subarray(end) };
}

/** A connection that reads the responses to the requests written on it, one after another. */
class Connection {
  private buffered: Buffer = Buffer.alloc(0);
  private closed = false;
  private waiting: { resolve: (r: RawResponse) => void; reject: (e: Error) => void } | null = null;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (c: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, c]);
      this.settle();
    });
    socket.once('close', () => {
      this.closed = true;
      this.settle();
    });
    socket.on('error', () => undefined);
  }

  next(): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.settle();
    });
  }

  private settle(): void {
    const waiting = this.waiting;
    if (!waiting) return;
    try {
      const taken = takeResponse(this.buffered, this.closed);
      if (!taken) return;
      this.buffered = taken.rest;
      this.waiting = null;
      waiting.resolve(taken.response);
    } catch (err) {
      this.waiting = null;
      waiting.reject(err as Error);
    }
  }
}

/**
 * Opens one connection per request and has each serve a first read (GET /api/lab), so that the
 * hub has accepted every connection and is reading from it; then writes every request in one
 * tick, so they reach the hub together rather than one accept after another.
 */
export async function sameTick(base: string, requests: RawRequest[]): Promise<RawResponse[]> {
  const url = new URL(base);
  const connections = await Promise.all(
    requests.map(
      () =>
        new Promise<Connection>((resolve, reject) => {
          const s = net.connect({ host: url.hostname, port: Number(url.port) }, () =>
            resolve(new Connection(s)),
          );
          s.once('error', reject);
        }),
    ),
  );
  await Promise.all(
    connections.map((c) => {
      c.socket.write(encode(url, { method: 'GET', target: '/api/lab' }, 'keep-alive'));
      return c.next();
    }),
  );
  const answers = connections.map((c) => c.next());
  requests.forEach((r, i) => connections[i].socket.write(encode(url, r, 'close')));
  try {
    return await Promise.all(answers);
  } finally {
    for (const c of connections) c.socket.destroy();
  }
}

/** One raw request. */
export async function rawRequest(base: string, request: RawRequest): Promise<RawResponse> {
  return (await sameTick(base, [request]))[0];
}
