/**
 * The one `Target` of every index-based chart repository: a provider only supplies its `Storage`
 * (a directory, a bucket...) and this class runs the shared protocol over it. The storage is opened on
 * first use, after the charts have been read, so that a bad input fails before any client (and the
 * S3 SDK) is even loaded, as it did before targets were providers.
 */
import type { Storage } from '../storage.ts';
import type { RepositoryPublishSummary } from '../summary.ts';
import type { LocalChart, OpenOptions, PublishedChart, PublishOptions, Target } from '../target.ts';
import { loadCharts } from './inputs.ts';
import { publishToRepository } from './publish.ts';
import { publishedInRepository } from './published.ts';

export class RepositoryTarget implements Target {
  readonly kind = 'repository' as const;
  private opened: Promise<Storage> | undefined;

  constructor(
    private readonly location: string,
    private readonly openStorage: () => Promise<Storage>,
    private readonly urls: Pick<OpenOptions, 'baseUrl' | 'allowOffRepoUrls'> = {},
  ) {}

  describe(): string {
    return this.location;
  }

  storage(): Promise<Storage> {
    return this.store();
  }

  private store(): Promise<Storage> {
    this.opened ??= this.openStorage();
    return this.opened;
  }

  async publish(files: string[], opts: PublishOptions = {}): Promise<RepositoryPublishSummary> {
    // with metadata to publish, no chart is fine (a release whose charts are all already there)
    const none = files.length === 0 && (opts.metadataObjects ?? []).length > 0;
    const inputs = none ? [] : await loadCharts(files);
    return publishToRepository(await this.store(), inputs, opts);
  }

  async readPublished(charts: LocalChart[]): Promise<PublishedChart[]> {
    return publishedInRepository(await this.store(), charts, this.urls);
  }

  async close(): Promise<void> {
    const storage = this.opened;
    this.opened = undefined;
    // a storage that failed to open has nothing to release
    if (storage)
      await storage.then(
        (s) => s.close(),
        () => undefined,
      );
  }
}
