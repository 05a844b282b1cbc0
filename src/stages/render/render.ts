/**
 * Stage 1, render: typed chart sources -> a Helm chart directory under charts-out/.
 * `chartFiles` is pure (sources in, file map out); `writeChartDir` is the only I/O.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as yaml from 'js-yaml';
import { InputError } from '../../errors.ts';
import { valueReferences } from '../../gotemplate/engine.ts';
import { CHANGES_ANNOTATION, changelogAnnotations, changelogProblems } from '../../model/changelog.ts';
import { type ChartSource, listChartSources, loadChartSource } from '../../model/chart-source.ts';
import { resolvesInModel } from '../../model/model.ts';
import { chartReadme, expandIncludes } from '../../model/readme.ts';
import { valuesSchema } from '../../model/schema.ts';
import { valuesYaml } from '../../model/values-yaml.ts';
import { CHART_SRC, CHARTS_OUT } from '../../paths.ts';

const HELMIGNORE = `# Patterns to ignore when building packages (helm package, vineyard-charts package).
.DS_Store
.git/
.gitignore
.bzr/
.bzrignore
.hg/
.hgignore
.svn/
*.swp
*.bak
*.tmp
*.orig
*~
.project
.idea/
*.tmproj
.vscode/
# lint fixtures (chart-testing's ci/ convention): for the pipeline, not for users of the package
ci/
`;

/** Fails on the first template that refers to a value the model does not declare. */
export function checkValueReferences(src: ChartSource): void {
  for (const [rel, text] of src.templates) {
    for (const ref of valueReferences(rel, text)) {
      const valuePath = ref.path.slice(1); // drop the leading 'Values'
      if (valuePath.length > 0 && !resolvesInModel(src.values, valuePath)) {
        throw new InputError(
          path.join(src.dir, rel),
          `line ${ref.line}`,
          `.Values.${valuePath.join('.')} is not declared in ${path.join(src.dir, 'values.ts')}`,
        );
      }
    }
  }
}

export function chartYaml(metadata: ChartSource['chart']): string {
  return yaml.dump(metadata, { lineWidth: -1, noRefs: true, quoteStyle: 'double' });
}

/**
 * Chart.yaml's metadata: chart.ts's, with the annotations the changelog derives for this version
 * (`artifacthub.io/changes`, `artifacthub.io/prerelease`). The changelog is their only source.
 */
export function chartMetadata(src: ChartSource): ChartSource['chart'] {
  const indexFile = path.join(src.dir, 'index.ts');
  if (!src.changelog) return src.chart;
  const problems = changelogProblems(src.changelog);
  if (problems.length > 0) throw new InputError(indexFile, 'changelog', problems.join('; '));
  const own = (src.chart.annotations ?? {}) as Record<string, string>;
  if (CHANGES_ANNOTATION in own)
    throw new InputError(
      indexFile,
      `chart.annotations["${CHANGES_ANNOTATION}"]`,
      'derived from the changelog: write the changes there instead',
    );
  const derived = changelogAnnotations(src.changelog, src.chart.version);
  if (Object.keys(derived).length === 0) return src.chart;
  return { ...src.chart, annotations: { ...own, ...derived } };
}

/** The chart directory's files, relative path -> content. */
export function chartFiles(src: ChartSource): Map<string, string> {
  checkValueReferences(src);
  const files = new Map<string, string>();
  files.set('Chart.yaml', chartYaml(chartMetadata(src)));
  files.set('values.yaml', valuesYaml(src.chart.name, src.values));
  const schema = valuesSchema(`Values of the ${src.chart.name} chart`, src.values, src.schemaRules);
  files.set('values.schema.json', `${JSON.stringify(schema, null, 2)}\n`);
  const intro = expandIncludes(src.readmeIntro, src.ciValues, path.join(src.dir, 'README.intro.md'));
  files.set('README.md', chartReadme(intro, src.values, src.changelog));
  files.set('.helmignore', HELMIGNORE);
  for (const [rel, text] of src.templates) files.set(rel, text);
  for (const [rel, text] of src.ciValues) files.set(rel, text);
  return files;
}

/** Replaces `outDir` with exactly `files`, via a sibling temp dir so a failure leaves the old chart. */
export async function writeChartDir(outDir: string, files: Map<string, string>): Promise<void> {
  const tmp = `${outDir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  try {
    for (const [rel, content] of files) {
      const file = path.join(tmp, rel);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
    }
    await rm(outDir, { recursive: true, force: true });
    await rename(tmp, outDir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Renders every chart under `srcRoot` into `outRoot/<chart>/`; returns the written chart dirs. */
export async function renderAll(srcRoot = CHART_SRC, outRoot = CHARTS_OUT): Promise<string[]> {
  const written: string[] = [];
  for (const dir of await listChartSources(srcRoot)) {
    const src = await loadChartSource(dir);
    const outDir = path.join(outRoot, src.chart.name);
    await writeChartDir(outDir, chartFiles(src));
    written.push(outDir);
  }
  return written;
}
