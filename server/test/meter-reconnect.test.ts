/**
 * Meter sampling belongs to the transaction and the clock, not to the connection: a link that
 * drops every second still yields one MeterValues per MeterValueSampleInterval and per
 * ClockAlignedDataInterval, taken while offline, queued (OCPP 1.6 §4.7: transaction-related
 * MeterValues are guaranteed delivery) and delivered once each, oldest first, after the reconnect.
 * Real sockets (a MockCsms on 127.0.0.1 that cuts the charge point's TCP connection), virtual clock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitUntil } from './helpers';
import { scenario } from './tc-harness';

interface SampledMeterValue {
  timestamp: string;
  sampledValue: { context?: string }[];
}

test('a link cut every second for a minute still delivers a MeterValues per sample interval and per clock-aligned interval, taken offline, once each, in order', { timeout: 120_000 }, async () => {
  const SAMPLE_S = 5;
  const CLOCK_S = 10;
  const MINUTE = 60_000;
  const s = await scenario({
    virtual: true,
    // Reconnect 200–400 ms (virtual) after a drop: the link is down at every whole second.
    backoff: { minMs: 400, maxMs: 400 },
    profile: { configuration: { MeterValueSampleInterval: SAMPLE_S, ClockAlignedDataInterval: CLOCK_S, HeartbeatInterval: 3600 } },
  });
  const clock = s.clock!;
  const drops: number[] = [];
  const opens: number[] = [];
  s.cp.on('open', () => opens.push(clock.now()));
  try {
    await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'FLAKY' });
    await s.waitFor('StartTransaction');
    const startedAt = clock.now();
    assert.equal(startedAt % 1000, 0, 'the session starts on a whole second (the harness clock)');
    await s.advance(900);
    for (let second = 0; second < MINUTE / 1000; second++) {
      // Cut at .900 of each second, as a flaky link would; the charge point notices the close.
      drops.push(clock.now());
      s.csms.stations.get('CP1')!.ws.terminate();
      await waitUntil('the charge point noticing the cut', () => !s.cp.connected);
      await s.advance(450); // the sample of the whole second falls due here, offline; then the reconnect timer
      await waitUntil('the reconnect', () => s.cp.station.online, 10_000);
      await waitUntil('the queue to drain', () => s.cp.station.queue.length === 0 && s.cp.endpoint.idle, 10_000);
      await s.advance(550);
    }
    assert.equal(drops.length, 60);
    assert.ok(opens.length >= 60, `reconnected after every cut (${opens.length})`);
    assert.ok(s.warnings.every((w) => !/dropped/.test(w)), s.warnings.join('\n'));

    const meterValues = s.sent.filter((c) => c.action === 'MeterValues');
    const samples = meterValues.map((c) => ({
      transactionId: c.payload.transactionId,
      value: (c.payload.meterValue as SampledMeterValue[])[0]!,
    }));
    const ofContext = (context: string): number[] =>
      samples.filter((m) => m.value.sampledValue[0]?.context === context).map((m) => Date.parse(m.value.timestamp));
    const periodic = ofContext('Sample.Periodic');
    const aligned = ofContext('Sample.Clock');
    const elapsed = clock.now() - startedAt;
    assert.ok(periodic.length >= elapsed / (SAMPLE_S * 1000) - 1, `${periodic.length} Sample.Periodic in ${elapsed} ms`);
    assert.ok(aligned.length >= elapsed / (CLOCK_S * 1000) - 1, `${aligned.length} Sample.Clock in ${elapsed} ms`);
    // Phase kept: the periodic samples sit on the transaction's grid, the aligned ones on the clock's.
    periodic.forEach((at, i) => assert.equal(at, startedAt + (i + 1) * SAMPLE_S * 1000, `periodic sample ${i}`));
    aligned.forEach((at) => assert.equal(at % (CLOCK_S * 1000), 0, new Date(at).toISOString()));
    // Every sample was taken while the link was down: after a cut, before the reconnect that followed it.
    const offline = (at: number): boolean => drops.some((cut) => cut <= at && at < (opens.find((o) => o > cut) ?? Infinity));
    assert.ok([...periodic, ...aligned].every(offline), 'all samples fell into the offline windows');
    // Each delivered once, oldest first, all with the transaction's id.
    const keys = samples.map((m) => `${m.value.sampledValue[0]?.context}@${m.value.timestamp}`);
    assert.equal(new Set(keys).size, keys.length, 'each MeterValues once');
    const stamps = samples.map((m) => Date.parse(m.value.timestamp));
    assert.deepEqual(stamps, [...stamps].sort((a, b) => a - b), 'in timestamp order');
    const txId = s.cp.station.connectors[1]!.transaction?.id;
    assert.equal(typeof txId, 'number');
    assert.ok(samples.every((m) => m.transactionId === txId), 'every MeterValues carries the transactionId');
  } finally {
    await s.close();
  }
});

test('clock-aligned values of an idle connector are not transaction-related: sent when online, not queued while offline', async () => {
  const s = await scenario({
    virtual: true,
    backoff: { minMs: 20_000, maxMs: 20_000 },
    profile: { configuration: { MeterValueSampleInterval: 0, ClockAlignedDataInterval: 10, HeartbeatInterval: 3600 } },
  });
  try {
    await s.advance(10_000);
    const [online] = await s.waitFor('MeterValues');
    assert.equal(online!.payload.transactionId, undefined);
    assert.equal((online!.payload.meterValue as SampledMeterValue[])[0]!.timestamp, '2026-01-05T10:00:10.000Z');
    s.csms.stations.get('CP1')!.ws.terminate();
    await waitUntil('the charge point noticing the cut', () => !s.cp.connected);
    await s.advance(10_000); // 10:00:20 passes offline; the reconnect comes 10–20 s after the cut
    assert.equal(s.cp.station.queue.length, 0, 'nothing queued for an idle connector');
    await s.advance(10_000);
    await waitUntil('the reconnect', () => s.cp.station.online);
    await s.advance(10_000);
    const at = (c: { payload: Record<string, unknown> }): string => (c.payload.meterValue as SampledMeterValue[])[0]!.timestamp;
    await s.waitFor('MeterValues', (p) => at({ payload: p }) === '2026-01-05T10:00:40.000Z');
    const stamps = s.sent.filter((c) => c.action === 'MeterValues').map(at);
    assert.ok(!stamps.includes('2026-01-05T10:00:20.000Z'), `the offline value was not kept: ${stamps.join(', ')}`);
  } finally {
    await s.close();
  }
});
