/**
 * Security profiles end to end with real TLS on 127.0.0.1 and certificates made in the test:
 * profile 2 (TLS + Basic) and 3 (mutual TLS) handshakes; an unknown CA refused and reported as
 * InvalidCentralSystemCertificate once a trusted connection is back; a wrong password refused
 * with a readable line; a TLS version or cipher suites outside the rules refused and reported; and the renewal flow ExtendedTriggerMessage → CSR → SignCertificate →
 * CertificateSigned → keystore → reconnect presenting the new certificate, as the server sees it;
 * then SecurityProfile raised to 3, and a raise that cannot connect falling back.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { Chargepoint, type ChargepointOptions } from '../src/chargepoint/chargepoint';
import { connect } from '../src/chargepoint/connect';
import { MockCsms, type ConnectedStation, type MockCsmsOptions } from '../src/csms/mock-csms';
import type { Payload } from '../src/ocpp/frames';
import { certificateHashData, generateCsr } from '../src/security/certificates';
import { resetKeystoreForTests } from '../src/security/keystore';
import { createCa, issueServerCertificate, signCsr, type CertificateAuthority, type KeyAndCertificate } from '../src/security/pki';

const KEY = '00112233445566778899aabbccddeeff';
const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until<T>(what: () => T | undefined, label: string, ms = 5000): Promise<T> {
  for (let waited = 0; ; waited += 10) {
    const v = what();
    if (v !== undefined && v !== false) return v;
    if (waited > ms) throw new Error(`timed out waiting for ${label}`);
    await pause(10);
  }
}

describe('security profiles over real TLS', () => {
  let ca: CertificateAuthority;
  let server: KeyAndCertificate;
  let rogue: KeyAndCertificate;
  let dir: string;
  const cleanup: (() => Promise<unknown>)[] = [];

  before(async () => {
    ca = await createCa('e2e test CA');
    server = await issueServerCertificate(ca);
    rogue = await issueServerCertificate(await createCa('unknown CA'));
    dir = await mkdtemp(path.join(tmpdir(), 'ocpp-sim-security-'));
    process.env.SSL_CLIENT_KEYSTORE_ROOT = path.join(dir, 'keystore');
    resetKeystoreForTests();
  });
  after(async () => {
    delete process.env.SSL_CLIENT_KEYSTORE_ROOT;
    resetKeystoreForTests();
    await rm(dir, { recursive: true, force: true });
  });

  async function csmsWith(options: MockCsmsOptions): Promise<{ csms: MockCsms; calls: { id: string; action: string; payload: Payload }[]; refused: string[] }> {
    const csms = new MockCsms({ port: 0, ...options });
    const calls: { id: string; action: string; payload: Payload }[] = [];
    const refused: string[] = [];
    csms.on('frame', (s: ConnectedStation, e) => {
      if (e.direction === 'in' && e.frame?.type === 2) calls.push({ id: s.id, action: e.frame.action, payload: e.frame.payload });
    });
    csms.on('refused', (_id: string, line: string) => refused.push(line));
    await csms.listen();
    cleanup.push(() => csms.close());
    return { csms, calls, refused };
  }
  async function cp(url: string, options: ChargepointOptions): Promise<Chargepoint> {
    const c = await connect(url, undefined, undefined, { boot: 'auto', backoff: { minMs: 50, maxMs: 200 }, ...options });
    cleanup.push(() => c.close());
    return c;
  }
  /** A bare TLS server with the server certificate and `options`, counting the handshakes it refused. */
  async function refusingServer(options: tls.TlsOptions): Promise<{ port: number; refused: number; close(): Promise<void> }> {
    const bare = tls.createServer({ ...server, ...options }, (s) => s.destroy());
    await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
    const handle = { port: (bare.address() as AddressInfo).port, refused: 0, close: () => new Promise<void>((r) => bare.close(() => r())) };
    bare.on('tlsClientError', () => handle.refused++);
    return handle;
  }
  /** A charge point trusting the test CA, retrying fast, not yet connected. */
  function retrying(url: string): Chargepoint {
    const c = new Chargepoint(url, undefined, { boot: 'auto', tls: { ca: ca.cert }, backoff: { minMs: 50, maxMs: 100 } });
    cleanup.push(() => c.close());
    return c;
  }
  after(async () => {
    for (const fn of cleanup.reverse()) await fn();
  });

  test('TC_085 / TC_086 profile 2: TLS with the server verified, Basic auth with the AuthorizationKey as hex text and as raw bytes', async () => {
    const { csms, refused } = await csmsWith({ tls: server, password: KEY });
    assert.match(csms.url, /^wss:\/\//);
    const hex = await cp(`${csms.url}P2HEX`, { tls: { ca: ca.cert }, password: KEY });
    assert.equal(hex.station.bootState, 'Accepted');
    assert.equal(hex.station.config.int('SecurityProfile'), 2);
    const raw = await cp(`${csms.url}P2RAW`, { tls: { ca: ca.cert }, password: KEY, authorizationKeyEncoding: 'raw' });
    assert.equal(raw.station.bootState, 'Accepted');
    assert.deepEqual(refused, []);
    assert.equal(csms.stations.get('P2RAW')?.peerCertificate, undefined, 'no client certificate at profile 2');
  });

  test('TC_087 profile 3: mutual TLS, the server sees the client certificate (CN = serial number)', async () => {
    const { csms } = await csmsWith({ tls: { ...server, requireClientCert: true }, pki: ca });
    const { key, csr } = await generateCsr({ O: 'Example CPO', CN: 'SN-P3-0001' });
    await writeFile(path.join(dir, 'p3.key'), key, { mode: 0o600 });
    await writeFile(path.join(dir, 'p3.pem'), signCsr(ca, csr));
    const p3 = await cp(`${csms.url}P3`, { tls: { ca: ca.cert }, keyStoreElement: { id: 'P3', key: path.join(dir, 'p3.key'), cert: path.join(dir, 'p3.pem') } });
    assert.equal(p3.station.config.int('SecurityProfile'), 3);
    assert.equal(csms.stations.get('P3')?.peerCertificate?.subject, 'SN-P3-0001');
    assert.equal(csms.stations.get('P3')?.authorized, true);

    // Without a certificate the same server refuses the upgrade.
    await assert.rejects(connect(`${csms.url}P3NOCERT`, undefined, undefined, { tls: { ca: ca.cert } }), /HTTP 401/);
  });

  test('TC_078 unknown CA: connection refused with a readable line; InvalidCentralSystemCertificate delivered once a trusted server is back', async () => {
    const first = await csmsWith({ tls: rogue });
    const port = first.csms.port;
    const c = new Chargepoint(`wss://localhost:${port}/UNTRUSTED`, undefined, { boot: 'auto', tls: { ca: ca.cert }, backoff: { minMs: 50, maxMs: 100 } });
    cleanup.push(() => c.close());
    const warnings: string[] = [];
    c.on('warning', (w: string) => warnings.push(w));
    assert.equal(await c.lifecycle.connectNow(), false);
    assert.match(warnings[0] ?? '', /TLS: the certificate of wss:\/\/localhost:\d+\/UNTRUSTED is not trusted .*--ca FILE/);
    const queued = c.station.queue.messages.filter((m) => m.action === 'SecurityEventNotification').map((m) => m.payload.type);
    assert.deepEqual(queued, ['InvalidCentralSystemCertificate'], 'queued once, not once per retry');
    assert.equal(first.calls.length, 0, 'nothing was sent to the untrusted server');

    // The CSMS comes back on the same port with a certificate the charge point trusts.
    await first.csms.close();
    const second = await csmsWith({ tls: server, port });
    const event = await until(() => second.calls.find((x) => x.action === 'SecurityEventNotification' && x.payload.type === 'InvalidCentralSystemCertificate'), 'the queued security event');
    assert.match(String(event.payload.techInfo), /not trusted/);
    assert.equal(second.calls.filter((x) => x.payload.type === 'InvalidCentralSystemCertificate').length, 1);
  });

  test('TC_086 cipher suites: a TLS 1.2 server sharing none of the four is refused; InvalidTLSCipherSuite delivered once a server that has them is back', async () => {
    // A bare TLS 1.2 server offering only ECDHE-RSA suites (not among the whitepaper's four).
    const foreign = await refusingServer({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384' });
    const c = retrying(`wss://localhost:${foreign.port}/CIPHER`);
    const warnings: string[] = [];
    c.on('warning', (w: string) => warnings.push(w));
    assert.equal(await c.lifecycle.connectNow(), false);
    assert.equal(foreign.refused, 1);
    assert.match(warnings[0] ?? '', /TLS: wss:\/\/localhost:\d+\/CIPHER refused the handshake before any key was agreed: it shares no cipher suite .*ECDHE-ECDSA-AES128-GCM-SHA256, .*AES256-GCM-SHA384.*--tls-ciphers/);
    await until(() => foreign.refused >= 2, 'a retry');
    assert.deepEqual(c.station.queue.messages.filter((m) => m.action === 'SecurityEventNotification').map((m) => m.payload.type), ['InvalidTLSCipherSuite'], 'queued once, not once per retry');
    await foreign.close();

    const back = await csmsWith({ tls: server, port: foreign.port });
    const event = await until(() => back.calls.find((x) => x.action === 'SecurityEventNotification' && x.payload.type === 'InvalidTLSCipherSuite'), 'the queued security event');
    assert.match(String(event.payload.techInfo), /shares no cipher suite/);
    assert.equal(back.calls.filter((x) => x.payload.type === 'InvalidTLSCipherSuite').length, 1);
  });

  test('TLS version below 1.2 refused; InvalidTLSVersion delivered once a TLS 1.2+ server is back', async () => {
    const legacy = await refusingServer({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    const c = retrying(`wss://localhost:${legacy.port}/OLDTLS`);
    assert.equal(await c.lifecycle.connectNow(), false);
    assert.deepEqual(c.station.queue.messages.map((m) => m.payload.type), ['InvalidTLSVersion']);
    await legacy.close();
    const back = await csmsWith({ tls: server, port: legacy.port });
    await until(() => back.calls.find((x) => x.action === 'SecurityEventNotification' && x.payload.type === 'InvalidTLSVersion'), 'the queued security event');
  });

  test('wrong password: HTTP 401 with a readable line on both sides; FailedToAuthenticateAtCentralSystem queued', async () => {
    const { csms, refused } = await csmsWith({ tls: server, password: KEY });
    const c = new Chargepoint(`${csms.url}WRONGPW`, undefined, { boot: 'auto', tls: { ca: ca.cert }, password: 'ffeeddccbbaa99887766554433221100' });
    cleanup.push(() => c.close());
    await assert.rejects(c.connect(), (err: Error) => {
      // wss:// without a client certificate: the certificate is named first, then the password.
      assert.match(err.message, /answered the upgrade with HTTP 401 .*client certificate.*check the Basic-auth password\)/);
      return true;
    });
    assert.match(refused.join('\n'), /WRONGPW: wrong Basic-auth password/);
    assert.deepEqual(c.station.queue.messages.map((m) => m.payload.type), ['FailedToAuthenticateAtCentralSystem']);
  });

  test('TC_074 + TC_083 renewal: ExtendedTriggerMessage → CSR → SignCertificate → CertificateSigned → keystore → reconnect with the new certificate; then profile 3', async () => {
    const { csms, calls } = await csmsWith({ tls: server, password: KEY, pki: ca });
    const c = await cp(`${csms.url}RENEW`, { tls: { ca: ca.cert }, password: KEY, profile: { serialNumber: 'SN-RENEW-7', configuration: { CpoName: 'Example CPO' } } });
    assert.equal(csms.stations.get('RENEW')?.peerCertificate, undefined, 'no certificate yet');
    const reopened = new Promise((r) => c.once('open', r));
    assert.deepEqual(await csms.call('RENEW', 'ExtendedTriggerMessage', { requestedMessage: 'SignChargePointCertificate' }), { status: 'Accepted' });
    await reopened;
    const csr = calls.find((x) => x.action === 'SignCertificate')!.payload.csr as string;
    assert.match(csr, /-----BEGIN CERTIFICATE REQUEST-----/);

    const entry = c.keystore().get()!;
    assert.equal(entry.id, 'RENEW');
    assert.ok(entry.key.startsWith(path.join(dir, 'keystore')), entry.key);
    assert.equal((await stat(entry.key)).mode & 0o777, 0o600, 'private key written 0600');
    const station = await until(() => csms.stations.get('RENEW')?.peerCertificate && csms.stations.get('RENEW'), 'the reconnect');
    assert.equal(station.peerCertificate!.subject, 'SN-RENEW-7');
    const leaf = new X509Certificate((await import('node:fs')).readFileSync(entry.cert));
    assert.equal(station.peerCertificate!.serialNumber.toUpperCase(), leaf.serialNumber.toUpperCase(), 'the server sees exactly the saved certificate');
    assert.match(leaf.subject, /O=Example CPO/);
    assert.equal(calls.filter((x) => x.action === 'BootNotification').length, 1, 'a reconnect, not a reboot');
    // The certificate it presents cannot be deleted (as 2.0.1's M04.FR.06).
    const ownHash = certificateHashData((await import('node:fs')).readFileSync(entry.cert, 'utf8'), ca.cert);
    assert.deepEqual(await csms.call('RENEW', 'DeleteCertificate', { certificateHashData: ownHash }), { status: 'Failed' });

    // TC_083: up to profile 3: mutual TLS, no password.
    const again = new Promise((r) => c.once('open', r));
    assert.deepEqual(await csms.call('RENEW', 'ChangeConfiguration', { key: 'SecurityProfile', value: '3' }), { status: 'Accepted' });
    await again;
    assert.equal(c.station.config.int('SecurityProfile'), 3);
    await until(() => csms.stations.get('RENEW')?.peerCertificate, 'the profile-3 connection');
    assert.ok(calls.some((x) => x.action === 'SecurityEventNotification' && x.payload.type === 'ReconfigurationOfSecurityParameters'));
    // TC_084: never down.
    assert.deepEqual(await csms.call('RENEW', 'ChangeConfiguration', { key: 'SecurityProfile', value: '2' }), { status: 'Rejected' });
  });

  test('a raised SecurityProfile that cannot connect falls back to the previous one', async () => {
    const { csms } = await csmsWith({ tls: server, password: KEY });
    const c = await cp(`${csms.url}FALLBACK`, { tls: { ca: ca.cert }, password: KEY });
    const warnings: string[] = [];
    c.on('warning', (w: string) => warnings.push(w));
    const reopened = new Promise((r) => c.once('open', r));
    // Profile 3 without any client certificate cannot connect.
    assert.deepEqual(await csms.call('FALLBACK', 'ChangeConfiguration', { key: 'SecurityProfile', value: '3' }), { status: 'Accepted' });
    await reopened;
    assert.equal(c.station.config.int('SecurityProfile'), 2);
    assert.match(warnings.join('\n'), /cannot connect at security profile 3 .*falling back to profile 2/);
  });
});
