/**
 * Where a flag's value may come from, highest first: the command line, an environment variable
 * `VINEYARD_CHARTS_<FLAG>` (helm's HELM_NAMESPACE / HELM_KUBECONTEXT too), the config file
 * `vineyard-charts.yaml` in the working directory, the default. CI lines stay short:
 *
 *   # vineyard-charts.yaml
 *   to: [s3://my-charts/stable, oci://ghcr.io/v6d-io/charts]   # flags for every command that has them
 *   endpoint: http://127.0.0.1:7480
 *   path-style: true
 *   sign: true
 *   key: Release Bot
 *   keyring: secring.gpg
 *   release:                                                   # flags for one command only
 *     strict: false
 *
 * The environment goes through commander's Option.env() (so `--help` shows each variable); booleans
 * take 1/true/yes/on or 0/false/no/off (a false value is as if unset). The config file is applied in a
 * preAction hook to the options still at their default.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command, Option } from 'commander';
import { InputError, UsageError } from '../errors.ts';
import { LIMITS, readRegularFile } from '../util/bounded-io.ts';
import { collect } from './flags.ts';

export const ENV_PREFIX = 'VINEYARD_CHARTS_';
export const CONFIG_FILE = 'vineyard-charts.yaml';

/** helm's own variables, read when ours is unset. */
const HELM_ENV: Record<string, string> = { namespace: 'HELM_NAMESPACE', 'kube-context': 'HELM_KUBECONTEXT' };

/**
 * Flags a top-level key of the config file may set (for every command that has them): targets,
 * endpoints and transport, signing, the cluster. Anything else goes in a section named after a command.
 */
export const GLOBAL_CONFIG_KEYS = [
  'to',
  'endpoint',
  'path-style',
  'region',
  'plain-http',
  'base-url',
  'single-writer',
  'allow-off-repo-urls',
  'sign',
  'key',
  'keyring',
  'passphrase-file',
  'kubeconfig',
  'kube-context',
  'namespace',
  'kubectl',
];

/** `--dry-run` -> `VINEYARD_CHARTS_DRY_RUN`, `--no-strict` -> `VINEYARD_CHARTS_NO_STRICT`. */
export function envName(option: Option): string {
  return ENV_PREFIX + option.name().replace(/-/g, '_').toUpperCase();
}

const isBoolean = (o: Option) => !o.required && !o.optional;
const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off|)$/i;

function visit(cmd: Command, fn: (cmd: Command) => void): void {
  fn(cmd);
  for (const sub of cmd.commands) visit(sub, fn);
}

/**
 * Names every option's environment variable (commander's Option.env(), so `--help` shows it), copies
 * HELM_NAMESPACE / HELM_KUBECONTEXT to ours when ours is unset, and checks boolean values. Call before
 * parsing; `applyEnvironmentValues` applies them to the command that runs.
 */
export function applyEnvironment(program: Command, env: NodeJS.ProcessEnv = process.env): void {
  visit(program, (cmd) => {
    if (cmd === program) return;
    for (const option of cmd.options) {
      if (option.long === '--help' || option.long === '--version' || option.hidden) continue;
      const name = envName(option);
      const helmName = HELM_ENV[option.name()];
      if (helmName && env[name] === undefined && env[helmName] !== undefined) env[name] = env[helmName];
      option.env(name);
      if (isBoolean(option) && env[name] !== undefined) {
        const value = env[name] ?? '';
        if (!TRUE.test(value) && !FALSE.test(value))
          throw new UsageError(`${name}=${value}: expected 1/true/yes/on or 0/false/no/off`);
      }
    }
  });
}

/**
 * Sets every option of `cmd` the command line left alone from its environment variable. (Option.env()
 * given after the option was added only names the variable; commander would not read it.)
 */
export function applyEnvironmentValues(cmd: Command, env: NodeJS.ProcessEnv = process.env): void {
  for (const option of cmd.options) {
    const name = option.envVar;
    const value = name === undefined ? undefined : env[name];
    if (name === undefined || value === undefined) continue;
    const attr = option.attributeName();
    if (cmd.getOptionValueSource(attr) === 'cli') continue;
    let v: unknown;
    if (isBoolean(option)) {
      if (FALSE.test(value)) continue; // as if unset
      v = !option.negate;
    } else {
      if (option.argChoices && !option.argChoices.includes(value))
        throw new UsageError(`${name}=${value}: expected one of ${option.argChoices.join(', ')}`);
      v = option.parseArg ? option.parseArg(value, undefined) : value;
    }
    cmd.setOptionValueWithSource(attr, v, 'env');
  }
}

