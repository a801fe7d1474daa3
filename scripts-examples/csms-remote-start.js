// A CSMS script: a remote start on demand. Waits for a charge point, starts a session on an
// available connector, reports the meter values as they arrive, and stops after SECONDS seconds.
//
//   ./start.sh --csms scripts-examples/csms-remote-start.js [SECONDS]
//   ./start.sh --cps 1 --url ws://127.0.0.1:8100/          # in a second terminal, or your own charger
//
// The script is the body of async (csms, logger, axios) => {…}.
const seconds = Number(process.argv[2] ?? process.env.SESSION_SECONDS ?? 10);

const cpId = await csms.waitForChargePoint(undefined, 60_000);
while (csms.transactions.availableConnector(cpId) === undefined) await csms.sleep(100);
const connectorId = csms.transactions.availableConnector(cpId);

const started = csms.waitFor(cpId, 'StartTransaction', (p) => p.connectorId === connectorId);
const answer = await csms.call(cpId, 'RemoteStartTransaction', { connectorId, idTag: 'valid_token' });
if (answer.status !== 'Accepted') throw new Error(`${cpId} refused the remote start: ${answer.status}`);
await started;
while (csms.transactions.open(cpId).length === 0) await csms.sleep(50);
const tx = csms.transactions.open(cpId)[0];
logger.info(`${cpId}: transaction ${tx.transactionId} on connector ${connectorId}`);

const onMeter = (reading) => {
  if (reading.transactionId === tx.transactionId && reading.energyWh !== undefined) logger.info(`${cpId}: ${(reading.energyWh / 1000).toFixed(3)} kWh`);
};
csms.transactions.on('meterValues', onMeter);
// Ask for a reading now rather than waiting for MeterValueSampleInterval.
await csms.call(cpId, 'TriggerMessage', { requestedMessage: 'MeterValues', connectorId });
await csms.sleep(seconds * 1000);
csms.transactions.off('meterValues', onMeter);

const stopped = csms.waitFor(cpId, 'StopTransaction', (p) => p.transactionId === tx.transactionId);
await csms.call(cpId, 'RemoteStopTransaction', { transactionId: tx.transactionId });
await stopped;
while (csms.transactions.open(cpId).length > 0) await csms.sleep(50);
logger.info(`${cpId}: transaction ${tx.transactionId} finished, ${csms.transactions.get(tx.transactionId).energyWh} Wh`);
