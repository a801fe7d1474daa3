/**
 * Client certificates per charge point (security profile 3), compatible with the earlier tool:
 * `SSL_CLIENT_KEYSTORE` seeds the entries, `SSL_CLIENT_KEYSTORE_ROOT` is where new pairs go.
 * @module
 */
import { closeSync, fchmodSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { KeyStoreElement } from '../chargepoint/chargepoint';
import { leafHashData, sameHashData, type CertificateHashData } from './certificates';

/**
 * The files {@link Keystore.save} wrote: destructures as `[keyFile, certFile]` (the earlier tool's
 * array) and names them as `.key` / `.cert`.
 */
export type SavedKeyPair = [keyFile: string, certFile: string] & {
  /** Path of the key file. */
  key: string;
  /** Path of the cert file. */
  cert: string;
};

/** The keystore as seen by one charge point. */
export interface Keystore {
  /** This charge point's entry, else the `*` entry, else undefined. */
  get(): KeyStoreElement | undefined;
  /**
   * Write a key/cert pair and make it this charge point's entry, so a reconnect presents it.
   * @param postfix Appended to the file names (`<id><postfix>.key`); `false` overwrites the files
   *   of the charge point's own current entry (or `<id>.key` when it has none).
   * @param key Private key, PEM.
   * @param cert Certificate (chain), PEM.
   * @returns The paths written: `const [keyFile, certFile] = …` or `.key` / `.cert`.
   */
  save(postfix: string | false, key: string, cert: string): SavedKeyPair;
  /**
   * Write a key pair beside the TLS one (key 0600) without making it the TLS client certificate,
   * e.g. the ISO 15118 V2G certificate. @param postfix File name postfix. @param key PEM. @param cert PEM chain.
   */
  saveAside(postfix: string, key: string, cert: string): SavedKeyPair;
  /**
   * True when certificate hash data names the certificate this charge point presents (the leaf
   * of its entry's chain): same issuer name and serial number, in the data's hash algorithm. The
   * issuer's key is not compared: the chain file may hold the leaf alone.
   * @param hash certificateHashData of a DeleteCertificate.
   */
  presents(hash: CertificateHashData): boolean;
  /** Remove a pair written by `saveAside` (no error when it is gone already). @param postfix File name postfix. */
  removeAside(postfix: string): void;
  /** Add or replace the entry for `element.id`, process-wide. */
  add(element: KeyStoreElement): void;
}

/** Entries by charge point id, parsed from the environment on first use. */
let entries: Map<string, KeyStoreElement> | undefined;

function isElement(e: unknown): e is KeyStoreElement {
  const o = e as Record<string, unknown> | null;
  return typeof o === 'object' && o !== null && ['id', 'key', 'cert'].every((k) => typeof o[k] === 'string');
}

function loaded(): Map<string, KeyStoreElement> {
  if (entries) return entries;
  const raw = process.env.SSL_CLIENT_KEYSTORE;
  let list: unknown = [];
  if (raw?.trim()) {
    try {
      list = JSON.parse(raw);
    } catch (err) {
      throw new Error(`SSL_CLIENT_KEYSTORE is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (!Array.isArray(list) || !list.every(isElement)) {
    throw new Error('SSL_CLIENT_KEYSTORE must be a JSON array of {"id", "key", "cert"} strings');
  }
  entries = new Map(list.map((e) => [e.id, { id: e.id, key: e.key, cert: e.cert }]));
  return entries;
}

/**
 * Forget the parsed `SSL_CLIENT_KEYSTORE` and all added entries; for tests, since the keystore
 * is otherwise parsed once per process.
 * @internal
 */
export function resetKeystoreForTests(): void {
  entries = undefined;
}

/**
 * `${XDG_STATE_HOME:-~/.local/state}/ocpp-sim`: where keys and other generated state live, outside
 * the project tree, where they could end up in a commit.
 */
export function stateRoot(): string {
  const xdg = process.env.XDG_STATE_HOME;
  const state = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.local', 'state');
  return join(state, 'ocpp-sim');
}

function keystoreRoot(): string {
  return process.env.SSL_CLIENT_KEYSTORE_ROOT || join(stateRoot(), 'keystore');
}

/**
 * Write a file with the given mode, restricting the mode before writing, so a pre-existing
 * world-readable file never holds the key.
 * @param path File to (over)write.
 * @param content Text to write.
 * @param mode File mode, e.g. `0o600`.
 */
export function writeWithMode(path: string, content: string, mode: number): void {
  const fd = openSync(path, 'w', mode);
  try {
    fchmodSync(fd, mode);
    writeFileSync(fd, content);
  } finally {
    closeSync(fd);
  }
}

const withNewline = (pem: string): string => (pem.endsWith('\n') ? pem : `${pem}\n`);

function keyPairPaths(base: string): { key: string; cert: string } {
  if (/[/\\\0]/.test(base)) throw new Error(`keystore: "${base}" cannot be used as a file name`);
  const root = keystoreRoot();
  mkdirSync(root, { recursive: true, mode: 0o700 });
  return { key: join(root, `${base}.key`), cert: join(root, `${base}.cert`) };
}

function writeKeyPair(paths: { key: string; cert: string }, key: string, cert: string): SavedKeyPair {
  writeWithMode(paths.key, withNewline(key), 0o600);
  writeWithMode(paths.cert, withNewline(cert), 0o644);
  return Object.assign([paths.key, paths.cert] as [string, string], paths);
}

/**
 * The keystore of one charge point.
 * @param cpId Charge point id.
 */
export function keystoreFor(cpId: string): Keystore {
  return {
    get: () => loaded().get(cpId) ?? loaded().get('*'),
    add(element) {
      loaded().set(element.id, { ...element });
    },
    save(postfix, key, cert) {
      const own = loaded().get(cpId);
      let paths: { key: string; cert: string };
      if (postfix === false && own) {
        paths = { key: own.key, cert: own.cert };
      } else {
        paths = keyPairPaths(`${cpId}${postfix || ''}`);
      }
      const saved = writeKeyPair(paths, key, cert);
      loaded().set(cpId, { id: cpId, ...paths });
      return saved;
    },
    saveAside: (postfix, key, cert) => writeKeyPair(keyPairPaths(`${cpId}${postfix}`), key, cert),
    presents(hash) {
      const element = loaded().get(cpId) ?? loaded().get('*');
      if (!element) return false;
      try {
        const own = leafHashData(readFileSync(element.cert, 'utf8'), hash.hashAlgorithm);
        return sameHashData({ ...own, issuerKeyHash: hash.issuerKeyHash }, hash);
      } catch {
        return false;
      }
    },
    removeAside(postfix) {
      const paths = keyPairPaths(`${cpId}${postfix}`);
      rmSync(paths.key, { force: true });
      rmSync(paths.cert, { force: true });
    },
  };
}

/**
 * Read the PEM files of a keystore entry, ready to be passed as TLS `key` and `cert`.
 * @param e The entry.
 */
export async function readKeyStoreElement(e: KeyStoreElement): Promise<{
  /** The private key, PEM. */
  key: string;
  /** The certificate (chain), PEM. */
  cert: string;
}> {
  const read = (path: string, what: string): Promise<string> =>
    readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      const reason = err.code === 'ENOENT' ? 'no such file' : err.message;
      throw new Error(`keystore entry "${e.id}": cannot read ${what} file ${path}: ${reason}`);
    });
  const [key, cert] = await Promise.all([read(e.key, 'key'), read(e.cert, 'cert')]);
  return { key, cert };
}
