/**
 * Default answers of block F, RemoteControl: RequestStart/StopTransaction (F01-F03),
 * UnlockConnector (F05) and TriggerMessage (F06: the answer first, then the message).
 * @module
 */
import { reportedStatus } from '../../files/transfers';
import type { Ocpp201Messages, TriggerMessageStatusEnumType } from '../../ocpp/v201/types';
import type { StationContext } from '../station/context';
import { requestStationCertificate } from './certificates';
import type { Behaviours201 } from './types';

type TriggerRequest = Ocpp201Messages['TriggerMessage']['request'];
type Trigger = (ctx: StationContext, evse: TriggerRequest['evse']) => { status: TriggerMessageStatusEnumType; send?: () => unknown };

const rejected = { status: 'Rejected' as const };


/** How each requestedMessage is answered and sent; absent ones are NotImplemented (F06.FR.08). */
const TRIGGERS: Partial<Record<TriggerRequest['requestedMessage'], Trigger>> = {
  // F06.FR.17: a station already accepted refuses to boot again on request.
  BootNotification: ({ station, lifecycle }) =>
    station.bootState === 'Accepted' ? rejected : { status: 'Accepted', send: () => ((station.bootReason = 'Triggered'), lifecycle.boot()) },
  Heartbeat: ({ station }) => ({ status: 'Accepted', send: () => station.notify('Heartbeat', {}, true) }),
  // The running update's or upload's status with its requestId; Idle (no requestId) once none runs.
  LogStatusNotification: ({ station }) => ({ status: 'Accepted', send: () => station.notify('LogStatusNotification', reportedStatus(station.logUpload), true) }),
  FirmwareStatusNotification: ({ station }) => ({ status: 'Accepted', send: () => station.notify('FirmwareStatusNotification', reportedStatus(station.firmware), true) }),
  StatusNotification: ({ station }, evse) => {
    const e = station.evse(evse?.id);
    const c = evse?.connectorId === undefined ? undefined : e?.connectors.find((x) => x.id === evse.connectorId);
    return e && c ? { status: 'Accepted', send: () => station.report(e, c, true) } : rejected;
  },
  MeterValues: ({ station, transactions }, evse) => {
    const evses = evse ? [station.evse(evse.id)].filter((e) => e !== undefined) : station.evses;
    if (evses.length === 0) return rejected;
    return {
      status: 'Accepted',
      send: async () => {
        const measurands = station.device.list('AlignedDataCtrlr', 'Measurands');
        for (const e of evses) {
          const mv = transactions.read(e, measurands, 'Trigger');
          if (mv) await station.notify('MeterValues', { evseId: e.id, meterValue: [mv] }, true);
        }
      },
    };
  },
  // A02.FR.01: the answer, then SignCertificate with a fresh CSR.
  SignChargingStationCertificate: (ctx) => ({ status: 'Accepted', send: () => requestStationCertificate(ctx) }),
  // A02 for the SECC certificate: only a station that claims ISO 15118 (profile `iso15118`) has one.
  SignV2GCertificate: (ctx) =>
    ctx.station.profile.iso15118 ? { status: 'Accepted', send: () => requestStationCertificate(ctx, 'V2GCertificate') } : { status: 'NotImplemented' },
  // One certificate for both links (SignCertificate without certificateType): likewise only with ISO 15118.
  SignCombinedCertificate: (ctx) =>
    ctx.station.profile.iso15118 ? { status: 'Accepted', send: () => requestStationCertificate(ctx, 'Combined') } : { status: 'NotImplemented' },
  TransactionEvent: ({ station, transactions }, evse) => {
    const evses = (evse ? [station.evse(evse.id)] : station.evses).filter((e) => e?.transaction !== undefined);
    return evses.length ? { status: 'Accepted', send: () => evses.forEach((e) => transactions.triggered(e!)) } : rejected;
  },
};

