// Quick start: one charge point boots, reports its connectors, and runs a short charging session.
// Run it against the embedded mock CSMS:  ./start.sh --with-csms --v scripts-examples/quick-start.js
// or against your own central system:     CSMS_URL=ws://my-csms:9000/ocpp/ ./start.sh --v scripts-examples/quick-start.js
const base = process.env.CSMS_URL || 'ws://localhost:8100/';
const cp = await connect(new URL('CP001', base.endsWith('/') ? base : base + '/').href);

const boot = await cp.sendBootnotification({ chargePointVendor: 'ocpp-sim', chargePointModel: 'quick-start' });
cp.log(`boot ${boot.status}, heartbeat every ${boot.interval} s`);

for (const connectorId of [0, 1]) {
  await cp.sendStatusNotification({ connectorId, errorCode: 'NoError', status: 'Available' });
}

const idTag = 'DEMO-TAG';
const auth = await cp.sendAuthorize({ idTag });
if (auth.idTagInfo.status !== 'Accepted') throw new Error(`idTag ${idTag} was not accepted: ${auth.idTagInfo.status}`);

await cp.sendStatusNotification({ connectorId: 1, errorCode: 'NoError', status: 'Preparing' });
const tx = await cp.startTransaction({ connectorId: 1, idTag, meterStart: 0, timestamp: new Date().toISOString() });
await cp.sendStatusNotification({ connectorId: 1, errorCode: 'NoError', status: 'Charging' });

let energyWh = 0;
for (let i = 0; i < 3; i++) {
  await cp.sleep(200);
  energyWh += 250;
  await cp.meterValues({
    connectorId: 1,
    transactionId: tx.transactionId,
    meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: String(energyWh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
  });
}

await cp.stopTransaction({ transactionId: tx.transactionId, idTag, meterStop: energyWh, timestamp: new Date().toISOString(), reason: 'Local' });
await cp.sendStatusNotification({ connectorId: 1, errorCode: 'NoError', status: 'Finishing' });
await cp.sendStatusNotification({ connectorId: 1, errorCode: 'NoError', status: 'Available' });
cp.log(`transaction ${tx.transactionId} done: ${energyWh} Wh`);
await cp.close();
