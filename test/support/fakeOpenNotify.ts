// A fake Open Notify API on 127.0.0.1 with an ephemeral port. Each endpoint
// answers by a scripted behaviour, including the ways the real API fails.
// The same server stands in for wheretheiss.at (over HTTPS, with the test
// certificate in test/support/tls) and for the crew list.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

export type Behavior =
  | { kind: 'json'; body: unknown; status?: number; headers?: Record<string, string> }
  | { kind: 'raw'; body: string | Buffer; status?: number; headers?: Record<string, string> }
  | { kind: 'gzip'; body: unknown }
  | { kind: 'chunked'; body: unknown }
  /** Accepts the request and never answers. */
  | { kind: 'hang' }
  /** Sends headers, then one byte of the body every `intervalMs`. */
  | { kind: 'trickle'; body: unknown; intervalMs: number }
  /** Streams `bytes` of filler (declared in content-length when `declare`). */
  | { kind: 'huge'; bytes: number; declare?: boolean }
  /** Sends headers and half the body, then resets the connection. */
  | { kind: 'reset'; body: unknown }
  | { kind: 'redirect'; location: string; status?: number }
  | { kind: 'delay'; ms: number; then: Behavior }
  /** Decided per request, from the query string. */
  | { kind: 'fn'; respond: (query: URLSearchParams) => Behavior };

export const PEOPLE = [
  { name: 'Oleg Kononenko', craft: 'ISS' },
  { name: 'Tracy Caldwell Dyson', craft: 'ISS' },
  { name: 'Li Guangsu', craft: 'Tiangong' },
];

export function astrosBody(people = PEOPLE, number = people.length): unknown {
  return { message: 'success', number, people };
}

export function issNowBody(latitude: unknown = '-44.4759', longitude: unknown = '120.1234', timestamp: unknown = Math.floor(Date.now() / 1000)): unknown {
  return { message: 'success', timestamp, iss_position: { latitude, longitude } };
}

/** One position as wheretheiss.at gives it (numbers, km and km/h). */
export function wheretheissPosition(latitude: number, longitude: number, timestamp: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'iss',
    id: 25544,
    latitude,
    longitude,
    altitude: 418.9,
    velocity: 27580.5,
    visibility: 'daylight',
    footprint: 4492.1,
    timestamp,
    daynum: 2461005.2,
    solar_lat: -20.5,
    solar_lon: 100.2,
    units: 'kilometers',
    ...over,
  };
}

/** wheretheiss.at answering /positions?timestamps=T with the position at T. */
export function wheretheissAt(latitude: number, longitude: number, over: Record<string, unknown> = {}): Behavior {
  return { kind: 'fn', respond: (q) => ({ kind: 'json', body: [wheretheissPosition(latitude, longitude, Number(q.get('timestamps')), over)] }) };
}

export const CREW = [
  { id: 1, name: 'Oleg Kononenko', country: 'Russia', agency: 'Roscosmos', position: 'Commander', spacecraft: 'Soyuz MS-25', launched: 1695302400, iss: true },
  { id: 2, name: 'Tracy Caldwell Dyson', country: 'United States', agency: 'NASA', position: 'Flight Engineer', spacecraft: 'Soyuz MS-25', launched: 1710979200, iss: true },
  { id: 3, name: 'Li Guangsu', country: 'China', agency: 'CMSA', position: 'Operator', spacecraft: 'Shenzhou 18', launched: 1714060800, iss: false },
];

export function crewBody(people: unknown[] = CREW, number = people.length): unknown {
  return { number, iss_expedition: 71, people };
}

export const FAILURES = {
  unavailable: { kind: 'json', status: 503, body: { message: 'error', reason: 'Service temporarily unavailable' } },
  gatewayTimeout: { kind: 'raw', status: 504, body: '<html><body><h1>504 Gateway Time-out</h1></body></html>', headers: { 'content-type': 'text/html' } },
  htmlOk: { kind: 'raw', status: 200, body: '<!DOCTYPE html><html><body>Maintenance</body></html>', headers: { 'content-type': 'application/json' } },
  truncated: { kind: 'raw', status: 200, body: '{"message": "success", "number": 3, "peo', headers: { 'content-type': 'application/json' } },
  notFound: { kind: 'raw', status: 404, body: 'not found' },
  tooMany: { kind: 'raw', status: 429, body: 'slow down' },
} as const satisfies Record<string, Behavior>;

