/**
 * OCTT 2.0.1 TC_A_12_CS (Update V2G certificate by request of the CSMS) for a station whose
 * profile claims ISO 15118: TriggerMessage SignV2GCertificate, SignCertificate with an EC P-256
 * CSR (checked here with @peculiar/x509), CertificateSigned, GetInstalledCertificateIds listing
 * the chain with hash data computed here; the negative cases; and the mock CSMS signing the EC CSR.
 * Also: deleting the V2G chain, keeping it (and a pending CSR) in --state-dir, and the combined
 * certificate of TriggerMessage SignCombinedCertificate, presented over real TLS.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import '../src/security/ec-csr';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import { ChargingStation } from '../src/charging-station/charging-station';
import { MockCsms, type CertificateSigningResult } from '../src/csms/mock-csms';
import type { InboundCall } from '../src/ocpp/endpoint';
import { createCa, issueServerCertificate } from '../src/security/pki';
import { certificateHashData } from '../src/security/certificates';
import { readCsr, signEcCsr } from '../src/security/ec-csr';
import { keystoreFor } from '../src/security/keystore';
import { withBench201, type Bench201 } from './cs201-harness';
import { rsaCert } from './pki';

const KEYSTORE_ROOT = mkdtempSync(join(tmpdir(), 'cs201-v2g-keystore-'));
process.env.SSL_CLIENT_KEYSTORE_ROOT = KEYSTORE_ROOT;
after(() => rmSync(KEYSTORE_ROOT, { recursive: true, force: true }));

const V2G_PROFILE = {
  iso15118: true,
  variables: { 'ISO15118Ctrlr.SeccId': 'SECC-0042', 'ISO15118Ctrlr.OrganizationName': 'Example CPO', 'ISO15118Ctrlr.CountryName': 'NL' },
};

async function v2gBench(t: Parameters<typeof withBench201>[0], id: string, variables: Record<string, string> = {}): Promise<Bench201> {
  return withBench201(t, { id, profile: { ...V2G_PROFILE, variables: { ...V2G_PROFILE.variables, ...variables } }, answers: { SignCertificate: () => ({ status: 'Accepted' }) } });
}

async function triggeredCsr(b: Bench201): Promise<string> {
  assert.deepEqual(await b.call('TriggerMessage', { requestedMessage: 'SignV2GCertificate' }), { status: 'Accepted' });
  const [sign] = await b.waitFor('SignCertificate', { ms: 10_000 });
  assert.equal(sign!.params.certificateType, 'V2GCertificate');
  return sign!.params.csr as string;
}

/** certificateHashData of a leaf, computed here from the issuer's certificate (OCSP CertID fields). */
function hashOf(leafPem: string, issuerPem: string) {
  const sha = (b: ArrayBuffer | Buffer) => createHash('sha256').update(Buffer.from(b as ArrayBuffer)).digest('hex');
  const leaf = new x509.X509Certificate(leafPem);
  // issuerNameHash: the leaf's issuer Name as encoded in the leaf (RFC 6960 §4.1.1).
  const issuerName = AsnConvert.serialize(AsnConvert.parse(leaf.rawData, Certificate).tbsCertificate.issuer);
  // issuerKeyHash: the contents of the issuer's subjectPublicKey BIT STRING (an RSA CA: its PKCS#1 key).
  const spki = Buffer.from(new x509.X509Certificate(issuerPem).publicKey.rawData);
  const keyBits = new X509Certificate(issuerPem).publicKey.export({ type: 'pkcs1', format: 'der' });
  assert.ok(spki.includes(keyBits));
  return { hashAlgorithm: 'SHA256', issuerNameHash: sha(issuerName), issuerKeyHash: sha(keyBits), serialNumber: leaf.serialNumber.replace(/^0+(?=.)/, '') };
}

