/**
 * An OCI registry as a target. Publishing pushes each chart like `helm push` (src/helm/oci/push.ts),
 * one after the other; the run stops at the first refusal, and charts already pushed stay pushed (each
 * push is idempotent, so a re-run converges). What is published is read from the tags (`_` back to
 * `+`) and the chart layer of the tags that matter.
 */
import { PipelineError, UsageError } from '../../errors.ts';
import { readChartArchive } from '../../helm/chart/archive.ts';
import { HELM_CHART_LAYER_MEDIA_TYPE, tagForVersion } from '../../helm/oci/manifest.ts';
import { pushChartToOci, registryClientFor } from '../../helm/oci/push.ts';
import { type OciTarget as OciReference, parseOciTarget, repositoryFor } from '../../helm/oci/reference.ts';
import { publishedChart } from '../published.ts';
import type { OciPublishSummary } from '../summary.ts';
import type {
  LocalChart,
  OpenOptions,
  PublishedChart,
  PublishedVersion,
  PublishOptions,
  Target,
} from '../target.ts';

export class OciTarget implements Target {
  readonly kind = 'oci' as const;
  private readonly ref: OciReference;
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    private readonly url: string,
    private readonly opts: OpenOptions,
  ) {
    this.ref = parseOciTarget(url);
    this.env = opts.env ?? process.env;
  }

  describe(): string {
    return this.url;
  }

  async publish(files: string[], opts: PublishOptions = {}): Promise<OciPublishSummary> {
    if (files.length === 0)
      throw new UsageError('publish --to oci://…: name at least one packaged chart (.tgz)');
    const charts: OciPublishSummary['charts'] = [];
    for (const file of files) {
      const result = await pushChartToOci(file, this.url, {
        plainHttp: this.opts.plainHttp,
        force: opts.force,
        dryRun: opts.dryRun,
        env: this.env,
        onProgress: opts.onProgress,
      });
      charts.push({ file, ...result });
    }
    return { kind: 'oci', target: this.url, dryRun: Boolean(opts.dryRun), charts };
  }

  async readPublished(charts: LocalChart[]): Promise<PublishedChart[]> {
    const out: PublishedChart[] = [];
    for (const chart of charts) {
      const repository = repositoryFor(this.ref, chart.name);
      const client = registryClientFor(this.ref, repository, {
        plainHttp: this.opts.plainHttp,
        env: this.env,
        actions: 'pull',
      });
      const read = async (version: string): Promise<PublishedVersion | undefined> => {
        const tag = tagForVersion(version);
        const location = `oci://${this.ref.registry}/${repository}:${tag}`;
        const manifest = await client.getManifest(tag);
        if (!manifest) return undefined;
        const doc = JSON.parse(manifest.bytes.toString('utf8')) as {
          layers?: { mediaType?: string; digest?: string }[];
        };
        const digest = doc.layers?.find((l) => l.mediaType === HELM_CHART_LAYER_MEDIA_TYPE)?.digest;
        if (!digest) throw new PipelineError(`${location} is not a helm chart (no chart content layer)`);
        return { version, location, archive: await readChartArchive(await client.getBlob(digest), location) };
      };
      const tags = await client.listTags();
      out.push(
        await publishedChart(
          chart,
          tags.map((t) => t.replaceAll('_', '+')),
          read,
        ),
      );
    }
    return out;
  }

  /** Each request is its own fetch; no connection is kept for the target. */
  async close(): Promise<void> {}
}
