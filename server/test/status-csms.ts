/** A mock CSMS for fleet tests that tells when every station's boot is on the fleet's record. */
import { MockCsms } from '../src/csms/mock-csms';

/** The CSMS and, per station id that sent a StatusNotification, the subprotocol it negotiated. */
export interface StatusCsms {
  /** The mock CSMS on a free port. */
  csms: MockCsms;
  /** Station id → subprotocol (`ocpp1.6`, `ocpp2.0.1`), from its first StatusNotification on. */
  statused: Map<string, string>;
}

/**
 * A mock CSMS on a free port, closed after the test. A StatusNotification follows the station's
 * receipt of its Accepted boot (B01.FR.05 order): once a station sent one, its BootNotification's
 * round trip is on its run's record.
 * @param t The test (for the cleanup).
 */
export async function statusCsms(t: { after(fn: () => unknown): void }): Promise<StatusCsms> {
  const csms = new MockCsms({ port: 0 });
  await csms.listen();
  t.after(() => csms.close());
  const statused = new Map<string, string>();
  csms.on('call', (s: { id: string; protocol: { subprotocol: string } }, call: { action: string }) => {
    if (call.action === 'StatusNotification') statused.set(s.id, s.protocol.subprotocol);
  });
  return { csms, statused };
}
