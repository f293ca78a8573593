// The release archives (.ci/release) as a downloader uses them: sha256sum -c,
// then the executable where there is no Node.js at all: a Debian minbase
// under podman (amd64), qemu-aarch64-static with Debian's arm64 cross
// libraries (arm64), and a Debian root booted with systemd as PID 1, the
// executable in /usr/local/bin and the units as README installs them.
import { strict as assert } from 'node:assert';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { ensureDebianImage, ensureMinbase, podman, podmanAsync, podmanRun } from '../support/container';
import { parse, promtoolCheck, requireBinary, requireRoot, ROOT, tempDir, useFakeApi, valueOf } from '../support/helpers';
import { freePort, waitFor } from '../support/peers';
import { makePki, type Pki } from '../support/pki';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const report = (line: string) => process.stderr.write(`# release: ${line}\n`);
const fake = useFakeApi();
const containers: string[] = [];
let built: string | undefined;
after(() => {
  for (const c of containers) podman(['rm', '--force', '--time', '0', c]);
  if (built) rmSync(built, { recursive: true, force: true });
});

/** The ```sh block of README that starts with `first`, as lines. */
function readmeBlock(first: string): string[] {
  const block = [...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.startsWith(first));
  assert.ok(block, `README has a sh block starting with ${first}`);
  return block.trimEnd().split('\n');
}

