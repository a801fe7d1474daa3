/**
 * OCTT 2.0.1 station cases of block M (certificate management, Core): InstallCertificate,
 * GetInstalledCertificateIds and DeleteCertificate driven from a strict ocpp-rpc CSMS, with root
 * certificates made in the test and hash data computed here independently of the station; and
 * the station certificate renewal (A02/A03) over real TLS, the CSMS checking the certificate the
 * station presents afterwards.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import forge from 'node-forge';
import { createCa, issueServerCertificate, signCsr } from '../src/security/pki';
import { certificateHashData } from '../src/security/certificates';
import { withBench201, type Bench201 } from './cs201-harness';
import { rsaCert } from './pki';

const KEYSTORE_ROOT = mkdtempSync(join(tmpdir(), 'cs201-keystore-'));
process.env.SSL_CLIENT_KEYSTORE_ROOT = KEYSTORE_ROOT;
after(() => rmSync(KEYSTORE_ROOT, { recursive: true, force: true }));

type Root = ReturnType<typeof rsaCert>;

/** certificateHashData of a self-signed root, from forge's parse (OCSP CertID fields, SHA256). */
function hashOf(root: Root): { hashAlgorithm: 'SHA256'; issuerNameHash: string; issuerKeyHash: string; serialNumber: string } {
  const sha = (bytes: string) => createHash('sha256').update(Buffer.from(bytes, 'binary')).digest('hex');
  const issuerDer = forge.asn1.toDer(forge.pki.distinguishedNameToAsn1(root.cert.issuer)).getBytes();
  const keyDer = forge.asn1.toDer(forge.pki.publicKeyToRSAPublicKey(root.cert.publicKey as forge.pki.rsa.PublicKey)).getBytes();
  return { hashAlgorithm: 'SHA256', issuerNameHash: sha(issuerDer), issuerKeyHash: sha(keyDer), serialNumber: root.cert.serialNumber.replace(/^0+(?=.)/, '') };
}

const install = (b: Bench201, certificateType: string, root: Root) => b.call('InstallCertificate', { certificateType, certificate: root.pem });
const installed = (b: Bench201, certificateType?: string[]) => b.call('GetInstalledCertificateIds', certificateType ? { certificateType } : {});

const csmsRoot = rsaCert('CSMS root', { ca: true, serial: '0a01' });
const csmsRoot2 = rsaCert('CSMS root 2', { ca: true, serial: '0a02' });
const manufacturerRoot = rsaCert('Manufacturer root', { ca: true, serial: '0b01' });
const v2gRoot = rsaCert('V2G root', { ca: true, serial: '0c01' });

test('TC_M_01_CS Install CA certificate - CSMSRootCertificate: Accepted, then listed by GetInstalledCertificateIds', async (t) => {
  const b = await withBench201(t);
  assert.deepEqual(await install(b, 'CSMSRootCertificate', csmsRoot), { status: 'Accepted' });
  assert.deepEqual(await installed(b, ['CSMSRootCertificate']), {
    status: 'Accepted',
    certificateHashDataChain: [{ certificateType: 'CSMSRootCertificate', certificateHashData: hashOf(csmsRoot) }],
  });
});

test('TC_M_02_CS Install CA certificate - ManufacturerRootCertificate: Accepted, then listed', async (t) => {
  const b = await withBench201(t);
  assert.deepEqual(await install(b, 'ManufacturerRootCertificate', manufacturerRoot), { status: 'Accepted' });
  assert.deepEqual(await installed(b, ['ManufacturerRootCertificate']), {
    status: 'Accepted',
    certificateHashDataChain: [{ certificateType: 'ManufacturerRootCertificate', certificateHashData: hashOf(manufacturerRoot) }],
  });
});

test('TC_M_07_CS Install CA certificate - Rejected - Certificate invalid: an expired CSMS root is Rejected and not listed', async (t) => {
  const b = await withBench201(t);
  const expired = rsaCert('expired CSMS root', { ca: true, notBefore: Date.now() - 7_200_000, notAfter: Date.now() - 3_600_000 });
  const answer = await install(b, 'CSMSRootCertificate', expired);
  assert.equal(answer.status, 'Rejected');
  assert.deepEqual(await installed(b, ['CSMSRootCertificate']), { status: 'NotFound' });
});

test('TC_M_12_CS / TC_M_13_CS Retrieve certificates - CSMSRootCertificate, ManufacturerRootCertificate: the hash data of every stored root of the type', async (t) => {
  const b = await withBench201(t);
  for (const root of [csmsRoot, csmsRoot2]) assert.equal((await install(b, 'CSMSRootCertificate', root)).status, 'Accepted');
  assert.equal((await install(b, 'ManufacturerRootCertificate', manufacturerRoot)).status, 'Accepted');
  assert.deepEqual(await installed(b, ['CSMSRootCertificate']), {
    status: 'Accepted',
    certificateHashDataChain: [csmsRoot, csmsRoot2].map((r) => ({ certificateType: 'CSMSRootCertificate', certificateHashData: hashOf(r) })),
  });
  assert.deepEqual(await installed(b, ['ManufacturerRootCertificate']), {
    status: 'Accepted',
    certificateHashDataChain: [{ certificateType: 'ManufacturerRootCertificate', certificateHashData: hashOf(manufacturerRoot) }],
  });
});

