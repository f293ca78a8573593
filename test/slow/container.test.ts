// The container image, built from the real Dockerfile with Debian's podman
// (no Docker daemon here) on a stand-in for the official Node.js image
// (test/support/container.ts), and run as a first-time reader would: -p
// 8899, --read-only, a Prometheus job scraping it, docker stop, Ctrl-C,
// the HEALTHCHECK, and the textfile mode into a bind mount read by
// node_exporter. Building fetches what a docker build fetches (the Debian
// base once, the npm packages); it runs in CI's first pass only.
import { strict as assert } from 'node:assert';
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { astrosBody, issNowBody, startFakeApi, type FakeApi } from '../support/fakeOpenNotify';
import { parse, promtoolCheck, requireBinary, requireRoot, ROOT, tempDir, valueOf } from '../support/helpers';
import { buildCaArgs, dockerfileBase, ensureStandIn, podman, podmanAsync, podmanRun } from '../support/container';
import { freePort, getText, startPeer, waitFor } from '../support/peers';
import { makePki } from '../support/pki';

const IMAGE = 'localhost/open-notify-exporter:test';
const UID = 65532;
const report = (line: string) => process.stderr.write(`# container: ${line}\n`);

let api: FakeApi;
let ready = false;
const containers: string[] = [];
before(async () => {
  api = await startFakeApi();
});
after(async () => {
  for (const c of containers) podman(['rm', '--force', '--time', '0', c]);
  await api.close();
});

/** podman, root, mmdebstrap; then the stand-in base and our image, once for the file. */
function prepare(t: TestContext): boolean {
  if (!requireRoot(t, 'podman runs rootful containers here')) return false;
  if (!requireBinary(t, 'podman', 'podman runc') || !requireBinary(t, 'mmdebstrap', 'mmdebstrap')) return false;
  if (ready) return true;
  const base = dockerfileBase(ROOT);
  ensureStandIn(base, report);
  const started = Date.now();
  // --network host: the build stage's npm reaches the registry as this machine does.
  const r = podman(['build', '--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', '--format', 'docker', '--pull=never', '--network', 'host', ...buildCaArgs(), '-t', IMAGE, ROOT], 900_000);
  assert.equal(r.code, 0, `podman build failed:\n${r.err.slice(-3000)}`);
  assert.doesNotMatch(`${r.out}${r.err}`, /missing "NODE_EXTRA_CA_CERTS" build argument/, 'the build warns on every machine');
  const seconds = (Date.now() - started) / 1000;
  const size = (name: string) => Number(podman(['image', 'inspect', '--format', '{{.Size}}', name]).out.trim());
  const ours = size(IMAGE);
  const theirs = size(base.image);
  report(`image built in ${seconds.toFixed(1)} s; ${(ours / 1048576).toFixed(1)} MiB in all, ${((ours - theirs) / 1048576).toFixed(2)} MiB of it ours over ${base.image}`);
  assert.ok(ours - theirs <= 15 * 1048576, `our layers add ${ours - theirs} bytes`);
  ready = true;
  return true;
}

/** Starts a detached container; it is removed after the file's tests. */
function run(name: string, args: string[]): string {
  const r = podmanRun(['run', '-d', '--read-only', '--name', name, ...args]);
  assert.equal(r.code, 0, r.err);
  containers.push(name);
  return name;
}

const logs = (name: string) => {
  const r = podman(['logs', name]);
  return `${r.out}${r.err}`;
};

