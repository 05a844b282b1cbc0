/** `migrate-values` with its I/O: reads the upstream values file and the target chart, renders the result. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as yaml from 'js-yaml';
import { InputError } from '../../errors.ts';
import { parseYamlMap } from '../../helm/values/load.ts';
import { LIMITS, readRegularFile } from '../../util/bounded-io.ts';
import { type MigrationNote, migrateValues } from './migrate.ts';

export interface MigratedFile {
  /** The values for this chart, as a YAML document with a header comment. */
  yaml: string;
  notes: MigrationNote[];
}

async function readJson(file: string): Promise<object> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as object;
  } catch (err) {
    throw new InputError(file, '', `cannot read the chart's schema: ${(err as Error).message}`);
  }
}

export async function migrateValuesFile(file: string, chartDir: string): Promise<MigratedFile> {
  const input = parseYamlMap(
    (await readRegularFile(file, LIMITS.valuesFile, 'values file')).toString('utf8'),
    file,
  );
  const valuesFile = path.join(chartDir, 'values.yaml');
  const defaults = parseYamlMap(
    (await readRegularFile(valuesFile, LIMITS.valuesFile, 'values file')).toString('utf8'),
    valuesFile,
  );
  const schemaFile = path.join(chartDir, 'values.schema.json');
  const chartYaml = yaml.load(await readFile(path.join(chartDir, 'Chart.yaml'), 'utf8')) as {
    name?: string;
    version?: string;
  };
  const { values, notes } = migrateValues(input, {
    defaults,
    schema: await readJson(schemaFile),
    schemaFile,
  });
  const header = [
    `# Values for the ${chartYaml.name ?? 'vineyard'} chart ${chartYaml.version ?? ''}, converted from ${path.basename(file)}`,
    '# (a values file of the upstream chart, v6d charts/vineyard 0.8.x) by `vineyard-charts migrate-values`.',
    ...(notes.length > 0
      ? [`# ${notes.length} upstream setting(s) had no exact equivalent: see the notes it printed.`]
      : []),
  ];
  const body = Object.keys(values).length === 0 ? '{}\n' : yaml.dump(values, { lineWidth: -1, noRefs: true });
  return { yaml: `${header.join('\n')}\n${body}`, notes };
}
