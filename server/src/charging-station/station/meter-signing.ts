/**
 * Signed meter values of a 2.0.1 station (SampledDataCtrlr.SignReadings, J01.FR.21 / J02.FR.21,
 * the DataSigned start point of E01): every sampled value carries a `signedMeterValue` whose
 * `signedMeterData` is the reading as a JSON document with an ECDSA P-256 / SHA-256 signature over
 * it, made with the station's meter key. The key pair is made on the first signed reading, so a
 * station that never signs costs nothing. `publicKey` goes with the values as
 * OCPPCommCtrlr.PublicKeyWithSignedMeterValue says (Never / OncePerTransaction / EveryMeterValue).
 * @module
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { MeterValueType, SampledValueType } from '../../ocpp/v201/types';
import type { DeviceModel } from '../model/device-model';

/** `signingMethod` of the values: the curve and hash the signature is made with. */
export const SIGNING_METHOD = 'ECDSA-secp256r1-SHA256';
/** `encodingMethod`: the signed document is the reading's JSON text (see {@link MeterSigner.sign}). */
export const ENCODING_METHOD = 'JSON';

/** The signed document inside `signedMeterData` (base64 of its JSON text). */
export interface SignedReading {
  /** The reading: timestamp, value and what describes it, as JSON text. The signature covers these bytes. */
  reading: string;
  /** Base64 of the DER ECDSA signature over `reading`'s UTF-8 bytes. */
  signature: string;
}

/** The meter-signing key of one station. */
export class MeterSigner {
  private key: { privateKey: KeyObject; publicKey: string } | undefined;

  /** @param device Where SignReadings and PublicKeyWithSignedMeterValue are read. */
  constructor(private readonly device: DeviceModel) {}

  /**
   * With SignReadings on, sign each of its values (J01.FR.21 / J02.FR.21), `publicKey` with each as
   * PublicKeyWithSignedMeterValue says, where OncePerTransaction means the Started event.
   * @param mv A meter value, signed in place.
   * @param transactionId The transaction it belongs to.
   * @param first It opens the transaction (or belongs to none).
   */
  apply(mv: MeterValueType, transactionId?: string, first = true): MeterValueType {
    if (!this.device.bool('SampledDataCtrlr', 'SignReadings')) return mv;
    const withKey = this.device.str('OCPPCommCtrlr', 'PublicKeyWithSignedMeterValue');
    return this.sign(mv, withKey === 'EveryMeterValue' || (withKey === 'OncePerTransaction' && first), transactionId);
  }


  /**
   * Sign every sampled value of `mv` in place.
   * @param mv The meter value.
   * @param withKey Fill `publicKey` (required in 2.0.1; empty when not sent).
   * @param transactionId Bound into the signed reading when the values belong to a transaction.
   */
  sign(mv: MeterValueType, withKey: boolean, transactionId?: string): MeterValueType {
    const { privateKey, publicKey } = this.keyPair();
    for (const v of mv.sampledValue as SampledValueType[]) {
      const { value, context, measurand, phase, location, unitOfMeasure } = v;
      const reading = JSON.stringify({ timestamp: mv.timestamp, transactionId, value, context, measurand, phase, location, unit: unitOfMeasure?.unit });
      const doc: SignedReading = { reading, signature: sign('sha256', Buffer.from(reading), privateKey).toString('base64') };
      const signedMeterData = Buffer.from(JSON.stringify(doc)).toString('base64');
      v.signedMeterValue = { signedMeterData, signingMethod: SIGNING_METHOD, encodingMethod: ENCODING_METHOD, publicKey: withKey ? publicKey : '' };
    }
    return mv;
  }

  private keyPair(): { privateKey: KeyObject; publicKey: string } {
    if (!this.key) {
      const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      this.key = { privateKey: pair.privateKey, publicKey: pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64') };
    }
    return this.key;
  }
}
