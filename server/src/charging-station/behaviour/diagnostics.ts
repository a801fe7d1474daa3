/**
 * Default answers of block N, Diagnostics: GetLog (N01) on the log upload both OCPP versions
 * share ({@link runLogUpload}), and CustomerInformation (N09 report, N10 clear) answered with
 * NotifyCustomerInformation parts.
 * @module
 */
import { Journal } from '../../chargepoint/model/journal';
import { logFileName, runLogUpload, uploadable } from '../../files/log-upload';
import type { Request201 } from '../station/station';
import type { Behaviours201, StationContext } from './types';

/** NotifyCustomerInformation.data holds at most 512 characters. */
const DATA_MAX = 512;

/** A customer reference in words, for the report. */
function customerOf(req: Request201<'CustomerInformation'>): string {
  if (req.idToken) return `idToken ${req.idToken.type} ${req.idToken.idToken}`;
  if (req.customerIdentifier) return `customerIdentifier ${req.customerIdentifier}`;
  return `customerCertificate serial ${req.customerCertificate!.serialNumber}`;
}

/**
 * The report and clearing after an accepted CustomerInformation: what the station keeps about
 * the customer (the local list and the cache key tokens; nothing is kept by customerIdentifier or
 * certificate), cleared from the cache but not from the local list (N10.FR.03), reported in
 * NotifyCustomerInformation parts of at most 512 characters with seqNo from 0 and tbc on all but
 * the last. Without report, one notification says what was cleared (N10.FR.06).
 */
async function customerInformation(ctx: StationContext, req: Request201<'CustomerInformation'>): Promise<void> {
  const { station: s, authorization } = ctx;
  const found = req.idToken ? authorization.customerData(req.idToken) : [];
  if (req.clear && req.idToken) authorization.forget(req.idToken);
  const who = customerOf(req);
  const text =
    req.report ? (found.length ? [`${req.clear ? 'Cleared' : 'Data of'} ${who}:`, ...found].join('\n') : `No data found for ${who}`)
    : `Customer data of ${who} cleared`;
  const parts: string[] = [];
  for (let at = 0; at < text.length; at += DATA_MAX) parts.push(text.slice(at, at + DATA_MAX));
  const generatedAt = new Date(s.now()).toISOString();
  for (const [seqNo, data] of parts.entries()) {
    const tbc = seqNo < parts.length - 1;
    await s.notify('NotifyCustomerInformation', { data, seqNo, generatedAt, requestId: req.requestId, ...(tbc ? { tbc } : {}) });
  }
}

/** Diagnostics defaults. */
export const diagnostics: Behaviours201 = {
  GetLog: (req, ctx) => {
    const s = ctx.station;
    const { logType, requestId, log } = req;
    if (!uploadable(log.remoteLocation)) return { response: { status: 'Rejected' } };
    const from = log.oldestTimestamp ? Date.parse(log.oldestTimestamp) : undefined;
    const to = log.latestTimestamp ? Date.parse(log.latestTimestamp) : undefined;
    const entries = (logType === 'SecurityLog' ? s.securityLog : s.journal).entries(from, to);
    // N01.FR.05: no log information for the request.
    if (entries.length === 0) return { response: { status: 'Rejected' } };
    // N01.FR.12: a new request cancels the running upload.
    const canceled = s.logUpload.status === 'Uploading';
    const current = s.runs.start('log');
    const filename = logFileName(logType === 'SecurityLog' ? 'security' : 'diagnostics', s.link.id, s.now());
    const job = { location: log.remoteLocation, fileName: filename, content: Journal.format(entries), retries: req.retries, retryInterval: req.retryInterval };
    const followUp = async (): Promise<void> => {
      await runLogUpload(s, job, current, async (status) => {
        s.logUpload = { status, requestId };
        await s.notify('LogStatusNotification', { status, requestId });
      });
      if (current()) s.logUpload = { status: 'Idle' };
    };
    return { response: { status: canceled ? 'AcceptedCanceled' : 'Accepted', filename }, followUp };
  },

  CustomerInformation: (req, ctx) => {
    // N09.FR.07 / N10.FR.07: neither report nor clear asks for nothing.
    if (!req.report && !req.clear) return { response: { status: 'Rejected' } };
    // N09.FR.04 / N10.FR.08: the request must name the customer.
    if (!req.idToken && !req.customerIdentifier && !req.customerCertificate) return { response: { status: 'Invalid' } };
    return { response: { status: 'Accepted' }, followUp: () => customerInformation(ctx, req) };
  },
};
