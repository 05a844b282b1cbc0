/**
 * Registry credentials, looked up the way helm does (its registry config first, then docker's),
 * with an environment override for CI. Credential helpers (`credsStore`, `credHelpers`) are not run:
 * they execute arbitrary programs; `docker login` / `helm registry login` with a file store, or the
 * environment variables, cover CI.
 *
 * Every secret read here (passwords, docker's base64 `auth`, identity and registry tokens, of every
 * entry in the files read, not only the one used) is registered with `rememberSecret` as it is read,
 * so that no output can show it, even a registry or token service echoing it in an error body.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { InputError } from '../../errors.ts';
import { rememberSecret } from '../../targets/redact.ts';

export interface Credential {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (docker's `identitytoken`), exchanged at the token endpoint. */
  identityToken?: string;
  /** A bearer token used as is (docker's `registrytoken`). */
  registryToken?: string;
  /** Where it came from, for messages; never the secret itself. */
  source: string;
}

export const ENV_USERNAME = 'VINEYARD_CHARTS_OCI_USERNAME';
export const ENV_PASSWORD = 'VINEYARD_CHARTS_OCI_PASSWORD';

/** Config files in lookup order; only existing ones are read. */
export function credentialFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME || homedir();
  const helmConfigHome =
    env.HELM_CONFIG_HOME || path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'helm');
  const helmFile = env.HELM_REGISTRY_CONFIG || path.join(helmConfigHome, 'registry', 'config.json');
  const dockerFile = path.join(env.DOCKER_CONFIG || path.join(home, '.docker'), 'config.json');
  return [helmFile, dockerFile];
}

/** `https://host:port/v1/` and friends reduce to `host:port`; Docker Hub's legacy key maps to docker.io. */
export function normalizeRegistryKey(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

interface AuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
  identitytoken?: unknown;
  registrytoken?: unknown;
}

/** Registers every secret an auths entry holds, whether or not it is the one used. */
function rememberEntrySecrets(entry: AuthEntry): void {
  if (entry === null || typeof entry !== 'object') return;
  for (const value of [entry.auth, entry.password, entry.identitytoken, entry.registrytoken]) {
    if (typeof value === 'string') rememberSecret(value);
  }
  if (typeof entry.auth === 'string') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon !== -1) rememberBasic(decoded.slice(0, colon), decoded.slice(colon + 1));
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string') {
    rememberBasic(entry.username, entry.password);
  }
}

/** A password and the `user:password` base64 it travels in (an `Authorization: Basic` header). */
function rememberBasic(username: string, password: string): void {
  rememberSecret(password);
  if (password.length > 0) rememberSecret(Buffer.from(`${username}:${password}`).toString('base64'));
}

function entryToCredential(file: string, key: string, entry: AuthEntry): Credential | undefined {
  const where = `auths["${key}"]`;
  const source = `${file} (${where})`;
  const out: Credential = { source };
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) throw new InputError(file, `${where}.auth`, 'expected base64 of "username:password"');
    out.username = decoded.slice(0, colon);
    out.password = decoded.slice(colon + 1);
  } else if (typeof entry.username === 'string' && typeof entry.password === 'string') {
    out.username = entry.username;
    out.password = entry.password;
  }
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '')
    out.identityToken = entry.identitytoken;
  if (typeof entry.registrytoken === 'string' && entry.registrytoken !== '')
    out.registryToken = entry.registrytoken;
  return out.username !== undefined || out.identityToken || out.registryToken ? out : undefined;
}

/**
 * V8's JSON.parse message quotes the text around the error (`Unexpected token 'x', "…" is not valid
 * JSON`): in a registry config that text is a password. Keep the message, drop the quotation.
 */
function jsonSyntaxError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/,\s*".*$/s, '').replace(/"/g, '') || 'not valid JSON';
}

function readAuths(file: string): Record<string, AuthEntry> {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InputError(file, '', `expected a JSON registry config (${jsonSyntaxError(err)})`);
  }
  if (doc === null || typeof doc !== 'object') throw new InputError(file, '', 'expected a JSON object');
  const auths = (doc as { auths?: unknown }).auths;
  if (auths === undefined) return {};
  if (auths === null || typeof auths !== 'object' || Array.isArray(auths)) {
    throw new InputError(file, 'auths', 'expected an object keyed by registry host');
  }
  for (const entry of Object.values(auths)) rememberEntrySecrets(entry as AuthEntry);
  return auths as Record<string, AuthEntry>;
}

/** The credential for `registry` (host[:port]), or undefined for anonymous access. */
export function findCredential(
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): Credential | undefined {
  const user = env[ENV_USERNAME];
  const password = env[ENV_PASSWORD];
  if (password !== undefined) rememberBasic(user ?? '', password);
  if (user !== undefined && password !== undefined && user !== '') {
    return { username: user, password, source: `environment (${ENV_USERNAME}/${ENV_PASSWORD})` };
  }
  const wanted = normalizeRegistryKey(registry);
  for (const file of credentialFiles(env)) {
    if (!existsSync(file)) continue;
    for (const [key, entry] of Object.entries(readAuths(file))) {
      if (normalizeRegistryKey(key) !== wanted || entry === null || typeof entry !== 'object') continue;
      const credential = entryToCredential(file, key, entry);
      if (credential) return credential;
    }
  }
  return undefined;
}
