// The web config while serving, in-process: what a reload takes, and what it
// refuses while serving (the running config serves on, the status turns 0).
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { createLogger } from '../../src/lib/log';
import { watchWebConfig } from '../../src/outputs/webReload';
import { testPki, type Pki } from '../support/pki';

const tls = (p: Pki, more = '') => `tls_server_config:\n  cert_file: ${p.serverCert}\n  key_file: ${p.serverKey}\n${more}`;

async function guarded(t: TestContext, p: Pki, yaml: string) {
  const file = join(p.dir, 'web.yml');
  writeFileSync(file, yaml);
  const lines: string[] = [];
  const live = await watchWebConfig(file, createLogger({ level: 'info', format: 'logfmt' }, (l) => lines.push(l)));
  t.after(() => live.close());
  return { live, lines, rewrite: (text: string) => writeFileSync(file, text) };
}

describe('watchWebConfig: reloads', () => {
  it('takes a valid change at once (SIGHUP): new headers, status 1', async (t) => {
    const p = testPki(t);
    if (!p) return;
    const { live, lines, rewrite } = await guarded(t, p, tls(p));
    rewrite(`${tls(p)}http_server_config:\n  headers:\n    X-Frame-Options: deny\n`);
    await live.reload();
    assert.deepEqual(live.current().headers, { 'X-Frame-Options': 'deny' });
    assert.equal(live.status().ok, true);
    assert.match(lines.join(''), /msg="web config reloaded"/);
  });

  const refused: [string, (p: Pki) => string, RegExp][] = [
    ['a change of client_auth_type', (p) => tls(p, `  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${p.ca}\n`), /tls_server_config\.client_auth_type: changed while serving; restart serve to change it/],
    ['TLS removed', () => 'http_server_config:\n  headers:\n    X-Frame-Options: deny\n', /tls_server_config: removed while serving; restart serve to change between HTTP and HTTPS/],
  ];
  for (const [name, yaml, message] of refused) {
    it(`refuses ${name}: logged, status 0, the running config serves on`, async (t) => {
      const p = testPki(t);
      if (!p) return;
      const { live, lines, rewrite } = await guarded(t, p, tls(p));
      const before = live.current().tls;
      rewrite(yaml(p));
      await live.reload();
      assert.match(lines.join(''), message);
      assert.match(lines.join(''), /still serving with the last valid web config/);
      assert.equal(live.status().ok, false);
      assert.equal(live.current().tls, before, 'the same TLS settings');
      assert.equal(live.current().tls?.clientAuth, 'NoClientCert');
      assert.deepEqual(live.current().headers, {});
    });
  }
});

describe('watchWebConfig: SIGHUP on a broken file', () => {
  it('each reload of a file still broken logs one line saying so; the last valid config serves on', async (t) => {
    const p = testPki(t);
    if (!p) return;
    const { live, lines, rewrite } = await guarded(t, p, tls(p));
    rewrite('tls_server_config: [');
    for (let i = 0; i < 3; i++) await live.reload();
    assert.equal(lines.filter((l) => /level=error msg="web config \S+: \(file\): not valid YAML .*; still serving with the last valid web config"/.test(l)).length, 3, lines.join(''));
    assert.equal(live.current().tls?.clientAuth, 'NoClientCert');
  });
});
