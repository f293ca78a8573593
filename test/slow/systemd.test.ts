// README's install and systemd steps, as written, under a real systemd: a
// Debian 13 root (mmdebstrap: systemd, procps, Debian's nodejs and npm) booted by
// podman with systemd as PID 1, this checkout copied to /root as a clone
// would be. The timer fires and the one-shot writes the file, the scheduler
// starts, reloads and stops, each with its unit's whole sandbox; then the
// same with the command in /usr/bin instead of /usr/local/bin.
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ensureDebianImage, podman, podmanRun } from '../support/container';
import { requireBinary, requireRoot, ROOT, useFakeApi } from '../support/helpers';
import { freePort, waitFor } from '../support/peers';

const IMAGE = 'localhost/one-systemd:trixie-procps';
const NAME = 'one-test-systemd';
const OUTPUT = '/var/lib/prometheus/node-exporter/open_notify.prom';
const fake = useFakeApi();
const report = (line: string) => process.stderr.write(`# systemd: ${line}\n`);

/** The ```sh block of README that starts with `first`, as lines. */
function readmeBlock(first: string): string[] {
  const block = [...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.startsWith(first));
  assert.ok(block, `README has a sh block starting with ${first}`);
  return block.trimEnd().split('\n');
}

/** A CA the machine's own npm needs (a TLS-intercepting proxy), for npm in the container too. */
const CA = process.env.NODE_EXTRA_CA_CERTS && existsSync(process.env.NODE_EXTRA_CA_CERTS) ? process.env.NODE_EXTRA_CA_CERTS : undefined;
const CA_IN = '/run/one-extra-ca.crt';

/** A shell command in the booted container, as root in /root. */
function sh(script: string, timeoutMs = 300_000): string {
  const env = ['-e', 'npm_config_prefer_offline=true', ...(CA ? ['-e', `NODE_EXTRA_CA_CERTS=${CA_IN}`] : [])];
  const r = podman(['exec', '-w', '/root', ...env, NAME, 'bash', '-euo', 'pipefail', '-c', script], timeoutMs);
  assert.equal(r.code, 0, `${script}\n${r.out}${r.err}`);
  return r.out;
}

const prop = (unit: string, p: string) => sh(`systemctl show -P ${p} ${unit}`).trim();

after(() => {
  podman(['rm', '--force', '--time', '0', NAME]);
});

