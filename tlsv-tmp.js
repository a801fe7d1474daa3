const { createCa, issueServerCertificate } = require('/work/wt-h-sec201/server/dist/src/security/pki');
const https = require('node:https'); const WebSocket = require('/work/wt-h-sec201/node_modules/ws');
(async () => {
  const ca = await createCa('x'); const srv = await issueServerCertificate(ca);
  const s = https.createServer({ ...srv, maxVersion: 'TLSv1.1', minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
  s.on('tlsClientError', (e) => console.log('server side', e.code));
  await new Promise(r => s.listen(0, '127.0.0.1', r));
  const port = s.address().port;
  const ws = new WebSocket(`wss://localhost:${port}/x`, { ca: ca.cert });
  ws.on('error', (e) => { console.log('client', e.code, e.message);
    s.setSecureContext({ ...srv, minVersion: 'TLSv1.2' });
    const ws2 = new WebSocket(`wss://localhost:${port}/x`, { ca: ca.cert });
    ws2.on('error', (e) => { console.log('client2', e.code, e.message); process.exit(0); });
    ws2.on('unexpected-response', (q, r) => { console.log('2 got http', r.statusCode, ws2._req.socket.getProtocol()); process.exit(0); });
  });
})();
