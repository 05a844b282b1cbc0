/** .Files (Get, GetBytes, Lines, Glob, AsConfig, AsSecrets, range) against real helm. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderTemplates } from '../../src/gotemplate/engine.ts';
import { HELM_MAJORS, helm, withTempDir } from '../support/run.ts';

const FILES: Record<string, string> = {
  'files/a.txt': 'hello\nworld\n',
  'files/b.conf': 'k=v\n',
  'config/nested/c.json': '{"x": 1}',
};

const TEMPLATE = `apiVersion: v1
kind: ConfigMap
metadata:
  name: files
data:
  get: {{ .Files.Get "files/a.txt" | quote }}
  missing: {{ .Files.Get "nope" | quote }}
  lines: {{ .Files.Lines "files/a.txt" | toJson | quote }}
  conf: {{ (.Files.Glob "files/*").AsConfig | quote }}
  secrets: {{ (.Files.Glob "files/*.conf").AsSecrets | quote }}
  bytes: {{ .Files.GetBytes "files/b.conf" | len | quote }}
  globtxt: {{ range $p, $_ := .Files.Glob "**.txt" }}{{ $p }} {{ end }}
  nested: {{ range $p, $_ := .Files.Glob "config/**" }}{{ $p }} {{ end }}
  all: {{ range $p, $_ := .Files }}{{ $p }} {{ end }}
`;

describe('.Files like helm', () => {
  const ours = renderTemplates({
    templates: new Map([['templates/cm.yaml', TEMPLATE]]),
    chartName: 'fc',
    chart: { apiVersion: 'v2', name: 'fc', version: '0.1.0' },
    values: {},
    release: { name: 'r', namespace: 'default' },
    files: new Map(Object.entries(FILES).map(([k, v]) => [k, Buffer.from(v)])),
  }).get('fc/templates/cm.yaml');

  for (const major of HELM_MAJORS) {
    it(`matches helm ${major}`, async () => {
      await withTempDir(async (tmp) => {
        const dir = path.join(tmp, 'fc');
        await mkdir(path.join(dir, 'templates'), { recursive: true });
        await writeFile(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: fc\nversion: 0.1.0\n');
        await writeFile(path.join(dir, 'templates', 'cm.yaml'), TEMPLATE);
        for (const [rel, text] of Object.entries(FILES)) {
          await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
          await writeFile(path.join(dir, rel), text);
        }
        const r = await helm(major, ['template', 'r', dir], path.join(tmp, 'home'));
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe(`---\n# Source: fc/templates/cm.yaml\n${ours?.trim()}\n`);
      });
    });
  }
});
