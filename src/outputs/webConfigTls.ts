// tls_server_config of a web config, mapped onto Node's TLS options: Go's
// names for versions, suites and curves, its client-authentication types.
import type { BlockList } from 'node:net';
import { resolve } from 'node:path';
import type { SecureContextOptions, TLSSocket, TlsOptions } from 'node:tls';
import { bool, fail, list, readFile, section, str, type Obj } from './webConfigRead';

export type ClientAuth = 'NoClientCert' | 'RequestClientCert' | 'RequireAnyClientCert' | 'VerifyClientCertIfGiven' | 'RequireAndVerifyClientCert';
const CLIENT_AUTH: readonly ClientAuth[] = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'];

/** Go's crypto/tls version names → Node's. */
const VERSIONS: Record<string, 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };

/**
 * Go's secure TLS 1.0-1.2 suites (the ones exporter-toolkit accepts) by
 * OpenSSL's name, in Go's order of preference: ECDHE with AEAD first, a
 * suite without forward secrecy last. Go offers them in this order whatever
 * order cipher_suites names them in, and so does serve.
 */
const CIPHERS: Record<string, string> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
};
/** TLS 1.3's suites: Go does not let them be chosen and ignores them; so do we, with a warning. */
const TLS13_CIPHERS = new Set(['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']);

/** Go's tls.CurveID names → OpenSSL's group names. */
const CURVES: Record<string, string> = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' };

export interface TlsServer {
  /** The server's TLS options, for createServer and, after a reload, setSecureContext. */
  context: SecureContextOptions;
  server: Pick<TlsOptions, 'requestCert' | 'rejectUnauthorized'>;
  clientAuth: ClientAuth;
  /** client_allowed_sans: names compared as text, addresses (IPv4 and IPv6) as addresses. */
  allowedSans: string[];
  allowedAddresses: BlockList;
  /** PEM of the server's own certificate and key: healthcheck presents them as its client certificate where one is required. */
  certPem: string;
  keyPem: string;
}

/**
 * Inline PEM, or a file (relative to the web config file's directory, as
 * exporter-toolkit resolves it). An empty value is no value, as in
 * exporter-toolkit: `key: ""` beside a cert_file is a missing key.
 */
async function pem(path: string, base: string, t: Obj, inline: string, file: string, files: string[]): Promise<string | undefined> {
  const text = str(path, `tls_server_config.${inline}`, t[inline]) || undefined;
  const name = str(path, `tls_server_config.${file}`, t[file]) || undefined;
  if (text !== undefined && name !== undefined) fail(path, `tls_server_config.${file}`, `give ${inline} or ${file}, not both`);
  if (text !== undefined) return text;
  if (name === undefined) return undefined;
  const full = resolve(base, name);
  // Watched from here on, even if it cannot be read yet: a reload is tried again once it changes.
  files.push(full);
  return readFile(path, `tls_server_config.${file}`, full);
}

function certificates(path: string, key: string, text: string): void {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) fail(path, key, 'no PEM certificate in it');
  const { X509Certificate } = require('node:crypto') as typeof import('node:crypto');
  for (const b of blocks) {
    try {
      new X509Certificate(b);
    } catch (err) {
      fail(path, key, `a certificate does not parse (${(err as Error).message})`);
    }
  }
}

