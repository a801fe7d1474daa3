// An OCPP 2.0.1 charging station with two EVSEs and a whole local session, no handlers written:
// boot, a driver plugs in on EVSE 1 and presents an RFID card, the station charges with
// TransactionEvent meter values, the driver stops with the same card and unplugs.
//   ./start.sh scripts-examples/ocpp201-session.js      (CSMS_URL: a 2.0.1 CSMS, default ws://localhost:9000/)
// Every CSMS-initiated 2.0.1 Core action is answered by the built-in behaviour meanwhile.
const cs = await connect((process.env.CSMS_URL || 'ws://localhost:9000/') + 'CS201-EXAMPLE', undefined, undefined, {
  protocol: 'ocpp2.0.1',
  boot: 'auto',
  profile: {
    vendor: 'ocpp-sim',
    model: 'Example 2x22',
    evses: [{ connectors: ['cType2'] }, { connectors: ['cType2', 'cCCS2'], maxPowerW: 50000 }],
    variables: { 'SampledDataCtrlr.TxUpdatedInterval': 1, 'SampledDataCtrlr.TxUpdatedMeasurands': 'Energy.Active.Import.Register,Power.Active.Import' },
  },
});
cs.on('status', (s) => console.log(`EVSE ${s.evseId} connector ${s.connectorId}: ${s.status}`));
cs.on('transaction', (t) => console.log(`transaction ${t.type} on EVSE ${t.evseId}: ${t.transactionId}${t.reason ? ` (${t.reason})` : ''}`));
console.log(`booted: ${cs.station.bootState}`);

// The driver: cable first, then the card (an ISO 14443 UID).
cs.plugIn(1);
const verdict = await cs.presentToken(1, '04A1B2C3D4E5F6');
console.log(`card: ${verdict.status}`);
if (verdict.status === 'Accepted') {
  await cs.sleep(2500); // two TransactionEvent Updated (MeterValuePeriodic) at one per second
  await cs.presentToken(1, '04A1B2C3D4E5F6'); // the same card stops it (StopAuthorized, Local)
}
cs.unplug(1);
await cs.station.queue.drained(5000);
console.log(`done: EVSE 1 is ${cs.station.evse(1).connectors[0].status}, ${cs.station.evse(1).meter.registerWh} Wh`);
await cs.close();
