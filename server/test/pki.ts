/** Test certificates made in-process (node crypto for the key, node-forge for the X.509). */
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

/** A fresh RSA 2048 key pair, PEM. */
function rsaKeyPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

/** A self-signed CA-capable certificate for `cn`, valid for 127.0.0.1 and localhost. */
export function selfSigned(cn = 'localhost'): { key: string; cert: string; forgeCert: forge.pki.Certificate } {
  const { privateKey, publicKey } = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 3_600_000);
  const attrs = [{ shortName: 'CN', value: cn }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { key: privateKey, cert: forge.pki.certificateToPem(cert), forgeCert: cert };
}

/** An RSA certificate made with forge; `issuer` signs it, else it is self-signed. */
export function rsaCert(cn: string, opts: { issuer?: { cert: forge.pki.Certificate; key: string }; ca?: boolean; notBefore?: number; notAfter?: number; serial?: string } = {}) {
  const { privateKey, publicKey } = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = opts.serial ?? '01';
  cert.validity.notBefore = new Date(opts.notBefore ?? Date.now() - 60_000);
  cert.validity.notAfter = new Date(opts.notAfter ?? Date.now() + 3_600_000);
  cert.setSubject([{ shortName: 'O', value: 'ocpp-sim test' }, { shortName: 'CN', value: cn }]);
  cert.setIssuer(opts.issuer ? opts.issuer.cert.subject.attributes : cert.subject.attributes);
  if (opts.ca) cert.setExtensions([{ name: 'basicConstraints', cA: true }]);
  cert.sign(forge.pki.privateKeyFromPem(opts.issuer?.key ?? privateKey), forge.md.sha256.create());
  return { key: privateKey, pem: forge.pki.certificateToPem(cert), cert };
}
