// The wire types come from the server's own declarations (type-only: nothing of the server is
// bundled), so the UI and the REST/bridge contract (docs/web-api.md) cannot drift apart.
import type { ChargepointSummary } from '../../server/src/web/registry';

export type { ChargepointSummary, ConnectorSummary, EvseConnectorSummary, EvseSummary, FrameRecord, LogRecord, PendingCall } from '../../server/src/web/registry';
export type { VariableRow } from '../../server/src/web/station-view-v201';
export type { StationState201 } from '../../server/src/web/station-state-201';
export type Protocol = ChargepointSummary['protocol'];
export type { BridgeMessage, CsmsStation } from '../../server/src/web/bridge';
export type ConnState = ChargepointSummary['state'];
export type Automation = ChargepointSummary['automation'];

export interface Info {
  version: string;
  protocol: string;
  bridgePort: number;
  tokenRequired: boolean;       // every request needs the token (non-loopback BIND)
  scriptsNeedToken: boolean;    // console scripts need it (always, unless --no-token)
  scriptTimeoutS: number;       // a console script is stopped after this long
  csms: { url: string } | null;
  actions: { chargePoint: string[]; csms: string[] };
  actionsByProtocol?: Record<string, { chargePoint: string[]; csms: string[] }>;
  /** What the start restored from the state directory (null with --no-state). */
  restored?: { dir: string; ids: string[]; reconnecting: string[]; queuedMessages: number; framesRestored: number; failed: string[] } | null;
}

export type BridgeState = 'connecting' | 'connected' | 'disconnected';

/** A charge point prefilled from the page URL (or kept after a failed create): not on the server yet. */
export interface Draft {
  url: string;
  password?: string;
  bootOnConnect: boolean;
  protocol?: Protocol;
}
export type { SessionRecord, TelemetrySample } from '../../server/src/ev/telemetry';
export type { TelemetryBatch } from '../../server/src/web/telemetry-relay';
export type { EvSpec, ResolvedEv } from '../../server/src/ev/ev';

export type { FleetRow } from '../../server/src/web/fleet';
export type { CsmsEvent, CsmsFinding } from '../../server/src/web/csms-watch';
export type { MeterPoint, MeterSeriesRecord } from '../../server/src/csms/meter-series';
export type { CsmsFeedMessage } from '../../server/src/web/csms-feed';
