/**
 * What the driver does at the station: present an idToken at an EVSE (C01 local start and stop,
 * C09 group stop, C16 master pass, H03 reserved EVSEs, C01.FR.21 tokens restricted to some EVSEs).
 * @module
 */
import type { IdTokenInfoType, IdTokenType } from '../../ocpp/v201/types';
import { sameToken } from './authorization';
import type { StationContext } from './context';

/**
 * Present a token at an EVSE. With a transaction running, the same token (or one of its group,
 * or a master pass) stops it (StopAuthorized, E06/C16); another token does nothing (TC_C_04).
 * Otherwise an accepted token authorizes the EVSE, which starts the transaction when a start
 * point is met; a refused one sends no TransactionEvent (C01.FR.02).
 * @returns The verdict on the token.
 */
export async function presentToken(ctx: StationContext, evseId: number, idToken: IdTokenType): Promise<IdTokenInfoType> {
  const { station: s, transactions, authorization, reservations } = ctx;
  const e = s.mustEvse(evseId);
  const tx = e.transaction;
  if (tx?.auth && sameToken(tx.auth.idToken, idToken)) {
    transactions.deauthorize(e, { trigger: 'StopAuthorized', reason: 'Local' });
    return { status: 'Accepted' };
  }
  const info = await authorization.authorize(idToken);
  if (info.status !== 'Accepted') return info;
  const masterPass = s.device.str('AuthCtrlr', 'MasterPassGroupId');
  if (masterPass && info.groupIdToken?.idToken.toLowerCase() === masterPass.toLowerCase()) {
    // C16.FR.02 (no UI): a master pass stops every transaction; C16.FR.03: it never starts one.
    for (const x of s.evses) if (x.transaction) transactions.end(x, { trigger: 'StopAuthorized', reason: 'MasterPass' });
    return info;
  }
  if (tx?.auth) {
    if (tx.auth.groupIdToken && sameToken(tx.auth.groupIdToken, info.groupIdToken)) {
      transactions.deauthorize(e, { trigger: 'StopAuthorized', reason: 'Local' });
    }
    return info;
  }
  if (info.evseId && !info.evseId.includes(e.id)) return { ...info, status: 'NotAllowedTypeEVSE' };
  if (!tx && e.connectors.some((c) => c.status === 'Faulted' || c.status === 'Unavailable')) {
    s.warn(`EVSE ${e.id} is not available: token ignored`);
    return { ...info, status: 'NotAtThisLocation' };
  }
  if (!tx && !reservations.allows(e, idToken, info.groupIdToken)) {
    s.warn(`EVSE ${e.id} is reserved for another token`);
    return { ...info, status: 'NotAtThisLocation' };
  }
  const auth = { idToken, groupIdToken: info.groupIdToken, reservationId: tx ? undefined : reservations.use(e), personalMessage: info.personalMessage };
  transactions.authorized(e, auth, 'Authorized');
  return info;
}
