// A CSMS script: GetConfiguration every PERIOD seconds to every connected charge point, logging
// the keys that changed since the last round; ROUNDS rounds (0: until Ctrl-C).
// (Without a script: ./start.sh --csms --command GetConfiguration --period 30.)
//
//   ./start.sh --csms scripts-examples/csms-periodic-getconfiguration.js [PERIOD] [ROUNDS]
//   ./start.sh --cps 3 --url ws://127.0.0.1:8100/          # in a second terminal, or your own chargers
//
// The script is the body of async (csms, logger, axios) => {…}.
const period = Number(process.argv[2] ?? process.env.PERIOD_S ?? 30);
const rounds = Number(process.argv[3] ?? process.env.ROUNDS ?? 0);
const last = new Map(); // cpId → Map(key → value)

for (let round = 1; rounds === 0 || round <= rounds; round++) {
  if (csms.chargePoints.length === 0) await csms.waitForChargePoint(undefined, 3_600_000);
  await Promise.all(
    csms.chargePoints.map(async (cpId) => {
      try {
        const { configurationKey = [] } = await csms.call(cpId, 'GetConfiguration', {});
        const before = last.get(cpId) ?? new Map();
        const now = new Map(configurationKey.map((k) => [k.key, k.value]));
        const changed = [...now].filter(([k, v]) => before.get(k) !== v).map(([k, v]) => `${k}=${v}`);
        last.set(cpId, now);
        logger.info(`round ${round} ${cpId}: ${now.size} keys${changed.length ? `, changed: ${changed.join(' ')}` : ', no change'}`);
      } catch (err) {
        logger.warn(`round ${round} ${cpId}: GetConfiguration failed: ${err.message}`);
      }
    }),
  );
  if (rounds === 0 || round < rounds) await csms.sleep(period * 1000);
}
