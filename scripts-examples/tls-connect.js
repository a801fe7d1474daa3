// Security profile 2: TLS with the server certificate verified, plus HTTP Basic auth whose password
// is the charge point's AuthorizationKey (32–40 hex digits).
//   ./start.sh --with-csms --tls --password 0123456789abcdef0123456789abcdef --v scripts-examples/tls-connect.js
// --with-csms --tls serves wss:// with a generated test CA that the charge points trust by
// themselves; against your own CSMS pass its CA with --ca FILE and its URL in CSMS_URL.
// Add --auth-key-raw to send the key as the 16–20 raw bytes it encodes instead of its hex text.
const id = 'TLS001';
const url = (process.env.CSMS_URL || 'wss://localhost:8100/') + id;
const cp = await connect(url, undefined, undefined, { boot: 'auto' });
console.log(`connected to ${cp.url} at security profile ${cp.station.config.int('SecurityProfile')}, registration ${cp.station.bootState}`);

const seen = connect.csms?.stations.get(id);
if (seen) console.log(`the CSMS authenticated ${seen.id} by Basic auth over TLS`);

// A new password (OCTT TC_073): the charge point accepts it, reconnects and logs in with it.
if (connect.csms) {
  const reconnected = new Promise((resolve) => cp.once('open', resolve));
  const answer = await connect.csms.call(id, 'ChangeConfiguration', { key: 'AuthorizationKey', value: 'fedcba9876543210fedcba9876543210' });
  console.log(`ChangeConfiguration(AuthorizationKey): ${answer.status}`);
  await reconnected;
  console.log('reconnected with the new AuthorizationKey');
}
await cp.sendHeartbeat();
await cp.close();
