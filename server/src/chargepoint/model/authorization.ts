/**
 * Local authorization data: the Local Authorization List the CSMS manages (OCPP 1.6 §3.5.3,
 * §5.15 SendLocalList, §5.10 GetLocalListVersion) and the Authorization Cache the charge point
 * fills itself (§3.5.2). Pure state: no I/O, time passed in.
 * @module
 */
import type { Ocpp16Messages } from '../../ocpp/v16/types';

/** idTagInfo as the CSMS sends it (Authorize.conf, StartTransaction.conf, SendLocalList entries). */
export type IdTagInfo = Ocpp16Messages['Authorize']['response']['idTagInfo'];
type SendLocalList = Ocpp16Messages['SendLocalList']['request'];
/** SendLocalList.conf status. */
export type SendLocalListStatus = Ocpp16Messages['SendLocalList']['response']['status'];

/** Limits of the list, from the configuration keys of the same names. */
export interface LocalListLimits {
  /** `LocalAuthListMaxLength`: entries the list may hold. */
  maxLength: number;
  /** `SendLocalListMaxLength`: entries one SendLocalList may carry. */
  sendMaxLength: number;
}

/** An idTagInfo still valid at `now`: an expired Accepted entry reads as Expired (§3.5.2). */
function effective(info: IdTagInfo, now: number): IdTagInfo {
  if (info.status === 'Accepted' && info.expiryDate && Date.parse(info.expiryDate) <= now) return { ...info, status: 'Expired' };
  return info;
}

/** The list of a charge point that has none: shared, since a list is only ever replaced whole. */
const NO_ENTRIES: ReadonlyMap<string, IdTagInfo> = new Map();

/** The Local Authorization List: versioned, replaced in full or patched by differential updates. */
export class LocalAuthList {
  private entries = NO_ENTRIES;
  private listVersion = 0;

  /** The version GetLocalListVersion reports: 0 when no list (or an empty one) is installed (§5.10). */
  get version(): number {
    return this.entries.size === 0 ? 0 : this.listVersion;
  }

  /** Number of entries. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Apply a SendLocalList.req (§5.15): Full replaces, Differential adds, updates, and removes
   * entries without idTagInfo, and must carry a version above the installed one.
   */
  apply(req: SendLocalList, limits: LocalListLimits): SendLocalListStatus {
    const list = req.localAuthorizationList ?? [];
    if (list.length > limits.sendMaxLength) return 'Failed';
    if (req.updateType === 'Differential' && req.listVersion <= this.listVersion) return 'VersionMismatch';
    const next = req.updateType === 'Full' ? new Map<string, IdTagInfo>() : new Map(this.entries);
    for (const { idTag, idTagInfo } of list) {
      if (idTagInfo) next.set(idTag, idTagInfo);
      else next.delete(idTag);
    }
    if (next.size > limits.maxLength) return 'Failed';
    this.entries = next;
    this.listVersion = req.listVersion;
    return 'Accepted';
  }

  /** The entry for an idTag as valid at `now`, if the list holds it. */
  lookup(idTag: string, now: number): IdTagInfo | undefined {
    const info = this.entries.get(idTag);
    return info && effective(info, now);
  }

  /** Entries and version, for persistence. */
  snapshot(): { version: number; entries: [string, IdTagInfo][] } {
    return { version: this.listVersion, entries: [...this.entries] };
  }

  /** Restore what {@link LocalAuthList.snapshot} returned. */
  restore(s: { version: number; entries: [string, IdTagInfo][] }): void {
    this.listVersion = s.version;
    this.entries = new Map(s.entries);
  }
}

/**
 * The Authorization Cache: the last idTagInfo the CSMS gave for each idTag (from Authorize and
 * StartTransaction answers), bounded so a long load test cannot grow it without limit.
 */
export class AuthCache {
  private entriesMade: Map<string, IdTagInfo> | undefined;
  /** Made on first use. */
  private get entries(): Map<string, IdTagInfo> {
    return (this.entriesMade ??= new Map());
  }

  /**
   * Create an empty cache.
   * @param capacity Entries kept; the oldest is evicted first.
   */
  constructor(private readonly capacity = 1000) {}

  /** Remember the CSMS's verdict on an idTag. */
  put(idTag: string, info: IdTagInfo): void {
    this.entries.delete(idTag);
    this.entries.set(idTag, info);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** The cached entry as valid at `now`, if any. */
  lookup(idTag: string, now: number): IdTagInfo | undefined {
    const info = this.entries.get(idTag);
    return info && effective(info, now);
  }

  /** ClearCache (§5.4). */
  clear(): void {
    this.entries.clear();
  }
}
