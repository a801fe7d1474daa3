/** The mock CSMS side of the 1.6 security extension: wss://, client certificates, Basic auth, CSR signing, FTP(S), CLI. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { connect } from '../src/chargepoint/connect';
import { startFtpServer } from '../src/csms/ftp-server';
import { MockCsms, passwordMatches, type CertificateSigningResult, type ConnectedStation } from '../src/csms/mock-csms';
import { ftpUpload } from '../src/files/ftp';
import { generateCsr } from '../src/security/certificates';
import { createCa, issueServerCertificate, loadOrCreatePki, signCsr, type CertificateAuthority, type KeyAndCertificate } from '../src/security/pki';
import { ROOT, runCli } from './helpers';

let ca: CertificateAuthority;
let server: KeyAndCertificate;
const BOOT = { chargePointVendor: 'ocpp-sim', chargePointModel: 'security' };

before(async () => {
  ca = await createCa('csms-security test CA');
  server = await issueServerCertificate(ca);
});

/** Open a raw `ocpp1.6` socket; resolves 'open' or the HTTP status of a refused upgrade. */
function rawOpen(url: string, options: WebSocket.ClientOptions = {}): Promise<{ ws?: WebSocket; status?: number; error?: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, ['ocpp1.6'], options);
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode });
      ws.terminate();
    });
    ws.once('error', (err) => resolve({ error: err.message }));
  });
}

const basic = (user: string, password: Buffer | string): Record<string, string> => ({
  Authorization: `Basic ${Buffer.concat([Buffer.from(`${user}:`), Buffer.from(password)]).toString('base64')}`,
});

function listen(csms: MockCsms): Promise<MockCsms> {
  return csms.listen().then(() => csms);
}

describe('wss:// with the generated test CA', () => {
  test('pki: server certificate names localhost and 127.0.0.1 and chains to the CA', () => {
    const x = new X509Certificate(server.cert);
    assert.ok(x.verify(new X509Certificate(ca.cert).publicKey));
    assert.ok(x.checkHost('localhost'));
    assert.ok(x.checkIP('127.0.0.1'));
    assert.match(x.subjectAltName ?? '', /DNS:localhost/);
  });

  test('a charge point trusting the CA completes the wss handshake; one that does not is told why', async (t) => {
    const csms = await listen(new MockCsms({ port: 0, tls: server }));
    t.after(() => csms.close());
    assert.match(csms.url, /^wss:\/\/127\.0\.0\.1:\d+\/$/);
    const cp = await connect(`${csms.url}CP-TLS`, undefined, undefined, { tls: { ca: [ca.cert] } });
    t.after(() => cp.close());
    assert.equal((await cp.sendBootnotification(BOOT)).status, 'Accepted');
    assert.equal(csms.stations.get('CP-TLS')?.peerCertificate, undefined, 'no client certificate was asked for');
    const localhost = await rawOpen(csms.url.replace('127.0.0.1', 'localhost') + 'CP-LH', { ca: ca.cert });
    assert.ok(localhost.ws, localhost.error);
    localhost.ws.close();
    const untrusted = await rawOpen(`${csms.url}CP-NOCA`);
    assert.match(untrusted.error ?? '', /self.signed|unable to (get|verify)/i);
  });
});

