/**
 * ISO 15118 certificate actions sent to a 2.0.1 station that does not support ISO 15118 (no
 * ISO15118Ctrlr): every CSMS-initiated action of blocks A and M that concerns ISO 15118 gets a
 * schema-valid answer that says so (the strict ocpp-rpc CSMS checks every frame), and the
 * station's own certificate renewal is not disturbed by a V2G chain.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createCa, signCsr } from '../src/security/pki';
import { withBench201 } from './cs201-harness';
import { rsaCert } from './pki';

const KEYSTORE_ROOT = mkdtempSync(join(tmpdir(), 'cs201-iso15118-'));
process.env.SSL_CLIENT_KEYSTORE_ROOT = KEYSTORE_ROOT;
after(() => rmSync(KEYSTORE_ROOT, { recursive: true, force: true }));

test('ISO 15118 not supported (the V2G renewal and chain cases of the ISO 15118 profile do not apply): SignV2GCertificate and SignCombinedCertificate triggers NotImplemented, no V2GCertificateChain, no ISO15118Ctrlr', async (t) => {
  const b = await withBench201(t, { id: 'CS-NO15118' });
  // F06.FR.08 (TriggerMessageStatus NotImplemented): the station makes no V2G CSR.
  assert.deepEqual(await b.call('TriggerMessage', { requestedMessage: 'SignV2GCertificate' }), { status: 'NotImplemented' });
  assert.deepEqual(await b.call('TriggerMessage', { requestedMessage: 'SignCombinedCertificate' }), { status: 'NotImplemented' });
  await b.settle(50);
  assert.equal(b.since(0, 'SignCertificate').length, 0);
  // M03.FR.02: nothing of that type.
  assert.deepEqual(await b.call('GetInstalledCertificateIds', { certificateType: ['V2GCertificateChain'] }), { status: 'NotFound' });
  const got = await b.call('GetVariables', { getVariableData: [{ component: { name: 'ISO15118Ctrlr' }, variable: { name: 'SeccId' } }] });
  assert.equal(got.getVariableResult[0].attributeStatus, 'UnknownComponent', 'the device model says it: no ISO15118Ctrlr');
});

test('CertificateSigned V2GCertificate without a V2G CSR: Rejected with a reason and a security event; a pending ChargingStationCertificate CSR is kept', async (t) => {
  const b = await withBench201(t, { id: 'CS-V2G', answers: { SignCertificate: () => ({ status: 'Accepted' }) } });
  const ca = await createCa('iso15118 test CA');
  assert.deepEqual(await b.call('TriggerMessage', { requestedMessage: 'SignChargingStationCertificate' }), { status: 'Accepted' });
  const [sign] = await b.waitFor('SignCertificate', { ms: 10_000 });
  const chain = signCsr(ca, sign!.params.csr);
  const answer = await b.call('CertificateSigned', { certificateChain: chain, certificateType: 'V2GCertificate' });
  assert.equal(answer.status, 'Rejected');
  assert.equal(answer.statusInfo.reasonCode, 'InvalidCertificate');
  assert.match(answer.statusInfo.additionalInfo, /no V2G certificate was requested/);
  await b.waitFor('SecurityEventNotification', { match: (p) => p.type === 'InvalidChargingStationCertificate' });
  assert.ok(b.cs.station.pendingCsrs.ChargingStationCertificate, 'the ChargingStationCertificate CSR still waits');
  // The same chain as the certificate it was made for is taken (A02.FR.08).
  assert.deepEqual(await b.call('CertificateSigned', { certificateChain: chain, certificateType: 'ChargingStationCertificate' }), { status: 'Accepted' });
});

test('TC_M_04_CS / TC_M_16_CS MORootCertificate (ISO 15118 contract roots) are still stored, listed and deleted like any root', async (t) => {
  const b = await withBench201(t, { id: 'CS-MO' });
  const mo = rsaCert('MO root', { ca: true, serial: '0d01' });
  assert.deepEqual(await b.call('InstallCertificate', { certificateType: 'MORootCertificate', certificate: mo.pem }), { status: 'Accepted' });
  const listed = await b.call('GetInstalledCertificateIds', { certificateType: ['MORootCertificate'] });
  assert.equal(listed.status, 'Accepted');
  assert.equal(listed.certificateHashDataChain.length, 1);
  assert.equal(listed.certificateHashDataChain[0].certificateHashData.serialNumber, 'd01');
  assert.deepEqual(await b.call('DeleteCertificate', { certificateHashData: listed.certificateHashDataChain[0].certificateHashData }), { status: 'Accepted' });
  assert.deepEqual(await b.call('GetInstalledCertificateIds', { certificateType: ['MORootCertificate'] }), { status: 'NotFound' });
});
