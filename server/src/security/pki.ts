/**
 * A test PKI for the mock CSMS, all in-process: a CA, a server certificate for `wss://` and
 * FTPS, and CSR signing for SignCertificate / CertificateSigned (security profile 3).
 * Keys come from node:crypto (forge's pure-JS key generation takes seconds); forge builds the X.509.
 * @module
 */
import { createSign, generateKeyPair, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { tryLock, writeFileAtomic, type FileLock } from './files';
import { stateRoot } from './keystore';

const generateRsa = promisify(generateKeyPair);
const DAY_MS = 86_400_000;

/** A certificate authority: its certificate and private key, both PEM. */
export interface CertificateAuthority {
  /** The CA certificate, PEM (what charge points trust with `--ca`). */
  cert: string;
  /** The CA private key, PKCS#8 PEM. */
  key: string;
}

/** A certificate with its private key, both PEM. */
export interface KeyAndCertificate {
  /** The private key, PKCS#8 PEM. */
  key: string;
  /** The certificate, PEM. */
  cert: string;
}

/** A PKI on disk, as {@link loadOrCreatePki} returns it. */
export interface Pki {
  /** The directory holding the files. */
  dir: string;
  /** The CA (signs the server certificate and charge-point CSRs). */
  ca: CertificateAuthority;
  /** The server certificate (SAN localhost, 127.0.0.1, ::1) and key. */
  server: KeyAndCertificate;
  /** Path of `ca.pem`: pass it to charge points with `--ca`. */
  caPath: string;
  /** Path of `server.pem`. */
  serverCertPath: string;
  /** Path of `server.key`. */
  serverKeyPath: string;
}

/** Options of {@link signCsr}. */
export interface SignOptions {
  /** Validity in days (default 365). */
  days?: number;
}

async function rsaKey(): Promise<{ privateKey: string; publicKey: string }> {
  return generateRsa('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

/** A positive, non-zero 128-bit serial (RFC 5280 §4.1.2.2), hex. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}

function validFor(cert: forge.pki.Certificate, days: number): void {
  // Back-dated a little, so a clock slightly behind ours still accepts the certificate.
  cert.validity.notBefore = new Date(Date.now() - 5 * 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * DAY_MS);
}

function caParts(ca: CertificateAuthority): { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey } {
  try {
    return { cert: forge.pki.certificateFromPem(ca.cert), key: forge.pki.privateKeyFromPem(ca.key) as forge.pki.rsa.PrivateKey };
  } catch (err) {
    throw new Error(`the CA certificate or key cannot be read (RSA PEM expected): ${(err as Error).message}`);
  }
}

function issuedBy(cert: forge.pki.Certificate, ca: forge.pki.Certificate): void {
  cert.setIssuer(ca.subject.attributes);
}

/**
 * Create a self-signed CA (RSA 2048, SHA-256, 10 years).
 * @param cn Common name of the CA.
 */
export async function createCa(cn = 'ocpp-sim test CA'): Promise<CertificateAuthority> {
  return selfSignedCertificate(cn, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
}

/** A self-signed certificate (RSA 2048, SHA-256, 10 years, O = ocpp-sim) with the given extensions. */
async function selfSignedCertificate(cn: string, extensions: object[]): Promise<KeyAndCertificate> {
  const { privateKey, publicKey } = await rsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = randomSerial();
  validFor(cert, 3650);
  const subject = [{ shortName: 'CN', value: cn }, { shortName: 'O', value: 'ocpp-sim' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions(extensions);
  cert.sign(forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: privateKey };
}

/**
 * Certify one CA's key and name with another CA: the certificate of a CSMS root renewal that
 * `AdditionalRootCertificateCheck` asks for (OCPP 2.0.1 M05.FR.10: the new CSMS root is signed
 * by the old one). It verifies everything `subject` issued, and chains to `issuer`.
 * @param subject The new CA (its name and public key are certified).
 * @param issuer The old CA that signs.
 * @returns The certificate, PEM.
 */
export function crossCertify(subject: CertificateAuthority, issuer: CertificateAuthority): string {
  const newCa = caParts(subject);
  const old = caParts(issuer);
  const cert = forge.pki.createCertificate();
  cert.publicKey = newCa.cert.publicKey;
  cert.serialNumber = randomSerial();
  validFor(cert, 3650);
  cert.setSubject(newCa.cert.subject.attributes);
  issuedBy(cert, old.cert);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: old.cert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(old.key, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** A firmware signer, as a manufacturer has one: a code-signing certificate and its key. */
export interface FirmwareSigner {
  /** The signing certificate, PEM (SignedUpdateFirmware's `signingCertificate`). */
  cert: string;
  /** Sign an image: base64 SHA-256 with RSA (SignedUpdateFirmware's `signature`). @param image The firmware image. */
  sign(image: Buffer): string;
}

/**
 * Create a self-signed code-signing certificate (RSA 2048, SHA-256) for SignedUpdateFirmware tests.
 * @param cn Common name of the signer.
 */
export async function createFirmwareSigner(cn = 'ocpp-sim firmware signer'): Promise<FirmwareSigner> {
  const { cert, key } = await selfSignedCertificate(cn, [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'extKeyUsage', codeSigning: true },
  ]);
  return { cert, sign: (image) => createSign('sha256').update(image).sign(key, 'base64') };
}

/**
 * Issue a TLS server certificate for the given host names and IP addresses.
 * @param ca The issuing CA.
 * @param hosts DNS names and IP addresses for the subjectAltName; the first is also the CN.
 * @param days Validity in days (default 397, the most browsers accept).
 */
export async function issueServerCertificate(ca: CertificateAuthority, hosts: string[] = ['localhost', '127.0.0.1', '::1'], days = 397): Promise<KeyAndCertificate> {
  if (hosts.length === 0) throw new Error('issueServerCertificate: at least one host name or address is needed');
  const issuer = caParts(ca);
  const { privateKey, publicKey } = await rsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = randomSerial();
  validFor(cert, days);
  cert.setSubject([{ shortName: 'CN', value: hosts[0]! }]);
  issuedBy(cert, issuer.cert);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    // type 7 = iPAddress, type 2 = dNSName (RFC 5280 GeneralName).
    { name: 'subjectAltName', altNames: hosts.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h })) },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: issuer.cert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(issuer.key, forge.md.sha256.create());
  return { key: privateKey, cert: forge.pki.certificateToPem(cert) };
}

/**
 * Sign a CSR of either key type: RSA with forge; one forge cannot read may be EC (a 2.0.1 V2G or
 * combined certificate, ISO 15118-2 secp256r1), signed with @peculiar/x509, loaded on first use
 * (~140 ms).
 * @param ca The issuing CA.
 * @param csrPem The CSR, PEM.
 * @param days Validity in days (default 365).
 * @returns The certificate, PEM.
 * @throws Error `invalid CSR: …` (forge's reason when the CSR is no EC one either).
 */
export async function signRsaOrEcCsr(ca: CertificateAuthority, csrPem: string, days?: number): Promise<string> {
  try {
    return signCsr(ca, csrPem, { days });
  } catch (err) {
    const ec = await import('./ec-csr.js');
    if (!ec.isEcCsr(csrPem)) throw err;
    return ec.signEcCsr(ca, csrPem, days);
  }
}

/**
 * Sign a charge point's CSR (SignCertificate) into a client certificate for security profile 3:
 * the subject is the CSR's, the serial random, the extended key usage `clientAuth`.
 * @param ca The issuing CA.
 * @param csrPem The CSR, PEM (RSA).
 * @param options Validity.
 * @returns The certificate, PEM.
 * @throws Error with a readable message when the CSR cannot be parsed or its signature does not verify.
 */
export function signCsr(ca: CertificateAuthority, csrPem: string, options: SignOptions = {}): string {
  if (typeof csrPem !== 'string' || !/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(csrPem)) {
    throw new Error('invalid CSR: expected a PEM "CERTIFICATE REQUEST"');
  }
  let csr: forge.pki.CertificateSigningRequest;
  try {
    csr = forge.pki.certificationRequestFromPem(csrPem);
  } catch (err) {
    const reason = (err as Error).message;
    throw new Error(/OID is not RSA/i.test(reason) ? 'invalid CSR: only RSA and EC keys are supported by the mock CSMS' : `invalid CSR: ${reason}`);
  }
  let verified = false;
  try {
    verified = csr.verify();
  } catch {
    verified = false;
  }
  if (!verified) throw new Error('invalid CSR: its signature does not verify');
  if (!csr.publicKey) throw new Error('invalid CSR: no public key');
  const issuer = caParts(ca);
  const cert = forge.pki.createCertificate();
  cert.publicKey = csr.publicKey;
  cert.serialNumber = randomSerial();
  validFor(cert, options.days ?? 365);
  cert.setSubject(csr.subject.attributes);
  issuedBy(cert, issuer.cert);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: issuer.cert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(issuer.key, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** `${XDG_STATE_HOME:-~/.local/state}/ocpp-sim/pki`: the default PKI directory. */
export function defaultPkiDir(): string {
  return join(stateRoot(), 'pki');
}

/** Reissue a server certificate this close to its expiry. */
const RENEW_BEFORE_MS = 30 * DAY_MS;

function readIfPresent(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

function expiresSoon(pem: string): boolean {
  try {
    return Date.parse(new X509Certificate(pem).validTo) - Date.now() < RENEW_BEFORE_MS;
  } catch {
    return true;
  }
}

/** True when `certPem` was issued by `ca` (so a CA replaced by hand invalidates the old server cert). */
function signedBy(certPem: string, ca: string): boolean {
  try {
    return new X509Certificate(certPem).verify(new X509Certificate(ca).publicKey);
  } catch {
    return false;
  }
}

/** How long a process waits for another one that is creating the same PKI (key generation takes seconds on a busy machine). */
const PKI_LOCK_WAIT_MS = 60_000;

/** The PKI directory's lock; waits while another live process holds it. */
async function lockPki(dir: string): Promise<FileLock> {
  const lockPath = join(dir, '.lock');
  for (const end = Date.now() + PKI_LOCK_WAIT_MS; ; await sleep(50)) {
    const lock = tryLock(lockPath);
    if (!('heldBy' in lock)) return lock;
    if (Date.now() > end) throw new Error(`PKI in ${dir}: process ${lock.heldBy} has held ${lockPath} for over ${PKI_LOCK_WAIT_MS / 1000} s; remove the file if that process is stuck`);
  }
}

/**
 * Read the PKI in `dir`, creating what is missing: `ca.pem` / `ca.key` (key mode 0600) on first
 * use, `server.pem` / `server.key` whenever absent, expiring within 30 days, or not issued by the CA.
 * Race-free: processes (and calls) started together take the directory's lock in turn, so the
 * first creates the CA and the others read that same CA instead of each making (and one
 * overwriting) their own.
 * @param dir Directory (default {@link defaultPkiDir}); created with mode 0700.
 */
export async function loadOrCreatePki(dir: string = defaultPkiDir()): Promise<Pki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lock = await lockPki(dir);
  try {
    return await readOrCreate(dir);
  } finally {
    lock.release();
  }
}

async function readOrCreate(dir: string): Promise<Pki> {
  const caPath = join(dir, 'ca.pem');
  const caKeyPath = join(dir, 'ca.key');
  const serverCertPath = join(dir, 'server.pem');
  const serverKeyPath = join(dir, 'server.key');
  let caCert = readIfPresent(caPath);
  let caKey = readIfPresent(caKeyPath);
  if (!caCert || !caKey) {
    if (caCert || caKey) throw new Error(`PKI in ${dir}: ${caCert ? 'ca.key' : 'ca.pem'} is missing; restore it or remove both to create a new CA`);
    ({ cert: caCert, key: caKey } = await createCa());
    writeFileAtomic(caKeyPath, caKey, 0o600);
    writeFileAtomic(caPath, caCert, 0o644);
  }
  const ca = { cert: caCert, key: caKey };
  let serverCert = readIfPresent(serverCertPath);
  let serverKey = readIfPresent(serverKeyPath);
  if (!serverCert || !serverKey || expiresSoon(serverCert) || !signedBy(serverCert, caCert)) {
    ({ cert: serverCert, key: serverKey } = await issueServerCertificate(ca));
    writeFileAtomic(serverKeyPath, serverKey, 0o600);
    writeFileAtomic(serverCertPath, serverCert, 0o644);
  }
  return { dir, ca, server: { key: serverKey, cert: serverCert }, caPath, serverCertPath, serverKeyPath };
}
