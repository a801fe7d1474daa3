import assert from 'node:assert/strict';
import { test } from 'node:test';
import forge from 'node-forge';
import { selfSigned } from './pki';
import type { InboundCall } from '../src/ocpp/endpoint';
import { certificateSignedToPem, convertDerToPem, generateCsr } from '../src/security/certificates';

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
