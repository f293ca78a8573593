// Certificates made by the test itself with Debian's openssl: a CA, a server
// certificate for 127.0.0.1, a client certificate, and a second CA whose
// client certificate must not get in. Nothing is shipped or reused.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
export function issue(openssl: string, dir: string, name: string, cn: string, sans: string, caName?: string): void {
  run(openssl, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${sans}\nbasicConstraints=CA:FALSE\n`);
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
