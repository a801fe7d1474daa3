// A charge point that needs no handlers: it boots by itself; when the CSMS sends
// RemoteStartTransaction, the built-in behaviour does the rest (Authorize, StartTransaction,
// Charging, meter values every MeterValueSampleInterval), and RemoteStopTransaction ends it.
//   ./start.sh --with-csms --v scripts-examples/remote-start.js
// With --with-csms the script plays the CSMS too (connect.csms); against your own CSMS, start
// and stop the session from its side while this runs.
const id = 'REMOTE-START';
const cp = await connect((process.env.CSMS_URL || 'ws://localhost:8100/') + id, undefined, undefined, {
  boot: 'auto',
  profile: { vendor: 'ocpp-sim', model: 'Example', configuration: { MeterValueSampleInterval: 1 } },
});
cp.on('status', (s) => console.log(`connector ${s.connectorId}: ${s.status}`));
cp.on('transaction', (t) => console.log(`transaction ${t.type} on connector ${t.connectorId}${t.reason ? ` (${t.reason})` : ''}`));

const csms = connect.csms;
if (csms) console.log('RemoteStartTransaction:', (await csms.call(id, 'RemoteStartTransaction', { connectorId: 1, idTag: 'DRIVER-1' })).status);
else console.log('waiting for the CSMS to send RemoteStartTransaction…');

const connector = cp.station.connectors[1];
while (connector.transaction?.id === undefined) await cp.sleep(100);
await cp.sleep(3200); // three meter values at one per second
console.log(`charging: transaction ${connector.transaction.id}, ${connector.meter.registerWh} Wh so far`);

if (csms) console.log('RemoteStopTransaction:', (await csms.call(id, 'RemoteStopTransaction', { transactionId: connector.transaction.id })).status);
while (connector.transaction) await cp.sleep(100);
cp.unplug(1); // the driver takes the cable: Finishing → Available
await cp.sleep(200);
console.log(`done: connector 1 is ${connector.status}`);
await cp.close();