test('TC_M_17_CS / TC_M_18_CS Retrieve certificates - both root types asked for, then all types (none given)', async (t) => {
  const b = await withBench201(t);
  assert.equal((await install(b, 'CSMSRootCertificate', csmsRoot)).status, 'Accepted');
  assert.equal((await install(b, 'ManufacturerRootCertificate', manufacturerRoot)).status, 'Accepted');
  assert.equal((await install(b, 'V2GRootCertificate', v2gRoot)).status, 'Accepted');
  const both = await installed(b, ['CSMSRootCertificate', 'ManufacturerRootCertificate']);
  assert.equal(both.status, 'Accepted');
  assert.deepEqual(both.certificateHashDataChain.map((c: { certificateType: string }) => c.certificateType).sort(), ['CSMSRootCertificate', 'ManufacturerRootCertificate']);
  const all = await installed(b);
  assert.deepEqual(all, {
    status: 'Accepted',
    certificateHashDataChain: [
      { certificateType: 'CSMSRootCertificate', certificateHashData: hashOf(csmsRoot) },
      { certificateType: 'ManufacturerRootCertificate', certificateHashData: hashOf(manufacturerRoot) },
      { certificateType: 'V2GRootCertificate', certificateHashData: hashOf(v2gRoot) },
    ],
  });
  const count = await b.call('GetVariables', { getVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'CertificateEntries' } }] });
  assert.equal(count.getVariableResult[0].attributeValue, '3', 'SecurityCtrlr.CertificateEntries counts them');
});

test('TC_M_19_CS Retrieve certificates - No matching certificate found: MORootCertificate → NotFound without a hash chain', async (t) => {
  const b = await withBench201(t);
  assert.equal((await install(b, 'CSMSRootCertificate', csmsRoot)).status, 'Accepted');
  assert.deepEqual(await installed(b, ['MORootCertificate']), { status: 'NotFound' });
});

test('TC_M_20_CS / TC_M_22_CS Delete a certificate: an installed root → Accepted and no longer listed; an unknown hash → NotFound', async (t) => {
  const b = await withBench201(t);
  for (const root of [csmsRoot, csmsRoot2]) assert.equal((await install(b, 'CSMSRootCertificate', root)).status, 'Accepted');
  assert.deepEqual(await b.call('DeleteCertificate', { certificateHashData: hashOf(csmsRoot) }), { status: 'Accepted' });
  assert.deepEqual(await installed(b, ['CSMSRootCertificate']), {
    status: 'Accepted',
    certificateHashDataChain: [{ certificateType: 'CSMSRootCertificate', certificateHashData: hashOf(csmsRoot2) }],
  });
  assert.deepEqual(await b.call('DeleteCertificate', { certificateHashData: hashOf(csmsRoot) }), { status: 'NotFound' }, 'TC_M_22: gone already');
  assert.deepEqual(await b.call('DeleteCertificate', { certificateHashData: hashOf(manufacturerRoot) }), { status: 'NotFound' }, 'TC_M_22: never installed');
});

/** A profile-2 station on a TLS CSMS that asks for (but does not require) a client certificate; records the CN each handshake presented. */
async function renewalBench(t: Parameters<typeof withBench201>[0], id: string, answers: Bench201['answers'] = {}, variables: Record<string, string> = {}) {
  const ca = await createCa('renewal CA');
  const b = await withBench201(t, {
    id,
    csmsTls: { ...(await issueServerCertificate(ca)), ca: ca.cert, requestCert: true, rejectUnauthorized: false },
    tls: { ca: ca.cert },
    password: 'renewal-password-0123',
    profile: { serialNumber: `SN-${id}`, variables: { 'SecurityCtrlr.OrganizationName': 'Example CPO', ...variables } },
    answers,
    noConnect: true,
  });
  const presented: (string | undefined)[] = [];
  b.csms.https!.on('secureConnection', (sock: TLSSocket) => {
    const cn = sock.getPeerCertificate().subject?.CN;
    presented.push(cn === undefined ? undefined : String(cn));
  });
  await b.cs.connect();
  await b.waitFor('StatusNotification');
  return { b, ca, presented };
}

const subjectOf = (csr: string) => forge.pki.certificationRequestFromPem(csr).subject.attributes.map((a) => `${a.shortName}=${a.value}`).sort();

