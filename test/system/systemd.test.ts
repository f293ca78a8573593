// The shipped systemd units: clean for `systemd-analyze verify`, and each
// service's exposure score at most 1.5 (Debian's own textfile units: 9.6).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, requireBinary, ROOT, tempDir } from '../support/helpers';

const DIR = join(ROOT, 'systemd');
/** Where npm puts the command: nodejs.org's npm, then Debian's. */
const SEARCH = 'ExecSearchPath=/usr/local/bin:/usr/bin';

function analyze(bin: string, args: string[]): { code: number | null; out: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('systemd units', () => {
  const units = readdirSync(DIR).sort();

  it('are the timer, its one-shot service, the scheduler service and the serve service', () => {
    assert.deepEqual(units, ['open-notify-exporter-scheduler.service', 'open-notify-exporter-serve.service', 'open-notify-exporter.service', 'open-notify-exporter.timer']);
    const oneshot = readFileSync(join(DIR, 'open-notify-exporter.service'), 'utf8');
    assert.match(oneshot, /^Type=oneshot$/m);
    assert.match(oneshot, /^Environment=OPEN_NOTIFY_OUTPUT=\/var\/lib\/prometheus\/node-exporter\/open_notify\.prom$/m);
    assert.match(oneshot, /^EnvironmentFile=-\/etc\/default\/open-notify-exporter$/m);
    const timer = readFileSync(join(DIR, 'open-notify-exporter.timer'), 'utf8');
    for (const key of ['OnCalendar', 'RandomizedDelaySec', 'AccuracySec', 'Persistent=true']) assert.match(timer, new RegExp(`^${key}`, 'm'));
    const sched = readFileSync(join(DIR, 'open-notify-exporter-scheduler.service'), 'utf8');
    assert.match(sched, /^ExecStart=open-notify-exporter schedule$/m);
    assert.match(oneshot, /^ExecStart=open-notify-exporter --quiet$/m);
    assert.match(sched, /^Restart=on-failure$/m);
    for (const text of [oneshot, sched]) {
      assert.ok(text.split('\n').includes(SEARCH), 'found in /usr/bin (Debian) or /usr/local/bin (nodejs.org)');
      assert.match(text, /^ReadWritePaths=-\/var\/lib\/prometheus\/node-exporter$/m);
      assert.match(text, /^ProtectSystem=strict$/m);
      assert.doesNotMatch(text, /^MemoryDenyWriteExecute=yes/m, 'breaks the V8 JIT');
      // Neither listens: no socket may be bound (defence in depth beside the SIGUSR1 handler).
      assert.match(text, /^SocketBindDeny=any$/m);
    }
    // serve: writes nothing, binds its own port only, the scheduler's memory flags.
    const serve = readFileSync(join(DIR, 'open-notify-exporter-serve.service'), 'utf8');
    assert.match(serve, /^ExecStart=open-notify-exporter serve$/m);
    assert.ok(serve.split('\n').includes(SEARCH));
    assert.doesNotMatch(serve, /^ReadWritePaths=/m);
    assert.match(serve, /^ProtectSystem=strict$/m);
    assert.match(serve, /^SocketBindAllow=tcp:8899$/m);
    assert.match(serve, /^SocketBindDeny=any$/m);
    assert.equal(/^Environment="NODE_OPTIONS=.*"$/m.exec(serve)?.[0], /^Environment="NODE_OPTIONS=.*"$/m.exec(sched)?.[0]);
  });

  it('pass systemd-analyze verify with no output', (t) => {
    const bin = requireBinary(t, 'systemd-analyze', 'systemd');
    if (!bin) return;
    // verify insists that ExecStart's command exists, and does not search ExecSearchPath=
    // for it (systemd does, at start: test/slow/systemd.test.ts): name this checkout's bin/.
    const dir = tempDir(t);
    const paths = units.map((u) => {
      const text = readFileSync(join(DIR, u), 'utf8');
      writeFileSync(join(dir, u), text.replace(/^ExecStart=open-notify-exporter/m, `ExecStart=${BIN}`).split(SEARCH).join(`ExecSearchPath=${dirname(BIN)}`));
      return join(dir, u);
    });
    const r = analyze(bin, ['verify', ...paths]);
    assert.deepEqual(r, { code: 0, out: '' });
    // The check can fail: an unknown directive is reported.
    writeFileSync(paths[0], `${readFileSync(paths[0], 'utf8')}\nProtectEverything=yes\n`);
    assert.match(analyze(bin, ['verify', ...paths]).out, /Unknown key 'ProtectEverything'/);
  });

  for (const service of ['open-notify-exporter.service', 'open-notify-exporter-scheduler.service', 'open-notify-exporter-serve.service']) {
    it(`${service}: systemd-analyze security scores at most 1.5`, (t) => {
      const bin = requireBinary(t, 'systemd-analyze', 'systemd');
      if (!bin) return;
      const r = analyze(bin, ['security', '--offline=true', '--no-pager', join(DIR, service)]);
      const m = /Overall exposure level for \S+: (\d+\.\d+)/.exec(r.out);
      assert.ok(m, r.out);
      const score = Number(m[1]);
      process.stderr.write(`# ${service}: exposure ${score}\n`);
      assert.ok(score <= 1.5, `${service} scores ${score}`);
    });
  }
});
