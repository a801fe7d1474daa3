/**
 * OCTT 1.6 charge-point cases of the security extension, driven from the CSMS side against a
 * charge point with default behaviour: the charge point certificate (TC_074, TC_077), root
 * certificates (TC_075_1, TC_075_2, TC_076, TC_078), the security log (TC_079, via a real FTP
 * server on 127.0.0.1), signed firmware (TC_080, TC_081) and ExtendedTriggerMessage.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after as afterAll, before, describe, test } from 'node:test';
import forge from 'node-forge';
import type { FrameEvent } from '../src/ocpp/endpoint';
import { certificateHashData } from '../src/security/certificates';
import { keystoreFor } from '../src/security/keystore';
import { startFtpServer, type TestFtpServer } from './ftp-server';
import { selfSigned } from './pki';
import { scenario, type Scenario, type SentCall } from './tc-harness';

// Before any keystore use: the new client certificates of TC_074 go here, not into ~/.local/state.
const KEYSTORE_ROOT = mkdtempSync(join(tmpdir(), 'tc-security-keystore-'));
process.env.SSL_CLIENT_KEYSTORE_ROOT = KEYSTORE_ROOT;
afterAll(() => rm(KEYSTORE_ROOT, { recursive: true, force: true }));

type Match = (p: Record<string, unknown>) => boolean;
const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Calls (security events included) sent since index `from` of `s.calls`, optionally of one action. */
const since = (s: Scenario, from: number, action?: string): SentCall[] => s.calls.slice(from).filter((c) => action === undefined || c.action === action);

/** The first CALL `action` (matching) sent at or after index `from` of `s.calls`; waits up to 4 s. */
async function after(s: Scenario, from: number, action: string, match: Match = () => true): Promise<SentCall> {
  for (let waited = 0; ; waited += 10) {
    const hit = since(s, from, action).find((c) => match(c.payload));
    if (hit) return hit;
    if (waited > 4000) {
      throw new Error(`timed out waiting for ${action} after #${from}; sent since:\n  ${s.calls.slice(from).map((c) => `${c.action} ${JSON.stringify(c.payload)}`).join('\n  ')}`);
    }
    await pause(10);
  }
}

/** Wait (real time, up to 4 s) until `pred` holds. */
async function until(pred: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let waited = 0; !(await pred()); waited += 10) {
    if (waited > 4000) throw new Error(`timed out: ${what}`);
    await pause(10);
  }
}

const securityEvent = (type: string): Match => (p) => p.type === type;

// ---- test PKI (RSA keys from node:crypto, X.509 from forge) ----

interface TestCert {
  key: string;
  pem: string;
  cert: forge.pki.Certificate;
}