describe('README install steps under a real systemd (podman, systemd as PID 1)', () => {
  it('npm pack + install -g from a clone in /root; the timer writes the file; the scheduler starts, reloads, stops; /usr/bin works as /usr/local/bin', async (t) => {
    if (!requireRoot(t, 'podman runs rootful containers here')) return;
    if (!requireBinary(t, 'podman', 'podman runc') || !requireBinary(t, 'mmdebstrap', 'mmdebstrap')) return;
    ensureDebianImage(IMAGE, 'trixie', ['systemd', 'systemd-sysv', 'dbus', 'procps', 'nodejs', 'npm', 'ca-certificates'], report);
    const api = fake();
    // The checkout's tracked files, as `git clone` would give them; the host's npm cache, so npm fetches little.
    const tree = join(mkdtempSync(join(tmpdir(), 'one-clone-')), 'clone.tar');
    t.after(() => rmSync(join(tree, '..'), { recursive: true, force: true }));
    execFileSync('bash', ['-c', `git ls-files -z | tar --null -T - -cf ${tree}`], { cwd: ROOT });
    const cache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
    const run = podmanRun(['run', '-d', '--systemd=always', '--network', 'host', '-v', `${cache}:/root/.npm`, '-v', `${tree}:/clone.tar:ro`, ...(CA ? ['-v', `${CA}:${CA_IN}:ro`] : []), '--name', NAME, IMAGE, '/sbin/init']);
    assert.equal(run.code, 0, run.err);
    await waitFor('systemd to boot', () => (/running|degraded/.test(podman(['exec', NAME, 'systemctl', 'is-system-running']).out) ? true : undefined), 60_000);

    // Install, as README says; the clone's place taken by the copy.
    const install = readmeBlock('git clone ');
    assert.match(install[1], /^cd open-notify-exporter$/);
    sh(`mkdir open-notify-exporter && tar -xf /clone.tar -C open-notify-exporter\n${install.slice(1).join('\n')}`);
    const bin = sh('command -v open-notify-exporter').trim();
    report(`installed as ${bin} (${sh('node --version').trim()}, npm ${sh('npm --version').trim()})`);
    assert.match(sh('readlink -f "$(command -v open-notify-exporter)"'), /^\/usr\/local\/lib\/node_modules\/open-notify-exporter\//, 'a copy, not a link into the clone');

    // The textfile directory (node_exporter's package makes it) and the API, in /etc/default as README says.
    sh(`mkdir -p ${join(OUTPUT, '..')} && echo OPEN_NOTIFY_API_URL=${api.url} > /etc/default/open-notify-exporter`);
    const units = readmeBlock('d="$(npm root -g)');
    assert.ok(units.includes('systemctl enable --now open-notify-exporter.timer'));
    sh(units.join('\n'));
    // The timer's first tick: the next minute, plus up to 20 s of RandomizedDelaySec.
    const started = Date.now();
    await waitFor('the timer to write the file', () => (spawnSync('podman', ['exec', NAME, 'test', '-s', OUTPUT]).status === 0 ? true : undefined), 100_000);
    report(`the timer fired; the file after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    await waitFor('the one-shot to finish', () => (prop('open-notify-exporter.service', 'ActiveState') === 'inactive' ? true : undefined), 20_000);
    assert.equal(prop('open-notify-exporter.service', 'Result'), 'success');
    assert.match(sh(`cat ${OUTPUT}`), /^open_notify_up\{endpoint="astros"\} 1$/m);

    // The scheduler instead, as README's comment says.
    const instead = units.find((l) => l.startsWith('# or instead: '))!.replace('# or instead: ', '');
    sh(`systemctl disable --now open-notify-exporter.timer && ${instead}`);
    const runs = () => Number(/^open_notify_runs_total (\d+)$/m.exec(sh(`cat ${OUTPUT}`))?.[1]);
    const before = runs();
    await waitFor('the scheduler to run on start', () => (runs() > before ? true : undefined), 30_000);
    assert.equal(prop('open-notify-exporter-scheduler.service', 'ActiveState'), 'active');
    sh('systemctl reload open-notify-exporter-scheduler.service');
    await waitFor('the SIGHUP line', () => (/SIGHUP/.test(sh('journalctl -u open-notify-exporter-scheduler.service --no-pager -o cat')) ? true : undefined), 10_000);
    assert.equal(prop('open-notify-exporter-scheduler.service', 'ActiveState'), 'active', 'still running after a reload');
    sh('systemctl stop open-notify-exporter-scheduler.service');
    assert.deepEqual([prop('open-notify-exporter-scheduler.service', 'Result'), prop('open-notify-exporter-scheduler.service', 'ExecMainStatus')], ['success', '0']);
    const stoppedAt = runs();

    // serve as a service, as README's serve section has it: another port allowed in a drop-in, basic auth from
    // a web config in /etc (readable through the sandbox), /metrics answered to the host (--network host).
    const port = await freePort();
    const hash = (require('@node-rs/bcrypt') as { hashSync(p: string, cost: number): string }).hashSync('s3cret', 4);
    sh(`install -d /etc/open-notify-exporter && printf 'basic_auth_users:\\n  prom: "%s"\\n' '${hash}' > /etc/open-notify-exporter/web.yml && chmod 600 /etc/open-notify-exporter/web.yml
printf 'OPEN_NOTIFY_API_URL=${api.url}\\nOPEN_NOTIFY_WEB_LISTEN_ADDRESS=127.0.0.1:${port}\\nOPEN_NOTIFY_WEB_CONFIG_FILE=/etc/open-notify-exporter/web.yml\\n' > /etc/default/open-notify-exporter
mkdir -p /etc/systemd/system/open-notify-exporter-serve.service.d && printf '[Service]\\nSocketBindAllow=tcp:${port}\\n' > /etc/systemd/system/open-notify-exporter-serve.service.d/port.conf`);
    sh(readmeBlock('cp "$(npm root -g)/open-notify-exporter/systemd/open-notify-exporter-serve.service"').join('\n'));
    const auth = { authorization: `Basic ${Buffer.from('prom:s3cret').toString('base64')}` };
    const body = await waitFor('serve to answer', async () => {
      const r = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: auth }).catch(() => undefined);
      return r?.status === 200 ? r.text() : undefined;
    }, 30_000);
    assert.match(body, /^open_notify_up\{endpoint="astros"\} 1$/m);
    assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 401);
    assert.equal(prop('open-notify-exporter-serve.service', 'ActiveState'), 'active');
    const score = /Overall exposure level for \S+: (\d+\.\d+)/.exec(sh('systemd-analyze security --no-pager open-notify-exporter-serve.service open-notify-exporter-scheduler.service 2>&1 || true'));
    report(`serve unit active under its sandbox; ${score?.[0] ?? 'no score'}`);
    sh('systemctl stop open-notify-exporter-serve.service');
    assert.deepEqual([prop('open-notify-exporter-serve.service', 'Result'), prop('open-notify-exporter-serve.service', 'ExecMainStatus')], ['success', '0']);

    // npm set to /usr (NodeSource's packages): the command in /usr/bin, the same units.
    sh('cd open-notify-exporter && npm uninstall -g open-notify-exporter && npm install -g --prefix /usr ./open-notify-exporter-0.1.0.tgz && test ! -e /usr/local/bin/open-notify-exporter && test -x /usr/bin/open-notify-exporter');
    sh('systemctl start open-notify-exporter.service');
    assert.equal(prop('open-notify-exporter.service', 'Result'), 'success');
    assert.equal(runs(), stoppedAt + 1, 'the one-shot ran from /usr/bin');
  });
});
