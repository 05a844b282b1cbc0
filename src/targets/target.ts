/**
 * Where packaged charts go, by URL scheme, the way helm's `pusher.Providers.ByScheme` does it: a
 * `Provider` knows one scheme and opens a `Target` for a URL; the registry (registry.ts) lists the
 * providers. Two kinds of targets fit behind the one interface:
 *  - chart repositories (file://, s3://): an index.yaml next to the tarballs, written by the shared
 *    protocol in repository/ over the small `Storage` interface (storage.ts);
 *  - OCI registries (oci://): one tag per chart version, pushed like `helm push`; no index.
 * Everything a target prints or throws leaves through the redaction seam (redact.ts).
 */
import type { ChartArchive } from '../helm/chart/archive.ts';
import type { MetadataObject } from './repository/metadata-objects.ts';
import type { IndexFormat } from './repository/remote-index.ts';
import type { Storage } from './storage.ts';
import type { PublishSummary, TargetKind } from './summary.ts';

/** How to reach s3:// stores; the SDK's standard chain fills in what is not given. */
export interface S3Options {
  endpoint?: string;
  pathStyle?: boolean;
  region?: string;
  /** SDK attempts per request (network errors, 5xx, throttling); conditional losers are ours to retry. */
  maxAttempts?: number;
}

/** Transport settings; each provider reads only its own. */
export interface OpenOptions {
  s3?: S3Options;
  /** oci:// only: HTTP instead of HTTPS. */
  plainHttp?: boolean;
  /** Environment for credential lookup (tests pass their own). */
  env?: NodeJS.ProcessEnv;
  /** Base for relative file:// paths. */
  cwd?: string;
  /** The repository's public URL: index entries with absolute URLs under it are read from the storage. */
  baseUrl?: string;
  /** Fetch index entry URLs outside the repository (off by default: an index must not make us fetch). */
  allowOffRepoUrls?: boolean;
}

export interface PublishOptions {
  dryRun?: boolean;
  /** Replace a stored version whose content differs (otherwise refused). */
  force?: boolean;
  onProgress?: (message: string) => void;
  // The rest concerns index.yaml, so only chart repositories read it; registries have no index.
  /** Allow stores that ignore conditional writes: the caller vouches no other publisher runs. */
  singleWriter?: boolean;
  /** Absolute base URL for chart URLs in the index; default: URLs relative to the repository. */
  baseUrl?: string;
  indexFormat?: IndexFormat;
  maxIndexAttempts?: number;
  /** Mutable files written next to index.yaml after it (artifacthub-repo.yml); replaced when different. */
  metadataObjects?: MetadataObject[];
}

export interface PublishedVersion {
  version: string;
  /** Where the archive was read from, for messages. */
  location: string;
  archive: ChartArchive;
}

/** What a target holds of one chart: what `release` needs to decide publish, no-op or refuse. */
export interface PublishedChart {
  name: string;
  /** Every valid semver version the target lists, ascending. */
  versions: string[];
  newest?: PublishedVersion;
  /** The version being released, when the target already has it. */
  current?: PublishedVersion;
}

export interface LocalChart {
  name: string;
  version: string;
}

export interface Target {
  readonly kind: TargetKind;
  /** The target's URL for messages, without credentials. */
  describe(): string;
  /**
   * Publishes packaged charts (NAME-VERSION.tgz files, each with an optional .prov next to it). A
   * version already there with the same content is a no-op; other content is refused unless forced.
   */
  publish(files: string[], opts?: PublishOptions): Promise<PublishSummary>;
  /** Per chart: the versions the target lists, and the archives of the newest and of `version`. */
  readPublished(charts: LocalChart[]): Promise<PublishedChart[]>;
  /** Chart repositories only: the store under the index, for maintenance (repo verify/reindex, unpublish). */
  storage?(): Promise<Storage>;
  /** Releases connections (S3 sockets); the target is unusable afterwards. */
  close(): Promise<void>;
}

export interface Provider {
  /** URL scheme without `://`. */
  readonly scheme: string;
  readonly kind: TargetKind;
  /** The URL form, for help and usage errors: `s3://BUCKET[/PREFIX]`. */
  readonly usage: string;
  /** Checks the URL's form without any I/O, so that usage errors come before anything is read. */
  check(url: string, cwd?: string): void;
  /** Opens a target; heavy clients (the S3 SDK) are loaded here, and only for their own scheme. */
  open(url: string, opts: OpenOptions): Promise<Target>;
}