/** .ci/release into a directory of this file's, once. */
function archives(t: TestContext): string | undefined {
  if (!requireBinary(t, 'qemu-aarch64-static', 'qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libatomic1-arm64-cross')) return undefined;
  if (built) return built;
  const out = mkdtempSync(join(tmpdir(), 'one-release-'));
  const started = Date.now();
  execFileSync(join(ROOT, '.ci', 'release'), [out], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], timeout: 900_000 });
  report(`.ci/release took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  built = out;
  return out;
}

/** The archive for `arch` unpacked in a directory of the test; returns the executable's path. */
function unpack(t: TestContext, out: string, arch: string): string {
  const dir = tempDir(t, 'one-unpacked-');
  chmodSync(dir, 0o755);
  execFileSync('tar', ['-xzf', join(out, `open-notify-exporter-${VERSION}.linux-${arch}.tar.gz`), '-C', dir]);
  return join(dir, `open-notify-exporter-${VERSION}.linux-${arch}`, 'open-notify-exporter');
}

function checkOneShot(t: TestContext, file: string): void {
  const promtool = requireBinary(t, 'promtool', 'prometheus');
  if (!promtool) return;
  const text = readFileSync(file, 'utf8');
  assert.deepEqual(promtoolCheck(promtool, text), { code: 0, output: '' });
  assert.equal(valueOf(parse(text), 'open_notify_up', { endpoint: 'astros' }), 1);
}

/** GET /metrics over TLS with the test CA, with basic auth and a client certificate if given; the status only. */
function httpsStatus(port: number, pki: Pki, opts: { auth?: string; cert?: [string, string] } = {}): Promise<number | undefined> {
  return new Promise((resolve) => {
    const headers = opts.auth ? { authorization: `Basic ${Buffer.from(opts.auth).toString('base64')}` } : {};
    const cert = opts.cert ? { cert: readFileSync(opts.cert[0]), key: readFileSync(opts.cert[1]) } : {};
    const req = request({ host: '127.0.0.1', port, path: '/metrics', ca: readFileSync(pki.ca), servername: 'localhost', headers, timeout: 5000, ...cert }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** GET `path` over TLS with basic auth; the body. */
function httpsGet(port: number, pki: Pki, path: string, auth: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Basic ${Buffer.from(auth).toString('base64')}` };
    request({ host: '127.0.0.1', port, path, ca: readFileSync(pki.ca), servername: 'localhost', headers, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

let out: string | undefined;

describe('release archives', () => {
  it('sha256sum -c passes; each archive is one directory (the executable, LICENSE, NOTICE, README.md, systemd/), owned by root, dated at the commit, under 60 MB', (t) => {
    out = archives(t);
    if (!out) return;
    const sums = spawnSync('sha256sum', ['-c', 'sha256sums.txt'], { cwd: out, encoding: 'utf8' });
    assert.equal(sums.status, 0, sums.stderr);
    assert.equal(sums.stdout, ['amd64', 'arm64'].map((a) => `open-notify-exporter-${VERSION}.linux-${a}.tar.gz: OK\n`).join(''));
    const commit = Number(execFileSync('git', ['log', '-1', '--format=%ct', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }));
    for (const arch of ['amd64', 'arm64']) {
      const file = join(out, `open-notify-exporter-${VERSION}.linux-${arch}.tar.gz`);
      assert.ok(statSync(file).size < 60e6, `${arch}: ${statSync(file).size} bytes`);
      const listing = execFileSync('tar', ['--full-time', '-tvzf', file], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } }).trim().split('\n');
      const dir = `open-notify-exporter-${VERSION}.linux-${arch}/`;
      const units = readdirSync(join(ROOT, 'systemd')).sort().map((u) => `${dir}systemd/${u}`);
      assert.deepEqual(listing.map((l) => l.split(/\s+/).pop()).sort(), [dir, `${dir}LICENSE`, `${dir}NOTICE`, `${dir}README.md`, `${dir}open-notify-exporter`, `${dir}systemd/`, ...units].sort());
      const stamp = new Date(commit * 1000).toISOString().replace('T', ' ').slice(0, 19);
      for (const line of listing) assert.match(line, new RegExp(`^\\S+ 0/0 +\\d+ ${stamp} `), line);
      assert.match(listing.find((l) => l.endsWith('/open-notify-exporter'))!, /^-rwxr-xr-x /);
    }
  });

  it('amd64 where there is no Node.js (Debian minbase, podman): every command, serve with TLS, client certificates and basic auth', async (t) => {
    if (!requireRoot(t, 'podman runs rootful containers here')) return;
    if (!requireBinary(t, 'podman', 'podman runc') || !requireBinary(t, 'mmdebstrap', 'mmdebstrap')) return;
    const openssl = requireBinary(t, 'openssl', 'openssl');
    out ??= archives(t);
    if (!out || !openssl) return;
    const exe = unpack(t, out, 'amd64');
    const image = ensureMinbase('trixie', report);
    const data = tempDir(t, 'one-release-out-');
    chmodSync(data, 0o777);
    const pki = makePki(openssl, tempDir(t, 'one-release-pki-'));
    const volumes = ['-v', `${join(exe, '..')}:/opt/one:ro`, '-v', `${data}:/out`, '-v', `${pki.dir}:/pki:ro`];
    /** The executable in the minbase, on the host's network, without blocking the fake API. */
    const one = (args: string[]) => podmanAsync(['run', '--rm', '--network', 'host', ...volumes, image, '/opt/one/open-notify-exporter', ...args]);
    assert.equal(podmanRun(['run', '--rm', image, 'sh', '-c', 'command -v node nodejs || echo none']).out, 'none\n', 'the root has no Node.js');

    const version = await one(['--version']);
    assert.equal(version.code, 0, version.err);
    assert.match(version.out, new RegExp(`^open-notify-exporter, version ${VERSION.replace(/\./g, '\\.')} \\(node v26\\.\\d+\\.\\d+\\)\\n$`));
    assert.match((await one(['--help'])).out, /^Usage: open-notify-exporter \[options\] \[command\]/);
    // The code cache .ci/release took is the one V8 uses (without it every start compiles: docs/performance.md).
    assert.match((await podmanAsync(['run', '--rm', '-e', 'NODE_DEBUG=open-notify-exporter', ...volumes, image, '/opt/one/open-notify-exporter', '--version'])).err, /code cache accepted/);

    const once = await one(['--api-url', fake().url, '-o', '/out/open_notify.prom']);
    assert.equal(once.code, 0, once.err);
    checkOneShot(t, join(data, 'open_notify.prom'));

    // rules (with --selector: re2js inside), dashboard (its JSON), push (a PUT to a stand-in Pushgateway).
    const rules = await one(['rules', '--selector', 'job=~"node|textfile"']);
    assert.equal(rules.code, 0, rules.err);
    assert.match(rules.out, /^groups:$/m);
    assert.match(rules.out, /job=~"node\|textfile"/);
    const dashboard = await one(['dashboard']);
    assert.equal(dashboard.code, 0, dashboard.err);
    assert.ok((JSON.parse(dashboard.out) as { panels: unknown[] }).panels.length > 0);
    const pushed: { method?: string; url?: string; body: string }[] = [];
    const gateway = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => {
        pushed.push({ method: req.method, url: req.url, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    t.after(() => gateway.close());
    const push = await one(['push', '--api-url', fake().url, '--gateway', `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`]);
    assert.equal(push.code, 0, push.err);
    assert.deepEqual(pushed.map((p) => [p.method, p.url]), [['PUT', '/metrics/job/open_notify']]);
    assert.match(pushed[0].body, /^open_notify_up\{endpoint="astros"\} 1$/m);

    // schedule: runs on start, then stops on SIGTERM (podman stop) with exit 0.
    const scheduler = `one-release-schedule-${process.pid}`;
    containers.push(scheduler);
    const started = podmanRun(['run', '-d', '--name', scheduler, '--network', 'host', ...volumes, image, '/opt/one/open-notify-exporter', 'schedule', '--api-url', fake().url, '-o', '/out/scheduled.prom']);
    assert.equal(started.code, 0, started.err);
    await waitFor('schedule to write', () => (existsSync(join(data, 'scheduled.prom')) ? true : undefined), 30_000);
    assert.equal(podman(['stop', '--time', '10', scheduler]).code, 0);
    assert.equal(podman(['inspect', '--format', '{{.State.ExitCode}}', scheduler]).out.trim(), '0');

    // serve: TLS, basic auth, and a client certificate checked if given (a rogue one refused); healthcheck over TLS.
    const bcrypt = require('@node-rs/bcrypt') as { hashSync(p: string, cost: number): string };
    writeFileSync(
      join(pki.dir, 'web.yml'),
      `tls_server_config:\n  cert_file: /pki/server.pem\n  key_file: /pki/server.key\n  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: /pki/ca.pem\nbasic_auth_users:\n  prom: "${bcrypt.hashSync('s3cret', 10)}"\n`,
    );
    for (const f of readdirSync(pki.dir)) chmodSync(join(pki.dir, f), 0o644);
    const port = await freePort();
    const name = `one-release-serve-${process.pid}`;
    containers.push(name);
    const serve = podmanRun(['run', '-d', '--name', name, '--network', 'host', ...volumes, image, '/opt/one/open-notify-exporter', 'serve', '--api-url', fake().url, '--web.listen-address', `127.0.0.1:${port}`, '--web.config.file', '/pki/web.yml']);
    assert.equal(serve.code, 0, serve.err);
    await waitFor('serve to answer', async () => ((await httpsStatus(port, pki)) === 401 ? true : undefined), 30_000);
    assert.equal(await httpsStatus(port, pki, { auth: 'prom:s3cret' }), 200);
    assert.equal(await httpsStatus(port, pki, { auth: 'prom:wrong' }), 401);
    // The landing page's coastline, carried as an asset.
    assert.match((await httpsGet(port, pki, '/', 'prom:s3cret')).slice(0, 200_000), /<path class="land" d="M[\d. ]+L/);
    assert.equal(await httpsStatus(port, pki, { auth: 'prom:s3cret', cert: [pki.clientCert, pki.clientKey] }), 200);
    assert.equal(await httpsStatus(port, pki, { auth: 'prom:s3cret', cert: [pki.rogueCert, pki.rogueKey] }), undefined, 'a certificate from another CA: no answer');
    const health = await one(['healthcheck', '--web.listen-address', `127.0.0.1:${port}`, '--web.config.file', '/pki/web.yml']);
    assert.equal(health.code, 0, health.err);
  });

  it('arm64: an aarch64 executable; under qemu-aarch64-static, --version and a one-shot promtool passes', async (t) => {
    out ??= archives(t);
    if (!out) return;
    const exe = unpack(t, out, 'arm64');
    const head = Buffer.alloc(20);
    const fd = openSync(exe, 'r');
    readSync(fd, head, 0, 20, 0);
    closeSync(fd);
    assert.deepEqual([head.subarray(0, 4).toString('latin1'), head[4], head.readUInt16LE(18)], ['\x7fELF', 2, 0xb7], 'ELF64, e_machine EM_AARCH64');
    const qemu = ['-L', '/usr/aarch64-linux-gnu', exe];
    const version = spawnSync('qemu-aarch64-static', [...qemu, '--version'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout, /^open-notify-exporter, version .* \(node v26\./);
    const data = tempDir(t, 'one-release-arm-');
    const once = await new Promise<{ code: number | null; err: string }>((resolve) => {
      // Not spawnSync: the fake API answers from this process's event loop.
      const child = spawn('qemu-aarch64-static', [...qemu, '--api-url', fake().url, '-o', join(data, 'open_notify.prom')], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, err });
      });
    });
    assert.equal(once.code, 0, once.err);
    checkOneShot(t, join(data, 'open_notify.prom'));
  });

  it("systemd, no Node.js on the host: README's archive steps as written; the timer fires its one-shot, the scheduler runs and stops, serve answers with basic auth, each in its sandbox", async (t) => {
    if (!requireRoot(t, 'podman runs rootful containers here')) return;
    if (!requireBinary(t, 'podman', 'podman runc') || !requireBinary(t, 'mmdebstrap', 'mmdebstrap')) return;
    out ??= archives(t);
    if (!out) return;
    const image = 'localhost/one-systemd:trixie-no-node';
    ensureDebianImage(image, 'trixie', ['systemd', 'systemd-sysv', 'dbus', 'procps', 'libatomic1'], report);
    const name = `one-release-systemd-${process.pid}`;
    containers.push(name);
    const run = podmanRun(['run', '-d', '--systemd=always', '--network', 'host', '-v', `${out}:/downloads:ro`, '--name', name, image, '/sbin/init']);
    assert.equal(run.code, 0, run.err);
    const sh = (script: string) => {
      const r = podman(['exec', '-w', '/root', name, 'bash', '-euo', 'pipefail', '-c', script], 120_000);
      assert.equal(r.code, 0, `${script}\n${r.out}${r.err}`);
      return r.out;
    };
    await waitFor('systemd to boot', () => (/running|degraded/.test(podman(['exec', name, 'systemctl', 'is-system-running']).out) ? true : undefined), 60_000);
    assert.equal(sh('command -v node nodejs || echo none'), 'none\n');
    const port = await freePort();
    const bcrypt = require('@node-rs/bcrypt') as { hashSync(p: string, cost: number): string };
    sh(`mkdir -p /var/lib/prometheus/node-exporter /etc/open-notify-exporter
printf 'basic_auth_users:\\n  prom: "%s"\\n' '${bcrypt.hashSync('s3cret', 10)}' > /etc/open-notify-exporter/web.yml && chmod 600 /etc/open-notify-exporter/web.yml
printf 'OPEN_NOTIFY_API_URL=${fake().url}\\nOPEN_NOTIFY_WEB_LISTEN_ADDRESS=127.0.0.1:${port}\\nOPEN_NOTIFY_WEB_CONFIG_FILE=/etc/open-notify-exporter/web.yml\\n' > /etc/default/open-notify-exporter
mkdir -p /etc/systemd/system/open-notify-exporter-serve.service.d && printf '[Service]\\nSocketBindAllow=tcp:${port}\\n' > /etc/systemd/system/open-notify-exporter-serve.service.d/port.conf`);
    // README's archive block as written, the download taken from this run's archives; it names this version.
    const steps = readmeBlock('v=');
    assert.equal(steps[0].split(' ')[0], `v=${VERSION}`, "README's v= line names package.json's version");
    const download = steps.findIndex((l) => l.startsWith('curl -fLO $u/'));
    assert.ok(download > 0, 'README downloads with curl');
    steps[download] = 'cp /downloads/open-notify-exporter-$v.linux-$a.tar.gz /downloads/sha256sums.txt .';
    assert.match(sh(steps.join('\n')), new RegExp(`open-notify-exporter-${VERSION.replace(/\./g, '\\.')}\\.linux-amd64\\.tar\\.gz: OK\\nopen-notify-exporter, version ${VERSION.replace(/\./g, '\\.')} \\(node v26\\.`));
    assert.equal(sh('command -v open-notify-exporter'), '/usr/local/bin/open-notify-exporter\n');
    // README's systemd block, `d` being the archive's systemd/ as README says; it enables the timer.
    const units = readmeBlock('d="$(npm root -g)');
    units[0] = `d=/root/open-notify-exporter-${VERSION}.linux-amd64/systemd`;
    assert.ok(units.includes('systemctl enable --now open-notify-exporter.timer'));
    sh(`${units.join('\n')}\ncp "$d"/open-notify-exporter-serve.service /etc/systemd/system/ && systemctl daemon-reload`);
    // Its first tick is the next minute plus up to 20 s.
    await waitFor('the timer to write the file', () => (spawnSync('podman', ['exec', name, 'test', '-s', '/var/lib/prometheus/node-exporter/open_notify.prom']).status === 0 ? true : undefined), 100_000);
    await waitFor('the one-shot to finish', () => (sh('systemctl show -P ActiveState open-notify-exporter.service').trim() === 'inactive' ? true : undefined), 20_000);
    assert.equal(sh('systemctl show -P Result open-notify-exporter.service').trim(), 'success');
    assert.match(sh('cat /var/lib/prometheus/node-exporter/open_notify.prom'), /^open_notify_up\{endpoint="astros"\} 1$/m);
    sh('systemctl disable --now open-notify-exporter.timer');
    // The scheduler instead, under its NODE_OPTIONS (--jitless --expose-gc reach the executable's Node.js too).
    const runs = () => Number(/^open_notify_runs_total (\d+)$/m.exec(sh('cat /var/lib/prometheus/node-exporter/open_notify.prom'))?.[1]);
    const before = runs();
    sh('systemctl start open-notify-exporter-scheduler.service');
    await waitFor('the scheduler to run on start', () => (runs() > before ? true : undefined), 30_000);
    assert.match(sh('tr "\\0" " " < /proc/$(systemctl show -P MainPID open-notify-exporter-scheduler.service)/environ'), /NODE_OPTIONS=--max-semi-space-size=1 --jitless --expose-gc /);
    sh('systemctl stop open-notify-exporter-scheduler.service');
    assert.deepEqual([sh('systemctl show -P Result open-notify-exporter-scheduler.service').trim(), sh('systemctl show -P ExecMainStatus open-notify-exporter-scheduler.service').trim()], ['success', '0']);
    sh('systemctl start open-notify-exporter-serve.service');
    const status = async (auth?: string) =>
      (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: auth ? { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {} }).catch(() => undefined))?.status;
    await waitFor('serve to answer', async () => ((await status()) === 401 ? true : undefined), 30_000);
    assert.equal(await status('prom:s3cret'), 200, sh('journalctl -u open-notify-exporter-serve.service --no-pager -o cat'));
    sh('systemctl stop open-notify-exporter-serve.service');
    assert.equal(sh('systemctl show -P Result open-notify-exporter-serve.service').trim(), 'success');
  });
});
