/**
 * The README's security commands pair up as written (issue 14, point 9): the shell block of
 * "Security profiles, certificates and files" is read from README.md and run line by line in a
 * fresh home directory (so `~/.local/state/ocpp-sim/pki` is the PKI the CSMS creates, with real
 * certificates), with the test's free port for 8100 and port 0 for the CSMS's REST API and FTP
 * server. Every charge point started there must connect to the CSMS started before it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, freePort, until } from './helpers';

/** The shell commands of the README's security section, comments and blank lines left out. */
function readmeSecurityCommands(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Security profiles, certificates and files'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

/** A command running in the background, its output collected. */
interface Running {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

test("the README's security commands work together as written", async (t) => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ocpp-sim-readme-home-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, DEBUG: '', CSMS_URL: '' };
  delete env.XDG_STATE_HOME;
  delete env.SSL_CERT_FILE;
  delete env.SSL_CLIENT_KEYSTORE;
  delete env.SSL_CLIENT_KEYSTORE_ROOT;
  const running: Running[] = [];
  t.after(async () => {
    for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGINT');
    await Promise.all(running.map((r) => r.exited));
    fs.rmSync(home, { recursive: true, force: true });
  });
  const asRun = (line: string): string =>
    line
      .replaceAll('./start.sh', `bash ${JSON.stringify(path.join(ROOT, 'start.sh'))}`)
      .replaceAll('scripts-examples/', `${path.join(ROOT, 'scripts-examples')}/`)
      .replaceAll('8100', String(port))
      .replace(/--csms\b/, '--csms --http-port 0 --ftp-port 0')
      .replace(/--with-csms\b/, '--with-csms --port 0 --ftp-port 0');
  const start = (line: string): Running => {
    const child = spawn('bash', ['-c', asRun(line)], { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const r = { child, out: () => out, exited: once(child, 'exit').then(([code]) => code as number | null) };
    running.push(r);
    return r;
  };
  const stop = async (r: Running): Promise<number | null> => {
    r.child.kill('SIGINT');
    return r.exited;
  };

  const commands = readmeSecurityCommands();
  assert.ok(commands.filter((l) => l.includes('--cps')).length >= 2, 'a charge point for each standalone CSMS');
  let csms: Running | undefined;
  for (const line of commands) {
    if (/--csms\b/.test(line)) {
      if (csms) assert.equal(await stop(csms), 0, csms.out());
      csms = start(line);
      await until(() => /mock CSMS listening on wss:\/\//.test(csms!.out()) || csms!.child.exitCode !== null, `the CSMS of: ${line}`, 30_000);
      assert.equal(csms.child.exitCode, null, csms.out());
      assert.match(csms.out(), new RegExp(`trust it with --ca ${home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\.local/state/ocpp-sim/pki/ca\\.pem`), 'the CA the README tells charge points to trust');
    } else if (/--cps\b/.test(line)) {
      const cp = start(line);
      await until(() => /1 of 1 connected/.test(cp.out()) || /connect failed/.test(cp.out()) || cp.child.exitCode !== null, `the charge point of: ${line}`, 30_000);
      assert.match(cp.out(), /1 of 1 connected/, `${line}\n${cp.out()}\nCSMS:\n${csms?.out()}`);
      assert.equal(await stop(cp), 0, cp.out());
    } else if (line.startsWith('openssl ')) {
      execFileSync('bash', ['-c', asRun(line)], { cwd: home, env, stdio: 'pipe' });
    } else {
      const script = start(line);
      assert.equal(await script.exited, 0, `${line}\n${script.out()}`);
      assert.match(script.out(), /reconnected with the new AuthorizationKey/);
    }
  }
  if (csms) assert.equal(await stop(csms), 0, csms.out());
});