function rsaKeys(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

/** A certificate for `publicKey` (a new key pair when absent), issued by `issuer` or self-signed. */
function makeCert(cn: string, opts: { issuer?: TestCert; ca?: boolean; publicKey?: forge.pki.PublicKey; validFrom?: number; validTo?: number } = {}): TestCert {
  const keys = opts.publicKey ? undefined : rsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = opts.publicKey ?? forge.pki.publicKeyFromPem(keys!.publicKey);
  cert.serialNumber = `0${Math.floor(Math.random() * 0xffffff).toString(16)}`;
  cert.validity.notBefore = new Date(opts.validFrom ?? Date.now() - 60_000);
  cert.validity.notAfter = new Date(opts.validTo ?? Date.now() + 3_600_000);
  cert.setSubject([{ shortName: 'O', value: 'ocpp-sim test' }, { shortName: 'CN', value: cn }]);
  cert.setIssuer(opts.issuer ? opts.issuer.cert.subject.attributes : cert.subject.attributes);
  if (opts.ca) cert.setExtensions([{ name: 'basicConstraints', cA: true }]);
  const signingKey = opts.issuer?.key ?? keys?.privateKey;
  if (!signingKey) throw new Error('a certificate for a given key needs an issuer');
  cert.sign(forge.pki.privateKeyFromPem(signingKey), forge.md.sha256.create());
  return { key: keys?.privateKey ?? '', pem: forge.pki.certificateToPem(cert), cert };
}

const CPO_CA = makeCert('Test CPO CA', { ca: true });

/** Sign a CSR as the CPO CA would. */
function signCsr(csrPem: string, opts: { validTo?: number } = {}): string {
  const csr = forge.pki.certificationRequestFromPem(csrPem);
  return makeCert(String(csr.subject.getField('CN').value), { issuer: CPO_CA, publicKey: csr.publicKey!, validTo: opts.validTo }).pem;
}

/** ExtendedTriggerMessage(SignChargePointCertificate) and the CSR it produces. */
async function requestCsr(s: Scenario): Promise<string> {
  const from = s.calls.length;
  assert.deepEqual(await s.call('ExtendedTriggerMessage', { requestedMessage: 'SignChargePointCertificate' }), { status: 'Accepted' });
  const req = await after(s, from, 'SignCertificate');
  return req.payload.csr as string;
}

const hexDer = (pem: string): string => new X509Certificate(pem).raw.toString('hex');

/** A TCP port nothing listens on. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

// ---- the charge point certificate ----

test('TC_074 update charge point certificate by request of the central system: CSR, CertificateSigned, keystore, reconnect', async () => {
  const s = await scenario({ id: 'CP074' });
  try {
    assert.deepEqual(await s.call('ChangeConfiguration', { key: 'CpoName', value: 'My CPO' }), { status: 'Accepted' });
    const csrPem = await requestCsr(s);
    const csr = forge.pki.certificationRequestFromPem(csrPem);
    assert.ok(csr.verify(), 'the CSR is signed with its key');
    assert.equal(csr.siginfo.algorithmOid, forge.pki.oids.sha256WithRSAEncryption);
    assert.equal(csr.subject.getField('O').value, 'My CPO');
    assert.equal(csr.subject.getField('CN').value, 'CP074', 'CN = the serial number (the id by default)');
    const pendingKey = s.cp.station.security.pendingKey;
    assert.ok(pendingKey);

    let opens = 0;
    s.cp.on('open', () => opens++);
    const bootsBefore = s.calls.filter((c) => c.action === 'BootNotification').length;
    const chain = `${signCsr(csrPem)}${CPO_CA.pem}`;
    assert.deepEqual(await s.call('CertificateSigned', { certificateChain: chain }), { status: 'Accepted' });

    const keyFile = join(KEYSTORE_ROOT, 'CP074.key');
    const certFile = join(KEYSTORE_ROOT, 'CP074.cert');
    await until(() => stat(certFile).then(() => true, () => false), 'the keystore files');
    assert.equal((await stat(keyFile)).mode & 0o777, 0o600);
    assert.equal(await readFile(keyFile, 'utf8'), pendingKey.endsWith('\n') ? pendingKey : `${pendingKey}\n`);
    const savedChain = await readFile(certFile, 'utf8');
    assert.equal(savedChain.match(/BEGIN CERTIFICATE/g)!.length, 2);
    assert.equal(new X509Certificate(savedChain).checkPrivateKey(createPrivateKey(pendingKey)), true);
    assert.deepEqual(keystoreFor('CP074').get(), { id: 'CP074', key: keyFile, cert: certFile });
    assert.equal(s.cp.station.security.pendingKey, undefined);
    // The new certificate takes effect on a new connection, without a new boot.
    await until(() => opens >= 1 && s.cp.connected, 'the reconnect');
    assert.deepEqual(await s.call('ExtendedTriggerMessage', { requestedMessage: 'Heartbeat' }), { status: 'Accepted' });
    assert.equal(s.calls.filter((c) => c.action === 'BootNotification').length, bootsBefore);
  } finally {
    await s.close();
  }
});

test('TC_074 with the edition-1 cert[] shape: the CSMS puts a PEM certificateChain on the wire', async () => {
  const s = await scenario({ id: 'CP074L' });
  const wire: Record<string, unknown>[] = [];
  s.csms.on('frame', (_station: unknown, e: FrameEvent) => {
    if (e.direction === 'out' && e.frame?.type === 2 && e.frame.action === 'CertificateSigned') wire.push(e.frame.payload as Record<string, unknown>);
  });
  try {
    const csrPem = await requestCsr(s);
    const leafPem = signCsr(csrPem);
    assert.deepEqual(await s.call('CertificateSigned', { cert: [hexDer(leafPem), hexDer(CPO_CA.pem)] }), { status: 'Accepted' });
    assert.equal(wire.length, 1);
    assert.deepEqual(Object.keys(wire[0]!), ['certificateChain']);
    assert.equal((wire[0]!.certificateChain as string).match(/BEGIN CERTIFICATE/g)!.length, 2);
  } finally {
    await s.close();
  }
});

test('TC_077 invalid ChargePointCertificate: Rejected, then SecurityEventNotification InvalidChargePointCertificate', async () => {
  const s = await scenario({ id: 'CP077' });
  try {
    // No CSR pending yet.
    let from = s.calls.length;
    assert.deepEqual(await s.call('CertificateSigned', { certificateChain: CPO_CA.pem }), { status: 'Rejected' });
    await after(s, from, 'SecurityEventNotification', securityEvent('InvalidChargePointCertificate'));

    const csrPem = await requestCsr(s);
    const cases: [string, string][] = [
      ['a certificate for another key', `${makeCert('CP077', { issuer: CPO_CA }).pem}${CPO_CA.pem}`],
      ['an expired certificate', `${signCsr(csrPem, { validTo: Date.now() - 1000 })}${CPO_CA.pem}`],
      ['no certificate at all', 'not a certificate'],
      ['a chain in the wrong order', `${CPO_CA.pem}${signCsr(csrPem)}`],
    ];
    for (const [what, chain] of cases) {
      from = s.calls.length;
      assert.deepEqual(await s.call('CertificateSigned', { certificateChain: chain }), { status: 'Rejected' }, what);
      const event = await after(s, from, 'SecurityEventNotification', securityEvent('InvalidChargePointCertificate'));
      assert.ok(typeof event.payload.timestamp === 'string' && typeof event.payload.techInfo === 'string', what);
    }
    // The CSR is still pending: the right certificate is accepted afterwards.
    assert.ok(s.cp.station.security.pendingKey);
    assert.deepEqual(await s.call('CertificateSigned', { certificateChain: signCsr(csrPem) }), { status: 'Accepted' });
  } finally {
    await s.close();
  }
});

test('CertificateSigned longer than CertificateSignedMaxChainSize is Rejected', async () => {
  const s = await scenario({ id: 'CPMAX', profile: { configuration: { CertificateSignedMaxChainSize: 1000 } } });
  try {
    const csrPem = await requestCsr(s);
    const from = s.calls.length;
    assert.deepEqual(await s.call('CertificateSigned', { certificateChain: `${signCsr(csrPem)}${CPO_CA.pem}` }), { status: 'Rejected' });
    const event = await after(s, from, 'SecurityEventNotification', securityEvent('InvalidChargePointCertificate'));
    assert.match(String(event.payload.techInfo), /CertificateSignedMaxChainSize/);
  } finally {
    await s.close();
  }
});

// ---- root certificates ----

for (const [tc, type] of [['TC_075_1', 'ManufacturerRootCertificate'], ['TC_075_2', 'CentralSystemRootCertificate']] as const) {
  test(`${tc} install a ${type}: Accepted, listed by GetInstalledCertificateIds`, async () => {
    const s = await scenario({ id: `CP${tc.slice(3)}` });
    try {
      assert.deepEqual(await s.call('GetInstalledCertificateIds', { certificateType: type }), { status: 'NotFound' });
      const root = makeCert(`${type} 1`, { ca: true });
      assert.deepEqual(await s.call('InstallCertificate', { certificateType: type, certificate: root.pem }), { status: 'Accepted' });
      assert.deepEqual(await s.call('GetInstalledCertificateIds', { certificateType: type }), {
        status: 'Accepted',
        certificateHashData: [certificateHashData(root.pem)],
      });
      const other = type === 'CentralSystemRootCertificate' ? 'ManufacturerRootCertificate' : 'CentralSystemRootCertificate';
      assert.deepEqual(await s.call('GetInstalledCertificateIds', { certificateType: other }), { status: 'NotFound' });
    } finally {
      await s.close();
    }
  });
}

test('TC_076 delete a specific certificate: Accepted, then gone from GetInstalledCertificateIds; NotFound after', async () => {
  const s = await scenario({ id: 'CP076' });
  try {
    const [a, b] = [makeCert('Root A', { ca: true }), makeCert('Root B', { ca: true })];
    for (const root of [a, b]) assert.deepEqual(await s.call('InstallCertificate', { certificateType: 'CentralSystemRootCertificate', certificate: root.pem }), { status: 'Accepted' });
    const listed = (await s.call('GetInstalledCertificateIds', { certificateType: 'CentralSystemRootCertificate' })) as { certificateHashData: Record<string, string>[] };
    assert.equal(listed.certificateHashData.length, 2);
    const target = listed.certificateHashData.find((h) => h.serialNumber === certificateHashData(a.pem).serialNumber)!;
    assert.deepEqual(await s.call('DeleteCertificate', { certificateHashData: target }), { status: 'Accepted' });
    assert.deepEqual(await s.call('GetInstalledCertificateIds', { certificateType: 'CentralSystemRootCertificate' }), {
      status: 'Accepted',
      certificateHashData: [certificateHashData(b.pem)],
    });
    assert.deepEqual(await s.call('DeleteCertificate', { certificateHashData: target }), { status: 'NotFound' });
  } finally {
    await s.close();
  }
});

test('TC_078 invalid CentralSystemCertificate: InstallCertificate Rejected and SecurityEventNotification seen by the CSMS', async () => {
  const s = await scenario({ id: 'CP078' });
  try {
    const expired = makeCert('Expired Root', { ca: true, validFrom: Date.now() - 7_200_000, validTo: Date.now() - 3_600_000 });
    for (const certificate of [expired.pem, 'not a certificate']) {
      const from = s.calls.length;
      assert.deepEqual(await s.call('InstallCertificate', { certificateType: 'CentralSystemRootCertificate', certificate }), { status: 'Rejected' });
      await after(s, from, 'SecurityEventNotification', securityEvent('InvalidCentralSystemCertificate'));
    }
    assert.deepEqual(await s.call('GetInstalledCertificateIds', { certificateType: 'CentralSystemRootCertificate' }), { status: 'NotFound' });
  } finally {
    await s.close();
  }
});

test('InstallCertificate into a full store (CertificateStoreMaxLength) is Failed', async () => {
  const s = await scenario({ id: 'CPFULL', profile: { configuration: { CertificateStoreMaxLength: 1 } } });
  try {
    const install = (pem: string) => s.call('InstallCertificate', { certificateType: 'ManufacturerRootCertificate', certificate: pem });
    assert.deepEqual(await install(makeCert('Root 1', { ca: true }).pem), { status: 'Accepted' });
    assert.deepEqual(await install(makeCert('Root 2', { ca: true }).pem), { status: 'Failed' });
  } finally {
    await s.close();
  }
});

test('installed certificates are persisted in the state directory, the pending CSR key is not', async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'tc-security-state-'));
  const root = makeCert('Persisted Root', { ca: true });
  try {
    const s = await scenario({ id: 'CPSTATE', stateDir });
    try {
      assert.deepEqual(await s.call('InstallCertificate', { certificateType: 'CentralSystemRootCertificate', certificate: root.pem }), { status: 'Accepted' });
      await requestCsr(s);
      await s.call('ChangeConfiguration', { key: 'HeartbeatInterval', value: '300' });
      await s.settle();
    } finally {
      await s.close();
    }
    const text = await readFile(join(stateDir, 'CPSTATE.json'), 'utf8');
    assert.equal((JSON.parse(text) as { certificates: unknown[] }).certificates.length, 1);
    assert.doesNotMatch(text, /PRIVATE KEY/);
    const again = await scenario({ id: 'CPSTATE', stateDir });
    try {
      assert.deepEqual(await again.call('GetInstalledCertificateIds', { certificateType: 'CentralSystemRootCertificate' }), {
        status: 'Accepted',
        certificateHashData: [certificateHashData(root.pem)],
      });
    } finally {
      await again.close();
    }
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
});

// ---- logs and signed firmware over FTP ----

describe('over FTP', () => {
  let ftp: TestFtpServer;
  before(async () => {
    ftp = await startFtpServer('sec', 'secret');
  });
  afterAll(() => ftp.close());

  test('TC_079 get security log: Accepted with a filename, Uploading then Uploaded with the requestId, the file has the events', async () => {
    const s = await scenario({ id: 'CP079' });
    try {
      await s.call('InstallCertificate', { certificateType: 'CentralSystemRootCertificate', certificate: 'not a certificate' });
      await after(s, 0, 'SecurityEventNotification', securityEvent('InvalidCentralSystemCertificate'));
      const from = s.calls.length;
      const res = (await s.call('GetLog', { logType: 'SecurityLog', requestId: 79, log: { remoteLocation: `${ftp.url}/` } })) as { status: string; filename: string };
      assert.equal(res.status, 'Accepted');
      assert.match(res.filename, /^security-log-CP079-.*\.log$/);
      await after(s, from, 'LogStatusNotification', (p) => p.status === 'Uploaded');
      assert.deepEqual(since(s, from, 'LogStatusNotification').map((c) => c.payload), [
        { status: 'Uploading', requestId: 79 },
        { status: 'Uploaded', requestId: 79 },
      ]);
      const content = await readFile(join(ftp.root, res.filename), 'utf8');
      assert.match(content, /^\d{4}-\d\d-\d\dT[\d:.]+Z security InvalidCentralSystemCertificate: /m);
      // Afterwards the triggered status is Idle, belonging to no request.
      const t = s.calls.length;
      assert.deepEqual(await s.call('ExtendedTriggerMessage', { requestedMessage: 'LogStatusNotification' }), { status: 'Accepted' });
      assert.deepEqual((await after(s, t, 'LogStatusNotification')).payload, { status: 'Idle' });
    } finally {
      await s.close();
    }
  });

  test('GetLog DiagnosticsLog uploads the journal; a window in the past is empty; UploadFailure carries the requestId', async () => {
    const s = await scenario({ id: 'CPLOG' });
    try {
      let from = s.calls.length;
      const diag = (await s.call('GetLog', { logType: 'DiagnosticsLog', requestId: 1, log: { remoteLocation: `${ftp.url}/` } })) as { filename: string };
      await after(s, from, 'LogStatusNotification', (p) => p.status === 'Uploaded');
      assert.match(await readFile(join(ftp.root, diag.filename), 'utf8'), /frame >> \[2,"[^"]+","BootNotification"/);

      from = s.calls.length;
      const past = (await s.call('GetLog', {
        logType: 'DiagnosticsLog',
        requestId: 2,
        log: { remoteLocation: `${ftp.url}/`, oldestTimestamp: '2020-01-01T00:00:00Z', latestTimestamp: '2020-01-02T00:00:00Z' },
      })) as { filename: string };
      await after(s, from, 'LogStatusNotification', (p) => p.status === 'Uploaded' && p.requestId === 2);
      assert.equal(await readFile(join(ftp.root, past.filename), 'utf8'), '');

      from = s.calls.length;
      const dead = `ftp://sec:secret@127.0.0.1:${await deadPort()}/`;
      assert.equal(((await s.call('GetLog', { logType: 'SecurityLog', requestId: 3, log: { remoteLocation: dead }, retries: 0 })) as { status: string }).status, 'Accepted');
      await after(s, from, 'LogStatusNotification', (p) => p.status === 'UploadFailure');
      assert.deepEqual(since(s, from, 'LogStatusNotification').map((c) => c.payload), [
        { status: 'Uploading', requestId: 3 },
        { status: 'UploadFailure', requestId: 3 },
      ]);
      assert.deepEqual(await s.call('GetLog', { logType: 'SecurityLog', requestId: 4, log: { remoteLocation: 'sftp://example.invalid/logs' } }), { status: 'Rejected' });
    } finally {
      await s.close();
    }
  });

  const FIRMWARE = Buffer.from('signed firmware image v2\n');
  const signer = selfSigned('firmware signer');
  const signature = sign('sha256', FIRMWARE, signer.key).toString('base64');
  const signedStatuses = (s: Scenario, from: number) => since(s, from, 'SignedFirmwareStatusNotification').map((c) => c.payload);

  test('TC_080 secure firmware update: Downloading, Downloaded, SignatureVerified, Installing, reboot, Installed, FirmwareUpdated', async () => {
    await writeFile(join(ftp.root, 'fw080.bin'), FIRMWARE);
    const s = await scenario({ id: 'CP080' });
    try {
      const from = s.calls.length;
      const firmware = { location: `${ftp.url}/fw080.bin`, retrieveDateTime: new Date().toISOString(), signingCertificate: signer.cert, signature };
      assert.deepEqual(await s.call('SignedUpdateFirmware', { requestId: 80, firmware }), { status: 'Accepted' });
      await after(s, from, 'SignedFirmwareStatusNotification', (p) => p.status === 'Installed');
      assert.deepEqual(signedStatuses(s, from), ['Downloading', 'Downloaded', 'SignatureVerified', 'Installing', 'Installed'].map((status) => ({ status, requestId: 80 })));
      const order = s.calls.slice(from).map((c) => (c.action === 'SignedFirmwareStatusNotification' ? String(c.payload.status) : c.action));
      assert.ok(order.indexOf('BootNotification') > order.indexOf('Installing'), order.join(', '));
      assert.ok(order.indexOf('BootNotification') < order.indexOf('Installed'), order.join(', '));
      await after(s, from, 'SecurityEventNotification', securityEvent('FirmwareUpdated'));
      // The last update was signed: the triggered firmware status is a SignedFirmwareStatusNotification.
      const t = s.calls.length;
      assert.deepEqual(await s.call('ExtendedTriggerMessage', { requestedMessage: 'FirmwareStatusNotification' }), { status: 'Accepted' });
      assert.deepEqual((await after(s, t, 'SignedFirmwareStatusNotification')).payload, { status: 'Idle' });
      assert.equal(since(s, t, 'FirmwareStatusNotification').length, 0);
    } finally {
      await s.close();
    }
  });

  test('TC_081 secure firmware update with an invalid signature: InvalidSignature and SecurityEventNotification, no install', async () => {
    await writeFile(join(ftp.root, 'fw081.bin'), FIRMWARE);
    const s = await scenario({ id: 'CP081' });
    try {
      const from = s.calls.length;
      const bad = sign('sha256', Buffer.from('another image'), signer.key).toString('base64');
      const firmware = { location: `${ftp.url}/fw081.bin`, retrieveDateTime: new Date().toISOString(), signingCertificate: signer.cert, signature: bad };
      assert.deepEqual(await s.call('SignedUpdateFirmware', { requestId: 81, firmware }), { status: 'Accepted' });
      await after(s, from, 'SecurityEventNotification', securityEvent('InvalidFirmwareSignature'));
      assert.deepEqual(signedStatuses(s, from), ['Downloading', 'Downloaded', 'InvalidSignature'].map((status) => ({ status, requestId: 81 })));
      await s.settle(100);
      assert.equal(since(s, from, 'BootNotification').length, 0);
      assert.equal(s.cp.station.security.signedFirmware?.status, 'Idle');
    } finally {
      await s.close();
    }
  });

  test('SignedUpdateFirmware: InstallScheduled until installDateTime; DownloadFailed with the requestId', async () => {
    await writeFile(join(ftp.root, 'fw-later.bin'), FIRMWARE);
    const s = await scenario({ id: 'CPFWLATER' });
    try {
      let from = s.calls.length;
      const firmware = {
        location: `${ftp.url}/fw-later.bin`,
        retrieveDateTime: new Date().toISOString(),
        installDateTime: new Date(Date.now() + 800).toISOString(),
        signingCertificate: signer.cert,
        signature,
      };
      assert.deepEqual(await s.call('SignedUpdateFirmware', { requestId: 9, firmware }), { status: 'Accepted' });
      await after(s, from, 'SignedFirmwareStatusNotification', (p) => p.status === 'Installed');
      assert.deepEqual(signedStatuses(s, from).map((p) => p.status), ['Downloading', 'Downloaded', 'SignatureVerified', 'InstallScheduled', 'Installing', 'Installed']);

      from = s.calls.length;
      const missing = { ...firmware, location: `${ftp.url}/no-such-file.bin`, installDateTime: undefined };
      delete missing.installDateTime;
      assert.deepEqual(await s.call('SignedUpdateFirmware', { requestId: 10, retries: 0, firmware: missing }), { status: 'Accepted' });
      await after(s, from, 'SignedFirmwareStatusNotification', (p) => p.status === 'DownloadFailed');
      assert.deepEqual(signedStatuses(s, from), [{ status: 'Downloading', requestId: 10 }, { status: 'DownloadFailed', requestId: 10 }]);
    } finally {
      await s.close();
    }
  });
});

test('SignedUpdateFirmware with an unusable signing certificate: InvalidCertificate and InvalidFirmwareSigningCertificate', async () => {
  const s = await scenario({ id: 'CPFWCERT' });
  try {
    const firmware = (signingCertificate: string) => ({
      requestId: 7,
      retries: 0,
      firmware: { location: `ftp://x:y@127.0.0.1:${1}/fw.bin`, retrieveDateTime: new Date(Date.now() + 3_600_000).toISOString(), signingCertificate, signature: 'AAAA' },
    });
    const expired = makeCert('old signer', { validFrom: Date.now() - 7_200_000, validTo: Date.now() - 3_600_000 });
    let from = s.calls.length;
    assert.deepEqual(await s.call('SignedUpdateFirmware', firmware(expired.pem)), { status: 'InvalidCertificate' });
    await after(s, from, 'SecurityEventNotification', securityEvent('InvalidFirmwareSigningCertificate'));

    // With a ManufacturerRootCertificate installed, the signer must be issued by it.
    const manufacturer = makeCert('Manufacturer Root', { ca: true });
    assert.deepEqual(await s.call('InstallCertificate', { certificateType: 'ManufacturerRootCertificate', certificate: manufacturer.pem }), { status: 'Accepted' });
    from = s.calls.length;
    assert.deepEqual(await s.call('SignedUpdateFirmware', firmware(makeCert('stranger').pem)), { status: 'InvalidCertificate' });
    await after(s, from, 'SecurityEventNotification', securityEvent('InvalidFirmwareSigningCertificate'));
    assert.deepEqual(await s.call('SignedUpdateFirmware', firmware(makeCert('signer', { issuer: manufacturer }).pem)), { status: 'Accepted' });
    // A second update while the first waits for its retrieveDateTime (DownloadScheduled) cancels and supersedes it.
    await after(s, 0, 'SignedFirmwareStatusNotification', (p) => p.status === 'DownloadScheduled' && p.requestId === 7);
    assert.deepEqual(await s.call('SignedUpdateFirmware', firmware(makeCert('signer 2', { issuer: manufacturer }).pem)), { status: 'AcceptedCanceled' });
  } finally {
    await s.close();
  }
});

// ---- ExtendedTriggerMessage ----

test('ExtendedTriggerMessage sends each requested message; an unknown connector is Rejected', async () => {
  const s = await scenario({ id: 'CPETM', profile: { connectors: 2 } });
  try {
    const trigger = async (requestedMessage: string, connectorId?: number) => {
      const from = s.calls.length;
      const payload: Record<string, unknown> = { requestedMessage };
      if (connectorId !== undefined) payload.connectorId = connectorId;
      assert.deepEqual(await s.call('ExtendedTriggerMessage', payload), { status: 'Accepted' }, requestedMessage);
      return from;
    };
    let from = await trigger('BootNotification');
    assert.equal((await after(s, from, 'BootNotification')).payload.chargePointSerialNumber, 'CPETM');
    from = await trigger('Heartbeat');
    await after(s, from, 'Heartbeat');
    from = await trigger('MeterValues', 2);
    assert.equal((await after(s, from, 'MeterValues')).payload.connectorId, 2);
    from = await trigger('StatusNotification', 1);
    assert.deepEqual((await after(s, from, 'StatusNotification')).payload.connectorId, 1);
    from = await trigger('StatusNotification');
    await until(() => since(s, from, 'StatusNotification').length === 3, 'connectors 0, 1 and 2');
    from = await trigger('FirmwareStatusNotification');
    assert.deepEqual((await after(s, from, 'FirmwareStatusNotification')).payload, { status: 'Idle' });
    from = await trigger('LogStatusNotification');
    assert.deepEqual((await after(s, from, 'LogStatusNotification')).payload, { status: 'Idle' });
    from = await trigger('SignChargePointCertificate');
    const csr = forge.pki.certificationRequestFromPem((await after(s, from, 'SignCertificate')).payload.csr as string);
    assert.equal(csr.subject.getField('O').value, 'ocpp-sim', 'the vendor while CpoName is empty');
    assert.equal(csr.subject.getField('CN').value, 'CPETM');
    assert.deepEqual(await s.call('ExtendedTriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 3 }), { status: 'Rejected' });
    assert.deepEqual(await s.call('ExtendedTriggerMessage', { requestedMessage: 'MeterValues', connectorId: -1 }), { status: 'Rejected' });
  } finally {
    await s.close();
  }
});

test('a CSMS that refuses to sign: the CSR key is dropped', async () => {
  const s = await scenario({ id: 'CPNOSIGN' });
  s.csms.answer('SignCertificate', () => ({ status: 'Rejected' }));
  try {
    await requestCsr(s);
    await until(() => s.cp.station.security.pendingKey === undefined, 'the key dropped');
  } finally {
    await s.close();
  }
});

test('without the Security feature profile: ExtendedTriggerMessage NotImplemented, the other security actions NotSupported', async () => {
  const s = await scenario({ id: 'CPNOSEC', profile: { featureProfiles: ['Core', 'FirmwareManagement', 'RemoteTrigger'] } });
  try {
    assert.deepEqual(await s.call('ExtendedTriggerMessage', { requestedMessage: 'Heartbeat' }), { status: 'NotImplemented' });
    await assert.rejects(s.call('GetInstalledCertificateIds', { certificateType: 'CentralSystemRootCertificate' }), (err: { code?: string }) => err.code === 'NotSupported');
    assert.deepEqual(await s.call('TriggerMessage', { requestedMessage: 'Heartbeat' }), { status: 'Accepted' });
  } finally {
    await s.close();
  }
});
