// The shipped form of the CLI: one bundle loaded with V8's code cache by
// dist/loader.js, and a source map that an internal error's stack is
// mapped through.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../support/helpers';

interface Loader {
  load(): { main(argv: string[], io: { stdout(t: string): void; stderr(t: string): void }): Promise<number> };
  internalError(err: unknown): string;
}
const loader = require(join(ROOT, 'dist', 'loader.js')) as Loader;

describe('the bundle', () => {
  it('an error escaping main() is reported as a bug with its stack mapped back to src/*.ts', async () => {
    const main = loader.load();
    const err = await main.main(['rules'], { stdout: () => { throw new Error('stdout went away'); }, stderr: () => undefined }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof Error);
    const text = loader.internalError(err);
    assert.match(text, /^open-notify-exporter: internal error, a bug \(exit 70\); please report it with this:\nError: stdout went away\n/);
    assert.match(text, /\(src\/main\.ts:\d+:\d+\)/, text);
    assert.doesNotMatch(text, /open-notify-exporter\.js:\d+:\d+/, 'no minified positions left');
  });

  it('the bundle names its source map; the map covers our sources', () => {
    const bundle = readFileSync(join(ROOT, 'dist', 'open-notify-exporter.js'), 'utf8');
    assert.match(bundle, /\/\/# sourceMappingURL=open-notify-exporter\.js\.map\n?$/);
    const map = JSON.parse(readFileSync(join(ROOT, 'dist', 'open-notify-exporter.js.map'), 'utf8')) as { sources: string[] };
    for (const f of ['../src/main.ts', '../src/sources/collect.ts', '../src/outputs/textfile.ts']) assert.ok(map.sources.includes(f), f);
  });

  it('a build makes the code cache for the Node.js that built it', () => {
    assert.ok(existsSync(join(ROOT, 'dist', 'open-notify-exporter.cache')));
  });
});
