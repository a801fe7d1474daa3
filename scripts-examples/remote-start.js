// A charge point that needs no handlers: it boots by itself; when the CSMS sends
// RemoteStartTransaction, the built-in behaviour does the rest (Authorize, StartTransaction,
// Charging, meter values every MeterValueSampleInterval), and RemoteStopTransaction ends it.
//   ./start.sh --with-csms --v scripts-examples/remote-start.js
// With --with-csms the script plays the CSMS too (connect.csms); against your own CSMS, start
// and stop the session from its side while this runs. Either way the CSMS may stop the session
// before the script does: the script ends the same way.
const id = 'REMOTE-START';
const cp = await connect((process.env.CSMS_URL || 'ws://localhost:8100/') + id, undefined, undefined, {
  boot: 'auto',
  profile: { vendor: 'ocpp-sim', model: 'Example', configuration: { MeterValueSampleInterval: 1 } },
});
cp.on('status', (s) => console.log(`connector ${s.connectorId}: ${s.status}`));
cp.on('transaction', (t) => console.log(`transaction ${t.type} on connector ${t.connectorId}${t.reason ? ` (${t.reason})` : ''}`));

// Whoever ends the session (this script, your CSMS on its own, the driver), `stopped` gets the reason.
let stopReason;
const stopped = new Promise((resolve) => {
  cp.on('transaction', (t) => {
    if (t.type === 'stop' && t.connectorId === 1 && stopReason === undefined) resolve((stopReason = t.reason ?? 'Local'));
  });
});

const csms = connect.csms;
if (csms) console.log('RemoteStartTransaction:', (await csms.call(id, 'RemoteStartTransaction', { connectorId: 1, idTag: 'DRIVER-1' })).status);
else console.log('waiting for the CSMS to send RemoteStartTransaction…');

const connector = cp.station.connectors[1];
// Charging once the CSMS answered StartTransaction with a transactionId (unless it ended first).
while (stopReason === undefined && connector.transaction?.id === undefined) await cp.sleep(100);
const transactionId = connector.transaction?.id;
if (stopReason === undefined) {
  console.log(`charging: transaction ${transactionId}`);
  // Three meter values at one per second, unless the CSMS stops the session first.
  for (let i = 0; i < 32 && stopReason === undefined; i++) await cp.sleep(100);
  if (csms && stopReason === undefined) console.log('RemoteStopTransaction:', (await csms.call(id, 'RemoteStopTransaction', { transactionId })).status);
}
console.log(`transaction ${transactionId ?? '(never confirmed)'} stopped (${await stopped}), ${connector.meter.registerWh} Wh`);
cp.unplug(1); // the driver takes the cable: Finishing → Available
await cp.sleep(200);
console.log(`done: connector 1 is ${connector.status}`);
await cp.close();