test('TC_A_11_CS Update Charging Station Certificate by request of CSMS: trigger → CSR → CertificateSigned → presented on the next connection', async (t) => {
  const { b, ca, presented } = await renewalBench(t, 'CSA11', { SignCertificate: () => ({ status: 'Accepted' }) });
  assert.deepEqual(presented, [undefined], 'no certificate yet');
  assert.deepEqual(await b.call('TriggerMessage', { requestedMessage: 'SignChargingStationCertificate' }), { status: 'Accepted' });
  const [sign] = await b.waitFor('SignCertificate', { ms: 10_000 });
  assert.equal(sign!.params.certificateType, 'ChargingStationCertificate');
  assert.deepEqual(subjectOf(sign!.params.csr), ['CN=SN-CSA11', 'O=Example CPO'], 'A02.FR.02/03: O = OrganizationName, CN = serial number');
  const chain = signCsr(ca, sign!.params.csr);
  assert.deepEqual(await b.call('CertificateSigned', { certificateChain: chain, certificateType: 'ChargingStationCertificate' }), { status: 'Accepted' });
  for (let i = 0; i < 300 && presented.length < 2; i++) await b.settle(10);
  assert.deepEqual(presented, [undefined, 'SN-CSA11'], 'the new certificate is used from the next connection on');
  assert.equal(new X509Certificate(chain).subject.includes('CN=SN-CSA11'), true);
});

test('TC_M_23_CS Delete a certificate from a Charging Station - Unable to delete the Charging Station Certificate: Failed (M04.FR.06), in any hash algorithm, still presented', async (t) => {
  const { b, ca, presented } = await renewalBench(t, 'CSM23', { SignCertificate: () => ({ status: 'Accepted' }) });
  await b.call('TriggerMessage', { requestedMessage: 'SignChargingStationCertificate' });
  const [sign] = await b.waitFor('SignCertificate', { ms: 10_000 });
  const chain = signCsr(ca, sign!.params.csr);
  assert.deepEqual(await b.call('CertificateSigned', { certificateChain: chain, certificateType: 'ChargingStationCertificate' }), { status: 'Accepted' });
  for (let i = 0; i < 300 && presented.length < 2; i++) await b.settle(10);
  for (const algorithm of ['SHA256', 'SHA384'] as const) {
    const answer = await b.call('DeleteCertificate', { certificateHashData: certificateHashData(chain, ca.cert, algorithm) });
    assert.equal(answer.status, 'Failed', algorithm);
  }
  await b.cs.lifecycle.reconnect();
  for (let i = 0; i < 300 && presented.length < 3; i++) await b.settle(10);
  assert.deepEqual(presented, [undefined, 'SN-CSM23', 'SN-CSM23'], 'the certificate is still presented');
});

test('TC_A_14_CS Update Charging Station Certificate - Invalid certificate: Rejected and InvalidChargingStationCertificate', async (t) => {
  const { b, presented } = await renewalBench(t, 'CSA14', { SignCertificate: () => ({ status: 'Accepted' }) });
  await b.call('TriggerMessage', { requestedMessage: 'SignChargingStationCertificate' });
  await b.waitFor('SignCertificate', { ms: 10_000 });
  const stranger = rsaCert('not our key', { ca: false });
  const answer = await b.call('CertificateSigned', { certificateChain: stranger.pem });
  assert.equal(answer.status, 'Rejected');
  const [event] = await b.waitFor('SecurityEventNotification', { match: (p) => p.type === 'InvalidChargingStationCertificate' });
  assert.match(event!.params.techInfo, /does not match the key of the pending CSR/);
  await b.settle(50);
  assert.deepEqual(presented, [undefined], 'no reconnect with a refused certificate');
});

test('TC_A_15_CS SignCertificateRequest Rejected: the station keeps its certificate and takes no chain afterwards', async (t) => {
  const { b, ca } = await renewalBench(t, 'CSA15', { SignCertificate: () => ({ status: 'Rejected' }) });
  await b.call('TriggerMessage', { requestedMessage: 'SignChargingStationCertificate' });
  const [sign] = await b.waitFor('SignCertificate', { ms: 10_000 });
  await b.settle(30);
  assert.equal(b.cs.station.pendingCsrs.ChargingStationCertificate, undefined);
  assert.equal((await b.call('CertificateSigned', { certificateChain: signCsr(ca, sign!.params.csr) })).status, 'Rejected');
});

test('TC_A_23_CS CertificateSignedRequest Timeout: SignCertificate again after CertSigningWaitMinimum, up to CertSigningRepeatTimes, then a late certificate is taken', async (t) => {
  const { b, ca, presented } = await renewalBench(t, 'CSA23', { SignCertificate: () => ({ status: 'Accepted' }) }, { 'SecurityCtrlr.CertSigningWaitMinimum': '1', 'SecurityCtrlr.CertSigningRepeatTimes': '1' });
  await b.call('TriggerMessage', { requestedMessage: 'SignChargingStationCertificate' });
  const [first, second] = await b.waitFor('SignCertificate', { count: 2, ms: 10_000 });
  assert.ok(second!.at - first!.at >= 900, 'waited CertSigningWaitMinimum');
  assert.equal(second!.params.csr, first!.params.csr, 'the same CSR, so a late answer still fits');
  await b.settle(2_300);
  assert.equal(b.since(0, 'SignCertificate').length, 2, 'no more than CertSigningRepeatTimes repeats');
  assert.equal((await b.call('CertificateSigned', { certificateChain: signCsr(ca, first!.params.csr) })).status, 'Accepted');
  for (let i = 0; i < 300 && presented.length < 2; i++) await b.settle(10);
  assert.deepEqual(presented, [undefined, 'SN-CSA23']);
});
