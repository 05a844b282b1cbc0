/**
 * Provenance files (`<chart>.tgz.prov`) in helm's format: an OpenPGP clearsigned message whose body is
 * the chart metadata as YAML, a `...` separator, and `files: {<archive name>: sha256:<hex>}`.
 * `helm verify` checks the signature against a keyring and the sha256 against the archive.
 */
import { dump, load } from 'js-yaml';
import * as openpgp from 'openpgp';
import { InputError } from '../errors.ts';
import { sha256Hex } from './chart/archive.ts';
import type { ChartMetadata } from './chart/chartfile.ts';

export interface SignOptions {
  /** Secret keyring contents, binary (gpg --export-secret-keys) or ASCII-armored. */
  keyring: Buffer;
  keyringFile: string;
  /** A user ID, or a unique substring of one (like helm's --key). */
  keyName: string;
  passphrase?: string;
}

export function provenanceBody(archiveBytes: Buffer, fileName: string, metadata: ChartMetadata): string {
  const meta = dump(metadata, { sortKeys: true, lineWidth: -1 });
  const sums = dump({ files: { [fileName]: `sha256:${sha256Hex(archiveBytes)}` } }, { lineWidth: -1 });
  return `${meta}\n...\n${sums}`;
}

async function readSecretKeys(opts: SignOptions): Promise<openpgp.PrivateKey[]> {
  const text = opts.keyring.toString('latin1');
  try {
    if (text.includes('-----BEGIN PGP PRIVATE KEY BLOCK-----')) {
      return await openpgp.readPrivateKeys({ armoredKeys: opts.keyring.toString('utf8') });
    }
    return await openpgp.readPrivateKeys({ binaryKeys: new Uint8Array(opts.keyring) });
  } catch (err) {
    throw new InputError(
      opts.keyringFile,
      '',
      `not a secret keyring: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

async function selectKey(opts: SignOptions): Promise<openpgp.PrivateKey> {
  const keys = await readSecretKeys(opts);
  const exact = keys.filter((k) => k.getUserIDs().includes(opts.keyName));
  const partial = keys.filter((k) => k.getUserIDs().some((id) => id.includes(opts.keyName)));
  const found = exact.length > 0 ? exact : partial;
  if (found.length === 0) {
    const ids = keys.flatMap((k) => k.getUserIDs());
    throw new InputError(
      opts.keyringFile,
      '',
      `no secret key matches ${JSON.stringify(opts.keyName)} (keys: ${ids.join('; ') || 'none'})`,
    );
  }
  if (found.length > 1)
    throw new InputError(opts.keyringFile, '', `more than one key matches ${JSON.stringify(opts.keyName)}`);
  const key = found[0];
  if (key.isDecrypted()) return key;
  if (opts.passphrase === undefined) {
    throw new InputError(
      opts.keyringFile,
      opts.keyName,
      'the key is passphrase-protected; pass --passphrase-file',
    );
  }
  try {
    return await openpgp.decryptKey({ privateKey: key, passphrase: opts.passphrase });
  } catch (err) {
    throw new InputError(
      opts.keyringFile,
      opts.keyName,
      `cannot unlock the key: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Returns the ASCII `.prov` text for one archive. */
export async function signArchive(
  archiveBytes: Buffer,
  fileName: string,
  metadata: ChartMetadata,
  opts: SignOptions,
): Promise<string> {
  const signingKey = await selectKey(opts);
  const message = await openpgp.createCleartextMessage({
    text: provenanceBody(archiveBytes, fileName, metadata),
  });
  return openpgp.sign({
    message,
    signingKeys: signingKey,
    config: { preferredHashAlgorithm: openpgp.enums.hash.sha512 },
  });
}

/** Public keys from a keyring file (binary `gpg --export` or ASCII-armored; secret keyrings work too). */
export async function readPublicKeys(keyring: Buffer, keyringFile: string): Promise<openpgp.Key[]> {
  try {
    if (keyring.toString('latin1').includes('-----BEGIN PGP')) {
      return await openpgp.readKeys({ armoredKeys: keyring.toString('utf8') });
    }
    return await openpgp.readKeys({ binaryKeys: new Uint8Array(keyring) });
  } catch (err) {
    throw new InputError(
      keyringFile,
      '',
      `not a keyring: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/**
 * Checks a `.prov` the way `helm verify` does: a clearsigned message whose `files:` section names
 * `fileName` with the archive's sha256, signed by one of `keys` (the signature is only checked when
 * keys are given). Returns what is wrong, or null.
 */
export async function provenanceProblem(
  prov: Buffer,
  archiveBytes: Buffer,
  fileName: string,
  keys: openpgp.Key[] | undefined,
): Promise<string | null> {
  let message: openpgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: prov.toString('utf8') });
  } catch (err) {
    return `not an OpenPGP clearsigned message (${err instanceof Error ? err.message : String(err)})`;
  }
  const text = message.getText();
  const sep = text.indexOf('\n...\n');
  let files: unknown;
  try {
    files = sep < 0 ? undefined : (load(text.slice(sep + 5)) as { files?: unknown } | null)?.files;
  } catch {
    files = undefined;
  }
  if (files === null || typeof files !== 'object') return 'has no files: section';
  const sum = (files as Record<string, unknown>)[fileName];
  const expected = `sha256:${sha256Hex(archiveBytes)}`;
  if (sum !== expected) return `names ${fileName} with ${String(sum)}, but the archive has ${expected}`;
  if (!keys) return null;
  try {
    const res = await openpgp.verify({ message, verificationKeys: keys, expectSigned: true });
    await res.signatures[0]?.verified;
    return null;
  } catch (err) {
    return `signature does not verify with the keyring (${err instanceof Error ? err.message : String(err)})`;
  }
}
