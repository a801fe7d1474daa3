/**
 * OCTT 2.0.1 station cases on TLS (security profiles 2 and 3), the security-profile downgrade
 * refusal and the network-profile migration: real TLS servers on 127.0.0.1 with certificates
 * made in the test, each a strict ocpp-rpc CSMS.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { generateCsr } from '../src/security/certificates';
import { createCa, issueServerCertificate, signCsr, type CertificateAuthority, type KeyAndCertificate } from '../src/security/pki';
import { csms201, withBench201, type Bench201, type Csms201 } from './cs201-harness';
import { freePort } from './helpers';

const PASSWORD = 'tls-password-0123456789';
/** Reconnect every second, without jitter, so a test sees several attempts quickly. */
const FAST_RETRY = { 'OCPPCommCtrlr.RetryBackOffWaitMinimum': '1', 'OCPPCommCtrlr.RetryBackOffRandomRange': '0', 'OCPPCommCtrlr.RetryBackOffRepeatTimes': '0' };

const getVariable = async (b: Bench201 | { call: Bench201['call'] }, component: string, variable: string): Promise<string> =>
  (await b.call('GetVariables', { getVariableData: [{ component: { name: component }, variable: { name: variable } }] })).getVariableResult[0].attributeValue;

const profileData = (url: string, securityProfile: number) => ({ ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: url, messageTimeout: 30, securityProfile, ocppInterface: 'Wired0' });

/** TLS versions the server negotiated, one per handshake. */
function negotiated(c: Csms201): string[] {
  const seen: string[] = [];
  c.https!.on('secureConnection', (s: TLSSocket) => seen.push(String(s.getProtocol())));
  return seen;
}

