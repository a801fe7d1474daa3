/**
 * Default answer of block P, DataTransfer: a station without vendor extensions knows no vendor
 * (P01.FR.05; TC_P_01_CS accepts UnknownVendorId).
 * @module
 */
import type { Behaviours201 } from './types';

/** DataTransfer default. */
export const dataTransfer: Behaviours201 = {
  DataTransfer: () => ({ response: { status: 'UnknownVendorId' } }),
};