describe('client certificates (security profile 3)', () => {
  let csms: MockCsms;
  const refused: string[] = [];
  before(async () => {
    csms = await listen(new MockCsms({ port: 0, tls: { ...server, requireClientCert: true }, pki: ca }));
    csms.on('refused', (_id: string, reason: string) => refused.push(reason));
  });
  after(() => csms.close());

  test('without a certificate: HTTP 401 and a refusal naming the charge point', async () => {
    const none = await rawOpen(`${csms.url}CP-NOCERT`, { ca: ca.cert });
    assert.equal(none.status, 401);
    assert.match(refused.at(-1) ?? '', /^CP-NOCERT: it presented no client certificate .*\(HTTP 401\)$/);
  });

  test('a certificate from another CA is refused too', async () => {
    const other = await createCa('someone else');
    const { key, csr } = await generateCsr({ CN: 'CP-FOREIGN' });
    const cert = signCsr(other, csr);
    const foreign = await rawOpen(`${csms.url}CP-FOREIGN`, { ca: ca.cert, key, cert });
    assert.equal(foreign.status, 401);
    assert.match(refused.at(-1) ?? '', /^CP-FOREIGN: its client certificate is not trusted/);
  });

  test('a certificate signed with signCsr is accepted and its subject seen', async (t) => {
    const { key, csr } = await generateCsr('/O=ocpp-sim/CN=CP-MTLS');
    const cert = signCsr(ca, csr, { days: 2 });
    const x = new X509Certificate(cert);
    assert.equal(x.subject, 'O=ocpp-sim\nCN=CP-MTLS', 'subject copied from the CSR');
    assert.ok(x.keyUsage?.includes('1.3.6.1.5.5.7.3.2'), 'extKeyUsage clientAuth');
    assert.ok(Date.parse(x.validTo) - Date.now() < 3 * 86_400_000);
    const connected = new Promise<ConnectedStation>((resolve) => csms.once('connect', resolve));
    const cp = await connect(`${csms.url}CP-MTLS`, undefined, undefined, { tls: { ca: [ca.cert], key, cert }, securityProfile: 3 });
    t.after(() => cp.close());
    const station = await connected;
    assert.equal(station.peerCertificate?.subject, 'CP-MTLS');
    assert.equal(station.peerCertificate?.issuer, 'csms-security test CA');
    assert.equal(station.peerCertificate?.fingerprint256, x.fingerprint256);
    assert.equal(new X509Certificate(station.peerCertificate!.pem).serialNumber, x.serialNumber);
    assert.equal(station.authorized, true);
    assert.equal((await cp.sendBootnotification(BOOT)).status, 'Accepted');
  });
});

describe('profiles 2 and 3 on one listener', () => {
  test('a verified client certificate stands in for the password; without one the password is needed', async (t) => {
    const csms = await listen(new MockCsms({ port: 0, tls: server, password: 'pw-2', pki: ca }));
    t.after(() => csms.close());
    const { key, csr } = await generateCsr({ CN: 'CP-P3' });
    const p3 = await rawOpen(`${csms.url}CP-P3`, { ca: ca.cert, key, cert: signCsr(ca, csr) });
    assert.ok(p3.ws, p3.error ?? `HTTP ${p3.status}`);
    p3.ws.close();
    assert.equal((await rawOpen(`${csms.url}CP-P2`, { ca: ca.cert })).status, 401);
    const p2 = await rawOpen(`${csms.url}CP-P2`, { ca: ca.cert, headers: basic('CP-P2', 'pw-2') });
    assert.ok(p2.ws, p2.error ?? `HTTP ${p2.status}`);
    p2.ws.close();
    const other = await createCa('not ours');
    const foreign = await rawOpen(`${csms.url}CP-F`, { ca: ca.cert, key, cert: signCsr(other, csr) });
    assert.equal(foreign.status, 401, 'an untrusted certificate does not replace the password');
  });
});

