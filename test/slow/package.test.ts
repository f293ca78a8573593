// The npm package as a user gets it: `npm pack`, installed from the tarball
// into an empty prefix with --omit=dev, then run. Installing resolves the
// dependencies as `npm install -g` would (from npm's cache when it has
// them); it runs in CI's first pass only.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, ROOT, runCli, tempDir, useFakeApi, valueOf } from '../support/helpers';

const fake = useFakeApi();

function npm(args: string[], cwd: string): { code: number | null; out: string; err: string } {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 300_000, env: { ...process.env, npm_config_update_notifier: 'false' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('npm package', () => {
  it('packs only what runs, one copy of the code; installs with nothing to approve; runs --version, a one-shot and rules', async (t) => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(pkg.private, undefined, 'publishable');
    for (const field of ['repository', 'homepage', 'bugs', 'keywords', 'license', 'engines', 'bin']) assert.ok(pkg[field], field);
    const scripts = pkg.scripts as Record<string, string>;
    for (const hook of ['preinstall', 'install', 'postinstall']) assert.equal(scripts[hook], undefined, `no ${hook} script to approve`);

    const dir = tempDir(t);
    // dist/ is built by npm test already; --ignore-scripts keeps npm pack from building again.
    const packed = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
    assert.equal(packed.code, 0, packed.err);
    const [info] = JSON.parse(packed.out) as { filename: string; size: number; unpackedSize: number; entryCount: number; files: { path: string }[] }[];
    const files = info.files.map((f) => f.path).sort();
    const docs = [...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/\]\((docs\/[\w-]+\.md)/g)].map((m) => m[1]);
    assert.ok(docs.length >= 6, docs.join());
    // README's links to docs/ work in the installed copy.
    assert.deepEqual(files, [...new Set(['LICENSE', 'README.md', 'bin/open-notify-exporter', 'dist/land-110m.svgpath', 'dist/open-notify-exporter.js', 'dist/open-notify-exporter.js.map', ...docs, 'package.json', ...readdirSync(join(ROOT, 'systemd')).map((f) => `systemd/${f}`)])].sort());
    process.stderr.write(`# package: ${info.filename}, ${(info.size / 1024).toFixed(1)} KiB packed, ${(info.unpackedSize / 1024).toFixed(1)} KiB unpacked, ${info.entryCount} files\n`);

    const prefix = join(dir, 'prefix');
    const installed = npm(['install', '--global', '--prefix', prefix, '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', join(dir, info.filename)], dir);
    assert.equal(installed.code, 0, installed.err);
    assert.doesNotMatch(`${installed.out}${installed.err}`, /install-scripts|allowScripts|approve/i, 'nothing for the user to approve');
    const bin = join(prefix, 'bin', 'open-notify-exporter');
    assert.ok(existsSync(bin));
    const run = (args: string[]) => runCli(args, { command: bin });

    let r = await run(['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^open-notify-exporter, version ${String(pkg.version).replace(/\./g, '\\.')} \\(node v\\d+\\.\\d+\\.\\d+\\)\\n$`));
    const api = fake();
    r = await run(['--api-url', api.url, '-o', '-']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(valueOf(parse(r.stdout), 'open_notify_people_in_space'), 3);
    r = await run(['rules']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /alert: OpenNotifyEndpointDown/);
    r = await run(['schedule', '--help']);
    assert.equal(r.code, 0, r.stderr);
    // --web.config.file loads the YAML parser from the installed package.
    writeFileSync(join(dir, 'web.yml'), 'basic_auth_users:\n  prom: s3cret\n');
    r = await run(['serve', '--web.listen-address', '127.0.0.1:0', '--web.config.file', join(dir, 'web.yml')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /basic_auth_users\.prom: not a bcrypt hash/);
  });
});
