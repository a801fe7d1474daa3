/**
 * Mixed fleets: one fleet of 1.6 charge points and 2.0.1 stations in given shares
 * (`--protocol 1.6:70,2.0.1:30`, or `1.6,2.0.1` for equal ones). A charge point's version depends
 * only on its index in the whole fleet, through a short repeating pattern that spreads the shares
 * evenly, so `--shard` parts and `--workers` threads of one fleet agree on every id's version and
 * together hold exactly the shares of the whole.
 * @module
 */
import { parseSubprotocol, type Subprotocol } from '../ocpp/protocols';

/** One version's share of a mixed fleet. */
export interface VersionShare {
  /** The version. */
  protocol: Subprotocol;
  /** Its weight; the shares are the weights over their sum (70 and 30, or 7 and 3, alike). */
  weight: number;
}

/** Largest pattern a mix may need: the weights' sum after dividing out their common factor. */
const MAX_PERIOD = 10_000;

/**
 * Read a mix as typed: `1.6,2.0.1` (equal shares) or `1.6:70,2.0.1:30` (weights, e.g. percent).
 * @param text The list.
 * @returns The shares, in the order given.
 * @throws RangeError with one readable line for a bad name, weight, or a version named twice.
 */
export function parseVersionMix(text: string): VersionShare[] {
  const shares = text.split(',').map((part) => {
    const [name, weight, extra] = part.split(':');
    const w = weight === undefined ? 1 : Number(weight);
    if (extra !== undefined || !Number.isInteger(w) || w < 1 || w > MAX_PERIOD) {
      throw new RangeError(`a version mix is VERSION[:WEIGHT],… with whole weights from 1 to ${MAX_PERIOD}, e.g. 1.6:70,2.0.1:30 (got "${part}")`);
    }
    return { protocol: parseSubprotocol(name!), weight: w };
  });
  const names = new Set(shares.map((s) => s.protocol));
  if (names.size !== shares.length) throw new RangeError(`a version mix names each version once (got "${text}")`);
  const common = shares.map((s) => s.weight).reduce(gcd);
  if (shares.reduce((n, s) => n + s.weight / common, 0) > MAX_PERIOD) throw new RangeError(`a version mix's weights may add up to ${MAX_PERIOD} at most (got "${text}")`);
  return shares;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The share of each charge point of a mixed fleet.
 * @param shares The shares, each with its weight.
 * @returns For the fleet's charge point i (0-based, whole fleet), its share.
 */
export function shareOf<T extends { weight: number }>(shares: readonly T[]): (i: number) => T {
  const pattern = mixPattern(shares.map((s) => s.weight));
  return (i) => shares[pattern[i % pattern.length]!]!;
}

/**
 * The repeating pattern of a mix: entry `i % length` is the share (index into `weights`) of the
 * fleet's charge point `i` (0-based). Smooth weighted round robin over the reduced weights: each
 * share appears exactly its weight times per period, spread out (7:3 gives 0 1 0 0 0 1 0 0 1 0).
 * @param weights The shares' weights.
 */
export function mixPattern(weights: readonly number[]): number[] {
  const common = weights.reduce(gcd);
  const reduced = weights.map((w) => w / common);
  const period = reduced.reduce((a, b) => a + b, 0);
  const credit = reduced.map(() => 0);
  const pattern: number[] = [];
  for (let k = 0; k < period; k++) {
    let best = 0;
    for (let i = 0; i < reduced.length; i++) {
      credit[i]! += reduced[i]!;
      if (credit[i]! > credit[best]!) best = i;
    }
    credit[best]! -= period;
    pattern.push(best);
  }
  return pattern;
}