describe('Basic auth', () => {
  const KEY = '0123456789abcdef0123456789ABCDEF'; // 16 bytes as hex: an AuthorizationKey
  let csms: MockCsms;
  const refused: string[] = [];
  before(async () => {
    csms = await listen(new MockCsms({ port: 0, password: KEY, passwords: { 'CP-OWN': 'own-password' } }));
    csms.on('refused', (_id: string, reason: string) => refused.push(reason));
  });
  after(() => csms.close());

  test('the password as text or as the raw bytes of a hex key; wrong ones get 401', async () => {
    for (const password of [KEY, Buffer.from(KEY, 'hex')]) {
      const ok = await rawOpen(`${csms.url}CP-B`, { headers: basic('CP-B', password) });
      assert.ok(ok.ws, ok.error ?? `HTTP ${ok.status}`);
      ok.ws.close();
    }
    assert.equal((await rawOpen(`${csms.url}CP-B`, { headers: basic('CP-B', 'wrong') })).status, 401);
    assert.match(refused.at(-1)!, /^CP-B: wrong Basic-auth password \(HTTP 401\)$/);
    assert.equal((await rawOpen(`${csms.url}CP-B`)).status, 401);
    assert.match(refused.at(-1)!, /^CP-B: no Basic-auth credentials/);
    assert.equal((await rawOpen(`${csms.url}CP-B`, { headers: basic('CP-OTHER', KEY) })).status, 401);
    assert.match(refused.at(-1)!, /user name 'CP-OTHER' is not the charge point id/);
    assert.equal((await rawOpen(`${csms.url}CP-OWN`, { headers: basic('CP-OWN', KEY) })).status, 401, 'a per-charge-point password wins');
    const own = await rawOpen(`${csms.url}CP-OWN`, { headers: basic('CP-OWN', 'own-password') });
    assert.ok(own.ws);
    own.ws.close();
  });

  test('passwordMatches: hex decoding only for 32-40 hex digits', () => {
    assert.ok(passwordMatches(Buffer.from('secret'), 'secret'));
    assert.ok(!passwordMatches(Buffer.from('abcd', 'hex'), 'abcd'), 'too short to be an AuthorizationKey');
    const key40 = 'ab'.repeat(20);
    assert.ok(passwordMatches(Buffer.from(key40, 'hex'), key40));
    assert.ok(!passwordMatches(Buffer.from('ab'.repeat(21), 'hex'), 'ab'.repeat(21)));
  });

  test('our charge point logs in with the key as hex text and as raw bytes', async () => {
    for (const authorizationKeyEncoding of ['hex', 'raw'] as const) {
      const cp = await connect(`${csms.url}CP-ENC`, undefined, undefined, { password: KEY, authorizationKeyEncoding });
      assert.equal((await cp.sendBootnotification(BOOT)).status, 'Accepted');
      await cp.close();
    }
  });

  test('ChangeConfiguration(AuthorizationKey) answered Accepted becomes the charge point\'s password (TC_073)', async (t) => {
    const NEW = 'fedcba9876543210fedcba9876543210';
    const raw = await rawOpen(`${csms.url}CP-ROT`, { headers: basic('CP-ROT', KEY) });
    assert.ok(raw.ws);
    t.after(() => raw.ws!.close());
    // Play the charge point by hand: accept the change.
    raw.ws.on('message', (data) => {
      const [type, id, action] = JSON.parse(String(data)) as [number, string, string];
      if (type === 2 && action === 'ChangeConfiguration') raw.ws!.send(JSON.stringify([3, id, { status: 'Accepted' }]));
    });
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await csms.call('CP-ROT', 'ChangeConfiguration', { key: 'AuthorizationKey', value: NEW }), { status: 'Accepted' });
    assert.equal(csms.passwords.get('CP-ROT'), NEW);
    assert.equal((await rawOpen(`${csms.url}CP-ROT`, { headers: basic('CP-ROT', KEY) })).status, 401, 'the old key no longer works');
    const again = await rawOpen(`${csms.url}CP-ROT`, { headers: basic('CP-ROT', Buffer.from(NEW, 'hex')) });
    assert.ok(again.ws);
    again.ws.close();
  });
});

