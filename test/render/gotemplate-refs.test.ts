/** valueReferences: static `.Values` paths with the dot tracked through with/range/define. */
import { describe, expect, it } from 'vitest';
import { TemplateError, valueReferences } from '../../src/gotemplate/engine.ts';

const TEMPLATE = `{{- define "x.helper" -}}
{{ .Values.fromDefine.a }}
{{- end }}
kind: {{ .Values.kind | quote }}
{{- with .Values.image }}
image: {{ .repository }}:{{ .tag | default $.Values.defaultTag }}
{{- end }}
{{- range .Values.env }}
- {{ .name }}
{{- end }}
{{- $r := .Values.resources }}
limits: {{ $r.limits.cpu }}
all: {{ toYaml .Values }}
{{- if and .Values.a.enabled (not .Values.b) }}x{{ end }}
{{ include "x.helper" . }} {{ (.Values.paren).field }}
{{ index .Values "odd-key" "inner" }}
`;

describe('valueReferences', () => {
  const refs = valueReferences('c/templates/t.yaml', TEMPLATE);
  const paths = refs.map((r) => `${r.path.join('.')}@${r.line}`);

  it('reports field chains with their lines, following with/variables', () => {
    expect(paths).toEqual(
      expect.arrayContaining([
        'Values.kind@4',
        'Values.image@5',
        'Values.image.repository@6',
        'Values.image.tag@6',
        'Values.defaultTag@6',
        'Values.env@8',
        'Values.resources@11',
        'Values.resources.limits.cpu@12',
        'Values@13',
        'Values.a.enabled@14',
        'Values.b@14',
        'Values.fromDefine.a@2',
        'Values.paren@15',
        'Values.paren.field@15',
        'Values.odd-key.inner@16',
      ]),
    );
    expect(refs.every((r) => r.template === 'c/templates/t.yaml')).toBe(true);
  });

  it('does not report fields of range elements as values', () => {
    expect(paths.some((p) => p.startsWith('Values.name') || p.startsWith('name'))).toBe(false);
    expect(paths.filter((p) => p.startsWith('Values.env')).length).toBe(1);
  });

  it('throws TemplateError with template and line on a parse error', () => {
    try {
      valueReferences('c/templates/bad.yaml', 'a\n{{ if }}');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TemplateError);
      const te = e as TemplateError;
      expect(te.template).toBe('c/templates/bad.yaml');
      expect(te.line).toBe(2);
      expect(te.message).toMatch(/^c\/templates\/bad\.yaml:2: /);
    }
  });
});
