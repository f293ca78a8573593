// `healthcheck` against a running serve, as the container's HEALTHCHECK runs it.
import { strict as assert } from 'node:assert';
import { beforeEach, describe, it } from 'node:test';
import { healthzUrl } from '../../src/modes/healthcheck';
import { FAILURES, type FakeApi } from '../support/fakeOpenNotify';
import { runCli, startCli, useFakeApi } from '../support/helpers';
import { freePort, getText, waitFor } from '../support/peers';

const fake = useFakeApi();
let api: FakeApi;
beforeEach(() => {
  api = fake();
});

describe('healthcheck', () => {
  it('asks loopback for a wildcard listen address, the host otherwise', () => {
    assert.equal(healthzUrl({ port: 8899 }), 'http://127.0.0.1:8899/healthz');
    assert.equal(healthzUrl({ host: '0.0.0.0', port: 1 }), 'http://127.0.0.1:1/healthz');
    assert.equal(healthzUrl({ host: '::', port: 1 }), 'http://127.0.0.1:1/healthz');
    assert.equal(healthzUrl({ host: '::1', port: 9 }), 'http://[::1]:9/healthz');
    assert.equal(healthzUrl({ host: 'localhost', port: 9 }), 'http://localhost:9/healthz');
  });

  it('exit 0 and silent while serve is healthy; exit 1 with the reason when not; exit 1 when nothing listens', async (t) => {
    const port = await freePort();
    const cli = startCli(['serve', '--api-url', api.url, '--web.listen-address', `127.0.0.1:${port}`, '--refresh', '1s', '--retries', '0'], { killAfterMs: 60_000 });
    t.after(() => {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    });
    await waitFor('the first refresh', async () => ((await getText(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200 ? true : undefined), 10_000);
    let r = await runCli(['healthcheck', '--web.listen-address', `127.0.0.1:${port}`]);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
    // The same address from the environment, as serve takes it.
    r = await runCli(['healthcheck'], { env: { OPEN_NOTIFY_WEB_LISTEN_ADDRESS: `:${port}` } });
    assert.equal(r.code, 0, r.stderr);

    api.set('/astros.json', FAILURES.unavailable);
    api.set('/iss-now.json', FAILURES.unavailable);
    await waitFor('serve to turn unhealthy', async () => ((await getText(`http://127.0.0.1:${port}/healthz`)).status === 503 ? true : undefined), 10_000);
    r = await runCli(['healthcheck', '--web.listen-address', `127.0.0.1:${port}`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^open-notify-exporter: error: healthcheck: http:\/\/127\.0\.0\.1:\d+\/healthz: HTTP 503: unhealthy: astros: error: HTTP 503/);
    cli.child.kill('SIGTERM');
    await cli.result;
    r = await runCli(['healthcheck', '--web.listen-address', `127.0.0.1:${port}`, '--timeout', '1s']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /healthz: connection refused \(within 1s\)\n$/);
  });

  it("a hostile server's error body reaches the terminal escaped and cut: no ESC, BEL, OSC or U+202E", async (t) => {
    const http = require('node:http') as typeof import('node:http');
    const body = `\u001b[2J\u001b]0;owned\u0007\u001b[31mred\u202e${'x'.repeat(5000)}`;
    const server = http.createServer((_req, res) => res.writeHead(503).end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => server.close());
    const r = await runCli(['healthcheck', '--web.listen-address', `127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`]);
    assert.equal(r.code, 1);
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    assert.doesNotMatch(r.stderr, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    assert.match(r.stderr, /HTTP 503: \\u001b\[2J\\u001b\]0;owned\\u0007/);
    assert.ok(r.stderr.length < 600, `${r.stderr.length} characters`);
  });
});
