// OpenSSL's errors in one readable phrase, for both ends of a connection:
// "…ssl3_get_record:wrong version number:../deps/openssl/…" says nothing
// to an operator; "the other end does not speak TLS" does.

const PHRASES: [RegExp, string][] = [
  [/wrong version number|WRONG_VERSION_NUMBER|packet length too long/i, 'the other end does not speak TLS (plain HTTP?)'],
  [/http request|HTTP_REQUEST/i, 'plain HTTP sent to a TLS port'],
  [/no shared cipher|NO_SHARED_CIPHER|no suitable signature|handshake failure|HANDSHAKE_FAILURE/i, 'no TLS cipher suite or signature in common'],
  [/unsupported protocol|UNSUPPORTED_PROTOCOL|protocol version|PROTOCOL_VERSION|version too low|VERSION_TOO_LOW/i, 'no TLS version in common'],
  [/peer did not return a certificate|certificate required|CERTIFICATE_REQUIRED/i, 'a client certificate is required and none was sent'],
  [/unknown ca|UNKNOWN_CA|unable to get local issuer|certificate verify failed|self.signed/i, 'the certificate is not trusted by the other end'],
  [/bad certificate|BAD_CERTIFICATE|unsupported certificate|UNSUPPORTED_CERTIFICATE|unsuitable certificate purpose/i, 'the certificate was refused (its extended key usage may not allow this use)'],
  [/certificate expired|CERTIFICATE_EXPIRED|CERT_HAS_EXPIRED/i, 'the certificate has expired'],
];

/** The phrase for an OpenSSL error, or undefined if it is not one of them. */
export function tlsPhrase(err: { message?: string; code?: string }): string | undefined {
  const text = `${err.code ?? ''} ${err.message ?? ''}`;
  for (const [re, phrase] of PHRASES) if (re.test(text)) return phrase;
  return /SSL|TLS/.test(err.code ?? '') ? `TLS handshake failed (${err.code})` : undefined;
}