test('TC_A_12_CS Update V2G certificate by request of CSMS: trigger → EC P-256 CSR → CertificateSigned → listed as V2GCertificateChain', async (t) => {
  const b = await v2gBench(t, 'CSA12');
  const csr = await triggeredCsr(b);
  const read = await readCsr(csr);
  assert.ok(read, 'the CSR parses and its signature verifies');
  const req = new x509.Pkcs10CertificateRequest(csr);
  assert.deepEqual(req.publicKey.algorithm, { name: 'ECDSA', namedCurve: 'P-256' }, 'ISO 15118-2: secp256r1');
  assert.equal(req.subject, 'CN=SECC-0042, O=Example CPO, C=NL', 'A02.FR.15: CN = SeccId, O / C from ISO15118Ctrlr');
  const ca = await createCa('V2G CA');
  const chain = await signEcCsr(ca, csr);
  assert.deepEqual(await b.call('CertificateSigned', { certificateChain: `${chain}\n${ca.cert}`, certificateType: 'V2GCertificate' }), { status: 'Accepted' });
  assert.deepEqual(await b.call('GetInstalledCertificateIds', { certificateType: ['V2GCertificateChain'] }), {
    status: 'Accepted',
    certificateHashDataChain: [{ certificateType: 'V2GCertificateChain', certificateHashData: hashOf(chain, ca.cert) }],
  });
  const keyFile = join(KEYSTORE_ROOT, 'CSA12-v2g.key');
  assert.ok(readdirSync(KEYSTORE_ROOT).includes('CSA12-v2g.key'));
  assert.equal(statSync(keyFile).mode & 0o777, 0o600, 'the V2G private key is 0600');
  assert.equal(keystoreFor('CSA12').get(), undefined, 'the V2G key never becomes the TLS client certificate');
  assert.equal(b.since(0, 'SecurityEventNotification').filter((c) => c.params.type === 'InvalidChargingStationCertificate').length, 0);
});

test('TC_A_12_CS negative: a chain for another key is Rejected with InvalidChargingStationCertificate; nothing is listed', async (t) => {
  const b = await v2gBench(t, 'CSA12N');
  await triggeredCsr(b);
  const stranger = rsaCert('not our key', { ca: false });
  const answer = await b.call('CertificateSigned', { certificateChain: stranger.pem, certificateType: 'V2GCertificate' });
  assert.equal(answer.status, 'Rejected');
  const [event] = await b.waitFor('SecurityEventNotification', { match: (p) => p.type === 'InvalidChargingStationCertificate' });
  assert.match(event!.params.techInfo, /does not match the key of the pending CSR/);
  assert.deepEqual(await b.call('GetInstalledCertificateIds', { certificateType: ['V2GCertificateChain'] }), { status: 'NotFound' });
});

test('TC_A_12_CS negative: a chain whose leaf is not issued by the next certificate is Rejected', async (t) => {
  const b = await v2gBench(t, 'CSA12C');
  const csr = await triggeredCsr(b);
  const [ca, other] = await Promise.all([createCa('V2G CA'), createCa('Other CA')]);
  const answer = await b.call('CertificateSigned', { certificateChain: `${await signEcCsr(ca, csr)}\n${other.cert}`, certificateType: 'V2GCertificate' });
  assert.equal(answer.status, 'Rejected');
  assert.match(answer.statusInfo.additionalInfo, /not issued by certificate 2/);
});

test('A02.FR.17/18 for the V2G certificate: SignCertificate again after CertSigningWaitMinimum, with the same CSR', async (t) => {
  const b = await v2gBench(t, 'CSA12R', { 'SecurityCtrlr.CertSigningWaitMinimum': '1', 'SecurityCtrlr.CertSigningRepeatTimes': '1' });
  await b.call('TriggerMessage', { requestedMessage: 'SignV2GCertificate' });
  const [first, second] = await b.waitFor('SignCertificate', { count: 2, ms: 10_000 });
  assert.ok(second!.at - first!.at >= 900, 'waited CertSigningWaitMinimum');
  assert.equal(second!.params.csr, first!.params.csr);
  assert.equal(second!.params.certificateType, 'V2GCertificate');
});

test('ISO15118Ctrlr.SeccId is readable with the profile option iso15118 (without it, ocpp201-iso15118.test.ts checks it is absent)', async (t) => {
  const b = await v2gBench(t, 'CSA12D');
  const answer = await b.call('GetVariables', { getVariableData: [{ component: { name: 'ISO15118Ctrlr' }, variable: { name: 'SeccId' } }] });
  assert.deepEqual(answer.getVariableResult.map((r: { attributeStatus: string; attributeValue?: string }) => [r.attributeStatus, r.attributeValue]), [['Accepted', 'SECC-0042']]);
});

