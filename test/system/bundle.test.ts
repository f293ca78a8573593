// The shipped form of the CLI: one bundle, loaded by bin/ with Node's own
// compile cache where Node has one (>= 22.1), and a source map beside it.
import { strict as assert } from 'node:assert';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, runCli, tempDir } from '../support/helpers';

const hasCompileCache = typeof (require('node:module') as { enableCompileCache?: unknown }).enableCompileCache === 'function';

/** Every file below a directory. */
function filesIn(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => e.name);
}

describe('the bundle', () => {
  it('an error escaping main() is reported as a bug: one line with the version and exit 70, then the stack', async (t) => {
    // A copy of bin/ whose bundle throws from main(): what a bug looks like to an operator.
    const dir = tempDir(t);
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'bin', 'open-notify-exporter'), readFileSync(join(ROOT, 'bin', 'open-notify-exporter')), { mode: 0o755 });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ version: '9.9.9' }));
    writeFileSync(join(dir, 'dist', 'open-notify-exporter.js'), 'exports.main = async () => { throw new Error("a bug"); };\n');
    const r = await runCli([], { command: join(dir, 'bin', 'open-notify-exporter') });
    assert.equal(r.code, 70);
    assert.match(r.stderr, /^open-notify-exporter 9\.9\.9: internal error, a bug \(exit 70\); please report it with this:\nError: a bug\n {4}at /);
  });

  it('the dependencies outside the bundle load only where used: a one-shot run loads none; rules yaml (its writer) and with --selector re2js, serve --web.config.file yaml and bcrypt', async (t) => {
    const loaded = async (args: string[]) => {
      const r = await runCli(args, { env: { NODE_DEBUG: 'module' }, killAfterMs: 20_000 });
      return [...new Set([...r.stderr.matchAll(/looking for "([a-z][\w-]*)"/g)].map((m) => m[1]))].sort();
    };
    assert.deepEqual(await loaded(['--api-url', 'http://127.0.0.1:9', '--retries', '0', '-o', '-']), []);
    assert.deepEqual(await loaded(['rules']), ['yaml']);
    assert.deepEqual(await loaded(['rules', '--selector', 'job=~"node|lab"']), ['re2js', 'yaml']);
    const dir = tempDir(t);
    writeFileSync(join(dir, 'web.yml'), "basic_auth_users:\n  u: '$2y$04$abcdefghijklmnopqrstuu5Zq3w3VqQ1W7V1k1M8N1zH0xO9iQ8y'\n");
    // A config serve refuses (the hash is not one) still had to be parsed: it stops at once, exit 2.
    const web = await loaded(['serve', '--web.listen-address', '127.0.0.1:0', '--web.config.file', join(dir, 'web.yml')]);
    assert.ok(web.includes('yaml') && !web.includes('re2js'), web.join());
  });

  it('the bundle names its source map; the map covers our sources', () => {
    const bundle = readFileSync(join(ROOT, 'dist', 'open-notify-exporter.js'), 'utf8');
    assert.match(bundle, /\/\/# sourceMappingURL=open-notify-exporter\.js\.map\n?$/);
    const map = JSON.parse(readFileSync(join(ROOT, 'dist', 'open-notify-exporter.js.map'), 'utf8')) as { sources: string[] };
    for (const f of ['../src/main.ts', '../src/sources/collect.ts', '../src/outputs/textfile.ts']) assert.ok(map.sources.includes(f), f);
  });

  it("Node's compile cache: a run fills CACHE_DIRECTORY (systemd's CacheDirectory=) or NODE_COMPILE_CACHE, and the next run uses it", async (t) => {
    if (!hasCompileCache) {
      t.skip(`Node ${process.versions.node} has no module.enableCompileCache (22.1 and later do): it runs without a cache`);
      return;
    }
    for (const variable of ['CACHE_DIRECTORY', 'NODE_COMPILE_CACHE']) {
      const dir = tempDir(t);
      const first = await runCli(['rules'], { env: { [variable]: dir } });
      assert.equal(first.code, 0, first.stderr);
      const made = filesIn(dir);
      assert.ok(made.length > 0, `${variable}: nothing cached`);
      const again = await runCli(['rules'], { env: { [variable]: dir, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' } });
      assert.equal(again.code, 0);
      assert.match(again.stderr, /open-notify-exporter\.js[\s\S]*(cache hit|was accepted|skip persisting)/i, `${variable}: ${again.stderr.slice(0, 400)}`);
    }
  });
});
