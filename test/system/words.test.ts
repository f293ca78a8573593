// What the project says of itself uses its own words: no reference to the
// material it grew from ("the seed tutorial", "which the brief names") in
// README, --help, the units, the image or the code.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, runCli } from '../support/helpers';

const OUTSIDE = /\bseeds?('s)?\b|\bthe brief\b|\btutorials?\b|\bportuguese\b|\bprimeiro\b/i;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('words from outside the project', () => {
  it('none in README, docs/, the units, the Dockerfile, .ci/run or src/', () => {
    const texts = ['README.md', 'Dockerfile', '.ci/run', ...files(join(ROOT, 'docs')).map((f) => f.slice(ROOT.length + 1)), ...files(join(ROOT, 'systemd')).map((f) => f.slice(ROOT.length + 1)), ...files(join(ROOT, 'src')).map((f) => f.slice(ROOT.length + 1))];
    const found = texts.flatMap((f) => readFileSync(join(ROOT, f), 'utf8').split('\n').map((l, i) => [f, i + 1, l] as const)).filter(([, , l]) => OUTSIDE.test(l));
    assert.deepEqual(found.map(([f, n, l]) => `${f}:${n}: ${l.slice(0, 80)}`), []);
  });

  it('none in any --help', async () => {
    for (const cmd of [[], ['schedule'], ['serve'], ['push'], ['rules'], ['dashboard'], ['healthcheck']]) {
      const r = await runCli([...cmd, '--help']);
      assert.equal(r.code, 0);
      assert.doesNotMatch(r.stdout, OUTSIDE, cmd.join(' '));
    }
  });
});
