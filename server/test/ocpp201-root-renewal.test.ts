/**
 * OCTT 2.0.1 station cases on renewing the CSMS root with `SecurityCtrlr.AdditionalRootCertificateCheck`
 * (M05.FR.09-16, B10.FR.07): real TLS servers on 127.0.0.1, certificates made in the test; the
 * renewed root is the new CA's name and key certified by the old root.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { certificateHashData } from '../src/security/certificates';
import { createCa, crossCertify, issueServerCertificate, type CertificateAuthority, type KeyAndCertificate } from '../src/security/pki';
import { rootAttempts } from '../src/charging-station/station/root-rollover';
import { csms201, withBench201, type Bench201 } from './cs201-harness';

const PASSWORD = 'root-renewal-pass-0123';
const CHECK_ON = { 'SecurityCtrlr.AdditionalRootCertificateCheck': 'true', 'OCPPCommCtrlr.RetryBackOffWaitMinimum': '1', 'OCPPCommCtrlr.RetryBackOffRandomRange': '0' };

const profileData = (url: string) => ({ ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: url, messageTimeout: 30, securityProfile: 2, ocppInterface: 'Wired0' });

/** Serial numbers of the installed CSMS roots, as GetInstalledCertificateIds reports them. */
async function csmsRootSerials(b: { call: Bench201['call'] }): Promise<string[]> {
  const answer = await b.call('GetInstalledCertificateIds', { certificateType: ['CSMSRootCertificate'] });
  return (answer.certificateHashDataChain ?? []).map((c: { certificateHashData: { serialNumber: string } }) => c.certificateHashData.serialNumber).sort();
}

const serialOf = (pem: string): string => certificateHashData(pem).serialNumber;

