// The metric contract itself, and README's metric table checked against it row for row.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { METRIC_LIST } from '../../src/contract/metrics';
import { ROOT } from '../support/helpers';

describe('contract', () => {
  it('every family has a unique open_notify_ name, a help text and a type', () => {
    const names = METRIC_LIST.map((m) => m.name);
    assert.equal(new Set(names).size, names.length);
    for (const m of METRIC_LIST) {
      assert.match(m.name, /^open_notify_[a-z_]+$/);
      // A sentence a Grafana tooltip can show; the details live in README's reasons and docs/.
      assert.ok(m.help.length > 10 && m.help.length <= 150 && !m.help.includes('\n'), `${m.name}: ${m.help.length} characters`);
    }
  });

  it("README's metric table matches the contract, row for row", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const rows = readme
      .split('\n')
      .filter((l) => /^\| `open_notify_[a-z_]+` \|/.test(l))
      .map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
    const expected = METRIC_LIST.map((m) => [`\`${m.name}\``, m.type, m.labels.map((l) => `\`${l}\``).join(', '), m.help]);
    assert.deepEqual(rows, expected);
  });
});
