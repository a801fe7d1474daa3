/**
 * Default answers of the LocalAuthListManagement profile (OCPP 1.6 §5.10, §5.15).
 * @module
 */
import type { Station } from '../station/station';
import { supports, type Behaviours } from './types';

function listEnabled(station: Station): boolean {
  return supports(station, 'LocalAuthListManagement') && station.config.bool('LocalAuthListEnabled');
}

/** LocalAuthListManagement behaviours. */
export const localAuthList: Behaviours = {
  // TC_042_1: -1 when the list is not supported or disabled; TC_042_2: 0 for an empty list.
  GetLocalListVersion(_req, { station }) {
    return { response: { listVersion: listEnabled(station) ? station.localList.version : -1 } };
  },

  // TC_043 / TC_043_1 / TC_043_2 / TC_043_3.
  SendLocalList(req, { station }) {
    if (!listEnabled(station)) return { response: { status: 'NotSupported' } };
    const status = station.localList.apply(req, {
      maxLength: station.config.int('LocalAuthListMaxLength'),
      sendMaxLength: station.config.int('SendLocalListMaxLength'),
    });
    return { response: { status } };
  },
};
