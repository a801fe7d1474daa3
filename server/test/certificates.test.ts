import assert from 'node:assert/strict';
import { createHash, sign, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import forge from 'node-forge';
import { rsaCert, selfSigned } from './pki';
import { RpcEndpoint, type InboundCall } from '../src/ocpp/endpoint';
import { ocpp16 } from '../src/ocpp/v16/protocol';
import {
  certificateHashData,
  certificateProblem,
  certificateSignedToPem,
  convertDerToPem,
  generateCsr,
  isIssuedBy,
  leafMatchesKey,
  legacyCertificateChain,
  sameHashData,
  splitPemChain,
  verifySignature,
} from '../src/security/certificates';

function checkCsr(pem: string, key: string): forge.pki.CertificateSigningRequest {
  const csr = forge.pki.certificationRequestFromPem(pem);
  assert.ok(csr.verify(), 'CSR signature verifies');
  assert.equal(csr.siginfo.algorithmOid, forge.pki.oids.sha256WithRSAEncryption);
  const publicKey = csr.publicKey as forge.pki.rsa.PublicKey;
  assert.equal(publicKey.n.bitLength(), 2048);
  const privateKey = forge.pki.privateKeyFromPem(key);
  assert.equal(privateKey.n.toString(16), publicKey.n.toString(16), 'key matches the CSR');
  return csr;
}

const field = (csr: forge.pki.CertificateSigningRequest, shortName: string): unknown =>
  csr.subject.getField({ shortName })?.value;

test('generateCsr with an OpenSSL-style subject string', async () => {
  const { key, csr: pem } = await generateCsr('/C=DE/ST=Bayern/L=München/O=My\\/CPO/OU=Ops/CN=serial-1');
  assert.match(key, /^-----BEGIN PRIVATE KEY-----\n/);
  assert.match(pem, /^-----BEGIN CERTIFICATE REQUEST-----\r?\n/);
  const csr = checkCsr(pem, key);
  assert.equal(field(csr, 'C'), 'DE');
  assert.equal(field(csr, 'ST'), 'Bayern');
  assert.equal(forge.util.decodeUtf8(field(csr, 'L') as string), 'München');
  assert.equal(field(csr, 'O'), 'My/CPO');
  assert.equal(field(csr, 'OU'), 'Ops');
  assert.equal(field(csr, 'CN'), 'serial-1');
});

test('generateCsr with a subject object', async () => {
  const { key, csr: pem } = await generateCsr({ O: 'MyCPO', CN: 'serial_2' });
  const csr = checkCsr(pem, key);
  assert.equal(csr.subject.attributes.length, 2);
  assert.equal(field(csr, 'O'), 'MyCPO');
  assert.equal(field(csr, 'CN'), 'serial_2');
});

test('generateCsr rejects unknown or malformed subject parts', async () => {
  await assert.rejects(generateCsr({ XX: 'y' }), /unknown subject attribute "XX"/);
  await assert.rejects(generateCsr('/CN'), /invalid subject component "CN"/);
});

const hexDer = (cert: forge.pki.Certificate): string =>
  forge.util.bytesToHex(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes());

const leaf = selfSigned('leaf').forgeCert;
const subCa = selfSigned('sub-ca').forgeCert;

test('convertDerToPem round-trips a certificate', () => {
  const pem = convertDerToPem(hexDer(leaf));
  const lines = pem.split('\n');
  assert.equal(lines[0], '-----BEGIN CERTIFICATE-----');
  assert.equal(lines.at(-1), '-----END CERTIFICATE-----');
  const body = lines.slice(1, -1);
  assert.ok(body.slice(0, -1).every((l) => l.length === 64));
  assert.ok(body.at(-1)!.length > 0 && body.at(-1)!.length <= 64);
  const parsed = forge.pki.certificateFromPem(pem);
  assert.equal(hexDer(parsed), hexDer(leaf));
  assert.equal(parsed.subject.getField('CN').value, 'leaf');
  assert.equal(convertDerToPem(hexDer(leaf).toUpperCase()), pem);
  assert.throws(() => convertDerToPem('abc'), /hex/);
});

const call = (payload: Record<string, unknown>): InboundCall => ({
  messageTypeId: 2,
  uniqueId: 'u-1',
  action: 'CertificateSigned',
  payload,
});

test('certificateSignedToPem converts the edition-1 hex DER array', async () => {
  const request = call({ cert: [hexDer(leaf), hexDer(subCa)] });
  const snapshot = structuredClone(request);
  const out = await certificateSignedToPem(request);
  assert.deepEqual(request, snapshot, 'input not mutated');
  const pems = out.payload.cert as string[];
  assert.deepEqual(pems, [convertDerToPem(hexDer(leaf)), convertDerToPem(hexDer(subCa))]);
  assert.equal(out.payload.certificateChain, pems.join('\n'));
  assert.equal(out.uniqueId, 'u-1');
  const chain = (out.payload.certificateChain as string).match(/-----BEGIN[\s\S]*?-----END CERTIFICATE-----/g)!;
  assert.equal(hexDer(forge.pki.certificateFromPem(chain[1]!)), hexDer(subCa));
});

test('certificateSignedToPem keeps a given certificateChain', async () => {
  const out = await certificateSignedToPem(call({ cert: [hexDer(leaf)], certificateChain: 'as sent' }));
  assert.equal(out.payload.certificateChain, 'as sent');
});

test('certificateSignedToPem splits the edition-2 PEM chain into cert', async () => {
  const chain = `${forge.pki.certificateToPem(leaf)}${forge.pki.certificateToPem(subCa)}`;
  const request = call({ certificateChain: chain });
  const out = await certificateSignedToPem(request);
  assert.equal(request.payload.cert, undefined, 'input not mutated');
  assert.equal(out.payload.certificateChain, chain);
  const pems = out.payload.cert as string[];
  assert.equal(pems.length, 2);
  assert.equal(hexDer(forge.pki.certificateFromPem(pems[0]!)), hexDer(leaf));
  assert.equal(hexDer(forge.pki.certificateFromPem(pems[1]!)), hexDer(subCa));
  assert.equal(pems.join('\n').match(/BEGIN CERTIFICATE/g)!.length, 2);
});

// ---- certificateHashData and the other helpers of the security extension ----

/**
 * A fixed EC P-256 root and a v1 leaf it issued (valid until 2126; notAfter is a GeneralizedTime),
 * made with OpenSSL 3.0. Expected hash data from `openssl ocsp -sha256 -issuer root.pem -cert
 * leaf.pem -req_text`: Issuer Name Hash 93A04D65…, Issuer Key Hash 283E2DB0…, serials 0A1B2C and
 * C0FFEE01 (00C0FFEE01 in the DER).
 */
const EC_ROOT = `-----BEGIN CERTIFICATE-----
MIIBwTCCAWagAwIBAgIFAMD/7gEwCgYIKoZIzj0EAwIwPDELMAkGA1UEBhMCREUx
FjAUBgNVBAoMDW9jcHAtc2ltIHRlc3QxFTATBgNVBAMMDEVDIFRlc3QgUm9vdDAg
Fw0yNjExMjIwNDQwMDFaGA8yMTI2MTAyOTA0NDAwMVowPDELMAkGA1UEBhMCREUx
FjAUBgNVBAoMDW9jcHAtc2ltIHRlc3QxFTATBgNVBAMMDEVDIFRlc3QgUm9vdDBZ
MBMGByqGSM49AgEGCCqGSM49AwEHA0IABLuwUIQtYwjivQ5elG7MSi12NbJnQoai
qiM+Vkr9yf6+uIHuCZNPEBZZqn2ADdjK4TsS93NTsXGG0wldM+Bes5+jUzBRMB0G
A1UdDgQWBBR2ZkRVXUF1mpM3XAeCklIdKMsGMTAfBgNVHSMEGDAWgBR2ZkRVXUF1
mpM3XAeCklIdKMsGMTAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYC
IQD9S0GQUSYhsoiSurAP7R5AeXEX6hVzUkzV404Qvmb6DgIhALLIZPiAaWY/LtQi
IrxT7xh5GchnQHEyvDF6Iw5v+VHa
-----END CERTIFICATE-----`;
const EC_LEAF = `-----BEGIN CERTIFICATE-----
MIIBUjCB+AIDChssMAoGCCqGSM49BAMCMDwxCzAJBgNVBAYTAkRFMRYwFAYDVQQK
DA1vY3BwLXNpbSB0ZXN0MRUwEwYDVQQDDAxFQyBUZXN0IFJvb3QwIBcNMjYxMTIy
MDQ0MDAxWhgPMjEyNjEwMjkwNDQwMDFaMCoxFjAUBgNVBAoMDW9jcHAtc2ltIHRl
c3QxEDAOBgNVBAMMB2VjLWxlYWYwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAS3
PWJCEjEwQLiwNpIbQPiQjAJ0XoY3ovhmdH/iUEXJ0uihnDfhgH9OpQX3JlqHfGH0
gONcd1LwDwm8kkaD9j46MAoGCCqGSM49BAMCA0kAMEYCIQC/rtDzBAfmlrPfIpag
YtSTwQgea0uhLTLUvEFoMJ5mnAIhAMN5QKQG6WaRqGttBzK8njmSdnbm8EIfL7Pg
2mbqE7xk
-----END CERTIFICATE-----`;
/** The leaf's private key (test material only). */
const EC_LEAF_KEY = `-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIDXoGBBBKapFWLIED1WJc7Y4c+3HIKWe7qBnNmL4Rc1aoAoGCCqGSM49
AwEHoUQDQgAEtz1iQhIxMEC4sDaSG0D4kIwCdF6GN6L4ZnR/4lBFydLooZw34YB/
TqUF9yZah3xh9IDjXHdS8A8JvJJGg/Y+Og==
-----END EC PRIVATE KEY-----`;
const OPENSSL_NAME_HASH = '93a04d65fc7ec8a37314a7297f9dad4c7fbf67c6bf722d3235e94df7ff14f7c8';
const OPENSSL_KEY_HASH = '283e2db049281b5034c7b6557f77c70f4b39b3455d1bbccdf462d4a684bee769';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');


test('certificateHashData of an EC certificate matches OpenSSL\'s OCSP CertID', () => {
  assert.deepEqual(certificateHashData(EC_LEAF, EC_ROOT), {
    hashAlgorithm: 'SHA256',
    issuerNameHash: OPENSSL_NAME_HASH,
    issuerKeyHash: OPENSSL_KEY_HASH,
    serialNumber: 'a1b2c',
  });
  // A self-issued root is its own issuer; the DER serial 00C0FFEE01 loses its leading zeros.
  assert.deepEqual(certificateHashData(EC_ROOT), { hashAlgorithm: 'SHA256', issuerNameHash: OPENSSL_NAME_HASH, issuerKeyHash: OPENSSL_KEY_HASH, serialNumber: 'c0ffee01' });
  // Independently: the issuer key hash is over the uncompressed point, the SPKI's last 65 bytes.
  const spki = new X509Certificate(EC_ROOT).publicKey.export({ type: 'spki', format: 'der' });
  assert.equal(sha256(spki.subarray(spki.length - 65)), OPENSSL_KEY_HASH);
  // CRLF PEM reads the same.
  assert.deepEqual(certificateHashData(EC_LEAF.replace(/\n/g, '\r\n'), EC_ROOT.replace(/\n/g, '\r\n')), certificateHashData(EC_LEAF, EC_ROOT));
});

test('certificateHashData of RSA certificates, computed independently with node:crypto', () => {
  const root = rsaCert('RSA Root', { ca: true, serial: '00ff10' });
  const leafCert = rsaCert('rsa-leaf', { issuer: { cert: root.cert, key: root.key }, serial: '7a' });
  const hash = certificateHashData(leafCert.pem, root.pem);
  // The RSA subjectPublicKey BIT STRING holds the PKCS#1 RSAPublicKey.
  const rootKeyDer = new X509Certificate(root.pem).publicKey.export({ type: 'pkcs1', format: 'der' });
  assert.equal(hash.issuerKeyHash, sha256(rootKeyDer));
  // The issuer Name is the root's subject Name, which forge encodes the same way in both.
  const rootSubjectDer = Buffer.from(forge.asn1.toDer(forge.pki.distinguishedNameToAsn1(root.cert.subject)).getBytes(), 'binary');
  assert.ok(new X509Certificate(leafCert.pem).raw.includes(rootSubjectDer), 'the issuer Name DER is inside the certificate');
  assert.equal(hash.issuerNameHash, sha256(rootSubjectDer));
  assert.equal(hash.serialNumber, new X509Certificate(leafCert.pem).serialNumber.toLowerCase().replace(/^0+/, ''));
  assert.equal(hash.serialNumber, '7a');
  assert.equal(certificateHashData(root.pem).serialNumber, 'ff10');
  const h384 = certificateHashData(leafCert.pem, root.pem, 'SHA384');
  assert.equal(h384.hashAlgorithm, 'SHA384');
  assert.equal(h384.issuerKeyHash, createHash('sha384').update(rootKeyDer).digest('hex'));
  assert.equal(certificateHashData(leafCert.pem, root.pem, 'SHA512').issuerNameHash.length, 128);
  assert.throws(() => certificateHashData('not a certificate'), /no PEM certificate/);
});

test('sameHashData ignores hex case and leading zeros of the serial', () => {
  const h = certificateHashData(EC_LEAF, EC_ROOT);
  assert.ok(sameHashData(h, { ...h, issuerNameHash: h.issuerNameHash.toUpperCase(), serialNumber: '0A1B2C' }));
  assert.ok(!sameHashData(h, { ...h, serialNumber: 'a1b2d' }));
  assert.ok(!sameHashData(h, { ...h, hashAlgorithm: 'SHA384' }));
});

test('splitPemChain and legacyCertificateChain', () => {
  const chain = `junk\r\n${EC_LEAF.replace(/\n/g, '\r\n')}\r\n${EC_ROOT}\n`;
  assert.deepEqual(splitPemChain(chain), [EC_LEAF, EC_ROOT]);
  assert.deepEqual(splitPemChain('nothing here'), []);
  const hex = (pem: string) => new X509Certificate(pem).raw.toString('hex');
  assert.equal(legacyCertificateChain([hex(EC_LEAF), hex(EC_ROOT).toUpperCase()]), `${EC_LEAF}\n${EC_ROOT}`);
  assert.equal(legacyCertificateChain([EC_LEAF, hex(EC_ROOT)]), `${EC_LEAF}\n${EC_ROOT}`, 'PEM entries pass through');
  assert.equal(legacyCertificateChain(['xyz']), undefined);
  assert.equal(legacyCertificateChain([42]), undefined);
  assert.equal(legacyCertificateChain([]), undefined);
});

test('certificateProblem: parsable and within the validity period', () => {
  const now = Date.now();
  assert.equal(certificateProblem(EC_LEAF, Date.parse('2030-01-01')), undefined);
  assert.match(certificateProblem(rsaCert('old', { notBefore: now - 7_200_000, notAfter: now - 3_600_000 }).pem, now)!, /^expired /);
  assert.match(certificateProblem(rsaCert('future', { notBefore: now + 3_600_000, notAfter: now + 7_200_000 }).pem, now)!, /^not valid before /);
  assert.match(certificateProblem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', now)!, /not a parsable/);
  assert.match(certificateProblem('garbage', now)!, /not a parsable/);
  assert.match(certificateProblem(EC_LEAF, Date.parse('2130-01-01'))!, /^expired 2126-10-29/);
});

test('leafMatchesKey and isIssuedBy', () => {
  const root = rsaCert('RSA Root', { ca: true });
  const other = rsaCert('other', { ca: true });
  const leafCert = rsaCert('rsa-leaf', { issuer: { cert: root.cert, key: root.key } });
  assert.ok(leafMatchesKey(`${leafCert.pem}${root.pem}`, leafCert.key));
  assert.ok(!leafMatchesKey(`${root.pem}${leafCert.pem}`, leafCert.key), 'the leaf comes first');
  assert.ok(!leafMatchesKey(leafCert.pem, other.key));
  assert.ok(!leafMatchesKey(leafCert.pem, 'no key'));
  assert.ok(leafMatchesKey(EC_LEAF, EC_LEAF_KEY));
  assert.ok(isIssuedBy(leafCert.pem, root.pem));
  assert.ok(!isIssuedBy(leafCert.pem, other.pem));
  assert.ok(!isIssuedBy(root.pem, leafCert.pem));
  assert.ok(isIssuedBy(root.pem, root.pem), 'a root issues itself');
  assert.ok(isIssuedBy(EC_LEAF, EC_ROOT));
  assert.ok(!isIssuedBy('garbage', EC_ROOT));
});

test('verifySignature: SHA-256 with RSA and ECDSA (DER and r||s)', () => {
  const data = Buffer.from('firmware image v2');
  const rsa = rsaCert('signer');
  const rsaSig = sign('sha256', data, rsa.key).toString('base64');
  assert.ok(verifySignature(data, rsa.pem, rsaSig));
  assert.ok(!verifySignature(Buffer.from('firmware image v3'), rsa.pem, rsaSig));
  assert.ok(!verifySignature(data, rsa.pem, 'AAAA'));
  assert.ok(!verifySignature(data, rsa.pem, ''));
  assert.ok(!verifySignature(data, 'garbage', rsaSig));
  const der = sign('sha256', data, EC_LEAF_KEY).toString('base64');
  const raw = sign('sha256', data, { key: EC_LEAF_KEY, dsaEncoding: 'ieee-p1363' }).toString('base64');
  assert.ok(verifySignature(data, EC_LEAF, der));
  assert.ok(verifySignature(data, EC_LEAF, raw));
  assert.ok(!verifySignature(data, EC_ROOT, der), 'another key');
});

// ---- the edition-1 CertificateSigned cert[] on the wire ----

const hexOf = (pem: string): string => new X509Certificate(pem).raw.toString('hex');

test('legacy cert[] outbound: normalizeOutbound puts an edition-2 certificateChain on the wire', () => {
  const out = ocpp16.normalizeOutbound!('CertificateSigned', 'request', { cert: [hexOf(EC_LEAF), hexOf(EC_ROOT)] });
  assert.deepEqual(out, { certificateChain: `${EC_LEAF}\n${EC_ROOT}` });
  assert.deepEqual(ocpp16.normalizeOutbound!('CertificateSigned', 'request', { cert: ['x'], certificateChain: 'c' }), { certificateChain: 'c' });
  const untouched = { certificateChain: EC_LEAF };
  assert.equal(ocpp16.normalizeOutbound!('CertificateSigned', 'request', untouched), untouched);

  // Through an endpoint: the CSMS side sends cert[], the frame carries certificateChain only.
  const csms = new RpcEndpoint({ protocol: ocpp16, role: 'CSMS' });
  const frames: string[] = [];
  csms.attach({ send: (text) => frames.push(text) });
  void csms.call('CertificateSigned', { cert: [hexOf(EC_LEAF)] }).catch(() => undefined);
  const payload = JSON.parse(frames[0]!)[3] as Record<string, unknown>;
  assert.deepEqual(payload, { certificateChain: EC_LEAF });
  csms.detach();
});

test('legacy cert[] inbound: normalizeInbound converts before validation, with a warning', async () => {
  const cp = new RpcEndpoint({ protocol: ocpp16, role: 'ChargePoint' });
  const frames: string[] = [];
  const warnings: string[] = [];
  cp.on('warning', (w: string) => warnings.push(w));
  cp.attach({ send: (text) => frames.push(text) });
  let seen: unknown;
  cp.handle('CertificateSigned', (call) => {
    seen = call.payload;
    return { status: 'Accepted' };
  });
  cp.receive(JSON.stringify([2, 'legacy-1', 'CertificateSigned', { cert: [hexOf(EC_LEAF), hexOf(EC_ROOT)] }]));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, { certificateChain: `${EC_LEAF}\n${EC_ROOT}` });
  assert.deepEqual(JSON.parse(frames[0]!), [3, 'legacy-1', { status: 'Accepted' }]);
  assert.match(warnings.join('\n'), /edition-1 "cert" array/);
  // Not convertible: the schema violation is answered as before.
  cp.receive(JSON.stringify([2, 'legacy-2', 'CertificateSigned', { cert: ['not hex'] }]));
  await new Promise((r) => setImmediate(r));
  assert.equal(JSON.parse(frames[1]!)[0], 4);
  assert.equal(JSON.parse(frames[1]!)[1], 'legacy-2');
  cp.detach();
});