export interface FakeApi {
  url: string;
  port: number;
  /** Requests seen per path. */
  counts: Record<string, number>;
  /** Every request's path and query, in order. */
  requests: string[];
  /** Sets the behaviours for a path, used in turn; the last one repeats. */
  set(path: string, ...behaviors: Behavior[]): void;
  close(): Promise<void>;
}

/** The test certificate: give its cert.pem to the CLI as NODE_EXTRA_CA_CERTS. */
export const TLS_DIR = join(__dirname, '..', '..', '..', 'test', 'support', 'tls');

export async function startFakeApi(opts: { tls?: boolean } = {}): Promise<FakeApi> {
  const scripts = new Map<string, Behavior[]>();
  const counts: Record<string, number> = {};
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const respond = (b: Behavior, req: IncomingMessage, res: ServerResponse): void => {
    switch (b.kind) {
      case 'json':
        res.writeHead(b.status ?? 200, { 'content-type': 'application/json', ...b.headers });
        res.end(JSON.stringify(b.body));
        return;
      case 'raw':
        res.writeHead(b.status ?? 200, b.headers ?? {});
        res.end(b.body);
        return;
      case 'gzip': {
        const z = gzipSync(JSON.stringify(b.body));
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': z.length });
        res.end(z);
        return;
      }
      case 'chunked': {
        const text = JSON.stringify(b.body);
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        for (let i = 0; i < text.length; i += 7) res.write(text.slice(i, i + 7));
        res.end();
        return;
      }
      case 'hang':
        return;
      case 'trickle': {
        const text = Buffer.from(JSON.stringify(b.body));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': text.length });
        let i = 0;
        const tick = () => {
          if (res.destroyed || i >= text.length) return void res.end();
          res.write(text.subarray(i, i + 1));
          i += 1;
          later(b.intervalMs, tick);
        };
        tick();
        return;
      }
      case 'huge': {
        res.writeHead(200, { 'content-type': 'application/json', ...(b.declare ? { 'content-length': b.bytes } : {}) });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent < b.bytes && !res.destroyed) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('close', () => res.removeAllListeners('drain'));
        pump();
        return;
      }
      case 'reset': {
        const text = JSON.stringify(b.body);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': text.length });
        res.write(text.slice(0, Math.floor(text.length / 2)));
        later(20, () => req.socket.resetAndDestroy());
        return;
      }
      case 'redirect':
        res.writeHead(b.status ?? 302, { location: b.location });
        res.end();
        return;
      case 'delay':
        later(b.ms, () => respond(b.then, req, res));
        return;
      case 'fn':
        respond(b.respond(new URL(req.url ?? '/', 'http://x').searchParams), req, res);
        return;
    }
  };

  const listener: RequestListener = (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    counts[path] = (counts[path] ?? 0) + 1;
    requests.push(req.url ?? '/');
    const script = scripts.get(path);
    if (!script || script.length === 0) {
      res.writeHead(404).end('no such endpoint');
      return;
    }
    const b = script.length > 1 ? script.shift()! : script[0];
    respond(b, req, res);
  };
  const server: Server = opts.tls
    ? createTlsServer({ cert: readFileSync(join(TLS_DIR, 'cert.pem')), key: readFileSync(join(TLS_DIR, 'key.pem')) }, listener)
    : createServer(listener);
  server.on(opts.tls ? 'secureConnection' : 'connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  const api: FakeApi = {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    counts,
    requests,
    set(path, ...behaviors) {
      scripts.set(path, behaviors);
    },
    close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  api.set('/astros.json', { kind: 'json', body: astrosBody() });
  api.set('/iss-now.json', { kind: 'json', body: issNowBody() });
  return api;
}

// Standalone, for the benchmark and for trying the CLI by hand:
//   node dist/test/fakeOpenNotify.js   → prints the base URL, serves until killed
if (require.main === module) {
  void startFakeApi().then((api) => {
    process.stdout.write(`${api.url}\n`);
    const stop = () => void api.close().then(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
