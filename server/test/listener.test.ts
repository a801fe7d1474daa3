import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { type Listener, startListener } from '../src/chargepoint/listener';

async function portOf(listener: Listener): Promise<number> {
  if (!listener.server.listening) await once(listener.server, 'listening');
  return (listener.server.address() as AddressInfo).port;
}

const basic = (user: string, password: string): Record<string, string> => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

test('serves a route added after start', async () => {
  const app = startListener(0, '127.0.0.1');
  try {
    app.get('/hello', (_req, res) => {
      res.send('hi');
    });
    const res = await fetch(`http://127.0.0.1:${await portOf(app)}/hello`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hi');
  } finally {
    app.terminate();
  }
});

test('Basic auth guards every route', async () => {
  const app = startListener(0, '127.0.0.1', { alice: 's3cret' });
  try {
    app.post('/upload', (_req, res) => {
      res.status(204).end();
    });
    const url = `http://127.0.0.1:${await portOf(app)}/upload`;
    const none = await fetch(url, { method: 'POST' });
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Basic /);
    assert.equal((await fetch(url, { method: 'POST', headers: basic('alice', 'wrong') })).status, 401);
    assert.equal((await fetch(url, { method: 'POST', headers: basic('bob', 's3cret') })).status, 401);
    assert.equal((await fetch(url, { method: 'POST', headers: basic('alice', 's3cret') })).status, 204);
  } finally {
    app.terminate();
  }
});

test('terminate frees the port, even with a keep-alive connection open', async () => {
  const app = startListener(0, '127.0.0.1');
  app.get('/', (_req, res) => {
    res.send('ok');
  });
  const port = await portOf(app);
  const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'keep-alive' } });
  assert.equal(await res.text(), 'ok');
  const closed = once(app.server, 'close');
  app.terminate();
  await closed;
  const probe = createServer();
  probe.listen(port, '127.0.0.1');
  await once(probe, 'listening');
  await new Promise((resolve) => probe.close(resolve));
});

test('a port in use fails with one line that names the port', async (t) => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  const port = (taken.address() as AddressInfo).port;
  const app = startListener(port, '127.0.0.1');
  // A script that watches 'error' gets the readable message (without a watcher it is thrown, as an unhandled 'error').
  const [err] = (await once(app.server, 'error')) as [Error];
  assert.equal(err.message, `startListener: port ${port} on 127.0.0.1 is already in use (EADDRINUSE); pick another port, or 0 for any free one`);
  assert.equal(app.server.listening, false);
});