describe('OCPP 2.0.1 over TLS', () => {
  let ca: CertificateAuthority;
  let server: KeyAndCertificate;
  let rogue: KeyAndCertificate;
  before(async () => {
    ca = await createCa('tls201 test CA');
    server = await issueServerCertificate(ca);
    rogue = await issueServerCertificate(await createCa('untrusted CA'));
  });

  test('TC_A_04_CS TLS - server-side certificate - Valid certificate: profile 2 (TLS >= 1.2 + Basic auth) boots', async (t) => {
    const seen: (string | undefined)[] = [];
    const b = await withBench201(t, { noConnect: true, csmsTls: server, tls: { ca: ca.cert }, password: PASSWORD, checkPassword: (p) => (seen.push(p), p === PASSWORD) });
    const versions = negotiated(b.csms);
    await b.cs.connect();
    await b.waitFor('StatusNotification');
    assert.match(b.cs.url, /^wss:/);
    assert.deepEqual(seen, [PASSWORD], 'Basic auth over TLS');
    assert.equal(versions.length, 1);
    assert.match(versions[0]!, /^TLSv1\.[23]$/, 'A00.FR.309: TLS 1.2 or higher');
    assert.equal(b.cs.station.bootState, 'Accepted');
    assert.equal(await getVariable(b, 'SecurityCtrlr', 'SecurityProfile'), '2');
  });

  test('TC_A_04_CS / TC_A_07_CS profile 3: mutual TLS with the client certificate from the keystore (CN = serial number), no password', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tls201-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const { key, csr } = await generateCsr({ O: 'ocpp-sim', CN: 'SN-SP3' });
    writeFileSync(join(dir, 'cs.key'), key, { mode: 0o600 });
    writeFileSync(join(dir, 'cs.pem'), signCsr(ca, csr));
    const seen: (string | undefined)[] = [];
    const b = await withBench201(t, {
      id: 'CS-SP3',
      noConnect: true,
      csmsTls: { ...server, ca: ca.cert, requestCert: true, rejectUnauthorized: true },
      tls: { ca: ca.cert },
      keyStoreElement: { id: 'CS-SP3', key: join(dir, 'cs.key'), cert: join(dir, 'cs.pem') },
      checkPassword: (p) => (seen.push(p), true),
    });
    const peers: string[] = [];
    b.csms.https!.on('secureConnection', (s: TLSSocket) => peers.push(String(s.getPeerCertificate().subject?.CN)));
    await b.cs.connect();
    await b.waitFor('StatusNotification');
    assert.deepEqual(peers, ['SN-SP3'], 'the CSMS saw the station certificate');
    assert.deepEqual(seen, [undefined], 'no Basic auth at profile 3');
    assert.equal(await getVariable(b, 'SecurityCtrlr', 'SecurityProfile'), '3');
  });

  /** Connect to a CSMS that refuses the handshake and wait for a retry: the security events raised meanwhile. */
  async function refusedTwice(b: Bench201): Promise<string[]> {
    let refused = 0;
    b.csms.https!.on('tlsClientError', () => refused++);
    const events: string[] = [];
    b.cs.on('securityEvent', (type: string) => events.push(type));
    assert.equal(await b.cs.lifecycle.connectNow(), false);
    for (let i = 0; i < 400 && refused < 2; i++) await b.settle(10);
    assert.ok(refused >= 2, 'the station keeps retrying');
    return events;
  }

  test('TC_A_05_CS TLS - server-side certificate - Invalid certificate: no connection, retries, then InvalidCsmsCertificate once connected', async (t) => {
    const b = await withBench201(t, { noConnect: true, csmsTls: rogue, tls: { ca: ca.cert }, password: PASSWORD, profile: { variables: FAST_RETRY } });
    const events = await refusedTwice(b);
    assert.equal(b.csms.connections, 0, 'A00.FR.310: no WebSocket over an untrusted certificate');
    assert.deepEqual(events, ['InvalidCsmsCertificate'], 'raised once per streak of failures');
    assert.equal(b.calls.length, 0, 'nothing sent meanwhile');
    b.csms.https!.setSecureContext(server);
    const [event] = await b.waitFor('SecurityEventNotification', { match: (p) => p.type === 'InvalidCsmsCertificate', ms: 5000 });
    const actions = b.calls.map((c) => c.action);
    assert.equal(actions[0], 'BootNotification', 'boots first, the queued event after (B01.FR.08)');
    assert.ok(actions.indexOf('SecurityEventNotification') > 0);
    assert.match(event!.params.techInfo, /not trusted/);
    assert.equal(b.since(0, 'SecurityEventNotification').filter((c) => c.params.type === 'InvalidCsmsCertificate').length, 1);
  });

  test('TC_A_06_CS TLS - server-side certificate - TLS version too low: aborts, reconnects with TLS >= 1.2, boots and reports InvalidTLSVersion', async (t) => {
    const legacy = { ...server, minVersion: 'TLSv1' as const, maxVersion: 'TLSv1.1' as const, ciphers: 'DEFAULT:@SECLEVEL=0' };
    const b = await withBench201(t, { noConnect: true, csmsTls: legacy, tls: { ca: ca.cert }, password: PASSWORD, profile: { variables: FAST_RETRY } });
    let refused = 0;
    b.csms.https!.on('tlsClientError', () => refused++);
    const versions = negotiated(b.csms);
    assert.equal(await b.cs.lifecycle.connectNow(), false);
    for (let i = 0; i < 400 && refused < 1; i++) await b.settle(10);
    assert.equal(b.csms.connections, 0);
    b.csms.https!.setSecureContext(server);
    const [event] = await b.waitFor('SecurityEventNotification', { match: (p) => p.type === 'InvalidTLSVersion', ms: 5000 });
    assert.equal(b.calls[0]!.action, 'BootNotification');
    assert.match(event!.params.techInfo, /protocol version|unsupported protocol/i);
    assert.match(versions[0]!, /^TLSv1\.[23]$/);
  });

  test('TC_A_04_CS on TLS 1.2: the station offers only the mandated cipher suites (A00.FR.319), the server\'s preferred ECDHE-RSA is not among them', async (t) => {
    const tls12 = { ...server, maxVersion: 'TLSv1.2' as const, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256:AES256-GCM-SHA384', honorCipherOrder: true };
    const b = await withBench201(t, { noConnect: true, csmsTls: tls12, tls: { ca: ca.cert }, password: PASSWORD });
    const suites: string[] = [];
    b.csms.https!.on('secureConnection', (s: TLSSocket) => suites.push(`${s.getProtocol()} ${s.getCipher().standardName}`));
    await b.cs.connect();
    await b.waitFor('StatusNotification');
    assert.deepEqual(suites, ['TLSv1.2 TLS_RSA_WITH_AES_128_GCM_SHA256']);
  });

  test('InvalidTLSCipherSuite: a TLS 1.2 CSMS sharing no mandated suite is refused; the station retries and reports it once connected', async (t) => {
    const foreign = { ...server, maxVersion: 'TLSv1.2' as const, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-SHA384' };
    const b = await withBench201(t, { noConnect: true, csmsTls: foreign, tls: { ca: ca.cert }, password: PASSWORD, profile: { variables: FAST_RETRY } });
    const events = await refusedTwice(b);
    assert.equal(b.csms.connections, 0);
    assert.deepEqual(events, ['InvalidTLSCipherSuite'], 'once per streak of failures, not a missing client certificate');
    b.csms.https!.setSecureContext(server);
    const [event] = await b.waitFor('SecurityEventNotification', { match: (p) => p.type === 'InvalidTLSCipherSuite', ms: 5000 });
    assert.equal(b.calls[0]!.action, 'BootNotification');
    assert.match(event!.params.techInfo, /shares no cipher suite/);
    assert.ok(event!.params.techInfo.length <= 255, 'techInfo fits its schema');
  });

  test('a TLS 1.2 CSMS that wants a client certificate is not taken for a cipher mismatch', async (t) => {
    const wantsCert = { ...server, maxVersion: 'TLSv1.2' as const, ca: ca.cert, requestCert: true, rejectUnauthorized: true };
    const b = await withBench201(t, { noConnect: true, csmsTls: wantsCert, tls: { ca: ca.cert }, password: PASSWORD, profile: { variables: FAST_RETRY } });
    const events: string[] = [];
    b.cs.on('securityEvent', (type: string) => events.push(type));
    const warnings: string[] = [];
    b.cs.on('warning', (w: string) => warnings.push(w));
    assert.equal(await b.cs.lifecycle.connectNow(), false);
    assert.deepEqual(events, []);
    assert.match(warnings.join('\n'), /requires a client certificate \(security profile 3\)/);
  });

  test('TC_A_22_CS Upgrade Charging Station Security Profile - Downgrade security profile - Rejected', async (t) => {
    const b = await withBench201(t, { csmsTls: server, tls: { ca: ca.cert }, password: PASSWORD });
    assert.equal(await getVariable(b, 'SecurityCtrlr', 'SecurityProfile'), '2');
    const down = await b.call('SetNetworkProfile', { configurationSlot: 2, connectionData: profileData(b.url.replace('wss:', 'ws:'), 1) });
    assert.equal(down.status, 'Rejected', 'B09.FR.04: never back to profile 1');
    assert.deepEqual(await b.call('SetNetworkProfile', { configurationSlot: 2, connectionData: profileData(b.url, 2) }), { status: 'Accepted' }, 'the same profile is fine');
  });

  test('TC_B_45_CS Migrate to new ConnectionProfile - Success - Same CSMS Root: reset → boots at the new endpoint', async (t) => {
    const b = await withBench201(t, { csmsTls: server, tls: { ca: ca.cert }, password: PASSWORD });
    const next = await csms201({ tls: server });
    t.after(() => next.close());
    assert.deepEqual(await b.call('SetNetworkProfile', { configurationSlot: 2, connectionData: profileData(next.url, 2) }), { status: 'Accepted' });
    const set = await b.call('SetVariables', { setVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' }, attributeValue: '2,1' }] });
    assert.equal(set.setVariableResult[0].attributeStatus, 'Accepted');
    const before = b.calls.length;
    assert.deepEqual(await b.call('Reset', { type: 'OnIdle' }), { status: 'Accepted' });
    const client = await next.client();
    for (let i = 0; i < 500 && !next.calls.some((c) => c.action === 'BootNotification'); i++) await b.settle(10);
    assert.equal(next.calls[0]?.action, 'BootNotification');
    assert.equal(next.calls[0]?.params.reason, 'RemoteReset');
    assert.equal(b.since(before, 'BootNotification').length, 0, 'not booted at the old endpoint');
    assert.equal(await getVariable({ call: async (a, p) => client.call(a, p) as never }, 'SecurityCtrlr', 'SecurityProfile'), '2');
    assert.deepEqual(next.failures, []);
  });

  test('TC_B_46_CS / TC_B_49_CS Migrate to new ConnectionProfile - Fallback mechanism (after NetworkProfileConnectionAttempts) - Same CSMS Root: new profile unreachable → back to the old one', async (t) => {
    const b = await withBench201(t, { csmsTls: server, tls: { ca: ca.cert }, password: PASSWORD, profile: { variables: FAST_RETRY } });
    const deadPort = await freePort();
    const warnings: string[] = [];
    b.cs.on('warning', (line: string) => warnings.push(line));
    assert.deepEqual(await b.call('SetNetworkProfile', { configurationSlot: 2, connectionData: profileData(`wss://localhost:${deadPort}/`, 2) }), { status: 'Accepted' });
    const set = await b.call('SetVariables', {
      setVariableData: [
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' }, attributeValue: '2,1' },
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkProfileConnectionAttempts' }, attributeValue: '2' },
      ],
    });
    assert.deepEqual(set.setVariableResult.map((r: { attributeStatus: string }) => r.attributeStatus), ['Accepted', 'Accepted']);
    const before = b.calls.length;
    assert.deepEqual(await b.call('Reset', { type: 'OnIdle' }), { status: 'Accepted' });
    const [boot] = await b.waitFor('BootNotification', { from: before, ms: 10_000 });
    assert.equal(boot!.params.reason, 'RemoteReset');
    const failed = warnings.filter((w) => w.startsWith('connect failed') && w.includes(`:${deadPort}/`));
    assert.equal(failed.length, 2, 'NetworkProfileConnectionAttempts attempts on the new profile');
    assert.ok(warnings.some((w) => /falling back to configuration slot 1/.test(w)));
  });

  test('TC_B_50_CS Migrate to new ConnectionProfile - Success - New CSMS Root - New CSMS: trusted through the installed CSMSRootCertificate', async (t) => {
    const newCa = await createCa('new CSMS root');
    const newServer = await issueServerCertificate(newCa);
    const b = await withBench201(t, { csmsTls: server, tls: { ca: ca.cert }, password: PASSWORD });
    const next = await csms201({ tls: newServer });
    t.after(() => next.close());
    assert.deepEqual(await b.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: newCa.cert }), { status: 'Accepted' });
    assert.deepEqual(await b.call('SetNetworkProfile', { configurationSlot: 2, connectionData: profileData(next.url, 2) }), { status: 'Accepted' });
    await b.call('SetVariables', { setVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' }, attributeValue: '2,1' }] });
    assert.deepEqual(await b.call('Reset', { type: 'Immediate' }), { status: 'Accepted' });
    for (let i = 0; i < 500 && !next.calls.some((c) => c.action === 'StatusNotification'); i++) await b.settle(10);
    assert.equal(next.calls[0]?.action, 'BootNotification');
    assert.equal(next.calls[0]?.params.reason, 'RemoteReset');
    assert.ok(next.calls.some((c) => c.action === 'StatusNotification'), 'booted and reported its connectors at the new CSMS');
    assert.deepEqual(next.failures, []);
  });
  const setPriority = async (b: Bench201, value: string): Promise<{ attributeStatus: string; attributeStatusInfo?: { additionalInfo?: string } }> =>
    (await b.call('SetVariables', { setVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' }, attributeValue: value }] })).setVariableResult[0];

  test('TC_A_19_CS Upgrade Charging Station Security Profile - Accepted: profile 1 → 2 through a new slot and a reset; never back to profile 1', async (t) => {
    const b = await withBench201(t, { id: 'CS-UP', password: PASSWORD, profile: { variables: { ...FAST_RETRY, 'OCPPCommCtrlr.NetworkProfileConnectionAttempts': '1' } } });
    assert.equal(await getVariable(b, 'SecurityCtrlr', 'SecurityProfile'), '1');
    const next = await csms201({ tls: server, checkPassword: (p) => p === PASSWORD });
    t.after(() => next.close());
    const warnings: string[] = [];
    b.cs.on('warning', (line: string) => warnings.push(line));
    assert.deepEqual(await b.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: ca.cert }), { status: 'Accepted' });
    assert.deepEqual(await b.call('SetNetworkProfile', { configurationSlot: 2, connectionData: profileData(next.url, 2) }), { status: 'Accepted' });
    assert.equal((await setPriority(b, '2,1')).attributeStatus, 'Accepted');
    const before = b.calls.length;
    assert.deepEqual(await b.call('Reset', { type: 'OnIdle' }), { status: 'Accepted' });
    const client = await next.client();
    for (let i = 0; i < 500 && !next.calls.some((c) => c.action === 'StatusNotification'); i++) await b.settle(10);
    assert.equal(next.calls[0]?.action, 'BootNotification');
    assert.equal(b.since(before, 'BootNotification').length, 0, 'not booted on profile 1 again');
    assert.equal(await getVariable({ call: async (a, p) => client.call(a, p) as never }, 'SecurityCtrlr', 'SecurityProfile'), '2', 'A05.FR.05: the profile in use is reported');
    for (let i = 0; i < 200 && !next.calls.some((c) => c.action === 'SecurityEventNotification' && c.params.type === 'ReconfigurationOfSecurityParameters'); i++) await b.settle(10);
    const raised = next.calls.find((c) => c.action === 'SecurityEventNotification' && c.params.type === 'ReconfigurationOfSecurityParameters');
    assert.match(String(raised?.params.techInfo), /^SecurityProfile 1 → 2 \(configuration slot 2\)$/);
    // A05.FR.06: the profile-2 CSMS goes away; the station keeps trying it and never falls back to slot 1 (profile 1).
    await next.close();
    for (let i = 0; i < 400 && warnings.filter((w) => w.startsWith('connect failed')).length < 3; i++) await b.settle(10);
    assert.ok(warnings.filter((w) => w.startsWith('connect failed')).length >= 3, warnings.join('\n'));
    assert.ok(!warnings.some((w) => /falling back to configuration slot 1/.test(w)), warnings.join('\n'));
    assert.equal(b.since(before, 'BootNotification').length, 0, 'never connected on profile 1 again');
    assert.deepEqual(next.failures, []);
  });

  test('TC_A_20_CS Upgrade Charging Station Security Profile - No valid CSMSRootCertificate installed: the priority change is Rejected', async (t) => {
    const b = await withBench201(t, { id: 'CS-NOROOT', password: PASSWORD });
    assert.deepEqual(await b.call('SetNetworkProfile', { configurationSlot: 2, connectionData: profileData('wss://127.0.0.1:9443/', 2) }), { status: 'Accepted' });
    const result = await setPriority(b, '2,1');
    assert.equal(result.attributeStatus, 'Rejected', 'A05.FR.02');
    assert.match(result.attributeStatusInfo?.additionalInfo ?? '', /no CSMSRootCertificate is installed/);
    assert.equal(await getVariable(b, 'OCPPCommCtrlr', 'NetworkConfigurationPriority'), '1', 'the old priority stays');
    // With the root installed the same change is taken.
    assert.deepEqual(await b.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: ca.cert }), { status: 'Accepted' });
    assert.equal((await setPriority(b, '2,1')).attributeStatus, 'Accepted');
  });

  test('TC_A_21_CS Upgrade Charging Station Security Profile - No valid ChargingStationCertificate installed: a profile-3 slot in the priority is Rejected', async (t) => {
    const b = await withBench201(t, { id: 'CS-NOCERT', csmsTls: server, tls: { ca: ca.cert }, password: PASSWORD });
    assert.equal(await getVariable(b, 'SecurityCtrlr', 'SecurityProfile'), '2');
    assert.deepEqual(await b.call('SetNetworkProfile', { configurationSlot: 2, connectionData: profileData('wss://127.0.0.1:9443/', 3) }), { status: 'Accepted' });
    const result = await setPriority(b, '2,1');
    assert.equal(result.attributeStatus, 'Rejected', 'A05.FR.03');
    assert.match(result.attributeStatusInfo?.additionalInfo ?? '', /no ChargingStationCertificate is installed/);
    assert.equal(await getVariable(b, 'OCPPCommCtrlr', 'NetworkConfigurationPriority'), '1');
  });
});
