/**
 * Messages that point at the real cause (issue 14, point 9), through the real CLI on loopback:
 * `ws://` to a TLS port, a CSMS that wants a client certificate, a CSMS without the `ocpp1.6`
 * subprotocol, script errors on line 1, unknown keys in a `--profile` file.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { MockCsms } from '../src/csms/mock-csms';
import { createCa, issueServerCertificate, type CertificateAuthority, type KeyAndCertificate } from '../src/security/pki';
import { pause, runCli, startCli, until } from './helpers';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocpp-sim-messages-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A script file with this text. */
function scriptFile(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** The last line on stderr. */
const lastLine = (stderr: string): string => stderr.trimEnd().split('\n').at(-1)!;

describe('TLS', () => {
  let ca: CertificateAuthority;
  let server: KeyAndCertificate;
  let caFile: string;
  let csms: MockCsms;
  before(async () => {
    ca = await createCa('cli-messages test CA');
    server = await issueServerCertificate(ca);
    caFile = path.join(dir, 'ca.pem');
    fs.writeFileSync(caFile, ca.cert);
    // Security profile 3: client certificates required.
    csms = new MockCsms({ port: 0, tls: { ...server, requireClientCert: true }, pki: ca });
    await csms.listen();
  });
  after(() => csms.close());

  test('ws:// to a TLS port says to use wss://', async () => {
    const plain = csms.url.replace('wss://', 'ws://');
    const run = await runCli(['--stdin'], { input: `await connect('${plain}CP-PLAIN');` });
    assert.equal(run.code, 1);
    assert.equal(lastLine(run.stderr), `error: OcppConnectionError: ECONNRESET: ${plain}CP-PLAIN is a TLS port (the plain handshake got: socket hang up): connect with ${csms.url}CP-PLAIN`);
  });

  test('a 401 from a CSMS that wants a client certificate names the certificate, with or without a password', async () => {
    const bare = await runCli(['--ca', caFile, '--stdin'], { input: `await connect('${csms.url}CP-NOCERT');` });
    assert.equal(bare.code, 1);
    assert.match(lastLine(bare.stderr), /HTTP 401 Unauthorized \(the CSMS wants a client certificate \(security profile 3\): none was presented; give one with --keyStore or keyStoreElement, or a Basic-auth password\)$/);
    const withPassword = await runCli(['--ca', caFile, '--password', '0123456789abcdef0123456789abcdef', '--stdin'], { input: `await connect('${csms.url}CP-NOCERT');` });
    assert.equal(withPassword.code, 1);
    assert.match(lastLine(withPassword.stderr), /HTTP 401 Unauthorized \(the CSMS may require a client certificate \(security profile 3\): none was presented; give one with --keyStore or keyStoreElement; else check the Basic-auth password\)$/);
  });

  test('a TLS handshake refused for want of a client certificate says so', async (t) => {
    // A server that refuses at the TLS layer (TLS 1.3 certificate_required), as many CSMSs do.
    const strict = https.createServer({ ...server, ca: ca.cert, requestCert: true, rejectUnauthorized: true });
    strict.listen(0, '127.0.0.1');
    await once(strict, 'listening');
    t.after(() => strict.close());
    const url = `wss://127.0.0.1:${(strict.address() as AddressInfo).port}/CP-TLS`;
    const run = await runCli(['--ca', caFile, '--stdin'], { input: `await connect('${url}');` });
    assert.equal(run.code, 1);
    assert.match(lastLine(run.stderr), /TLS: wss:\/\/127\.0\.0\.1:\d+\/CP-TLS refused the handshake \(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED\): it requires a client certificate \(security profile 3\)/);
  });
  test('a TLS 1.2 handshake refused for want of a client certificate is not taken for a cipher mismatch', async (t) => {
    const strict = https.createServer({ ...server, maxVersion: 'TLSv1.2', ca: ca.cert, requestCert: true, rejectUnauthorized: true });
    strict.listen(0, '127.0.0.1');
    await once(strict, 'listening');
    t.after(() => strict.close());
    const run = await runCli(['--ca', caFile, '--stdin'], { input: `await connect('wss://127.0.0.1:${(strict.address() as AddressInfo).port}/CP-TLS12');` });
    assert.equal(run.code, 1);
    assert.match(lastLine(run.stderr), /refused the handshake \(ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE\): it requires a client certificate \(security profile 3\)/);
  });

  test('a TLS 1.2 CSMS without the OCPP cipher suites: one line naming them; --tls-ciphers widens the offer', async (t) => {
    const foreign = https.createServer({ ...server, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' });
    const wss = new WebSocketServer({ server: foreign, handleProtocols: () => 'ocpp1.6' });
    foreign.listen(0, '127.0.0.1');
    await once(foreign, 'listening');
    t.after(() => (wss.close(), foreign.close()));
    const url = `wss://127.0.0.1:${(foreign.address() as AddressInfo).port}/CP-CIPHER`;
    const input = `const cp = await connect('${url}'); console.log('connected'); await cp.close();`;
    const refused = await runCli(['--ca', caFile, '--stdin'], { input });
    assert.equal(refused.code, 1);
    assert.match(lastLine(refused.stderr), /TLS: wss:\/\/127\.0\.0\.1:\d+\/CP-CIPHER refused the handshake before any key was agreed: it shares no cipher suite with this charge point; .*--tls-ciphers$/);
    const widened = await runCli(['--ca', caFile, '--tls-ciphers', 'ECDHE-RSA-AES128-GCM-SHA256', '--stdin'], { input });
    assert.equal(widened.code, 0, widened.stderr);
    assert.match(widened.stdout, /connected/);
    const bad = await runCli(['--tls-ciphers', 'NOT-A-SUITE', '--stdin'], { input: '' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /'NOT-A-SUITE' names no TLS cipher suite this OpenSSL knows/);
  });
});

describe('a CSMS without the ocpp1.6 subprotocol', () => {
  /** A WebSocket server answering the handshake with `protocol` (false: none); counts connections. */
  async function server(protocol: string | false): Promise<{ url: string; connections: () => number; close(): Promise<void> }> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => protocol });
    await once(wss, 'listening');
    let connections = 0;
    wss.on('connection', () => connections++);
    return {
      url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
      connections: () => connections,
      close: () => new Promise((resolve) => wss.close(() => resolve())),
    };
  }

  for (const [protocol, line] of [
    [false, /accepted no subprotocol of those offered \(ocpp1\.6\): it does not speak this OCPP version/],
    ['ocpp2.0.1', /answered with subprotocol 'ocpp2\.0\.1', which was not offered \(ocpp1\.6\): it does not speak this OCPP version/],
  ] as const) {
    test(`answered with ${protocol || 'no subprotocol'}: one clear line, and a fleet does not retry`, async (t) => {
      const csms = await server(protocol);
      t.after(() => csms.close());
      const run = await runCli(['--stdin'], { input: `await connect('${csms.url}CP-SUB');` });
      assert.equal(run.code, 1);
      assert.match(lastLine(run.stderr), line);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      const fleet = startCli(['--cps', '1', '--url', csms.url]);
      t.after(() => fleet.stop());
      await until(() => /Ctrl-C to stop/.test(fleet.out()), 'the fleet started', 15_000);
      const before = csms.connections();
      // The back-off starts at 1 s: a retry would have dialled again within 3 s.
      await pause(3000);
      assert.equal(csms.connections(), before, 'no retry');
      assert.equal(fleet.out().match(/it does not speak this OCPP version; not retrying/g)?.length, 1, fleet.out());
    });
  }
});

describe('script errors on line 1 have the column of the fault', () => {
  test('a syntax error in a plain-body script, from a file and from stdin, and in a CommonJS one', async () => {
    const file = await runCli([scriptFile('syntax.js', 'await connect.foo(;\n')]);
    assert.equal(file.code, 1);
    assert.match(lastLine(file.stderr), /syntax\.js:1:19: SyntaxError: Unexpected token ';'$/);
    const stdin = await runCli(['--stdin'], { input: 'let x = 1; x = (;\n' });
    assert.match(lastLine(stdin.stderr), /^error: stdin\.js:1:17: SyntaxError: Unexpected token ';'$/);
    const second = await runCli(['--stdin'], { input: 'let x = 1;\nx = (;\n' });
    assert.match(lastLine(second.stderr), /^error: stdin\.js:2:6: SyntaxError: Unexpected token ';'$/);
    const cjs = await runCli([scriptFile('cjs.js', 'module.exports = async (connect) => { foo(; };\n')]);
    assert.match(lastLine(cjs.stderr), /cjs\.js:1:43: SyntaxError: Unexpected token ';'$/);
  });

  test('a runtime error on line 1 of a plain-body script', async () => {
    const run = await runCli([scriptFile('runtime.js', 'const cp = 1; cp.sendHeartbeat();\n')]);
    assert.equal(run.code, 1);
    assert.match(lastLine(run.stderr), /runtime\.js:1:18: TypeError: cp\.sendHeartbeat is not a function$/);
  });
});

describe('--profile', () => {
  test('unknown keys are refused, naming the known ones (1.6 and 2.0.1)', async () => {
    const profile = path.join(dir, 'station.json');
    fs.writeFileSync(profile, JSON.stringify({ vendor: 'ACME', conectors: 2 }));
    const script = scriptFile('noop.js', 'console.log("ran");\n');
    const v16 = await runCli(['--profile', profile, script]);
    assert.equal(v16.code, 1);
    assert.doesNotMatch(v16.stdout, /ran/);
    assert.match(lastLine(v16.stderr), /profile .*station\.json is not valid: unknown key 'conectors' \(known: vendor, model, serialNumber, firmwareVersion, connectors, .*configuration, ev\)$/);
    const v201 = await runCli(['--protocol', '2.0.1', '--profile', profile, script]);
    assert.equal(v201.code, 1);
    assert.match(lastLine(v201.stderr), /unknown key 'conectors' \(known: vendor, .*evses, .*variables, hardware, ev, iso15118\)$/);
  });
});