/** The real UID of the container's main process, from the host's /proc. */
function uidOf(name: string): number {
  const pid = podman(['inspect', '--format', '{{.State.Pid}}', name]).out.trim();
  return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

/** podman stop, timed: SIGTERM, then SIGKILL after 10 s if still running. */
function stop(name: string): { seconds: number; exitCode: number } {
  const started = Date.now();
  assert.equal(podman(['stop', '--time', '10', name]).code, 0);
  const seconds = (Date.now() - started) / 1000;
  return { seconds, exitCode: Number(podman(['inspect', '--format', '{{.State.ExitCode}}', name]).out.trim()) };
}

describe('container image', () => {
  it('the Dockerfile: multi-stage on the official Node.js image named in the first ARG, non-root, labelled', () => {
    const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const args = [...text.matchAll(/^ARG (\w+)/gm)].map((m) => m[1]);
    assert.equal(args[0], 'NODE_IMAGE');
    const froms = [...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    assert.ok(froms.length >= 2 && froms.every((f) => f === '${NODE_IMAGE}'), froms.join());
    assert.match(text, /^USER 65532:65532$/m);
    assert.match(text, /^EXPOSE 8899$/m);
    assert.match(text, /^ARG NODE_EXTRA_CA_CERTS=""$/m, 'a default, so the build does not warn');
    // No listen flag in CMD: it would win over OPEN_NOTIFY_WEB_LISTEN_ADDRESS, which the HEALTHCHECK reads too.
    assert.match(text, /^CMD \["serve"\]$/m);
    assert.match(text, /^HEALTHCHECK .*CMD \["node", "\/app\/bin\/open-notify-exporter", "healthcheck"\]$/m);
    for (const label of ['source', 'version', 'licenses', 'title', 'description']) assert.match(text, new RegExp(`org\\.opencontainers\\.image\\.${label}=`));
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    assert.match(text, new RegExp(`^ARG VERSION=${version.replace(/\./g, '\\.')}$`, 'm'), 'the label version follows package.json');
  });

  it('docker run -p 8899 --read-only: /metrics passes promtool; a Prometheus job named with a space scrapes it', async (t) => {
    if (!prepare(t)) return;
    const promtool = requireBinary(t, 'promtool', 'prometheus');
    const prometheus = requireBinary(t, 'prometheus', 'prometheus');
    if (!promtool || !prometheus) return;
    const port = await freePort();
    // No --network host: the API address is refused inside the container (no traffic leaves the host).
    const name = run('one-test-published', ['-p', `127.0.0.1:${port}:8899`, IMAGE, 'serve', '--web.listen-address', ':8899', '--api-url', 'http://127.0.0.1:9', '--retries', '0']);
    const url = `http://127.0.0.1:${port}`;
    const text = await waitFor('/metrics through the published port', async () => {
      const r = await getText(`${url}/metrics`, 2000).catch(() => undefined);
      return r?.status === 200 ? r.body : undefined;
    }, 30_000);
    assert.deepEqual(promtoolCheck(promtool, text), { code: 0, output: '' });
    assert.equal(valueOf(parse(text), 'open_notify_up', { endpoint: 'astros' }), 0);
    const dir = tempDir(t);
    writeFileSync(join(dir, 'prometheus.yml'), ['global:', '  scrape_interval: 1s', 'scrape_configs:', '  - job_name: "Open Notify"', '    static_configs:', `      - targets: ["127.0.0.1:${port}"]`, ''].join('\n'));
    const promPort = await freePort();
    const prom = await startPeer(t, prometheus, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], promPort, '/-/ready');
    const up = await waitFor('Prometheus to answer open_notify_up', async () => {
      const r = JSON.parse((await getText(`${prom.url}/api/v1/query?query=open_notify_up`)).body) as { data: { result: { metric: Record<string, string> }[] } };
      return r.data.result.length > 0 ? r.data.result : undefined;
    }, 30_000);
    assert.deepEqual(up.map((s) => [s.metric.job, s.metric.endpoint]).sort(), [['Open Notify', 'astros'], ['Open Notify', 'iss_now']]);
    assert.ok(stop(name).exitCode === 0);
  });

  it('with --network host and the fake API: the values arrive; not UID 0; healthy; docker stop exits 0 in under 3 s', async (t) => {
    if (!prepare(t)) return;
    api.set('/astros.json', { kind: 'json', body: astrosBody() });
    api.set('/iss-now.json', { kind: 'json', body: issNowBody() });
    const port = await freePort();
    const name = run('one-test-host', ['--network', 'host', IMAGE, 'serve', '--web.listen-address', `127.0.0.1:${port}`, '--api-url', api.url]);
    const body = await waitFor('serve in the container', async () => {
      const r = await getText(`http://127.0.0.1:${port}/metrics`, 2000).catch(() => undefined);
      return r?.status === 200 ? r.body : undefined;
    }, 30_000);
    assert.equal(valueOf(parse(body), 'open_notify_people_in_space'), 3);
    assert.equal(uidOf(name), UID);
    // The image's HEALTHCHECK asks :8899 by default; this container listens elsewhere, as OPEN_NOTIFY_WEB_LISTEN_ADDRESS would tell it.
    const health = podman(['exec', '--env', `OPEN_NOTIFY_WEB_LISTEN_ADDRESS=127.0.0.1:${port}`, name, 'node', '/app/bin/open-notify-exporter', 'healthcheck']);
    assert.equal(health.code, 0, health.err);
    const s = stop(name);
    report(`docker stop (serve): ${s.seconds.toFixed(2)} s, exit code ${s.exitCode}`);
    assert.ok(s.seconds < 3, `${s.seconds} s`);
    assert.equal(s.exitCode, 0);
    assert.match(logs(name), /msg=stopped signal=SIGTERM/);
  });

  it('docker stop while the API never answers: serve and schedule exit 0 at once, not after the 10 s grace', async (t) => {
    if (!prepare(t)) return;
    const dir = join(tempDir(t), 'textfile');
    mkdirSync(dir);
    chownSync(dir, UID, UID);
    api.set('/astros.json', { kind: 'hang' });
    api.set('/iss-now.json', { kind: 'hang' });
    const port = await freePort();
    const slow = ['--api-url', api.url, '--timeout', '5s', '--retries', '2'];
    const names = [
      run('one-test-hang-serve', ['--network', 'host', IMAGE, 'serve', '--web.listen-address', `127.0.0.1:${port}`, '--refresh', '1s', ...slow]),
      run('one-test-hang-schedule', ['--network', 'host', '--volume', `${dir}:/textfile`, IMAGE, 'schedule', '-o', '/textfile/open_notify.prom', '--cron', '* * * * * *', ...slow]),
    ];
    const seen = api.counts['/astros.json'] ?? 0;
    await waitFor('both to wait on the API', () => ((api.counts['/astros.json'] ?? 0) >= seen + 2 ? true : undefined), 30_000);
    await sleep(300);
    for (const name of names) {
      const s = stop(name);
      report(`docker stop with a hanging API (${name}): ${s.seconds.toFixed(2)} s, exit code ${s.exitCode}`);
      assert.equal(s.exitCode, 0, logs(name));
      assert.ok(s.seconds < 5, `${s.seconds} s: the stop waited on the API`);
      assert.match(logs(name), /stopping: aborted the (run|refresh) in flight/);
    }
  });

  it('--web.config.file mounted read-only: TLS and basic auth, the HEALTHCHECK healthy, Prometheus scraping over TLS', async (t) => {
    if (!prepare(t)) return;
    const openssl = requireBinary(t, 'openssl', 'openssl');
    const prometheus = requireBinary(t, 'prometheus', 'prometheus');
    if (!openssl || !prometheus) return;
    api.set('/astros.json', { kind: 'json', body: astrosBody() });
    api.set('/iss-now.json', { kind: 'json', body: issNowBody() });
    const dir = join(tempDir(t), 'web');
    mkdirSync(dir);
    const p = makePki(openssl, dir);
    // The container's user reads the key: 0644 here, in a directory of the test's own.
    chmodSync(p.serverKey, 0o644);
    const bcrypt = require('@node-rs/bcrypt') as { hashSync(password: string, cost: number): string };
    writeFileSync(join(dir, 'web.yml'), `tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\nbasic_auth_users:\n  prom: '${bcrypt.hashSync('s3cret', 8)}'\n`);
    const port = 8899;
    const name = run('one-test-web', ['--network', 'host', '--volume', `${dir}:/etc/one:ro`, '--env', 'OPEN_NOTIFY_WEB_CONFIG_FILE=/etc/one/web.yml', IMAGE, 'serve', '--web.listen-address', `127.0.0.1:${port}`, '--api-url', api.url]);
    await waitFor('the first refresh', () => (logs(name).includes('refresh finished') ? true : undefined), 30_000);
    // The image's own HEALTHCHECK, with the web config from the environment: TLS to loopback, /healthz without credentials.
    const healthy = podman(['healthcheck', 'run', name]);
    assert.equal(healthy.code, 0, `${healthy.out}${healthy.err}${logs(name)}`);
    const promDir = tempDir(t);
    writeFileSync(
      join(promDir, 'prometheus.yml'),
      ['global:', '  scrape_interval: 1s', 'scrape_configs:', '  - job_name: tls', '    scheme: https', '    tls_config:', `      ca_file: ${p.ca}`, '    basic_auth:', '      username: prom', '      password: s3cret', '    static_configs:', `      - targets: ['127.0.0.1:${port}']`, ''].join('\n'),
    );
    const promPort = await freePort();
    const prom = await startPeer(t, prometheus, [`--config.file=${join(promDir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(promDir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], promPort, '/-/ready');
    const people = await waitFor('Prometheus to scrape over TLS', async () => {
      const r = JSON.parse((await getText(`${prom.url}/api/v1/query?query=open_notify_people_in_space`)).body) as { data: { result: { value: [number, string] }[] } };
      return r.data.result[0]?.value[1];
    }, 30_000);
    assert.equal(people, '3');
    const s = stop(name);
    assert.equal(s.exitCode, 0);
  });

  it('the HEALTHCHECK of the image itself, the listen address given as README says (-e OPEN_NOTIFY_WEB_LISTEN_ADDRESS): healthy, unhealthy when the API is down', async (t) => {
    if (!prepare(t)) return;
    api.set('/astros.json', { kind: 'json', body: astrosBody() });
    api.set('/iss-now.json', { kind: 'json', body: issNowBody() });
    const port = await freePort();
    const name = run('one-test-health', ['--network', 'host', '-e', `OPEN_NOTIFY_WEB_LISTEN_ADDRESS=127.0.0.1:${port}`, IMAGE, 'serve', '--api-url', api.url]);
    await waitFor('the first refresh', () => (logs(name).includes('refresh finished') ? true : undefined), 30_000);
    const healthy = podman(['healthcheck', 'run', name]);
    assert.equal(healthy.code, 0, `${healthy.out}${healthy.err}`);
    stop(name);
    const down = run('one-test-unhealthy', ['--network', 'host', '-e', `OPEN_NOTIFY_WEB_LISTEN_ADDRESS=127.0.0.1:${port}`, IMAGE, 'serve', '--api-url', 'http://127.0.0.1:9', '--retries', '0']);
    await waitFor('the first refresh', () => (logs(down).includes('refresh finished') ? true : undefined), 30_000);
    assert.notEqual(podman(['healthcheck', 'run', down]).code, 0);
    stop(down);
  });

  it('Ctrl-C (SIGINT, as docker run -it sends it) stops serve with exit 0', async (t) => {
    if (!prepare(t)) return;
    const port = await freePort();
    const name = run('one-test-sigint', ['--network', 'host', IMAGE, 'serve', '--web.listen-address', `127.0.0.1:${port}`, '--api-url', api.url]);
    await waitFor('serve', () => (logs(name).includes('refresh finished') ? true : undefined), 30_000);
    assert.equal(podman(['kill', '--signal', 'INT', name]).code, 0);
    await waitFor('the container to exit', () => (podman(['inspect', '--format', '{{.State.Running}}', name]).out.trim() === 'false' ? true : undefined), 5000);
    assert.equal(podman(['inspect', '--format', '{{.State.ExitCode}}', name]).out.trim(), '0');
    assert.match(logs(name), /msg=stopped signal=SIGINT/);
  });

  it("textfile mode as README has it: node_exporter's own textfile directory mounted, run as its owner; the one-shot and schedule write beside the other files, node_exporter reads them all with no scrape error", async (t) => {
    if (!prepare(t)) return;
    const nodeExporter = requireBinary(t, 'prometheus-node-exporter', 'prometheus-node-exporter');
    if (!nodeExporter) return;
    api.set('/astros.json', { kind: 'json', body: astrosBody() });
    api.set('/iss-now.json', { kind: 'json', body: issNowBody() });
    const dir = join(tempDir(t), 'textfile');
    mkdirSync(dir);
    // The directory as node_exporter's package leaves it: owned by its own user, another collector's file in it.
    const owner = 65533;
    writeFileSync(join(dir, 'other.prom'), '# HELP other_thing Another collector.\n# TYPE other_thing gauge\nother_thing 7\n');
    chownSync(dir, owner, owner);
    const readme = readFileSync(join(ROOT, 'docs', 'reference.md'), 'utf8');
    assert.match(readme, /--user "\$\(stat -c %u:%g \/var\/lib\/prometheus\/node-exporter\)" \\\n {2}-v \/var\/lib\/prometheus\/node-exporter:\/textfile/);
    const mount = ['--network', 'host', '--user', `${owner}:${owner}`, '--volume', `${dir}:/textfile`];
    const once = await podmanAsync(['run', '--rm', '--read-only', ...mount, IMAGE, '-o', '/textfile/open_notify.prom', '--api-url', api.url]);
    assert.equal(once.code, 0, once.err);
    assert.equal(valueOf(parse(readFileSync(join(dir, 'open_notify.prom'), 'utf8')), 'open_notify_runs_total'), 1);

    const name = run('one-test-schedule', [...mount, IMAGE, 'schedule', '-o', '/textfile/open_notify.prom', '--cron', '* * * * * *', '--api-url', api.url]);
    await waitFor('two scheduled runs', () => ((valueOf(parse(readFileSync(join(dir, 'open_notify.prom'), 'utf8')), 'open_notify_runs_total') ?? 0) >= 3 ? true : undefined), 30_000);
    const port = await freePort();
    const ne = await startPeer(t, nodeExporter, ['--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${dir}`, `--web.listen-address=127.0.0.1:${port}`], port, '/metrics');
    const served = parse((await getText(`${ne.url}/metrics`)).body);
    assert.equal(valueOf(served, 'node_textfile_scrape_error'), 0);
    assert.equal(valueOf(served, 'open_notify_up', { endpoint: 'iss_now' }), 1);
    assert.equal(valueOf(served, 'other_thing'), 7, 'the files already there are still read');
    await sleep(200);
    const s = stop(name);
    report(`docker stop (schedule): ${s.seconds.toFixed(2)} s, exit code ${s.exitCode}`);
    assert.ok(s.seconds < 3, `${s.seconds} s`);
    assert.equal(s.exitCode, 0);
  });
});
