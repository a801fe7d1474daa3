/**
 * Which network connection profile a 2.0.1 station dials (B09, B10, A05): the slots set with
 * SetNetworkProfile, tried in the order of `OCPPCommCtrlr.NetworkConfigurationPriority`. A
 * (re)boot starts at the first slot of the priority list (B10.FR.01: the new priority takes
 * effect after a reset); after `NetworkProfileConnectionAttempts` failed attempts the station
 * moves on to the next slot (B10.FR.03/04, the fallback of TC_B_46). The slot that connects sets
 * `SecurityCtrlr.SecurityProfile` (A05.FR.05). Slot 1 defaults to the URL and security profile
 * the station was started with.
 * @module
 */
import { initialSecurityProfile } from '../../chargepoint/security-profile';
import type { NetworkConnectionProfileType } from '../../ocpp/v201/types';
import type { StationModel } from './station';

/** Where one connection attempt goes. */
export interface NetworkTarget {
  /** Configuration slot (NetworkConfigurationPriority member). */
  slot: number;
  /** URL to dial, ending in the station identity. */
  url: URL;
  /** Security profile of the slot (1-3). */
  securityProfile: number;
}

/** The station's connection plan over its network profile slots. */
export class NetworkPlan {
  private order: number[] = [];
  private at = 0;
  private failures = 0;
  /** False between a (re)boot's first attempt and its first connection. */
  private settled = true;
  /** The security profile of the last connection (none yet in this process). */
  private lastProfile: number | undefined;
  private readonly initial: NetworkTarget;

  /**
   * Start a plan.
   * @param station The model (device model, profiles set with SetNetworkProfile).
   * @param url The URL the station was given (slot 1 unless SetNetworkProfile replaced it).
   * @param hasPassword Whether it has a Basic-auth password.
   * @param hasCertificate Whether it has a client certificate.
   */
  constructor(private readonly station: StationModel, url: URL, hasPassword: boolean, hasCertificate: boolean) {
    // 2.0.1 knows no profile 0: a ws:// station without password is profile 1 without credentials.
    const profile = Math.max(1, initialSecurityProfile(url, hasPassword, hasCertificate));
    this.initial = { slot: 1, url, securityProfile: profile };
    station.device.put('SecurityCtrlr', 'SecurityProfile', String(profile));
  }

  /** The target of the next attempt. A boot (bootState None) after a settled connection starts at the top priority. */
  next(): NetworkTarget {
    if (this.settled && this.station.bootState === 'None') this.restart();
    return this.target(this.order[this.at] ?? 1) ?? this.initial;
  }

  /** The attempt failed: after NetworkProfileConnectionAttempts failures, the next slot of the priority list. */
  failed(): void {
    this.failures++;
    if (this.failures < Math.max(1, this.station.device.int('OCPPCommCtrlr', 'NetworkProfileConnectionAttempts'))) return;
    this.failures = 0;
    // A05.FR.06: once connected on a security profile, never fall back to a lower one.
    const current = this.order[this.at];
    this.order = this.order.filter((slot) => slot === current || this.notLower(slot));
    this.at = Math.max(0, this.order.indexOf(current!));
    if (this.order.length > 1) {
      this.at = (this.at + 1) % this.order.length;
      this.station.warn(`network profile: falling back to configuration slot ${this.order[this.at]}`);
    }
  }

  /** The slot's security profile is not below the one in use (3 → 2 only with AllowSecurityProfileDowngrade). */
  private notLower(slot: number): boolean {
    const d = this.station.device;
    const current = d.int('SecurityCtrlr', 'SecurityProfile');
    const profile = this.target(slot)?.securityProfile ?? 0;
    return profile >= current || (current === 3 && profile === 2 && d.bool('SecurityCtrlr', 'AllowSecurityProfileDowngrade'));
  }

  /** Connected through `target`: it is the profile in use now; a change from the last connection's is a security event. */
  connected(target: NetworkTarget): void {
    this.failures = 0;
    this.settled = true;
    const before = this.lastProfile;
    this.lastProfile = target.securityProfile;
    this.station.device.put('SecurityCtrlr', 'SecurityProfile', String(target.securityProfile));
    if (before !== undefined && before !== target.securityProfile) {
      this.station.raise('ReconfigurationOfSecurityParameters', `SecurityProfile ${before} → ${target.securityProfile} (configuration slot ${target.slot})`);
    }
  }

  private restart(): void {
    this.settled = false;
    this.failures = 0;
    this.at = 0;
    this.order = this.station.device
      .list('OCPPCommCtrlr', 'NetworkConfigurationPriority')
      .map(Number)
      .filter((slot) => this.target(slot) !== undefined && this.notLower(slot));
  }

  /** A slot's target: set with SetNetworkProfile, or slot 1's default; undefined for an empty slot. */
  private target(slot: number): NetworkTarget | undefined {
    const data: NetworkConnectionProfileType | undefined = this.station.networkProfiles.get(slot);
    if (!data) return slot === 1 ? this.initial : undefined;
    // Part 4 §3.2: the connection URL is the CSMS endpoint followed by the station identity.
    const url = slotUrl(data.ocppCsmsUrl, this.station.link.id);
    return url && { slot, url, securityProfile: data.securityProfile };
  }
}

/**
 * The URL a network profile's `ocppCsmsUrl` gives for a station: the endpoint, a `/`, the
 * percent-encoded identity (Part 4 §3.2); undefined unless it is a ws:// or wss:// URL.
 * @param ocppCsmsUrl The CSMS endpoint of the profile.
 * @param id Station identity.
 */
export function slotUrl(ocppCsmsUrl: string, id: string): URL | undefined {
  try {
    const url = new URL(ocppCsmsUrl.endsWith('/') ? ocppCsmsUrl : `${ocppCsmsUrl}/`);
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return undefined;
    return new URL(encodeURIComponent(id), url);
  } catch {
    return undefined;
  }
}
