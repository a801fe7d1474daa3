/**
 * EC P-256 key pairs and CSRs for the ISO 15118 V2G certificate (SECC certificate): ISO 15118-2
 * mandates secp256r1 with ECDSA-SHA256, which node-forge cannot make, so the CSR is built with
 * `@peculiar/x509` on Node's WebCrypto.
 * @module
 */
import { createPrivateKey, webcrypto } from 'node:crypto';
// @peculiar/x509 resolves its ASN.1 codecs with tsyringe, which needs the Reflect metadata API first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]); // [1]: the Crypto of the (key, value) overload

/**
 * Generate an EC P-256 key and a CSR signed with ECDSA-SHA256.
 * @param subject Distinguished name attributes, e.g. `{ CN: 'SECC-1', O: 'MyCPO', C: 'NL' }`; empty ones are left out.
 * @returns The PKCS#8 private key and the CSR, both PEM.
 */
export async function generateEcCsr(subject: Record<string, string>): Promise<{
  /** The private key, PKCS#8 PEM. */
  key: string;
  /** The CSR, PEM. */
  csr: string;
}> {
  const keys = (await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const name = Object.entries(subject).filter(([, v]) => v !== '').map(([k, v]) => `${k}=${v.replace(/([,+"\\<>;=])/g, '\\$1')}`).join(', ');
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name, keys: keys as unknown as x509.Pkcs10CertificateRequestCreateParams['keys'], signingAlgorithm: EC_P256 });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }).toString();
  return { key, csr: csr.toString('pem') };
}

/**
 * Read an EC (or RSA) CSR: its subject and public key, after checking its self-signature.
 * @param pem The CSR, PEM.
 * @returns Subject string (RFC 4514) and the SPKI public key in PEM, or undefined when it does not parse or verify.
 */
export async function readCsr(pem: string): Promise<{ subject: string; publicKeyPem: string; algorithm: string } | undefined> {
  try {
    const csr = new x509.Pkcs10CertificateRequest(pem);
    if (!(await csr.verify())) return undefined;
    return { subject: csr.subject, publicKeyPem: csr.publicKey.toString('pem'), algorithm: csr.publicKey.algorithm.name };
  } catch {
    return undefined;
  }
}

/**
 * Sign an EC CSR (an ISO 15118 V2G certificate request) with an RSA CA: the subject is the CSR's,
 * the serial random, the key usage digitalSignature + keyAgreement (ECDSA / ECDH, ISO 15118-2 Annex F).
 * @param ca The CA's certificate and PKCS#8 key, PEM.
 * @param csrPem The CSR, PEM (EC P-256).
 * @param days Validity in days.
 * @returns The certificate, PEM.
 * @throws Error `invalid CSR: …` when it does not parse or verify.
 */
export async function signEcCsr(ca: { cert: string; key: string }, csrPem: string, days = 365): Promise<string> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (err) {
    throw new Error(`invalid CSR: ${(err as Error).message}`);
  }
  if (!(await csr.verify())) throw new Error('invalid CSR: its signature does not verify');
  const issuer = new x509.X509Certificate(ca.cert);
  const rsa = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
  const der = createPrivateKey(ca.key).export({ type: 'pkcs8', format: 'der' });
  const signingKey = await webcrypto.subtle.importKey('pkcs8', der, rsa, false, ['sign']);
  const serial = webcrypto.getRandomValues(new Uint8Array(16));
  serial[0] = (serial[0]! & 0x7f) | 0x40; // positive, non-zero (RFC 5280 §4.1.2.2)
  const notBefore = new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: Buffer.from(serial).toString('hex'),
    subject: csr.subject,
    issuer: issuer.subject,
    notBefore,
    notAfter: new Date(notBefore.getTime() + days * 86_400_000),
    publicKey: csr.publicKey,
    signingKey: signingKey as unknown as x509.X509CertificateCreateWithKeyParams['signingKey'],
    signingAlgorithm: rsa,
    extensions: [
      new x509.BasicConstraintsExtension(false),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      await x509.AuthorityKeyIdentifierExtension.create(issuer, false),
    ],
  });
  return cert.toString('pem');
}

/** True when a PEM CSR carries an EC key (node-forge reads RSA ones only). @param csrPem The CSR. */
export function isEcCsr(csrPem: string): boolean {
  try {
    return new x509.Pkcs10CertificateRequest(csrPem).publicKey.algorithm.name === 'ECDSA';
  } catch {
    return false;
  }
}
