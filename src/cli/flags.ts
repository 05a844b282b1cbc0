/**
 * Flag groups shared by several commands, declared once so that their names, help and checks cannot
 * drift apart: values (manifests, deploy), signing (package, release), S3 and OCI transport (publish,
 * release).
 */
import { createRequire } from 'node:module';
import type * as CommanderModule from 'commander';
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import { rememberSecret } from '../targets/redact.ts';
import { checkS3Endpoint } from '../targets/s3-endpoint.ts';
import { LIMITS, readRegularFile } from '../util/bounded-io.ts';

/** commander by require, like main.ts (no scan of it for export names at start-up). */
const { Option } = createRequire(import.meta.url)('commander') as typeof CommanderModule;

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export interface ValuesFlags {
  values: string[];
  set: string[];
}

/** helm's `-f/--values` and `--set`: the values to render with. */
export function addValuesFlags(cmd: Command): Command {
  return cmd
    .option('-f, --values <file>', 'values file (repeatable; later files win)', collect, [])
    .option('--set <key=value>', 'set a value, helm syntax: a.b=1,c={x,y} (repeatable)', collect, []);
}

export interface SigningFlags {
  sign?: boolean;
  key?: string;
  keyring?: string;
  passphraseFile?: string;
}

export function addSigningFlags(cmd: Command): Command {
  return cmd
    .option('--sign', 'write a .prov provenance file (helm format) next to each package')
    .option('--key <NAME>', 'user ID (or unique part of one) of the signing key')
    .option('--keyring <FILE>', 'secret keyring holding the key (binary or ASCII-armored)')
    .option('--passphrase-file <FILE>', 'file holding the passphrase of an encrypted key (- reads stdin)');
}

export interface SigningMaterial {
  key: string;
  keyringFile: string;
  keyring: Buffer;
  passphrase?: string;
}

/** `--passphrase-file -`: the passphrase from standard input (a pipe or a here-string), capped. */
async function readStdin(maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new UsageError(`--passphrase-file -: more than ${maxBytes} bytes on stdin`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function readInput(file: string, what: string): Promise<Buffer> {
  return readRegularFile(file, LIMITS.smallFile, what);
}

/** Checks the signing flags as a group and reads the keyring and passphrase; undefined without --sign. */
export async function signingMaterial(flags: SigningFlags): Promise<SigningMaterial | undefined> {
  if (!flags.sign) {
    if (flags.key || flags.keyring || flags.passphraseFile)
      throw new UsageError('--key, --keyring and --passphrase-file only make sense with --sign');
    return undefined;
  }
  if (!flags.key || !flags.keyring) throw new UsageError('--sign needs --key NAME and --keyring FILE');
  const keyring = await readInput(flags.keyring, 'keyring');
  const passphrase = flags.passphraseFile
    ? (flags.passphraseFile === '-'
        ? await readStdin(LIMITS.smallFile)
        : await readInput(flags.passphraseFile, 'passphrase file')
      )
        .toString('utf8')
        .replace(/\r?\n$/, '')
    : undefined;
  // From here on no output may show it, whatever fails later (see src/targets/redact.ts).
  rememberSecret(passphrase);
  return { key: flags.key, keyringFile: flags.keyring, keyring, passphrase };
}

export interface TransportFlags {
  plainHttp?: boolean;
  endpoint?: string;
  pathStyle?: boolean;
  region?: string;
}

/** A target URL with how to reach it, as every command that writes to or reads a repository passes it. */
export function targetTransport(flags: TransportFlags & { to: string; baseUrl?: string }) {
  const { to, endpoint, pathStyle, region, plainHttp, baseUrl } = flags;
  return { to, endpoint, pathStyle, region, plainHttp, baseUrl };
}

/** How to reach s3:// and oci:// targets; ignored by file://. */
export function addTransportFlags(cmd: Command): Command {
  return cmd
    .option('--plain-http', 'oci:// only: talk HTTP instead of HTTPS to the registry (local registries)')
    .option(
      '--endpoint <url>',
      's3:// only: endpoint of an S3-compatible store (default: AWS_ENDPOINT_URL_S3 or AWS)',
      (v: string) => checkS3Endpoint(v),
    )
    .option('--path-style', 's3:// only: path-style addressing (MinIO, Ceph RGW, most S3-compatible stores)')
    .option('--region <region>', 's3:// only: region (default: AWS_REGION or the profile, else us-east-1)');
}

export type OutputFormat = 'table' | 'json' | 'yaml';

export interface OutputFlags {
  output?: OutputFormat;
  json?: boolean;
}

/** helm's `-o/--output table|json|yaml`; `--json` stays as a synonym of `-o json`. */
export function addOutputFlags(cmd: Command, table = 'human-readable lines'): Command {
  return cmd
    .addOption(
      new Option('-o, --output <format>', `output format: table (${table}), json or yaml`)
        .choices(['table', 'json', 'yaml'])
        .default('table'),
    )
    .option('--json', 'synonym of -o json');
}

export function outputFormat(flags: OutputFlags): OutputFormat {
  if (flags.json && flags.output && flags.output !== 'table' && flags.output !== 'json')
    throw new UsageError(`--json and -o ${flags.output} disagree: name one output format`);
  return flags.json ? 'json' : (flags.output ?? 'table');
}

/** The machine-readable forms of a summary: JSON (as the schemas in schemas/ describe) or the same as YAML. */
export async function formatData(format: 'json' | 'yaml', data: unknown): Promise<string> {
  if (format === 'json') return `${JSON.stringify(data, null, 2)}\n`;
  const yaml = await import('js-yaml');
  return yaml.dump(data, { lineWidth: -1, noRefs: true });
}