/** RemoteControl defaults. */
export const remoteControl: Behaviours201 = {
  RequestStartTransaction: (req, ctx) => {
    const { station: s, reservations } = ctx;
    // B02.FR.05: not while Pending.
    if (s.bootState !== 'Accepted') return { response: { status: 'Rejected' } };
    const usable = (id: number): boolean => {
      const e = s.evse(id);
      return !!e && !e.transaction?.auth && e.connectors.every((c) => c.status !== 'Faulted' && c.status !== 'Unavailable') && reservations.allows(e, req.idToken, req.groupIdToken);
    };
    const e = req.evseId !== undefined ? (usable(req.evseId) ? s.evse(req.evseId) : undefined) : s.evses.find((x) => usable(x.id));
    if (!e) return { response: { status: 'Rejected' } };
    // K05: the profile of a remote start is the new transaction's TxProfile; without smart charging it is ignored (F01.FR.12).
    const profile = ctx.smartCharging.enabled ? req.chargingProfile : undefined;
    if (profile && profile.chargingProfilePurpose !== 'TxProfile') return { response: { status: 'Rejected', statusInfo: { reasonCode: 'InvalidProfile', additionalInfo: 'chargingProfile must be a TxProfile' } } };
    if (profile) ctx.smartCharging.startWith(e.id, profile);
    const response: Ocpp201Messages['RequestStartTransaction']['response'] = { status: 'Accepted' };
    // F01.FR.13: a transaction waiting for authorization is named.
    if (e.transaction) response.transactionId = e.transaction.id;
    return { response, followUp: () => remoteStart(ctx, e.id, req) };
  },

  RequestStopTransaction: (req, ctx) => {
    const e = ctx.transactions.evseOf(req.transactionId);
    if (!e) return { response: { status: 'Rejected' } };
    return { response: { status: 'Accepted' }, followUp: () => ctx.transactions.deauthorize(e, { trigger: 'RemoteStop', reason: 'Remote' }) };
  },

  UnlockConnector: (req, { station, transactions }) => {
    const e = station.evse(req.evseId);
    const c = e?.connectors.find((x) => x.id === req.connectorId);
    if (!e || !c) return { response: { status: 'UnknownConnector' } };
    if (e.transaction?.auth) return { response: { status: 'OngoingAuthorizedTransaction' } };
    if (!station.hardware.unlockFails) return { response: { status: 'Unlocked' } };
    // A lock that does not open is a ConnectorPlugRetentionLock problem (G05.FR.02).
    return { response: { status: 'UnlockFailed' }, followUp: () => transactions.lockProblem(e, c, true) };
  },

  TriggerMessage: (req, ctx) => {
    const trigger = TRIGGERS[req.requestedMessage];
    if (!trigger) return { response: { status: 'NotImplemented' } };
    const { status, send } = trigger(ctx, req.evse);
    return { response: { status }, followUp: send };
  },
};

/**
 * After an accepted RequestStartTransaction: Authorize first when AuthorizeRemoteStart (unless
 * the token is Central or NoAuthorization, F02), the simulated driver plugs in, then the EVSE is
 * authorized with the remoteStartId (triggerReason RemoteStart).
 */
async function remoteStart(ctx: StationContext, evseId: number, req: Ocpp201Messages['RequestStartTransaction']['request']): Promise<void> {
  const { station: s, transactions, authorization, reservations } = ctx;
  const e = s.mustEvse(evseId);
  const check = s.device.bool('AuthCtrlr', 'AuthorizeRemoteStart') && req.idToken.type !== 'Central' && req.idToken.type !== 'NoAuthorization';
  if (check) {
    const info = await authorization.authorize(req.idToken);
    if (info.status !== 'Accepted') return s.warn(`remote start ${req.remoteStartId}: token ${info.status}`);
  }
  if (s.automation.autoPlugIn && !e.connectors.some((c) => c.plugged)) transactions.plugIn(e, e.connectors[0]!.id);
  transactions.authorized(e, { idToken: req.idToken, groupIdToken: req.groupIdToken, remoteStartId: req.remoteStartId, reservationId: reservations.use(e) }, 'RemoteStart');
}
