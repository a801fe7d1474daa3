/**
 * The file, certificate, keystore and HTTP helpers behind the charge point script API,
 * gathered under the names the charge point uses.
 * @module
 */
export { ftpDownload, ftpUploadDummyFile } from '../files/ftp';
export { certificateSignedToPem, convertDerToPem, generateCsr } from '../security/certificates';
export { type Keystore, keystoreFor, readKeyStoreElement } from '../security/keystore';
export { type Listener, startListener } from './listener';
