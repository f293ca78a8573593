// README is the operator's page: at most 25,000 characters, a table of
// contents, every link into docs/ landing on a heading, and its worked
// TLS + basic-auth example run as written (paths and port aside).
import { strict as assert } from 'node:assert';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { githubAnchor } from '../../src/mixin/rules';
import { BIN, requireBinary, ROOT, runCli, startCli, tempDir, useFakeApi } from '../support/helpers';
import { freePort } from '../support/peers';

const README = join(ROOT, 'README.md');
const DOCS = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(ROOT, 'docs', f));

function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => githubAnchor(m[1].replace(/`/g, ''))));
}

const fake = useFakeApi();

describe('README and docs/', () => {
  it("README: at most 25,000 characters, a table of contents linking every section, in the operator's order", () => {
    const text = readFileSync(README, 'utf8');
    assert.ok(text.length <= 25_000, `${text.length} characters`);
    const sections = [...text.replace(/```[\s\S]*?```/g, '').matchAll(/^## (.+)$/gm)].map((m) => githubAnchor(m[1].replace(/`/g, '')));
    const contents = /^\*\*Contents:\*\* (.*)$/m.exec(text)?.[1] ?? '';
    const listed = [...contents.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    assert.deepEqual(listed, sections.filter((s) => s !== 'license'));
    const order = ['install', 'run-once', 'node_exporter-and-prometheus', 'systemd-timer-or-scheduler', 'serve', 'push', 'metrics', 'alerts-and-dashboard', 'exit-codes-and-signals'];
    assert.deepEqual(sections.filter((s) => order.includes(s)), order);
  });

  it("README's option tables and --help agree: each row's flag and variable are the command's, and each option of the one-shot, schedule, serve and push is in README", async () => {
    const text = readFileSync(README, 'utf8');
    /** The section each table is in → the command whose options it lists. */
    const TABLE_COMMAND: Record<string, string[]> = { 'systemd: timer or scheduler': ['schedule'], serve: ['serve'], Options: [] };
    const help = new Map<string, string>();
    for (const cmd of [[], ['schedule'], ['serve'], ['push']]) help.set(cmd.join(' '), (await runCli([...cmd, '--help'])).stdout);
    let section = '';
    let rows = 0;
    for (const line of text.replace(/```[\s\S]*?```/g, '').split('\n')) {
      const heading = /^## (.+)$/.exec(line);
      if (heading) section = heading[1].replace(/`/g, '');
      const row = /^\| `(-[^`]+)` \|([^|]*)\|/.exec(line);
      if (!row || !(section in TABLE_COMMAND)) continue;
      rows += 1;
      const flag = /--[a-z.-]+/.exec(row[1])![0];
      const env = /`(OPEN_NOTIFY_[A-Z_]+)`/.exec(row[2])?.[1];
      const out = help.get(TABLE_COMMAND[section].join(' '))!;
      assert.ok(out.includes(` ${flag}`), `${section}: ${flag} is not in --help`);
      if (env) assert.match(out.replace(/\s+/g, ' '), new RegExp(`env: ${env}\\b`), `${section}: ${flag}'s ${env} is not in --help`);
    }
    assert.ok(rows >= 20, `${rows} rows read`);
    for (const [cmd, out] of help) {
      for (const [, flag] of out.matchAll(/^ {2}(?:-\w, )?(--[a-z.-]+)/gm)) {
        if (flag !== '--help' && flag !== '--version') assert.match(text, new RegExp(`[\\s\`[]${flag.replace(/\./g, '\\.')}(?![\\w.-])`), `${cmd || 'the one-shot'}: ${flag} is not in README`);
      }
    }
  });

  it('every relative link in README and docs/ names a file that exists, and a heading that exists in it', () => {
    for (const file of [README, ...DOCS]) {
      const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        const [path, anchor] = target.split('#');
        const dest = path ? resolve(dirname(file), path) : file;
        assert.ok(existsSync(dest), `${file}: ${target} does not exist`);
        if (anchor) assert.ok(anchors(dest).has(anchor), `${file}: ${target}: no such heading`);
      }
    }
  });

  it('the one-shot, rules and dashboard blocks run as written, their paths in a temp directory (only the textfile directory exists, as on Debian)', async (t) => {
    if (!requireBinary(t, 'promtool', 'prometheus')) return;
    const text = readFileSync(README, 'utf8');
    const blocks = ['open-notify-exporter -o ', 'open-notify-exporter rules -o ', 'open-notify-exporter rules -o /etc/prometheus/rules/open-notify-exporter.yml   #'].map((first) => {
      const b = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).find((x) => x.split('\n').some((l) => l.startsWith(first)) && (first.endsWith('#') || !x.includes('   # then')));
      assert.ok(b, `README has a block with a line starting ${first}`);
      return b;
    });
    const dir = tempDir(t);
    // The command as npm installs it: a name on the PATH.
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'open-notify-exporter'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
    const places = ['/var/lib/prometheus/node-exporter', '/etc/prometheus/rules', '/var/lib/grafana/dashboards'];
    mkdirSync(join(dir, places[0]), { recursive: true });
    const env = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`, OPEN_NOTIFY_API_URL: fake().url };
    for (const block of blocks) {
      const script = places.reduce((b, p) => b.replaceAll(p, join(dir, p)), block);
      // Not spawnSync: the fake API answers from this process's event loop.
      const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
        execFile('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, env, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` }));
      });
      assert.equal(r.code, 0, `${script}\n${r.out}`);
    }
    assert.match(readFileSync(join(dir, places[0], 'open_notify.prom'), 'utf8'), /^open_notify_up\{endpoint="iss_now"\} 1$/m);
    assert.match(readFileSync(join(dir, places[1], 'open-notify-exporter.yml'), 'utf8'), /alert: OpenNotifyEndpointDown/);
    assert.equal((JSON.parse(readFileSync(join(dir, places[2], 'open-notify-exporter.json'), 'utf8')) as { uid: string }).uid, 'open-notify-exporter');
  });

  it("README's push section has the Pushgateway's scrape job with honor_labels: true, and says to group by instance", () => {
    const text = readFileSync(README, 'utf8');
    const section = text.slice(text.indexOf('## push'), text.indexOf('## Options'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(yaml, 'a scrape config in the push section');
    const YAML = require('yaml') as typeof import('yaml');
    const [job] = YAML.parse(yaml) as { job_name: string; honor_labels: boolean }[];
    assert.equal(job.honor_labels, true);
    assert.match(section, /--grouping instance=/);
  });

  it("README's Development block is set-up and test in one command each, and .ci/run runs exactly those", () => {
    const block = /## Development\n\n```sh\n([\s\S]*?)```/.exec(readFileSync(README, 'utf8'))?.[1];
    assert.ok(block, 'a Development block');
    const commands = block.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
    assert.deepEqual(commands, ['npm ci', 'npm test']);
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8').split('\n').map((l) => l.trim());
    assert.ok(ci.some((l) => l.startsWith('npm ci')), '.ci/run installs with npm ci');
    assert.ok(ci.includes('npm test'), '.ci/run runs npm test');
  });

  it("the cron.d block finds the command wherever README's installs put it (/usr/local/bin or /usr/bin) and runs as written", async (t) => {
    const block = /```crontab\n([\s\S]*?)```/.exec(readFileSync(README, 'utf8'))?.[1];
    assert.ok(block, 'a crontab block');
    const path = /^PATH=(\S+)$/m.exec(block)?.[1];
    const job = /^\* \* \* \* \* root (.+)$/m.exec(block)?.[1];
    assert.ok(path && job, block);
    const parts = path.split(':');
    assert.ok(parts.includes('/usr/local/bin') && parts.includes('/usr/bin'), path);
    for (const at of ['/usr/local/bin', '/usr/bin']) {
      const dir = tempDir(t);
      mkdirSync(join(dir, at), { recursive: true });
      writeFileSync(join(dir, at, 'open-notify-exporter'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
      mkdirSync(join(dir, '/var/lib/prometheus/node-exporter'), { recursive: true });
      const env = { PATH: parts.map((p) => (p === at ? join(dir, p) : p)).join(':'), OPEN_NOTIFY_API_URL: fake().url };
      const command = job.replaceAll('/var/lib/prometheus/node-exporter', join(dir, '/var/lib/prometheus/node-exporter'));
      const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
        execFile('/bin/sh', ['-c', command], { env, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` }));
      });
      assert.equal(r.code, 0, `${at}: ${r.out}`);
      assert.match(readFileSync(join(dir, '/var/lib/prometheus/node-exporter/open_notify.prom'), 'utf8'), /^open_notify_up\{endpoint="astros"\} 1$/m);
    }
  });

  it("the worked TLS + basic-auth example runs as written: openssl, htpasswd, the web config, serve, the wait for it, curl", async (t) => {
    if (!requireBinary(t, 'openssl', 'openssl') || !requireBinary(t, 'htpasswd', 'apache2-utils') || !requireBinary(t, 'curl', 'curl')) return;
    const block = /```sh\n(mkdir -p \/etc\/open-notify-exporter[\s\S]*?)```/.exec(readFileSync(README, 'utf8'))?.[1];
    assert.ok(block, "README's TLS example");
    const dir = tempDir(t);
    const port = await freePort();
    const lines = block.replaceAll('/etc/open-notify-exporter', dir).replaceAll('localhost:8899', `localhost:${port}`).trimEnd().split('\n');
    const serveAt = lines.findIndex((l) => l.startsWith('open-notify-exporter serve '));
    assert.ok(serveAt > 0 && lines.length === serveAt + 3, 'setup, serve, the wait, curl');
    const setup = spawnSync('bash', ['-euo', 'pipefail', '-c', lines.slice(0, serveAt).join('\n')], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(setup.status, 0, setup.stderr);
    // serve as the line has it, on a free loopback port, against the fake API.
    const args = lines[serveAt].replace(/ &$/, '').split(' ').slice(1);
    const cli = startCli([...args, '--web.listen-address', `127.0.0.1:${port}`, '--api-url', fake().url], { killAfterMs: 60_000 });
    t.after(() => cli.child.kill('SIGKILL'));
    // The wait as written: healthcheck on the command's name, the address serve listens on from its variable.
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'open-notify-exporter'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
    const waited = await new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile('bash', ['-c', `${lines[serveAt + 1]}\nopen-notify-exporter healthcheck --web.config.file web.yml`], { cwd: dir, env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`, OPEN_NOTIFY_WEB_LISTEN_ADDRESS: `127.0.0.1:${port}` }, timeout: 20_000 }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` }));
    });
    assert.equal(waited.code, 0, `the wait ended with serve not healthy: ${waited.out}`);
    const r = spawnSync('bash', ['-c', lines[serveAt + 2]], { cwd: dir, encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^open_notify_up\{endpoint="astros"\} 1$/m);
    // The same without the password: 401, curl's -f not being in the example, its body says so.
    const anonymous = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', join(dir, 'server.pem'), `https://localhost:${port}/metrics`], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(anonymous.stdout, '401');
    cli.child.kill('SIGTERM');
    assert.equal((await cli.result).code, 0);
  });
});
