/**
 * Authorization of a 2.0.1 station (C01, C10-C16, D01-D02): the verdict on an idToken from the
 * local authorization list, the authorization cache and Authorize, online and offline
 * (LocalPreAuthorize, LocalAuthorizeOffline, OfflineTxForUnknownIdEnabled,
 * DisableRemoteAuthorization, AuthCacheCtrlr.DisablePostAuthorize).
 * @module
 */
import type { IdTokenInfoType, IdTokenType, SendLocalListRequest, SendLocalListStatusEnumType } from '../../ocpp/v201/types';
import type { StationModel } from './station';

/** Tokens are equal when idToken (case-insensitive) and type match (C01.FR.25). */
export function tokenKey(t: IdTokenType): string {
  return `${t.type}:${t.idToken.toLowerCase()}`;
}

/** True when two tokens are the same token. */
export function sameToken(a: IdTokenType | undefined, b: IdTokenType | undefined): boolean {
  return a !== undefined && b !== undefined && tokenKey(a) === tokenKey(b);
}

/** What is kept across restarts. */
export interface SavedAuthorization {
  /** Local list version and entries. */
  localList: { version: number; entries: [IdTokenType, IdTokenInfoType][] };
  /** Cache entries with the time they were stored. */
  cache: [IdTokenType, IdTokenInfoType, number][];
}

/** Local list, cache and the authorization rules of one station. */
export class Authorizer {
  private listMade: Map<string, [IdTokenType, IdTokenInfoType]> | undefined;
  /** Made on first use. */
  private get list(): Map<string, [IdTokenType, IdTokenInfoType]> {
    return (this.listMade ??= new Map());
  }
  private listVersion = 0;
  private cacheMade: Map<string, [IdTokenType, IdTokenInfoType, number]> | undefined;
  /** Made on first use. */
  private get cache(): Map<string, [IdTokenType, IdTokenInfoType, number]> {
    return (this.cacheMade ??= new Map());
  }

  /**
   * Create the authorization state of a station.
   * @param s The station.
   */
  constructor(private readonly s: StationModel) {
    s.localListSize = () => this.list.size;
  }

  /** The local list's version (0: none, or the list is disabled; D02.FR.02). */
  get version(): number {
    return this.s.device.bool('LocalAuthListCtrlr', 'Enabled') ? this.listVersion : 0;
  }

  /** The verdict of the local list, then the cache (expired entries dropped), or undefined. */
  local(idToken: IdTokenType): IdTokenInfoType | undefined {
    return this.lookup(idToken)?.info;
  }

  /** The local verdict and where it came from (the list has precedence, C13.FR.01 / C14.FR.01). */
  private lookup(idToken: IdTokenType): { info: IdTokenInfoType; from: 'LocalAuthListCtrlr' | 'AuthCacheCtrlr' } | undefined {
    const d = this.s.device;
    const key = tokenKey(idToken);
    if (d.bool('LocalAuthListCtrlr', 'Enabled')) {
      const entry = this.list.get(key);
      if (entry) return { info: this.current(entry[1]), from: 'LocalAuthListCtrlr' };
    }
    if (!d.bool('AuthCacheCtrlr', 'Enabled')) return undefined;
    const cached = this.cache.get(key);
    if (!cached) return undefined;
    const lifetimeS = d.int('AuthCacheCtrlr', 'LifeTime');
    if (lifetimeS > 0 && this.s.now() - cached[2] > lifetimeS * 1000) {
      this.cache.delete(key);
      return undefined;
    }
    return { info: this.current(cached[1]), from: 'AuthCacheCtrlr' };
  }

  /** An entry past its cacheExpiryDateTime counts as Expired (C10.FR.08). */
  private current(info: IdTokenInfoType): IdTokenInfoType {
    const expiry = info.cacheExpiryDateTime ? Date.parse(info.cacheExpiryDateTime) : NaN;
    return expiry < this.s.now() ? { ...info, status: 'Expired' } : info;
  }

