/**
 * The charge point identity a central system reads from the connection URL, and which identities
 * it accepts: whatever it accepts ends up in logs, books, file names and Basic-auth user names.
 * @module
 */

/** Longest identity: 2.0.1's limit (Part 4, the connection URL: identifierString of 48), applied to 1.6 as well. */
export const MAX_IDENTITY_LENGTH = 48;

/** Printable ASCII without space, slash and backslash: the rule where a version names no character set (1.6). */
const PRINTABLE = { pattern: /^[\x21-\x2e\x30-\x5b\x5d-\x7e]+$/, text: 'printable ASCII without space, slash and backslash' };

/**
 * Character sets by subprotocol. 2.0.1: identifierString without `:` (Part 4, the connection
 * URL: the identity is also the Basic-auth user name).
 */
const CHARACTER_SETS: ReadonlyMap<string, typeof PRINTABLE> = new Map([
  ['ocpp2.0.1', { pattern: /^[A-Za-z0-9*\-_=+|@.]+$/, text: 'identifierString (A-Z a-z 0-9 * - _ = + | @ .)' }],
]);

/**
 * The identity in an upgrade request's path: its last segment as sent (no `..` resolved, so
 * `/CP1/x/..` names `..`, not CP1), percent-decoded; empty when the path has none or its escapes
 * are not UTF-8.
 * @param url The request target (`/ocpp/CP001?x=1`).
 */
export function identityFromUrl(url: string): string {
  const path = url.split(/[?#]/, 1)[0]!;
  try {
    return decodeURIComponent(path.split('/').filter(Boolean).pop() ?? '');
  } catch {
    return '';
  }
}

/**
 * Why an identity is refused, or undefined when it is acceptable: 1 to 48 characters, not `.` or
 * `..`, of the connection's version's character set: 2.0.1's identifierString, else printable
 * ASCII without space, slash and backslash.
 * @param identity The percent-decoded identity.
 * @param subprotocol The subprotocol the connection will speak, when known (`ocpp2.0.1`).
 */
export function invalidIdentity(identity: string, subprotocol = ''): string | undefined {
  if (identity.length === 0) return 'no charge point id in the URL path';
  const shown = JSON.stringify(identity.length > MAX_IDENTITY_LENGTH ? `${identity.slice(0, MAX_IDENTITY_LENGTH)}…` : identity);
  if (identity.length > MAX_IDENTITY_LENGTH) return `charge point id ${shown} has ${identity.length} characters (at most ${MAX_IDENTITY_LENGTH})`;
  if (identity === '.' || identity === '..') return `charge point id ${shown} is a path step`;
  const charset = CHARACTER_SETS.get(subprotocol) ?? PRINTABLE;
  if (!charset.pattern.test(identity)) return `charge point id ${shown} has characters outside ${charset.text}`;
  return undefined;
}

/**
 * True when a central system accepts `identity` (see {@link invalidIdentity}).
 * @param identity The percent-decoded identity.
 * @param subprotocol The subprotocol the connection will speak, when known.
 */
export function validIdentity(identity: string, subprotocol?: string): boolean {
  return invalidIdentity(identity, subprotocol) === undefined;
}
