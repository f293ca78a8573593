// The test scripts themselves: CI's second pass (npm run test:quick) must
// not silently drop a directory of tests.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../support/helpers';

describe('test scripts', () => {
  it('npm test runs every test directory; test:quick every one but test/slow', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const dirs = readdirSync(join(ROOT, 'test'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && readdirSync(join(ROOT, 'test', d.name)).some((f) => f.endsWith('.test.ts')))
      .map((d) => d.name)
      .sort();
    assert.ok(dirs.includes('slow') && dirs.includes('sources'), dirs.join());
    assert.match(scripts.test, /dist\/test\/\*\/\*\.test\.js/);
    const quick = [...scripts['test:quick'].matchAll(/dist\/test\/([a-z]+)\/\*\.test\.js/g)].map((m) => m[1]).sort();
    assert.deepEqual(quick, dirs.filter((d) => d !== 'slow'));
  });
});
