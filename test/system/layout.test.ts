// src/ reads as the pipeline: which folder may import which. The contract
// knows no source and no consumer of it; the outputs name no source (the
// landing page reads a view serve builds); the configuration imports no
// mode; lib/ imports nothing of ours.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../support/helpers';

const ALLOWED: Record<string, string[]> = {
  lib: [],
  contract: ['lib'],
  mixin: ['contract', 'lib'],
  // The CLI: --selector is checked with the mixin's grammar before anything runs.
  config: ['contract', 'lib', 'mixin'],
  sources: ['config', 'contract', 'lib'],
  outputs: ['config', 'contract', 'lib'],
  modes: ['config', 'contract', 'lib', 'outputs', 'sources'],
};

describe('the layout of src/', () => {
  it('each folder imports only the folders before it in the pipeline; every folder is listed', () => {
    const src = join(ROOT, 'src');
    const folders = readdirSync(src, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    assert.deepEqual(folders.sort(), Object.keys(ALLOWED).sort());
    const wrong: string[] = [];
    for (const folder of folders) {
      for (const file of readdirSync(join(src, folder)).filter((f) => f.endsWith('.ts'))) {
        const text = readFileSync(join(src, folder, file), 'utf8');
        for (const m of text.matchAll(/(?:from |require\()'\.\.\/([a-z]+)\//g)) {
          if (!ALLOWED[folder].includes(m[1])) wrong.push(`src/${folder}/${file} imports ${m[1]}/`);
        }
      }
    }
    assert.deepEqual(wrong, []);
  });
});