/** A mock CSMS with a CA and an ISO 15118 station on it; the trigger sent, what the CSMS signed and the CertificateSigned payloads it sent. */
async function signedByMockCsms(t: Parameters<typeof withBench201>[0], id: string, requestedMessage: string) {
  const ca = await createCa(`mock CSMS CA for ${id}`);
  const csms = new MockCsms({ port: 0, pki: ca });
  await csms.listen();
  t.after(() => csms.close());
  const sent: Record<string, unknown>[] = [];
  csms.on('frame', (_s: unknown, e: { direction: string; frame?: { type: number; action?: string; payload: Record<string, unknown> } }) => {
    if (e.direction === 'out' && e.frame?.type === 2 && e.frame.action === 'CertificateSigned') sent.push(e.frame.payload);
  });
  const booted = new Promise<void>((resolve) => csms.on('call', (_s: unknown, call: InboundCall) => call.action === 'StatusNotification' && resolve()));
  const cs = new ChargingStation(`${csms.url}${id}`, id, { boot: 'auto', profile: V2G_PROFILE });
  t.after(() => cs.close());
  await cs.connect();
  await booted;
  const signed = new Promise<CertificateSigningResult>((resolve) => csms.once('certificateSigned', (_s: unknown, r: CertificateSigningResult) => resolve(r)));
  assert.deepEqual(await csms.call(id, 'TriggerMessage', { requestedMessage }), { status: 'Accepted' });
  return { ca, csms, result: await signed, sent };
}

test('mock CSMS signs the EC P-256 V2G CSR of a 2.0.1 station: CertificateSigned V2GCertificate Accepted, chain listed', async (t) => {
  const { ca, csms, result } = await signedByMockCsms(t, 'CS-MV2G', 'SignV2GCertificate');
  assert.equal(result.error, undefined);
  assert.equal(result.status, 'Accepted', 'the station took the chain the mock CSMS signed');
  const leaf = new X509Certificate(result.certificateChain!);
  assert.equal(leaf.publicKey.asymmetricKeyType, 'ec');
  assert.ok(leaf.verify(new X509Certificate(ca.cert).publicKey), 'signed by the mock CSMS CA');
  assert.match(leaf.subject, /CN=SECC-0042/);
  const listed = await csms.call('CS-MV2G', 'GetInstalledCertificateIds', { certificateType: ['V2GCertificateChain'] });
  assert.equal(listed.status, 'Accepted');
});

/** Trigger the V2G renewal and answer it with a chain signed here; the chain (leaf, CA). */
async function installedV2g(b: Bench201): Promise<{ chain: string; ca: Awaited<ReturnType<typeof createCa>> }> {
  const csr = await triggeredCsr(b);
  const ca = await createCa('V2G CA');
  const chain = `${await signEcCsr(ca, csr)}\n${ca.cert}`;
  assert.deepEqual(await b.call('CertificateSigned', { certificateChain: chain, certificateType: 'V2GCertificate' }), { status: 'Accepted' });
  return { chain, ca };
}

test('M04 DeleteCertificate of the V2G chain (hash data as listed, or in SHA384): Accepted, no longer listed, its key files removed', async (t) => {
  const b = await v2gBench(t, 'CSDV2G');
  const { chain, ca } = await installedV2g(b);
  assert.ok(readdirSync(KEYSTORE_ROOT).includes('CSDV2G-v2g.key'));
  const listed = await b.call('GetInstalledCertificateIds', { certificateType: ['V2GCertificateChain'] });
  const leafHash384 = certificateHashData(chain, ca.cert, 'SHA384');
  assert.deepEqual(await b.call('DeleteCertificate', { certificateHashData: leafHash384 }), { status: 'Accepted' });
  assert.deepEqual(await b.call('GetInstalledCertificateIds', { certificateType: ['V2GCertificateChain'] }), { status: 'NotFound' });
  assert.deepEqual(await b.call('DeleteCertificate', { certificateHashData: listed.certificateHashDataChain[0].certificateHashData }), { status: 'NotFound' });
  assert.ok(!readdirSync(KEYSTORE_ROOT).some((f) => f.startsWith('CSDV2G-v2g')), 'key and chain files removed');
});

