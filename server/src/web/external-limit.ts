/**
 * The body of the REST routes that set and release an external charging limit on a 2.0.1 station
 * (K12/K13: an EMS, the system operator or another external system limits the station or an
 * EVSE; the station installs a ChargingStationExternalConstraints profile and tells the CSMS with
 * NotifyChargingLimit, and ClearedChargingLimit once released).
 * @module
 */
import type { ChargingStation } from '../charging-station/charging-station';
import type { ChargingLimitSourceEnumType } from '../ocpp/v201/types';
import { RegistryError } from './records';

/** The sources an external limit may come from (CSO is the CSMS's own, through SetChargingProfile). */
const SOURCES = ['EMS', 'SO', 'Other'] as const;

/** An external limit as the routes take it. */
export interface ExternalLimit {
  /** 0 for the whole station, else the EVSE. */
  evseId: number;
  /** Who sets it (default EMS). */
  source: Exclude<ChargingLimitSourceEnumType, 'CSO'>;
  /** The limit, ≥ 0, in `unit`. */
  limit: number;
  /** W (default) or A. */
  unit: 'A' | 'W';
  /** Whether it protects the grid (NotifyChargingLimit's isGridCritical). */
  isGridCritical?: boolean;
}

/**
 * Read and check an external limit (`evseId`, `source`, `limit`, `unit`, `isGridCritical`);
 * numbers may come as strings (query parameters). A 400 {@link RegistryError} names the field.
 * @param b The body (or query).
 * @param station The station (its EVSE count).
 */
export function externalLimitOf(b: Record<string, unknown>, station: ChargingStation): ExternalLimit {
  const evseId = Number(b.evseId ?? 0);
  if (!Number.isInteger(evseId) || evseId < 0 || evseId > station.station.evses.length) {
    throw new RegistryError(400, `evseId must be 0 (the station) or an EVSE 1..${station.station.evses.length}`);
  }
  const source = (b.source ?? 'EMS') as ExternalLimit['source'];
  if (!SOURCES.includes(source)) throw new RegistryError(400, `source must be one of ${SOURCES.join(', ')}`);
  const limit = Number(b.limit);
  if (b.limit === undefined || b.limit === '' || !Number.isFinite(limit) || limit < 0) throw new RegistryError(400, 'limit must be a number ≥ 0');
  const unit = (b.unit ?? 'W') as ExternalLimit['unit'];
  if (unit !== 'W' && unit !== 'A') throw new RegistryError(400, 'unit must be W or A');
  if (b.isGridCritical !== undefined && typeof b.isGridCritical !== 'boolean') throw new RegistryError(400, 'isGridCritical must be true or false');
  return { evseId, source, limit, unit, ...(b.isGridCritical !== undefined && { isGridCritical: b.isGridCritical as boolean }) };
}
