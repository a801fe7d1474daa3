/**
 * Default answers of blocks O, DisplayMessage (SetDisplayMessage O01/O02/O06,
 * GetDisplayMessages → NotifyDisplayMessages O03/O04, ClearDisplayMessage O05), and I,
 * TariffAndCost (CostUpdated I02).
 * @module
 */
import type { MessageInfoType } from '../../ocpp/v201/types';
import type { StationContext } from '../station/context';
import { sendInParts } from './parts';
import type { Behaviours201 } from './types';

/** NotifyDisplayMessages in parts (O03.FR.03/04). */
async function sendDisplayMessages(ctx: StationContext, requestId: number, messages: MessageInfoType[]): Promise<void> {
  await sendInParts(ctx, messages, (messageInfo, _seqNo, tbc) => ctx.station.notify('NotifyDisplayMessages', { requestId, tbc, messageInfo }));
}

/** Display-message and cost defaults. */
export const display: Behaviours201 = {
  SetDisplayMessage: (req, ctx) => {
    const { status, reason } = ctx.display.set(req.message);
    if (reason) ctx.station.warn(`SetDisplayMessage ${req.message.id} ${status}: ${reason}`);
    return { response: reason ? { status, statusInfo: { reasonCode: status, additionalInfo: reason.slice(0, 512) } } : { status } };
  },

  GetDisplayMessages: (req, ctx) => {
    const found = ctx.display.find(req.id, req.priority, req.state);
    // O03.FR.06 / O04.FR.02/07: nothing matches → Unknown, and no notification.
    if (found.length === 0) return { response: { status: 'Unknown' } };
    return { response: { status: 'Accepted' }, followUp: () => sendDisplayMessages(ctx, req.requestId, found) };
  },

  ClearDisplayMessage: (req, ctx) => ({ response: { status: ctx.display.clear(req.id) } }),

  CostUpdated: (req, ctx) => {
    if (!ctx.tariffs.costUpdated(req.transactionId, req.totalCost)) ctx.station.warn(`CostUpdated for transaction ${req.transactionId}, which does not run here`);
    return { response: {} };
  },
};
