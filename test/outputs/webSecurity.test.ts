// The web config's guard, in-process: what a reload takes, and what it
// refuses while serving (the running config serves on, the status turns 0).
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { createLogger } from '../../src/lib/log';
import { createWebGuard } from '../../src/outputs/webSecurity';
import { testPki, type Pki } from '../support/pki';

const tls = (p: Pki, more = '') => `tls_server_config:\n  cert_file: ${p.serverCert}\n  key_file: ${p.serverKey}\n${more}`;

async function guarded(t: TestContext, p: Pki, yaml: string) {
  const file = join(p.dir, 'web.yml');
  writeFileSync(file, yaml);
  const lines: string[] = [];
  const { guard } = await createWebGuard(file, createLogger({ level: 'info', format: 'logfmt' }, (l) => lines.push(l)));
  t.after(() => guard.close());
  return { guard, lines, rewrite: (text: string) => writeFileSync(file, text) };
}

describe('createWebGuard: reloads', () => {
  it('takes a valid change at once (SIGHUP): new headers, status 1', async (t) => {
    const p = testPki(t);
    if (!p) return;
    const { guard, lines, rewrite } = await guarded(t, p, tls(p));
    rewrite(`${tls(p)}http_server_config:\n  headers:\n    X-Frame-Options: deny\n`);
    await guard.reload();
    assert.deepEqual(guard.headers(), { 'X-Frame-Options': 'deny' });
    assert.equal(guard.status().ok, true);
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
      const { guard, lines, rewrite } = await guarded(t, p, tls(p));
      const before = guard.tls();
      rewrite(yaml(p));
      await guard.reload();
      assert.match(lines.join(''), message);
      assert.match(lines.join(''), /still serving with the last valid web config/);
      assert.equal(guard.status().ok, false);
      assert.equal(guard.tls(), before, 'the same TLS settings');
      assert.equal(guard.tls()?.clientAuth, 'NoClientCert');
      assert.deepEqual(guard.headers(), {});
    });
  }
});