describe('SignCertificate and CertificateSigned', () => {
  let csms: MockCsms;
  before(async () => {
    csms = await listen(new MockCsms({ port: 0, pki: ca }));
  });
  after(() => csms.close());

  test('SignCertificate is answered Accepted, then CertificateSigned brings a certificate for the CSR key', async (t) => {
    const cp = await connect(`${csms.url}CP-CSR`);
    t.after(() => cp.close());
    await cp.sendBootnotification(BOOT);
    const received = new Promise<string>((resolve) =>
      cp.answer('CertificateSigned', (req) => {
        resolve(String(req.payload.certificateChain));
        return { status: 'Accepted' };
      }),
    );
    const outcome = new Promise<CertificateSigningResult>((resolve) => csms.once('certificateSigned', (_s, r: CertificateSigningResult) => resolve(r)));
    const order: string[] = [];
    cp.on('frame', (e: { direction: string; action?: string; frame?: { type: number } }) => {
      if (e.direction === 'in') order.push(`${e.frame?.type}:${e.action ?? ''}`);
    });
    const { key, csr } = await generateCsr({ O: 'ocpp-sim', CN: 'CP-CSR' });
    assert.deepEqual(await cp.sendSignCertificate({ csr }), { status: 'Accepted' });
    const chain = await received;
    assert.deepEqual(order.slice(0, 2), ['3:SignCertificate', '2:CertificateSigned'], 'the answer comes before CertificateSigned');
    const leaf = new X509Certificate(chain);
    const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
    assert.deepEqual(spki(leaf.publicKey), spki(createPublicKey(key)), 'the leaf carries the CSR public key');
    assert.ok(leaf.verify(new X509Certificate(ca.cert).publicKey), 'signed by the CA');
    assert.match(leaf.subject, /CN=CP-CSR/);
    assert.deepEqual(await outcome, { csr, certificateChain: chain, status: 'Accepted' });
  });

  test('an invalid CSR is answered Rejected and nothing follows', async (t) => {
    const cp = await connect(`${csms.url}CP-BADCSR`);
    t.after(() => cp.close());
    await cp.sendBootnotification(BOOT);
    let signed = false;
    cp.answer('CertificateSigned', () => {
      signed = true;
      return { status: 'Accepted' };
    });
    const warning = new Promise<string>((resolve) => csms.once('warning', (_s, line: string) => resolve(line)));
    const garbage = '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n';
    assert.deepEqual(await cp.sendSignCertificate({ csr: garbage }), { status: 'Rejected' });
    assert.match(await warning, /^SignCertificate rejected: invalid CSR/);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(signed, false);
  });

  test('signCsr refuses a CSR whose signature does not verify, and non-PEM text', async () => {
    const { csr } = await generateCsr({ CN: 'tampered' });
    const der = Buffer.from(csr.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 1] ^= 0xff; // the last byte belongs to the signature
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE REQUEST-----\n`;
    assert.throws(() => signCsr(ca, tampered), /^Error: invalid CSR: its signature does not verify$/);
    assert.throws(() => signCsr(ca, 'hello'), /invalid CSR: expected a PEM/);
  });
});

describe('loadOrCreatePki', () => {
  test('creates the files once (keys 0600) and reuses them', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pki-test-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const first = await loadOrCreatePki(path.join(dir, 'pki'));
    for (const f of ['ca.pem', 'ca.key', 'server.pem', 'server.key']) assert.ok(existsSync(path.join(dir, 'pki', f)), f);
    assert.equal(statSync(path.join(dir, 'pki', 'ca.key')).mode & 0o777, 0o600);
    assert.equal(statSync(path.join(dir, 'pki', 'server.key')).mode & 0o777, 0o600);
    assert.equal(first.caPath, path.join(dir, 'pki', 'ca.pem'));
    const second = await loadOrCreatePki(path.join(dir, 'pki'));
    assert.equal(second.ca.cert, first.ca.cert);
    assert.equal(second.server.cert, first.server.cert);
    // A server certificate from another CA is replaced.
    writeFileSync(path.join(dir, 'pki', 'server.pem'), server.cert);
    const third = await loadOrCreatePki(path.join(dir, 'pki'));
    assert.notEqual(third.server.cert, server.cert);
    assert.ok(new X509Certificate(third.server.cert).verify(new X509Certificate(first.ca.cert).publicKey));
  });
});

describe('embedded FTP server', () => {
  test('upload over ftp:// and ftps:// (AUTH TLS); bad credentials are rejected; close removes the temp root', async () => {
    const ftp = await startFtpServer({ user: 'cp', password: 'secret', tls: server });
    try {
      assert.match(ftp.url, /^ftp:\/\/cp:secret@127\.0\.0\.1:\d+\/$/);
      assert.equal(ftp.ftpsUrl, ftp.url.replace('ftp:', 'ftps:'));
      await ftpUpload(ftp.url, 'plain.log', 'over ftp\n');
      await ftpUpload(ftp.ftpsUrl!, 'secure.log', 'over ftps\n', { ca: ca.cert });
      assert.equal(await readFile(path.join(ftp.root, 'plain.log'), 'utf8'), 'over ftp\n');
      assert.equal(await readFile(path.join(ftp.root, 'secure.log'), 'utf8'), 'over ftps\n');
      await assert.rejects(ftpUpload(ftp.url.replace('secret', 'nope'), 'x.log', 'x'), /530 Login incorrect/);
      await assert.rejects(ftpUpload(ftp.ftpsUrl!, 'y.log', 'y'), /certificate/i, 'ftps verifies the server certificate');
    } finally {
      await ftp.close();
    }
    assert.equal(existsSync(ftp.root), false);
  });
});

describe('CLI', () => {
  test('./start.sh --csms --tls --client-cert --ftp prints the wss URL, the CA to pass with --ca, and the FTP URLs', async (t) => {
    const state = mkdtempSync(path.join(tmpdir(), 'cli-pki-'));
    t.after(() => rmSync(state, { recursive: true, force: true }));
    const pkiDir = path.join(state, 'pki');
    const child = spawn('bash', [path.join(ROOT, 'start.sh'), '--csms', '--port', '0', '--tls', '--client-cert', '--pki-dir', pkiDir, '--ftp', '--ftp-port', '0', '--v'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, XDG_STATE_HOME: state },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no FTP line: ${stdout}\n${stderr}`)), 20000);
      child.stdout.on('data', (d) => {
        stdout += d;
        if (/FTP server: /.test(stdout)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    t.after(() => child.kill('SIGKILL'));
    await ready;
    const url = /listening on (wss:\/\/127\.0\.0\.1:\d+\/)<charge point id>/.exec(stdout)?.[1];
    assert.ok(url, stdout);
    assert.match(stdout, new RegExp(`--ca ${pkiDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/ca\\.pem`));
    assert.match(stdout, /client certificates required/);
    const ftps = /\(FTPS: (ftps:\/\/ocpp:ocpp@127\.0\.0\.1:\d+\/)\)/.exec(stdout)?.[1];
    assert.ok(ftps, stdout);
    const caPem = readFileSync(path.join(pkiDir, 'ca.pem'), 'utf8');
    await ftpUpload(ftps, 'via-cli.log', 'hello\n', { ca: caPem });
    const { key, csr } = await generateCsr({ CN: 'CLI-MTLS' });
    const cert = signCsr({ cert: caPem, key: readFileSync(path.join(pkiDir, 'ca.key'), 'utf8') }, csr);
    const cp = await connect(`${url}CLI-MTLS`, undefined, undefined, { tls: { ca: [caPem], key, cert } });
    assert.equal((await cp.sendBootnotification(BOOT)).status, 'Accepted');
    await cp.close();
    child.kill('SIGINT');
    assert.equal(await new Promise((resolve) => child.on('close', resolve)), 0, stderr);
    // Said on stderr without --v1 (issue 14.8), with the peer's address.
    assert.match(stderr, /CLI-MTLS connected \(OCPP 1\.6\) from 127\.0\.0\.1:\d+ with client certificate CN=CLI-MTLS/);
  });

  test('--with-csms --tls --ftp: the script sees a wss CSMS_URL its charge points trust, FTP_URL, FTPS_URL and connect.csms.pki/ftp', async (t) => {
    const state = mkdtempSync(path.join(tmpdir(), 'cli-pki-'));
    t.after(() => rmSync(state, { recursive: true, force: true }));
    const script = path.join(state, 'tls-script.js');
    writeFileSync(
      script,
      `const cp = await connect(process.env.CSMS_URL + 'CP-SCRIPT');
const boot = await cp.sendBootnotification({ chargePointVendor: 'v', chargePointModel: 'm' });
await cp.ftpUploadDummyFile(process.env.FTPS_URL, 'from-script.log');
const fs = require('node:fs');
console.log('RESULT', boot.status, process.env.CSMS_URL.split(':')[0], process.env.FTP_URL.split(':')[0],
  fs.existsSync(connect.csms.ftp.root + '/from-script.log'), connect.csms.pki.caPath === ${JSON.stringify(path.join(state, 'pki', 'ca.pem'))});
await cp.close(); // a run lives while its charge points are open
`,
    );
    const run = await runCli(['--with-csms', '--port', '0', '--tls', '--pki-dir', path.join(state, 'pki'), '--ftp', '--ftp-port', '0', '--password', 'pw-123', script], {
      env: { XDG_STATE_HOME: state, FTP_URL: '', FTPS_URL: '' },
    });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /RESULT Accepted wss ftp true true/);
  });

  test('--insecure warns once on stderr; flag mistakes are usage errors', async () => {
    const run = await runCli(['--with-csms', '--port', '0', '--insecure', '--stdin'], { input: "const cp = await connect(process.env.CSMS_URL + 'CP-I');\nawait cp.close();" });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr.match(/WARNING: TLS certificate and host-name verification is OFF \(--insecure\)/g)?.length, 1);
    const usage = await runCli(['--csms', '--client-cert']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--client-cert needs --tls/);
    const half = await runCli(['--csms', '--tls-cert', 'x.pem']);
    assert.equal(half.code, 2);
    assert.match(half.stderr, /--tls-cert and --tls-key go together/);
  });
});