  /**
   * The verdict on a token presented at the station. Online: Authorize, unless LocalPreAuthorize
   * and the list or cache accept it (C12.FR.02), or the station is told not to ask
   * (DisableRemoteAuthorization; DisablePostAuthorize of the list or cache for a non-Accepted
   * entry, C12.FR.05 / C14.FR.03).
   * Offline: the list or cache when LocalAuthorizeOffline (C12.FR.04), an unknown token when
   * OfflineTxForUnknownIdEnabled (C15).
   */
  async authorize(idToken: IdTokenType): Promise<IdTokenInfoType> {
    if (idToken.type === 'NoAuthorization') return { status: 'Accepted' };
    const d = this.s.device;
    const found = this.lookup(idToken);
    const local = found?.info;
    if (this.s.online) {
      if (local?.status === 'Accepted' && d.bool('AuthCtrlr', 'LocalPreAuthorize')) return local;
      if (local && local.status !== 'Accepted' && d.bool(found!.from, 'DisablePostAuthorize')) return local;
      // TC_E_52: with remote authorization disabled only the list and the cache may say yes; no Authorize.
      if (d.bool('AuthCtrlr', 'DisableRemoteAuthorization')) return local ?? { status: 'Unknown' };
      const answer = await this.s.notify('Authorize', { idToken });
      if (answer) {
        this.learn(idToken, answer.idTokenInfo);
        return answer.idTokenInfo;
      }
    }
    if (local) return d.bool('AuthCtrlr', 'LocalAuthorizeOffline') ? local : { status: 'Unknown' };
    return { status: d.bool('AuthCtrlr', 'OfflineTxForUnknownIdEnabled') ? 'Accepted' : 'Unknown' };
  }

  /** Remember a CSMS verdict in the cache (C10.FR.01: from Authorize and TransactionEvent answers). */
  learn(idToken: IdTokenType, info: IdTokenInfoType): void {
    if (!this.s.device.bool('AuthCacheCtrlr', 'Enabled') || idToken.type === 'NoAuthorization' || idToken.type === 'Central') return;
    // A token of the local list is not cached (C10.FR.06: the list has precedence).
    if (this.list.has(tokenKey(idToken)) && this.s.device.bool('LocalAuthListCtrlr', 'Enabled')) return;
    this.cache.set(tokenKey(idToken), [idToken, info, this.s.now()]);
    this.s.changed();
  }

  /** ClearCache (C11): Rejected when the cache is disabled. */
  clearCache(): 'Accepted' | 'Rejected' {
    if (!this.s.device.bool('AuthCacheCtrlr', 'Enabled')) return 'Rejected';
    this.cache.clear();
    this.s.changed();
    return 'Accepted';
  }

  /**
   * SendLocalList (D01): Full replaces the list; Differential updates it (an entry without
   * idTokenInfo removes the token) and needs a newer version (VersionMismatch otherwise).
   */
  apply(req: SendLocalListRequest): SendLocalListStatusEnumType {
    const d = this.s.device;
    if (!d.bool('LocalAuthListCtrlr', 'Enabled')) return 'Failed';
    const entries = req.localAuthorizationList ?? [];
    if (entries.length > d.int('LocalAuthListCtrlr', 'ItemsPerMessage')) return 'Failed';
    if (req.updateType === 'Differential' && req.versionNumber <= this.listVersion) return 'VersionMismatch';
    if (req.updateType === 'Full') this.list.clear();
    for (const e of entries) {
      if (e.idTokenInfo) this.list.set(tokenKey(e.idToken), [e.idToken, e.idTokenInfo]);
      else this.list.delete(tokenKey(e.idToken));
    }
    this.listVersion = req.versionNumber;
    this.s.changed();
    return 'Accepted';
  }

  /**
   * What the station keeps about a customer's token (N09): its local list entry and its cache
   * entry, one line each.
   */
  customerData(idToken: IdTokenType): string[] {
    const key = tokenKey(idToken);
    const lines: string[] = [];
    const listed = this.list.get(key);
    if (listed) lines.push(`LocalAuthorizationList ${listed[0].type} ${listed[0].idToken}: ${JSON.stringify(listed[1])}`);
    const cached = this.cache.get(key);
    if (cached) lines.push(`AuthorizationCache ${cached[0].type} ${cached[0].idToken}: ${JSON.stringify(cached[1])} stored ${new Date(cached[2]).toISOString()}`);
    return lines;
  }

  /** Forget a customer's token (N10.FR.03/06): the cache entry goes; the local list stays, only the CSMS changes it. */
  forget(idToken: IdTokenType): boolean {
    const gone = this.cache.delete(tokenKey(idToken));
    if (gone) this.s.changed();
    return gone;
  }

  /** The state worth keeping. */
  snapshot(): SavedAuthorization {
    return { localList: { version: this.listVersion, entries: [...this.list.values()] }, cache: [...this.cache.values()] };
  }

  /** Restore a snapshot. */
  restore(saved: SavedAuthorization): void {
    this.listVersion = saved.localList.version;
    for (const [t, info] of saved.localList.entries) this.list.set(tokenKey(t), [t, info]);
    for (const [t, info, at] of saved.cache) this.cache.set(tokenKey(t), [t, info, at]);
  }
}