export async function tlsServer(path: string, base: string, raw: unknown, http2: boolean, files: string[], warnings: string[]): Promise<TlsServer | undefined> {
  if (raw === undefined || raw === null) return undefined;
  const t = section(path, 'tls_server_config', raw, [
    'cert', 'key', 'client_ca', 'cert_file', 'key_file', 'client_auth_type', 'client_ca_file', 'client_allowed_sans',
    'min_version', 'max_version', 'cipher_suites', 'prefer_server_cipher_suites', 'curve_preferences',
  ]);
  const cert = await pem(path, base, t, 'cert', 'cert_file', files);
  const key = await pem(path, base, t, 'key', 'key_file', files);
  if (cert === undefined) fail(path, 'tls_server_config.cert_file', 'missing one of cert or cert_file');
  if (key === undefined) fail(path, 'tls_server_config.key_file', 'missing one of key or key_file');
  certificates(path, t.cert_file !== undefined ? 'tls_server_config.cert_file' : 'tls_server_config.cert', cert);
  const authText = str(path, 'tls_server_config.client_auth_type', t.client_auth_type) ?? 'NoClientCert';
  if (!CLIENT_AUTH.includes(authText as ClientAuth)) fail(path, 'tls_server_config.client_auth_type', `"${authText}" is not one of ${CLIENT_AUTH.join(', ')}`);
  const clientAuth = authText as ClientAuth;
  if ((t.client_ca || t.client_ca_file) && clientAuth === 'NoClientCert') fail(path, 'tls_server_config.client_ca_file', 'a client CA without a client_auth_type that asks for client certificates');
  const ca = await pem(path, base, t, 'client_ca', 'client_ca_file', files);
  if (ca !== undefined) certificates(path, t.client_ca_file !== undefined ? 'tls_server_config.client_ca_file' : 'tls_server_config.client_ca', ca);
  const allowedSans = list(path, 'tls_server_config.client_allowed_sans', t.client_allowed_sans);
  if (allowedSans.length > 0 && clientAuth !== 'RequireAnyClientCert' && clientAuth !== 'RequireAndVerifyClientCert') {
    fail(path, 'tls_server_config.client_allowed_sans', 'needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert (the others let a client in without a certificate to match)');
  }

  const version = (k: 'min_version' | 'max_version', def: string) => {
    const v = str(path, `tls_server_config.${k}`, t[k]) ?? def;
    if (!Object.hasOwn(VERSIONS, v)) fail(path, `tls_server_config.${k}`, `"${v}" is not one of ${Object.keys(VERSIONS).join(', ')}`);
    return v;
  };
  const min = version('min_version', 'TLS12');
  const max = version('max_version', 'TLS13');
  if (min > max) fail(path, 'tls_server_config.min_version', `${min} is above max_version ${max}`);

  const named = list(path, 'tls_server_config.cipher_suites', t.cipher_suites);
  const ignored = named.filter((name) => TLS13_CIPHERS.has(name));
  if (ignored.length > 0) warnings.push(`web config ${path}: tls_server_config.cipher_suites: ${ignored.join(', ')} ignored: TLS 1.3 suites cannot be chosen (as in Go)`);
  for (const name of named) if (!TLS13_CIPHERS.has(name) && !Object.hasOwn(CIPHERS, name)) fail(path, 'tls_server_config.cipher_suites', `${name} is not one of Go's secure suites: ${Object.keys(CIPHERS).join(', ')}`);
  const chosen = named.filter((name) => !TLS13_CIPHERS.has(name));
  // Go's HTTP/2 server will not start without one of these: serve speaks HTTP/1.1, but a file must mean the same to every exporter.
  const h2 = ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'];
  if (http2 && min < 'TLS13' && chosen.length > 0 && !chosen.some((n) => h2.includes(n))) fail(path, 'tls_server_config.cipher_suites', `HTTP/2 needs ${h2.join(' or ')} (or http_server_config.http2: false)`);
  const suites = Object.entries(CIPHERS).filter(([name]) => chosen.length === 0 || chosen.includes(name)).map(([, openssl]) => openssl);
  // OpenSSL's security level 1 refuses TLS 1.0 and 1.1 outright: level 0 where the config asks for them.
  const cipherList = suites.join(':') + (min < 'TLS12' ? ':@SECLEVEL=0' : '');
  const curves = list(path, 'tls_server_config.curve_preferences', t.curve_preferences).map((name) => {
    if (!Object.hasOwn(CURVES, name)) fail(path, 'tls_server_config.curve_preferences', `${name} is not one of ${Object.keys(CURVES).join(', ')}`);
    return CURVES[name];
  });

  const context: SecureContextOptions = {
    cert,
    key,
    minVersion: VERSIONS[min],
    maxVersion: VERSIONS[max],
    honorCipherOrder: bool(path, 'tls_server_config.prefer_server_cipher_suites', t.prefer_server_cipher_suites, true),
    ...(ca !== undefined ? { ca } : {}),
    // Suites for TLS 1.2 and below only: OpenSSL keeps its TLS 1.3 suites, as Go does.
    ciphers: cipherList,
    ...(curves.length > 0 ? { ecdhCurve: curves.join(':') } : {}),
  };
  try {
    // Made once here only to refuse what OpenSSL refuses (a key of another certificate) before serving with it.
    (require('node:tls') as typeof import('node:tls')).createSecureContext(context);
  } catch (err) {
    const why = (err as Error).message;
    const which = /key values mismatch|KEY_VALUES_MISMATCH/i.test(why) ? 'tls_server_config.key_file' : 'tls_server_config';
    fail(path, which, /mismatch/i.test(why) ? 'the key does not belong to the certificate' : why);
  }
  const { BlockList: Blocks, isIP } = require('node:net') as typeof import('node:net');
  const allowedAddresses = new Blocks();
  for (const s of allowedSans) if (isIP(s)) allowedAddresses.addAddress(s, isIP(s) === 6 ? 'ipv6' : 'ipv4');
  return {
    context,
    server: { requestCert: clientAuth !== 'NoClientCert', rejectUnauthorized: clientAuth === 'RequireAndVerifyClientCert' },
    clientAuth,
    allowedSans,
    allowedAddresses,
    certPem: cert,
    keyPem: key,
  };
}

/** The subjectAltName entries of a peer certificate: [type, value]. */
function sans(socket: TLSSocket): [string, string][] {
  return (socket.getPeerCertificate().subjectaltname ?? '')
    .split(', ')
    .map((e) => [e.slice(0, e.indexOf(':')), e.slice(e.indexOf(':') + 1)] as [string, string])
    .filter(([, v]) => v !== '');
}

/** Why a connection's client certificate is refused under client_auth_type and client_allowed_sans, checked after the handshake; undefined if it is not. */
export function refusal(socket: TLSSocket, tls: TlsServer): string | undefined {
  const cert = socket.getPeerCertificate();
  const has = cert !== null && typeof cert === 'object' && Object.keys(cert).length > 0;
  if (tls.clientAuth === 'RequireAnyClientCert' && !has) return 'no client certificate (client_auth_type RequireAnyClientCert)';
  if (tls.clientAuth === 'VerifyClientCertIfGiven' && has && !socket.authorized) return `client certificate not trusted (${String(socket.authorizationError)})`;
  if (tls.allowedSans.length === 0) return undefined;
  const { isIP } = require('node:net') as typeof import('node:net');
  // Addresses as addresses: a certificate writes ::1 as 0:0:0:0:0:0:0:1.
  const allowed = sans(socket).some(([type, v]) => (type === 'IP Address' && isIP(v) ? tls.allowedAddresses.check(v, isIP(v) === 6 ? 'ipv6' : 'ipv4') : tls.allowedSans.includes(v)));
  return allowed ? undefined : 'client certificate has none of client_allowed_sans';
}
