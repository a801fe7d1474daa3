// A CSMS script: a whitelist session. Only the tokens in ALLOWED are authorized (anything else
// is Invalid); a remote start with an allowed token runs a short session.
// (Without a script: ./start.sh --csms --auth-mode whitelist --whitelist valid_token test_token.)
//
//   ./start.sh --csms scripts-examples/csms-whitelist.js
//   ./start.sh --cps 1 --url ws://127.0.0.1:8100/          # in a second terminal, or your own charger
//
// The script is the body of async (csms, logger, axios) => {…}.
const ALLOWED = new Set(['valid_token', 'test_token']);
const status = (idTag) => (ALLOWED.has(idTag) ? 'Accepted' : 'Invalid');

csms.on('Authorize', ({ cpId, payload }) => {
  logger.info(`${cpId}: Authorize ${payload.idTag} → ${status(payload.idTag)}`);
  return { idTagInfo: { status: status(payload.idTag) } };
});

const cpId = await csms.waitForChargePoint(undefined, 60_000);
logger.info(`${cpId} connected; waiting for an available connector`);
while (csms.transactions.availableConnector(cpId) === undefined) await csms.sleep(100);
const connectorId = csms.transactions.availableConnector(cpId);

const started = csms.waitFor(cpId, 'StartTransaction');
logger.info(`RemoteStartTransaction valid_token: ${(await csms.call(cpId, 'RemoteStartTransaction', { connectorId, idTag: 'valid_token' })).status}`);
const start = await started;
while (csms.transactions.open(cpId).length === 0) await csms.sleep(50);
const tx = csms.transactions.open(cpId)[0];
logger.info(`transaction ${tx.transactionId} started with ${start.idTag} on connector ${start.connectorId}`);

const stopped = csms.waitFor(cpId, 'StopTransaction', (p) => p.transactionId === tx.transactionId);
await csms.call(cpId, 'RemoteStopTransaction', { transactionId: tx.transactionId });
const stop = await stopped;
logger.info(`transaction ${tx.transactionId} stopped: ${stop.meterStop - tx.meterStart} Wh`);

logger.info('whitelist session done; present any other token at the charger to see it refused');
