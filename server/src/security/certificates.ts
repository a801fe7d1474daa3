/**
 * Certificate handling for the OCPP 1.6 security extension (SignCertificate, CertificateSigned,
 * InstallCertificate and friends, SignedUpdateFirmware), all in-process so that scripts need no
 * openssl binary. X.509 is read with node's `X509Certificate` and, where the DER structure itself
 * is needed (certificateHashData), generically with forge's ASN.1 reader, so RSA and EC
 * certificates work alike.
 * @module
 */
import { createHash, createPrivateKey, generateKeyPair, verify, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import type Forge from 'node-forge';

/** node-forge, loaded on first use: it costs ~30 ms of start-up that a charge point without certificates never needs. */
let forgeModule: typeof Forge | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const forge = (): typeof Forge => (forgeModule ??= require('node-forge') as typeof Forge);
import type { InboundCall } from '../ocpp/endpoint';
import { isObject, type Payload } from '../ocpp/frames';

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

function subjectAttributes(subject: string | Record<string, string>): Forge.pki.CertificateField[] {
  const fields = typeof subject === 'string' ? parseSubjectString(subject) : Object.entries(subject);
  return fields.map(([name, value]) => {
    // forge writes PrintableString by default, which cannot hold e.g. `_`, `@` or umlauts.
    const encoding = PRINTABLE.test(value) ? {} : { valueTagClass: forge().asn1.Type.UTF8 as number };
    if (SHORT_NAMES.has(name)) return { shortName: name, value, ...encoding };
    // Longer names forge knows (serialNumber, emailAddress, ...) pass through.
    if (forge().pki.oids[name]) return { name, value, ...encoding };
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
  const csr = forge().pki.createCertificationRequest();
  csr.publicKey = forge().pki.publicKeyFromPem(publicKey);
  csr.setSubject(attributes);
  csr.sign(forge().pki.privateKeyFromPem(privateKey) as Forge.pki.rsa.PrivateKey, forge().md.sha256.create());
  return { key: privateKey, csr: forge().pki.certificationRequestToPem(csr) };
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
 * Both CertificateSigned shapes of a payload: the edition-1 `cert` array (hex DER converted to PEM;
 * some CSMSs already send PEM in it) and the edition-2 PEM `certificateChain`. Returns a copy.
 */
function withPemShapes(payload: Payload): Payload {
  const { cert, certificateChain } = payload;
  if (Array.isArray(cert) && cert.every((c) => typeof c === 'string')) {
    const pems = cert.map((c: string) => (c.includes('-----BEGIN') ? c : convertDerToPem(c)));
    return { ...payload, cert: pems, certificateChain: typeof certificateChain === 'string' ? certificateChain : pems.join('\n') };
  }
  if (typeof certificateChain === 'string') return { ...payload, cert: certificateChain.match(PEM_CERTIFICATE) ?? [] };
  return { ...payload };
}

/**
 * Request converter for CertificateSigned that gives handlers both payload shapes: the
 * edition-1 `cert` array (as PEM) and the edition-2 PEM `certificateChain`. A DataTransfer with
 * messageId `CertificateSigned` (how edition 1 carried it on plain 1.6) gets the same inside its
 * `data`, kept a JSON string when it came as one. Returns a copy; other requests pass unchanged.
 * @param request The inbound CertificateSigned (or DataTransfer) call.
 */
export async function certificateSignedToPem(request: InboundCall): Promise<InboundCall> {
  if (request.action !== 'DataTransfer') return { ...request, payload: withPemShapes(request.payload) };
  const { messageId, data } = request.payload;
  if (messageId !== 'CertificateSigned') return request;
  let inner: unknown = data;
  if (typeof data === 'string') {
    try {
      inner = JSON.parse(data);
    } catch {
      return request; // not JSON: nothing to convert
    }
  }
  if (!isObject(inner)) return request;
  const converted = withPemShapes(inner);
  return { ...request, payload: { ...request.payload, data: typeof data === 'string' ? JSON.stringify(converted) : converted } };
}

/**
 * The PEM certificates in a text (a chain, a bundle), in order, re-wrapped as 64-character LF
 * lines: CSMSs and the OCA test tool may send CRLF or other line breaks.
 * @param text PEM text; anything between the certificates is ignored.
 */
export function splitPemChain(text: string): string[] {
  return (text.match(PEM_CERTIFICATE) ?? []).map((pem) => {
    const body = pem.replace(/-----(?:BEGIN|END) CERTIFICATE-----|\s+/g, '');
    return ['-----BEGIN CERTIFICATE-----', ...(body.match(/.{1,64}/g) ?? []), '-----END CERTIFICATE-----'].join('\n');
  });
}

/**
 * Turn the edition-1 CertificateSigned `cert` array (hex DER; some CSMSs put PEM in it) into an
 * edition-2 PEM `certificateChain`. Undefined when an entry is neither.
 * @param cert The array as received.
 */
export function legacyCertificateChain(cert: readonly unknown[]): string | undefined {
  const pems: string[] = [];
  for (const c of cert) {
    if (typeof c !== 'string') return undefined;
    if (c.includes('-----BEGIN CERTIFICATE-----')) pems.push(...splitPemChain(c));
    else if (/^(?:[0-9a-fA-F]{2}|\s)+$/.test(c) && /\S/.test(c)) pems.push(convertDerToPem(c));
    else return undefined;
  }
  return pems.length ? pems.join('\n') : undefined;
}

/** Hash algorithms of CertificateHashDataType. */
export type HashAlgorithm = 'SHA256' | 'SHA384' | 'SHA512';

/** A certificate as OCPP names it (OCSP CertID fields, whitepaper CertificateHashDataType). */
export interface CertificateHashData {
  /** Hash algorithm of the two hashes. */
  hashAlgorithm: HashAlgorithm;
  /** Hash of the DER-encoded issuer Name, lower-case hex. */
  issuerNameHash: string;
  /** Hash of the issuer's subjectPublicKey (BIT STRING value without the unused-bits byte), lower-case hex. */
  issuerKeyHash: string;
  /** Serial number, lower-case hex without leading zeros. */
  serialNumber: string;
}

/** What certificateHashData needs from the DER: raw slices, not forge's decoded objects. */
interface CertificateParts {
  serialHex: string;
  issuerDer: Buffer;
  subjectDer: Buffer;
  /** subjectPublicKey BIT STRING contents without the unused-bits byte. */
  publicKeyBits: Buffer;
  notBefore: Date;
  notAfter: Date;
}

/** One PEM certificate as DER; throws when the text holds none. */
function pemToDer(pem: string): Buffer {
  const first = splitPemChain(pem)[0];
  if (!first) throw new Error('no PEM certificate found');
  return Buffer.from(first.replace(/-----(?:BEGIN|END) CERTIFICATE-----|\s+/g, ''), 'base64');
}

/** Reads the TBSCertificate fields by position; forge's ASN.1 layer knows no key types, so EC works too. */
function certificateParts(pem: string): CertificateParts {
  const der = pemToDer(pem);
  const { asn1 } = forge();
  // decodeBitStrings: false keeps the key's BIT STRING opaque (the typings lack the options form).
  const fromDer = asn1.fromDer as unknown as (bytes: Forge.util.ByteStringBuffer, options: object) => Forge.asn1.Asn1;
  const cert = fromDer(forge().util.createBuffer(der.toString('binary')), { strict: true, decodeBitStrings: false });
  const children = (node: Forge.asn1.Asn1 | undefined): Forge.asn1.Asn1[] => {
    if (!node || !Array.isArray(node.value)) throw new Error('not an X.509 certificate');
    return node.value;
  };
  const tbs = children(children(cert)[0]);
  // [0] EXPLICIT version is optional (v1 certificates omit it).
  const at = tbs[0]?.tagClass === asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const [serial, , issuer, validity, subject, spki] = tbs.slice(at);
  if (!serial || !issuer || !validity || !subject || !spki || typeof serial.value !== 'string') throw new Error('not an X.509 certificate');
  const toBuffer = (node: Forge.asn1.Asn1): Buffer => Buffer.from(asn1.toDer(node).getBytes(), 'binary');
  const bits = children(spki)[1];
  if (!bits || bits.type !== asn1.Type.BITSTRING || typeof bits.value !== 'string') throw new Error('certificate without a public key');
  const time = (node: Forge.asn1.Asn1 | undefined): Date => {
    if (!node || typeof node.value !== 'string') throw new Error('certificate without validity');
    return node.type === asn1.Type.UTCTIME ? asn1.utcTimeToDate(node.value) : asn1.generalizedTimeToDate(node.value);
  };
  const [notBefore, notAfter] = children(validity);
  return {
    serialHex: Buffer.from(serial.value, 'binary').toString('hex').replace(/^0+(?=.)/, ''),
    issuerDer: toBuffer(issuer),
    subjectDer: toBuffer(subject),
    publicKeyBits: Buffer.from(bits.value, 'binary').subarray(1),
    notBefore: time(notBefore),
    notAfter: time(notAfter),
  };
}

/**
 * The certificateHashData of a certificate (GetInstalledCertificateIds, DeleteCertificate).
 * @param pem The certificate, PEM (the first one of a chain).
 * @param issuerPem Its issuer's certificate; without it the certificate's own key is used, which
 *   is right for the self-issued root certificates a charge point stores.
 * @param algorithm Hash algorithm (default SHA256).
 */
export function certificateHashData(pem: string, issuerPem?: string, algorithm: HashAlgorithm = 'SHA256'): CertificateHashData {
  const cert = certificateParts(pem);
  const keyBits = issuerPem ? certificateParts(issuerPem).publicKeyBits : cert.publicKeyBits;
  const hash = (data: Buffer): string => createHash(algorithm.toLowerCase()).update(data).digest('hex');
  return { hashAlgorithm: algorithm, issuerNameHash: hash(cert.issuerDer), issuerKeyHash: hash(keyBits), serialNumber: cert.serialHex };
}

/**
 * certificateHashData of a chain's leaf, its issuer the next certificate of the chain (the leaf's
 * own key when the chain holds it alone).
 * @param chain PEM chain, leaf first.
 * @param algorithm Hash algorithm.
 */
export function leafHashData(chain: string, algorithm: HashAlgorithm = 'SHA256'): CertificateHashData {
  const [leaf, issuer] = splitPemChain(chain);
  return certificateHashData(leaf!, issuer, algorithm);
}

/**
 * True when two certificateHashData name the same certificate (hex compared case-insensitively,
 * serial numbers without leading zeros).
 * @param a One.
 * @param b The other.
 */
export function sameHashData(a: CertificateHashData, b: CertificateHashData): boolean {
  const serial = (s: string): string => s.toLowerCase().replace(/^0+(?=.)/, '');
  return a.hashAlgorithm === b.hashAlgorithm &&
    a.issuerNameHash.toLowerCase() === b.issuerNameHash.toLowerCase() &&
    a.issuerKeyHash.toLowerCase() === b.issuerKeyHash.toLowerCase() &&
    serial(a.serialNumber) === serial(b.serialNumber);
}

/** Parse a PEM certificate; undefined when it is not one. */
function x509(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

/**
 * Why a certificate cannot be used, or undefined when it can: it must parse and be within its
 * validity period.
 * @param pem The certificate, PEM.
 * @param now The charge point's clock (epoch ms; default: now).
 */
export function certificateProblem(pem: string, now = Date.now()): string | undefined {
  let parts: CertificateParts;
  try {
    if (!x509(pem)) return 'not a parsable X.509 certificate';
    parts = certificateParts(pem);
  } catch (err) {
    return `not a parsable X.509 certificate (${(err as Error).message})`;
  }
  if (now < parts.notBefore.getTime()) return `not valid before ${parts.notBefore.toISOString()}`;
  if (now > parts.notAfter.getTime()) return `expired ${parts.notAfter.toISOString()}`;
  return undefined;
}

/**
 * True when the first certificate of a chain carries the public key of a private key (the
 * certificate the CSMS signed belongs to our CSR).
 * @param chainPem The chain, leaf first, PEM.
 * @param privateKeyPem The private key, PEM.
 */
export function leafMatchesKey(chainPem: string, privateKeyPem: string): boolean {
  const leaf = x509(splitPemChain(chainPem)[0] ?? '');
  try {
    return leaf !== undefined && leaf.checkPrivateKey(createPrivateKey(privateKeyPem));
  } catch {
    return false;
  }
}

/**
 * Why a CertificateSigned chain cannot be taken for the key of the pending CSR, or undefined:
 * every certificate parses and is within its validity, each is issued by the next, and the leaf
 * carries the CSR's public key (1.6 whitepaper, 2.0.1 A02.FR.07 / A03.FR.07).
 * @param chain The chain, leaf first, PEM.
 * @param key The private key of the pending CSR, PEM.
 * @param now The station's clock (epoch ms).
 */
export function signedChainProblem(chain: string, key: string, now: number): string | undefined {
  const certs = splitPemChain(chain);
  if (certs.length === 0) return 'no PEM certificate in certificateChain';
  for (const [i, pem] of certs.entries()) {
    const problem = certificateProblem(pem, now);
    if (problem) return `certificate ${i + 1} of the chain: ${problem}`;
    const next = certs[i + 1];
    if (next && !isIssuedBy(pem, next)) return `certificate ${i + 1} of the chain is not issued by certificate ${i + 2}`;
  }
  if (!leafMatchesKey(chain, key)) return 'the certificate does not match the key of the pending CSR';
  return undefined;
}

/**
 * True when `issuerPem` issued `certPem`: names match and the signature verifies with the
 * issuer's key.
 * @param certPem The certificate.
 * @param issuerPem The candidate issuer.
 */
export function isIssuedBy(certPem: string, issuerPem: string): boolean {
  const cert = x509(certPem);
  const issuer = x509(issuerPem);
  try {
    return !!cert && !!issuer && cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/**
 * Verify a SHA-256 signature (RSA PKCS#1 v1.5, or ECDSA in DER or raw r‖s form) over data with
 * a certificate's key: the firmware signature of SignedUpdateFirmware.
 * @param data The signed bytes (the firmware image).
 * @param certificatePem The signing certificate, PEM.
 * @param signatureBase64 The signature, base64.
 */
export function verifySignature(data: Buffer, certificatePem: string, signatureBase64: string): boolean {
  const cert = x509(certificatePem);
  if (!cert) return false;
  const signature = Buffer.from(signatureBase64.replace(/\s+/g, ''), 'base64');
  if (signature.length === 0) return false;
  const key = cert.publicKey;
  try {
    if (verify('sha256', data, key, signature)) return true;
    return key.asymmetricKeyType === 'ec' && verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}