test('--state-dir keeps the V2G chain over a restart, never the private key of a CSR still awaiting CertificateSigned', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cs201-v2g-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const b = await withBench201(t, { id: 'CSV2GS', stateDir: dir, profile: V2G_PROFILE, answers: { SignCertificate: () => ({ status: 'Accepted' }) } });
  const { chain, ca } = await installedV2g(b);
  // A second renewal, not answered before the restart.
  const from = b.calls.length;
  assert.deepEqual(await b.call('TriggerMessage', { requestedMessage: 'SignV2GCertificate' }), { status: 'Accepted' });
  const csr = (await b.waitFor('SignCertificate', { from, ms: 10_000 }))[0]!.params.csr as string;
  await b.settle(20);
  await b.cs.close();
  const again = new ChargingStation(`${b.url}CSV2GS`, 'CSV2GS', { boot: 'auto', stateDir: dir, profile: V2G_PROFILE });
  t.after(() => again.close());
  await again.connect();
  const client = await b.csms.client();
  const call = async (action: string, params: object) => (await client.call(action, params)) as Record<string, any>;
  assert.deepEqual(await call('GetInstalledCertificateIds', { certificateType: ['V2GCertificateChain'] }), {
    status: 'Accepted',
    certificateHashDataChain: [{ certificateType: 'V2GCertificateChain', certificateHashData: hashOf(chain, ca.cert) }],
  });
  const saved = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  assert.ok(!saved.includes('PRIVATE KEY'), 'no private key in the state file');
  const late = `${await signEcCsr(ca, csr)}\n${ca.cert}`;
  assert.equal((await call('CertificateSigned', { certificateChain: late, certificateType: 'V2GCertificate' })).status, 'Rejected', 'the CSR died with the process');
});

test('A02 combined certificate (TriggerMessage SignCombinedCertificate): SignCertificate without certificateType, an EC CSR with the station identity; the chain is presented over TLS and listed as V2GCertificateChain', async (t) => {
  const ca = await createCa('combined CA');
  const b = await withBench201(t, {
    id: 'CSCOMB',
    csmsTls: { ...(await issueServerCertificate(ca)), ca: ca.cert, requestCert: true, rejectUnauthorized: false },
    tls: { ca: ca.cert },
    password: 'combined-password-0123',
    profile: { ...V2G_PROFILE, serialNumber: 'SN-COMB', variables: { ...V2G_PROFILE.variables, 'SecurityCtrlr.OrganizationName': 'Example CPO' } },
    answers: { SignCertificate: () => ({ status: 'Accepted' }) },
    noConnect: true,
  });
  const presented: (string | undefined)[] = [];
  b.csms.https!.on('secureConnection', (sock: TLSSocket) => presented.push(sock.getPeerCertificate().subject?.CN as string | undefined));
  await b.cs.connect();
  await b.waitFor('StatusNotification');
  assert.deepEqual(await b.call('TriggerMessage', { requestedMessage: 'SignCombinedCertificate' }), { status: 'Accepted' });
  const [sign] = await b.waitFor('SignCertificate', { ms: 10_000 });
  assert.equal('certificateType' in sign!.params, false, 'omitted: for both links');
  const req = new x509.Pkcs10CertificateRequest(sign!.params.csr);
  assert.deepEqual(req.publicKey.algorithm, { name: 'ECDSA', namedCurve: 'P-256' });
  assert.equal(req.subject, 'CN=SN-COMB, O=Example CPO, C=NL');
  const chain = `${await signEcCsr(ca, sign!.params.csr)}\n${ca.cert}`;
  assert.deepEqual(await b.call('CertificateSigned', { certificateChain: chain }), { status: 'Accepted' });
  for (let i = 0; i < 300 && presented.length < 2; i++) await b.settle(10);
  assert.deepEqual(presented, [undefined, 'SN-COMB'], 'the combined certificate is the TLS client certificate from the next connection on');
  const listed = await b.call('GetInstalledCertificateIds', { certificateType: ['V2GCertificateChain'] });
  assert.deepEqual(listed.certificateHashDataChain[0].certificateHashData, hashOf(chain, ca.cert));
});

test('mock CSMS signs a combined EC CSR and answers CertificateSigned without certificateType', async (t) => {
  const { result, sent } = await signedByMockCsms(t, 'CS-MCOMB', 'SignCombinedCertificate');
  assert.equal(result.status, 'Accepted');
  assert.equal(sent.length, 1);
  assert.equal('certificateType' in sent[0]!, false);
  assert.equal(new X509Certificate(result.certificateChain!).publicKey.asymmetricKeyType, 'ec');
});
