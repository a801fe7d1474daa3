// Mirrors docs/web-api.md (the REST + bridge contract).
export type ConnState = 'disconnected' | 'connecting' | 'connected';

export interface Automation {
  heartbeat: boolean;
  meterValues: boolean;
  reconnect: boolean;
  autoPlugIn: boolean;
  securityEvents: boolean;
}

export interface ConnectorSummary {
  id: number;
  status: string;
  errorCode: string;
  plugged: boolean;
  transaction?: { id?: number; idTag: string; startedAt: string };
  energyWh?: number;
  powerW?: number;
}

export interface ChargepointSummary {
  id: string;
  url: string;
  state: ConnState;
  bootState: 'None' | 'Pending' | 'Accepted' | 'Rejected';
  securityProfile: number;
  connectors: ConnectorSummary[];
  automation: Automation;
  defaults: boolean;
  manualAnswers: string[];
  lastError?: string;
}

export interface FrameRecord {
  seq: number;
  at: string;
  direction: 'in' | 'out';
  text: string;
  messageType?: 2 | 3 | 4;
  uniqueId?: string;
  action?: string;
  rttMs?: number;
}

export interface LogRecord {
  at: string;
  level: 'info' | 'warning' | 'error';
  text: string;
}

export interface PendingCall {
  uniqueId: string;
  action: string;
  payload: object;
  at: string;
}

export interface Info {
  version: string;
  protocol: string;
  bridgePort: number;
  tokenRequired: boolean;
  csms: { url: string } | null;
  actions: { chargePoint: string[]; csms: string[] };
}

export interface CsmsStation {
  id: string;
  connectedAt: string;
}

export type BridgeMessage =
  | { type: 'hello'; chargepoints: ChargepointSummary[] }
  | { type: 'chargepoint'; cp: ChargepointSummary }
  | { type: 'removed'; id: string }
  | { type: 'frame'; id: string; frame: FrameRecord }
  | { type: 'log'; id: string; log: LogRecord }
  | { type: 'pending'; id: string; call: PendingCall }
  | { type: 'csms'; stations: CsmsStation[] };

export type BridgeState = 'connecting' | 'connected' | 'disconnected';

/** A charge point prefilled from the page URL (or kept after a failed create): not on the server yet. */
export interface Draft {
  url: string;
  password?: string;
  bootOnConnect: boolean;
}
