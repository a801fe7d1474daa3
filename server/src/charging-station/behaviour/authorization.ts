/**
 * Default answers of blocks C and D: ClearCache (C11), SendLocalList and GetLocalListVersion
 * (D01, D02).
 * @module
 */
import type { Behaviours201 } from './types';

/** Authorization and local list defaults. */
export const authorization: Behaviours201 = {
  ClearCache: (_req, { authorization: a }) => ({ response: { status: a.clearCache() } }),
  SendLocalList: (req, { authorization: a }) => ({ response: { status: a.apply(req) } }),
  GetLocalListVersion: (_req, { authorization: a }) => ({ response: { versionNumber: a.version } }),
};