describe('OCPP 2.0.1 CSMS root renewal (AdditionalRootCertificateCheck)', () => {
  let oldRoot: CertificateAuthority;
  let newRoot: CertificateAuthority;
  let renewed: string;
  let oldServer: KeyAndCertificate;
  let newServer: KeyAndCertificate;
  before(async () => {
    oldRoot = await createCa('old CSMS root');
    newRoot = await createCa('new CSMS root');
    renewed = crossCertify(newRoot, oldRoot);
    oldServer = await issueServerCertificate(oldRoot);
    newServer = await issueServerCertificate(newRoot);
  });

  /** A profile-2 station that trusts only the old root, installed as its CSMSRootCertificate. */
  async function station(t: Parameters<typeof withBench201>[0], id: string): Promise<Bench201> {
    const b = await withBench201(t, { id, noConnect: true, csmsTls: oldServer, password: PASSWORD, profile: { variables: CHECK_ON } });
    assert.equal(b.cs.station.certificates.install('CSMSRootCertificate', oldRoot.cert, Date.now()).status, 'Accepted');
    await b.cs.connect();
    await b.waitFor('StatusNotification');
    return b;
  }

  test('TC_M_09_CS Install CA certificate - AdditionalRootCertificateCheck - Rejected: a new CSMS root not signed by the old one', async (t) => {
    const b = await station(t, 'CS-M09');
    const answer = await b.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: newRoot.cert });
    assert.equal(answer.status, 'Rejected', 'M05.FR.11');
    assert.equal(answer.statusInfo?.reasonCode, 'InvalidCertificate');
    assert.deepEqual(await csmsRootSerials(b), [serialOf(oldRoot.cert)], 'not listed; the old root stays');
    // Signed by the old root, the same key and name are taken.
    assert.deepEqual(await b.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: renewed }), { status: 'Accepted' });
    assert.deepEqual(await csmsRootSerials(b), [serialOf(oldRoot.cert), serialOf(renewed)].sort(), 'the old root is kept as fallback until the new one connected');
    assert.deepEqual(rootAttempts(b.cs.station).map((set) => set.map(serialOf)), [[serialOf(renewed)], [serialOf(oldRoot.cert)]], 'the new root first, then the fallback');
    // The CSMS deletes the new root again: the old one is simply the installed root, not a fallback to drop.
    const listed = await b.call('GetInstalledCertificateIds', { certificateType: ['CSMSRootCertificate'] });
    const renewedHash = listed.certificateHashDataChain.find((c: { certificateHashData: { serialNumber: string } }) => c.certificateHashData.serialNumber === serialOf(renewed)).certificateHashData;
    assert.deepEqual(await b.call('DeleteCertificate', { certificateHashData: renewedHash }), { status: 'Accepted' });
    assert.deepEqual(rootAttempts(b.cs.station).map((set) => set.map(serialOf)), [[serialOf(oldRoot.cert)]]);
  });

  test('TC_M_30_CS Install CA certificate - AdditionalRootCertificateCheck - Reconnect using new CSMS Root - Success: the old root is removed', async (t) => {
    const b = await station(t, 'CS-M30');
    const warnings: string[] = [];
    b.cs.on('warning', (line: string) => warnings.push(line));
    assert.deepEqual(await b.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: renewed }), { status: 'Accepted' });
    // The CSMS moves to a server certificate of the new root, which the old root alone does not verify.
    b.csms.https!.setSecureContext({ key: newServer.key, cert: newServer.cert });
    const before = b.calls.length;
    assert.deepEqual(await b.call('Reset', { type: 'Immediate' }), { status: 'Accepted' });
    await b.waitFor('StatusNotification', { from: before, ms: 10_000 });
    assert.equal(b.since(before, 'BootNotification')[0]?.params.reason, 'RemoteReset');
    assert.deepEqual(await csmsRootSerials(b), [serialOf(renewed)], 'M05.FR.13: the fallback root is gone');
    assert.ok(warnings.some((w) => /connected with the new CSMS root/.test(w)), warnings.join('\n'));
    assert.ok(!warnings.some((w) => /trying the fallback root/.test(w)), 'no fallback was needed');
    assert.equal(b.cs.station.fallbackRoot, undefined);
  });

  test('TC_M_31_CS Install CA certificate - AdditionalRootCertificateCheck - Reconnect using new CSMS Root - Fallback mechanism: the old root verifies and stays', async (t) => {
    const b = await station(t, 'CS-M31');
    const warnings: string[] = [];
    b.cs.on('warning', (line: string) => warnings.push(line));
    assert.deepEqual(await b.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: renewed }), { status: 'Accepted' });
    // The CSMS keeps its old server certificate: the new root does not verify it.
    const before = b.calls.length;
    assert.deepEqual(await b.call('Reset', { type: 'Immediate' }), { status: 'Accepted' });
    await b.waitFor('StatusNotification', { from: before, ms: 10_000 });
    assert.ok(warnings.some((w) => /does not verify with the new CSMS root, trying the fallback root/.test(w)), warnings.join('\n'));
    assert.deepEqual(await csmsRootSerials(b), [serialOf(oldRoot.cert), serialOf(renewed)].sort(), 'M05.FR.14: the old root stays installed');
    assert.equal(serialOf(b.cs.station.fallbackRoot ?? ''), serialOf(oldRoot.cert), 'still the fallback: the next boot tries the new root again');
  });

  test('TC_B_47_CS Migrate to new ConnectionProfile - Fallback after NetworkProfileConnectionAttempts - New CSMS Root - New CSMS: back to the old profile, old root still installed', async (t) => {
    const b = await station(t, 'CS-B47');
    const warnings: string[] = [];
    b.cs.on('warning', (line: string) => warnings.push(line));
    // The new CSMS presents a certificate neither root verifies: its profile cannot connect.
    const stranger = await issueServerCertificate(await createCa('unrelated CA'));
    const next = await csms201({ tls: stranger });
    t.after(() => next.close());
    assert.deepEqual(await b.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: renewed }), { status: 'Accepted' });
    assert.deepEqual(await b.call('SetNetworkProfile', { configurationSlot: 2, connectionData: profileData(next.url) }), { status: 'Accepted' });
    const set = await b.call('SetVariables', {
      setVariableData: [
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' }, attributeValue: '2,1' },
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkProfileConnectionAttempts' }, attributeValue: '1' },
      ],
    });
    assert.deepEqual(set.setVariableResult.map((r: { attributeStatus: string }) => r.attributeStatus), ['Accepted', 'Accepted']);
    const before = b.calls.length;
    assert.deepEqual(await b.call('Reset', { type: 'OnIdle' }), { status: 'Accepted' });
    const [boot] = await b.waitFor('BootNotification', { from: before, ms: 15_000 });
    assert.equal(boot!.params.reason, 'RemoteReset', 'booted at the old CSMS again');
    assert.equal(next.connections, 0, 'the new CSMS never got a connection');
    assert.ok(warnings.some((w) => /falling back to configuration slot 1/.test(w)), warnings.join('\n'));
    assert.deepEqual(await csmsRootSerials(b), [serialOf(oldRoot.cert), serialOf(renewed)].sort(), 'B10.FR.07 / M05.FR.15: the old CSMS root is still installed');
  });
});
