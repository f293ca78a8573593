// The parser feeding is active on this Node.js (CI runs this file under each
// line it tests): a connection pipelining 2,000 requests, closed at the 17th,
// has a slice more parsed, where without the feeding Node parses all the
// requests of the chunk it has read.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import * as net from 'node:net';
import { describe, it } from 'node:test';
import { parseInSlices } from '../../src/outputs/parserFeed';

const REQUEST = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';

describe(`parser feeding on Node.js ${process.version}`, () => {
  it("finds http.Server's one 'data' listener and takes it over", async () => {
    const server = http.createServer();
    const found = await new Promise<boolean>((resolve) => {
      server.on('connection', (socket: net.Socket) => resolve(parseInSlices(socket)));
      server.listen(0, '127.0.0.1', () => net.connect((server.address() as net.AddressInfo).port, '127.0.0.1').on('error', () => {}));
    });
    server.closeAllConnections();
    server.close();
    assert.equal(found, true, 'the assumption about http.Server does not hold on this Node.js: serve warns and parses whole chunks');
  });

  it('leaves a socket it does not recognise as it is, and says so (serve then warns once)', () => {
    const socket = new net.Socket();
    assert.equal(parseInSlices(socket), false, 'no data listener');
    const two = [() => {}, () => {}];
    for (const l of two) socket.on('data', l);
    assert.equal(parseInSlices(socket), false, 'two data listeners');
    assert.deepEqual(socket.listeners('data'), two);
  });

  it('a connection closed at its 17th unanswered request has a slice more parsed, not the rest of its 64 KiB chunk', async () => {
    /** Requests parsed from one connection that sends 2,000 at once and is closed at the 17th, answering none. */
    const parsed = async (feed: boolean): Promise<number> => {
      let seen = 0;
      const server = http.createServer((req) => {
        seen += 1;
        if (seen === 17) req.socket.destroy();
      });
      if (feed) server.on('connection', (socket: net.Socket) => assert.ok(parseInSlices(socket)));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
      socket.on('error', () => {});
      socket.write(REQUEST.repeat(2000));
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
      server.close();
      return seen;
    };
    const whole = await parsed(false);
    const sliced = await parsed(true);
    assert.ok(sliced >= 17 && sliced < 17 + 2048 / REQUEST.length + 1, `${sliced} parsed with the feeding`);
    assert.ok(whole > 500, `${whole} parsed without it: the test would not tell`);
  });
});