export type Config = Record<string, unknown>;

/** Reads `vineyard-charts.yaml` from `dir`; an empty object when there is none. */
export async function readConfig(dir = process.cwd()): Promise<{ file?: string; config: Config }> {
  const file = path.join(dir, CONFIG_FILE);
  if (!existsSync(file)) return { config: {} };
  const text = (await readRegularFile(file, LIMITS.smallFile, 'config file')).toString('utf8');
  const yaml = await import('js-yaml');
  let doc: unknown;
  try {
    doc = yaml.load(text, { schema: yaml.CORE_SCHEMA });
  } catch (err) {
    throw new InputError(file, '', `not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return { file, config: {} };
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new InputError(file, '', 'expected a mapping of flag names (and command sections) to values');
  return { file, config: doc as Config };
}

/** Checks the file's shape that does not depend on the running command: known sections and keys. */
export function checkConfig(file: string, config: Config, commands: string[]): void {
  for (const [key, value] of Object.entries(config)) {
    if (commands.includes(key)) {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        throw new InputError(file, key, `expected a mapping of ${key}'s flags to values`);
    } else if (!GLOBAL_CONFIG_KEYS.includes(key)) {
      throw new InputError(
        file,
        key,
        `unknown key: expected one of ${GLOBAL_CONFIG_KEYS.join(', ')}, or a command section (${commands.join(', ')})`,
      );
    }
  }
}

function configValue(file: string, where: string, option: Option, value: unknown): unknown {
  const repeatable = option.parseArg === collect;
  const bad = (expected: string) => new InputError(file, where, `expected ${expected}`);
  if (isBoolean(option)) {
    if (typeof value !== 'boolean') throw bad('true or false');
    return option.negate ? !value : value;
  }
  const scalar = (v: unknown) => {
    if (typeof v === 'string' || typeof v === 'number') return String(v);
    throw bad(repeatable ? 'a string or a list of strings' : 'a string');
  };
  const list = Array.isArray(value) ? value.map(scalar) : [scalar(value)];
  if (option.argChoices) {
    for (const v of list)
      if (!option.argChoices.includes(v)) throw bad(`one of ${option.argChoices.join(', ')} (got ${v})`);
  }
  if (repeatable) return list;
  if (list.length !== 1) throw bad('one value (this command takes one)');
  return option.parseArg ? option.parseArg(list[0], undefined) : list[0];
}

/**
 * Sets, on `cmd`, every option the config names and that the command line and the environment left
 * at its default. Top-level keys apply to commands that have the flag; `<command>:` sections to that
 * command only (and must name its flags).
 */
export function applyConfig(cmd: Command, file: string, config: Config): void {
  const byName = new Map<string, Option>();
  for (const o of cmd.options) {
    if (o.long === '--help') continue;
    byName.set(o.name(), o);
    byName.set(o.attributeName(), o);
    // a negatable flag is set by its positive name: `strict: false` for --no-strict
    if (o.negate) byName.set(o.name().replace(/^no-/, ''), o);
  }
  const section = config[cmd.name()] as Config | undefined;
  for (const key of Object.keys(section ?? {})) {
    if (!byName.has(key))
      throw new InputError(file, `${cmd.name()}.${key}`, `${cmd.name()} has no flag --${key}`);
  }
  const entries: [string, string, unknown][] = [
    ...Object.entries(config)
      .filter(([k]) => GLOBAL_CONFIG_KEYS.includes(k) && byName.has(k))
      .map(([k, v]): [string, string, unknown] => [k, k, v]),
    ...Object.entries(section ?? {}).map(([k, v]): [string, string, unknown] => [k, `${cmd.name()}.${k}`, v]),
  ];
  for (const [key, where, value] of entries) {
    const option = byName.get(key) as Option;
    const attr = option.attributeName();
    // checked even when the command line or the environment wins: a wrong file is wrong
    let v = configValue(file, where, option, value);
    // `strict: false` for --no-strict is given under its positive name: invert back
    if (option.negate && key !== option.name() && typeof value === 'boolean') v = value;
    const source = cmd.getOptionValueSource(attr);
    if (source === 'cli' || source === 'env') continue;
    cmd.setOptionValueWithSource(attr, v, 'config');
  }
}
