/**
 * `NODE_TLS_REJECT_UNAUTHORIZED=0` does not switch the charge point's TLS verification off
 * (README "Trust": always on, `--insecure` is the switch): the WebSocket and firmware downloads
 * over https:// pass `rejectUnauthorized` explicitly, and the CLI says once that the variable
 * is ignored. Real TLS servers with a self-signed certificate made here.
 */
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { connect } from '../src/chargepoint/connect';
import { MockCsms } from '../src/csms/mock-csms';
import { httpDownload } from '../src/files/http';
import { runCli } from './helpers';
import { selfSigned } from './pki';

const NOTICE = /NODE_TLS_REJECT_UNAUTHORIZED is ignored: TLS certificates are always verified; --insecure is the switch/g;

/** A wss:// mock CSMS whose certificate nobody trusts; counts the connections it accepted. */
async function untrustedCsms(t: { after(fn: () => Promise<void>): void }, pki: { key: string; cert: string }) {
  const csms = new MockCsms({ port: 0, host: '127.0.0.1', tls: { key: pki.key, cert: pki.cert } });
  let accepted = 0;
  csms.on('connect', () => accepted++);
  await csms.listen();
  t.after(() => csms.close());
  return { csms, accepted: () => accepted };
}

test('CLI: with NODE_TLS_REJECT_UNAUTHORIZED=0 the charge point still refuses an untrusted server, and one line says the variable is ignored', async (t) => {
  const { csms, accepted } = await untrustedCsms(t, selfSigned('localhost'));
  const script = `try { await connect(process.env.CSMS_URL + 'CP-ENV'); console.log('CONNECTED'); }
catch (err) { console.log('REFUSED ' + err.message); }`;
  const run = await runCli(['--stdin'], { input: script, env: { NODE_TLS_REJECT_UNAUTHORIZED: '0', CSMS_URL: csms.url } });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /REFUSED .*TLS: the certificate of wss:\/\/127\.0\.0\.1:\d+\/CP-ENV is not trusted/, run.stdout + run.stderr);
  assert.equal(accepted(), 0, 'the CSMS never got a WebSocket');
  assert.equal(run.stderr.match(NOTICE)?.length, 1, run.stderr);
  assert.doesNotMatch(run.stderr, /makes TLS connections and HTTPS requests insecure/, "no Node warning saying the opposite");

  const quiet = await runCli(['--stdin'], { input: 'console.log(1);', env: { NODE_TLS_REJECT_UNAUTHORIZED: undefined } });
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.doesNotMatch(quiet.stderr, NOTICE, 'no notice when the variable is not set');
});

test('library: with NODE_TLS_REJECT_UNAUTHORIZED=0 in this process, connect() and https:// firmware downloads still verify; a trusted CA or an explicit rejectUnauthorized: false still work', async (t) => {
  const pki = selfSigned('localhost');
  const { csms, accepted } = await untrustedCsms(t, pki);
  const files = https.createServer({ key: pki.key, cert: pki.cert }, (req, res) => {
    if (req.url === '/old.bin') res.writeHead(302, { location: '/fw.bin' }).end();
    else if (req.url === '/fw.bin') res.end('FIRMWARE');
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => files.close(() => resolve())));
  const location = `https://127.0.0.1:${(files.address() as AddressInfo).port}/fw.bin`;

  const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  try {
    await assert.rejects(connect(`${csms.url}CP-LIB`), (err: Error & { code?: string }) => err.code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || /not trusted/.test(err.message));
    assert.equal(accepted(), 0);
    await assert.rejects(httpDownload(location), (err: Error & { code?: string }) => err.code === 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.equal((await httpDownload(location, { ca: pki.cert })).toString(), 'FIRMWARE', 'the charge point\'s CAs apply to https://');
    assert.equal((await httpDownload(location, { rejectUnauthorized: false })).toString(), 'FIRMWARE', '--insecure still switches it off');
    assert.equal((await httpDownload(location.replace('fw.bin', 'old.bin'), { ca: pki.cert })).toString(), 'FIRMWARE', 'a redirect is followed');
    await assert.rejects(httpDownload(location.replace('fw.bin', 'none.bin'), { ca: pki.cert }), /HTTP 404 for https:/);
    const cp = await connect(`${csms.url}CP-LIB`, undefined, undefined, { tls: { ca: [pki.cert] } });
    await cp.close();
    assert.equal(accepted(), 1, 'a trusted server is reached');
  } finally {
    if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
  }
});
