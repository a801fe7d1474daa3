import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFtpServer as startTestFtpServer, type TestFtpServer } from './ftp-server';
import { selfSigned } from './pki';
import { ftpDownload, ftpUpload, ftpUploadDummyFile } from '../src/files/ftp';

const USER = 'cp user';
const PASSWORD = 'p@ss:w/rd-9';
const creds = `${encodeURIComponent(USER)}:${encodeURIComponent(PASSWORD)}`;

function startFtpServer(tls?: { key: string; cert: string }): Promise<TestFtpServer> {
  return startTestFtpServer(USER, PASSWORD, tls);
}

async function ocppSimTempDirs(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((n) => n.startsWith('ocpp-sim-'));
}

describe('ftp', () => {
  let server: TestFtpServer;
  before(async () => {
    server = await startFtpServer();
  });
  after(() => server.close());

  test('ftpUploadDummyFile writes the generated file into the URL directory', async () => {
    await mkdir(join(server.root, 'diag', 'in'), { recursive: true });
    await ftpUploadDummyFile(`ftp://${creds}@127.0.0.1:${server.port}/diag/in`, 'cp-1.log');
    const lines = (await readFile(join(server.root, 'diag', 'in', 'cp-1.log'), 'utf8')).trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.equal(lines[0], 'ocpp-sim dummy file');
    assert.equal(lines[1], 'cp-1.log');
    assert.ok(Math.abs(Date.parse(lines[2]!) - Date.now()) < 60_000, lines[2]);
  });

  test('ftpUpload writes given content to the login directory when the path is empty', async () => {
    await ftpUpload(`ftp://${creds}@127.0.0.1:${server.port}`, 'raw.bin', Buffer.from([0, 1, 2, 255]));
    assert.deepEqual([...(await readFile(join(server.root, 'raw.bin')))], [0, 1, 2, 255]);
  });

  test('ftpDownload fetches the file into a fresh temp dir', async () => {
    await mkdir(join(server.root, 'fw'), { recursive: true });
    await writeFile(join(server.root, 'fw', 'image-1.2.bin'), 'firmware bytes\n');
    const local = await ftpDownload(`ftp://${creds}@127.0.0.1:${server.port}/fw/image-1.2.bin`);
    try {
      assert.equal(basename(local), 'image-1.2.bin');
      assert.ok(basename(dirname(local)).startsWith('ocpp-sim-'));
      assert.equal(dirname(dirname(local)), tmpdir());
      assert.equal(await readFile(local, 'utf8'), 'firmware bytes\n');
    } finally {
      await rm(dirname(local), { recursive: true, force: true });
    }
  });

  test('a failed download leaves no temp dir behind', async () => {
    const before = await ocppSimTempDirs();
    await assert.rejects(ftpDownload(`ftp://${creds}@127.0.0.1:${server.port}/fw/missing.bin`), (err: Error) => {
      assert.match(err.message, /^FTP download from ftp:\/\/127\.0\.0\.1:\d+\/fw\/missing\.bin failed: 5\d\d /);
      return true;
    });
    assert.deepEqual((await ocppSimTempDirs()).filter((n) => !before.includes(n)), []);
  });

  test('bad credentials reject with one readable line without the password', async () => {
    const wrong = 'wrong-secret-42';
    await assert.rejects(ftpUploadDummyFile(`ftp://${encodeURIComponent(USER)}:${wrong}@127.0.0.1:${server.port}/diag`, 'x.log'), (err: Error) => {
      assert.match(err.message, new RegExp(`^FTP upload to ftp://127\\.0\\.0\\.1:${server.port}/diag failed: 530 Login incorrect$`));
      assert.ok(!err.message.includes(wrong));
      return true;
    });
  });

  test('without a port the default 21 is used', async () => {
    // Whatever answers (or not) on port 21, the message shows that 21 was the target.
    await assert.rejects(ftpUploadDummyFile(`ftp://${creds}@127.0.0.1/x`, 'x.log'), (err: Error) => {
      assert.match(err.message, /^FTP upload to ftp:\/\/127\.0\.0\.1:21\/x failed: /);
      assert.ok(!err.message.includes(PASSWORD));
      return true;
    });
  });

  test('an unparsable URL is not echoed, it may hold a password', async () => {
    await assert.rejects(ftpUploadDummyFile(`ftp://u:${PASSWORD}@127.0.0.1/x`, 'x.log'), (err: Error) => {
      assert.equal(err.message, 'FTP upload to (unparsable URL) failed: not a valid URL');
      return true;
    });
  });
});

describe('ftps (explicit AUTH TLS)', () => {
  const { key, cert } = selfSigned();
  let server: TestFtpServer;
  before(async () => {
    server = await startFtpServer({ key, cert });
  });
  after(() => server.close());

  test('uploads when the self-signed certificate is trusted via ca', async () => {
    await ftpUploadDummyFile(`ftps://${creds}@127.0.0.1:${server.port}/`, 'secure.log', { ca: cert });
    const content = await readFile(join(server.root, 'secure.log'), 'utf8');
    assert.match(content, /^ocpp-sim dummy file\nsecure\.log\n/);
  });

  test('rejects the untrusted certificate by default', async () => {
    await assert.rejects(ftpUploadDummyFile(`ftps://${creds}@127.0.0.1:${server.port}/`, 'nope.log'), /failed: .*certificate/i);
  });
});
