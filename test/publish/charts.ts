/** Test charts: a tiny but real chart, packaged by our `package` stage, in as many versions as needed. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { packageChart } from '../../src/stages/package/package.ts';

export async function writeChartDir(root: string, name: string, version: string): Promise<string> {
  const dir = path.join(root, 'src', `${name}-${version}`, name);
  await mkdir(path.join(dir, 'templates'), { recursive: true });
  await writeFile(
    path.join(dir, 'Chart.yaml'),
    `apiVersion: v2\nname: ${name}\nversion: ${version}\nappVersion: "1.0"\ndescription: publish test chart\n`,
  );
  await writeFile(path.join(dir, 'values.yaml'), 'greeting: hello\n');
  await writeFile(
    path.join(dir, 'templates', 'configmap.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-greeting\ndata:\n' +
      '  greeting: {{ .Values.greeting | quote }}\n  version: {{ .Chart.Version | quote }}\n',
  );
  return dir;
}

/** Packages `name` at `version` into outDir; returns the .tgz path and its sha256. */
export async function makeChart(
  root: string,
  name: string,
  version: string,
): Promise<{ file: string; digest: string; bytes: Buffer }> {
  const dir = await writeChartDir(root, name, version);
  const res = await packageChart(dir, {
    outDir: path.join(root, 'packages'),
    sourceDateEpoch: 1_700_000_000,
  });
  return { file: res.file, digest: res.digest, bytes: res.bytes };
}
