// A charge point that needs no handlers: it boots, then the CSMS starts and stops a session
// remotely and the built-in behaviour does the rest (Authorize, StartTransaction, Charging,
// meter values, StopTransaction). Run it against the embedded mock CSMS:
//   ./start.sh --with-csms --v scripts-examples/remote-start.js
const url = (process.env.CSMS_URL || 'ws://localhost:8100/') + 'REMOTE-START';
const cp = await connect(url, undefined, undefined, {
  boot: 'auto',
  profile: { vendor: 'ocpp-sim', model: 'Example', configuration: { MeterValueSampleInterval: 1 } },
});

// Watch what the charge point does on its own.
cp.on('status', (s) => console.log(`connector ${s.connectorId}: ${s.status}`));
cp.on('transaction', (t) => console.log(`transaction ${t.type} on connector ${t.connectorId}`));

// Play the CSMS: the mock CSMS of this process can call the charge point. (With a real CSMS you
// would start the session from its UI instead.)
const { csms } = globalThis.ocppSimExample ?? {};
if (csms) await csms.call('REMOTE-START', 'RemoteStartTransaction', { connectorId: 1, idTag: 'DRIVER-1' });
else await cp.startCharging(1, 'DRIVER-1');

await cp.sleep(3500); // three meter values, one per second
const tx = cp.station.connectors[1].transaction;
console.log(`charging: transaction ${tx.id}, ${cp.station.connectors[1].meter.registerWh} Wh so far`);
cp.stopCharging(1);
cp.unplug(1);
await cp.sleep(300);
console.log(`done: connector 1 is ${cp.station.connectors[1].status}`);
await cp.close();
