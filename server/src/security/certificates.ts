/**
 * Certificate handling for the OCPP 1.6 security extension (SignCertificate, CertificateSigned),
 * all in-process so that scripts need no openssl binary.
 * @module
 */
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import type { InboundCall } from '../ocpp/endpoint';

const generateRsa = promisify(generateKeyPair);

/** OpenSSL short names that forge knows by `shortName`. */
const SHORT_NAMES = new Set(['C', 'ST', 'L', 'O', 'OU', 'CN']);
/** The ASN.1 PrintableString alphabet. */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** Splits `/C=DE/O=My\/CPO/CN=x` on unescaped slashes, as `openssl req -subj` does. */
function parseSubjectString(subject: string): [string, string][] {
  const fields: [string, string][] = [];
  for (const part of subject.replace(/^\//, '').split(/(?<!\\)\//)) {
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`invalid subject component "${part}", expected NAME=value`);
    fields.push([part.slice(0, eq).trim(), part.slice(eq + 1).replace(/\\(.)/g, '$1')]);
  }
  return fields;
}

function subjectAttributes(subject: string | Record<string, string>): forge.pki.CertificateField[] {
  const fields = typeof subject === 'string' ? parseSubjectString(subject) : Object.entries(subject);
  return fields.map(([name, value]) => {
    // forge writes PrintableString by default, which cannot hold e.g. `_`, `@` or umlauts.
    const encoding = PRINTABLE.test(value) ? {} : { valueTagClass: forge.asn1.Type.UTF8 as number };
    if (SHORT_NAMES.has(name)) return { shortName: name, value, ...encoding };
    // Longer names forge knows (serialNumber, emailAddress, ...) pass through.
    if (forge.pki.oids[name]) return { name, value, ...encoding };
    throw new Error(`unknown subject attribute "${name}"`);
  });
}

/**
 * Generate an RSA 2048 key and a CSR signed with SHA-256, as for a SignCertificate request.
 * Node's key generation is used because forge's pure-JS one takes seconds.
 * @param subject `/C=DE/O=MyCPO/CN=serial-1` or `{O: 'MyCPO', CN: 'serial-1'}`.
 * @returns The PKCS#8 private key and the CSR, both PEM.
 */
export async function generateCsr(subject: string | Record<string, string>): Promise<{
  /** The private key, PKCS#8 PEM; keep it for the certificate the CSMS will send. */
  key: string;
  /** The CSR, PEM, for SignCertificate. */
  csr: string;
}> {
  const attributes = subjectAttributes(subject);
  const { privateKey, publicKey } = await generateRsa('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.publicKeyFromPem(publicKey);
  csr.setSubject(attributes);
  csr.sign(forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { key: privateKey, csr: forge.pki.certificationRequestToPem(csr) };
}

/**
 * Convert a hex-encoded DER certificate (security whitepaper edition 1) to PEM.
 * @param hexDer Hex digits of the DER bytes; whitespace is ignored.
 * @returns PEM with 64-character lines, without a trailing newline so that chains join with `\n`.
 */
export function convertDerToPem(hexDer: string): string {
  const hex = hexDer.replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) throw new Error('convertDerToPem: expected a non-empty hex string');
  const lines = Buffer.from(hex, 'hex').toString('base64').match(/.{1,64}/g) ?? [];
  return ['-----BEGIN CERTIFICATE-----', ...lines, '-----END CERTIFICATE-----'].join('\n');
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Request converter for CertificateSigned that gives handlers both payload shapes: the
 * edition-1 `cert` array (as PEM) and the edition-2 PEM `certificateChain`. Returns a copy.
 * @param request The inbound CertificateSigned call.
 */
export async function certificateSignedToPem(request: InboundCall): Promise<InboundCall> {
  const { cert, certificateChain } = request.payload;
  if (Array.isArray(cert) && cert.every((c) => typeof c === 'string')) {
    // Some CSMSs already send PEM in `cert`; only hex DER is converted.
    const pems = cert.map((c: string) => (c.includes('-----BEGIN') ? c : convertDerToPem(c)));
    const chain = typeof certificateChain === 'string' ? certificateChain : pems.join('\n');
    return { ...request, payload: { ...request.payload, cert: pems, certificateChain: chain } };
  }
  if (typeof certificateChain === 'string') {
    const pems = certificateChain.match(PEM_CERTIFICATE) ?? [];
    return { ...request, payload: { ...request.payload, cert: pems } };
  }
  return { ...request, payload: { ...request.payload } };
}
