// A fleet: ten charge points with default behaviour, CP001 … CP010, each booting by itself.
// Half of them charge; then the fleet reports what it did.
//   ./start.sh --with-csms scripts-examples/fleet.js [count]
// (No script needed for a fleet that only idles: ./start.sh --cps 100 --url ws://host/ocpp/)
const count = Number(process.argv[2] || 10);
const base = process.env.CSMS_URL || 'ws://localhost:8100/';
const fleet = await connectMany(base, count, {
  idPrefix: 'CP',
  profile: { configuration: { MeterValueSampleInterval: 1 } },
  onProgress: (done, total) => done === total && console.log(`${total} charge points connected`),
});
console.log(`accepted: ${fleet.filter((cp) => cp.station.bootState === 'Accepted').length} of ${count}`);

// Every second one charges, started locally by a driver with its own idTag.
const charging = fleet.filter((_, i) => i % 2 === 0);
const started = await Promise.all(charging.map((cp, i) => cp.startCharging(1, `DRIVER-${i + 1}`)));
console.log(`sessions started: ${started.filter(Boolean).length}`);
await fleet[0].sleep(2200);

for (const cp of charging) cp.stopCharging(1);
await fleet[0].sleep(300);
const energy = charging.reduce((sum, cp) => sum + cp.station.connectors[1].meter.registerWh, 0);
console.log(`energy delivered: ${energy} Wh across ${charging.length} sessions`);
const statuses = {};
for (const cp of fleet) statuses[cp.station.connectors[1].status] = (statuses[cp.station.connectors[1].status] ?? 0) + 1;
console.log('connector 1 statuses:', JSON.stringify(statuses));
await Promise.all(fleet.map((cp) => cp.close()));
