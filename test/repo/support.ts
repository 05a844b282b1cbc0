/** Shared by the repo maintenance tests: signed test charts and a throwaway key pair. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { readChartArchive } from '../../src/helm/chart/archive.ts';
import { signArchive } from '../../src/helm/provenance.ts';
import { makeChart } from '../publish/charts.ts';

export interface Keys {
  secring: string;
  pubring: string;
  secret: Buffer;
}

export async function makeKeys(dir: string): Promise<Keys> {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'rsa',
    rsaBits: 2048,
    userIDs: [{ name: 'Repo Signer', email: 'repo@example.com' }],
    format: 'binary',
  });
  const keys = {
    secring: path.join(dir, 'secring.gpg'),
    pubring: path.join(dir, 'pubring.gpg'),
    secret: Buffer.from(privateKey),
  };
  await writeFile(keys.secring, privateKey);
  await writeFile(keys.pubring, publicKey);
  return keys;
}

/** The .prov of `bytes` (a chart archive), signed with `keys`. */
export async function provOf(bytes: Buffer, keys: Keys): Promise<string> {
  const archive = await readChartArchive(bytes, 'chart.tgz');
  const fileName = `${archive.metadata.name}-${archive.metadata.version}.tgz`;
  return signArchive(bytes, fileName, archive.metadata, {
    keyring: keys.secret,
    keyringFile: keys.secring,
    keyName: 'Repo Signer',
  });
}

/** Packages `name` `version` (under its own root, so versions never collide) and signs it when keys are given. */
export async function signedChart(
  root: string,
  name: string,
  version: string,
  keys?: Keys,
): Promise<{ file: string; digest: string; bytes: Buffer; prov?: string }> {
  const chart = await makeChart(root, name, version);
  if (!keys) return chart;
  const prov = await provOf(chart.bytes, keys);
  await writeFile(`${chart.file}.prov`, prov);
  return { ...chart, prov };
}
