// Certificates made by the test itself with Debian's openssl: a CA, a server
// certificate for 127.0.0.1, a client certificate, and a second CA whose
// client certificate must not get in. Nothing is shipped or reused.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { requireBinary, startCli, tempDir, type RunningCli } from './helpers';
import { freePort, waitFor } from './peers';

export interface Pki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate from another CA. */
  rogueCert: string;
  rogueKey: string;
}

function run(openssl: string, args: string[], cwd: string): void {
  execFileSync(openssl, args, { cwd, stdio: 'ignore', timeout: 20_000 });
}

/** A key and a certificate for `cn`, signed by `caName` (or self-signed), with the given SANs. */
export function issue(openssl: string, dir: string, name: string, cn: string, sans: string, caName?: string, extra = ''): void {
  run(openssl, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${sans}\nbasicConstraints=CA:FALSE\n${extra}`);
  if (caName) {
    run(openssl, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.pem`, '-CAkey', `${caName}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`], dir);
  } else {
    run(openssl, ['x509', '-req', '-in', `${name}.csr`, '-signkey', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`], dir);
  }
}

function ca(openssl: string, dir: string, name: string): void {
  run(openssl, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`], dir);
}

export function makePki(openssl: string, dir: string): Pki {
  ca(openssl, dir, 'ca');
  ca(openssl, dir, 'other-ca');
  issue(openssl, dir, 'server', 'localhost', 'IP:127.0.0.1,DNS:localhost', 'ca');
  issue(openssl, dir, 'client', 'scraper', 'DNS:scraper.example', 'ca');
  issue(openssl, dir, 'rogue', 'rogue', 'DNS:scraper.example', 'other-ca');
  const f = (n: string) => join(dir, n);
  return {
    dir,
    ca: f('ca.pem'),
    serverCert: f('server.pem'),
    serverKey: f('server.key'),
    clientCert: f('client.pem'),
    clientKey: f('client.key'),
    rogueCert: f('rogue.pem'),
    rogueKey: f('rogue.key'),
  };
}

/** A fresh PKI in a temp directory of the test, or undefined (the test skipped) without openssl. */
export function testPki(t: TestContext): Pki | undefined {
  const openssl = requireBinary(t, 'openssl', 'openssl');
  return openssl ? makePki(openssl, tempDir(t)) : undefined;
}

/** `serve --web.config.file` on a free loopback port, once its first refresh is done. */
export async function serveWeb(t: TestContext, apiUrl: string, web: string, extra: string[] = []): Promise<{ cli: RunningCli; port: number }> {
  const port = await freePort();
  const cli = startCli(['serve', '--api-url', apiUrl, '--web.listen-address', `127.0.0.1:${port}`, '--refresh', '1s', '--web.config.file', web, ...extra], { killAfterMs: 120_000 });
  t.after(() => void cli.child.kill('SIGKILL'));
  await waitFor('serve to refresh', () => (cli.stderr().includes('msg="refresh finished"') ? true : undefined), 10_000);
  return { cli, port };
}
