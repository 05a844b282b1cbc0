/** Our Go-template engine against real `helm template` (v3.17 and v4.1), case by case. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HELM_MAJORS } from '../support/run.ts';
import { type Case, renderWithEngine, renderWithHelm } from './helm-oracle.ts';

const VALUES = `
big: 1000000
small: 9600
ratio: 1.5
tiny: 0.00001
neg: -3
zero: 0
name: vineyard
empty: ""
flag: true
off: false
list: [a, b, c]
nums: [3, 1, 2]
emptyList: []
emptyMap: {}
map: {b: 2, a: 1, c: {d: x}}
image: {repository: vineyardcloudnative/vineyardd, tag: v0.24.0}
multiline: "line one\\nline two\\n"
resources: {limits: {cpu: 500m, memory: 1Gi}, requests: {cpu: 100m}}
env: [{name: A, value: "1"}, {name: B, value: "x y"}]
text: "Hello World foo-bar"
version: "1.2.3"
`;

const HELPERS = `{{- define "h.name" -}}{{ .Values.name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- define "h.labels" -}}
app: {{ include "h.name" . }}
release: {{ .Release.Name }}
{{- end -}}
{{- define "h.rec" -}}{{ if gt . 0 }}{{ . }},{{ include "h.rec" (sub . 1) }}{{ end }}{{- end -}}
`;

const CASES: [string, string][] = [
  ['text', 'plain text\n  with lines\n'],
  ['trim', 'a  {{- " b " -}}  c\n{{- /* comment */ -}}\n d {{/* c2 */}} e'],
  [
    'floats',
    '{{ .Values.big }} {{ .Values.small }} {{ .Values.ratio }} {{ .Values.tiny }} {{ .Values.neg }}',
  ],
  ['literals', "{{ 1000000 }} {{ 1.5 }} {{ 3.0 }} {{ 1e3 }} {{ 0x1F }} {{ -7 }} {{ 'a' }} {{ true }}"],
  [
    'maps',
    '{{ .Values.map }} {{ .Values.list }} {{ .Values.emptyMap }} {{ .Values.emptyList }} {{ .Values.env }}',
  ],
  [
    'missing',
    '[{{ .Values.nope }}] [{{ print .Values.nope }}] [{{ quote .Values.nope }}] [{{ toString .Values.nope }}]',
  ],
  [
    'ifelse',
    '{{ if .Values.flag }}y{{ else }}n{{ end }} {{ if .Values.off }}y{{ else if .Values.zero }}z{{ else }}e{{ end }} {{ if .Values.emptyList }}L{{ end }}{{ if .Values.emptyMap }}M{{ end }}{{ if .Values.empty }}S{{ end }}',
  ],
  [
    'with',
    '{{ with .Values.image }}{{ .repository }}:{{ .tag }}{{ end }} {{ with .Values.nope }}x{{ else }}none{{ end }}',
  ],
  [
    'range',
    '{{ range .Values.list }}[{{ . }}]{{ end }} {{ range $i, $v := .Values.nums }}{{ $i }}={{ $v }};{{ end }} {{ range $k, $v := .Values.map }}{{ $k }}:{{ $v }} {{ end }}{{ range .Values.emptyList }}x{{ else }}empty{{ end }}',
  ],
  [
    'rangeInt',
    '{{ range $i := until 4 }}{{ if eq $i 2 }}{{ continue }}{{ end }}{{ if eq $i 3 }}{{ break }}{{ end }}{{ $i }}{{ end }}',
  ],
  [
    'vars',
    '{{ $x := 1 }}{{ $x = add $x 1 }}{{ $x }} {{ $.Values.name }} {{ with .Values.image }}{{ $.Release.Name }}-{{ .tag }}{{ end }}',
  ],
  [
    'pipes',
    '{{ .Values.name | upper | quote }} {{ "x" | printf "%s-%s" "a" }} {{ (list 1 2) | len }} {{ (.Values.image).tag }}',
  ],
  ['include', '{{ include "h.labels" . | nindent 2 }}\n{{ template "h.name" . }}|{{ include "h.rec" 3 }}'],
  [
    'andor',
    '{{ and 1 0 "x" }} {{ and 1 2 }} {{ or 0 "" "z" }} {{ or 0 "" }} {{ not .Values.flag }} {{ and .Values.nope .Values.nope.x }}',
  ],
  [
    'compare',
    '{{ eq 1 1 }} {{ eq "a" "b" "a" }} {{ ne .Values.name "x" }} {{ lt 1 2 }} {{ ge 2.5 .Values.ratio }} {{ eq .Values.nope "x" }} {{ gt "b" "a" }}',
  ],
  [
    'printf',
    '{{ printf "%d|%5d|%-4s|%q|%v|%.2f|%x|%t|%s|%03d" 42 7 "ab" "q\\"t" .Values.list 3.14159 255 true .Values.map 5 }}',
  ],
  [
    'printfBad',
    '{{ printf "%d %s" .Values.small 3 }} {{ printf "%s" }} {{ printf "x" 1 }} {{ printf "%v %T %T" .Values.nope 1 .Values.ratio }}',
  ],
  ['printfG', '{{ printf "%g %e %.3g %v %v" 1000000.0 123.456 3.14159 123456789.0 0.000012 }}'],
  [
    'strings',
    '{{ trim "  x  " }}|{{ trimAll "$" "$5.00$" }}|{{ trimPrefix "a" "abc" }}|{{ trimSuffix "c" "abc" }}|{{ replace "o" "0" "foo" }}|{{ lower "AbC" }}|{{ title .Values.text }}|{{ trunc 5 .Values.text }}|{{ trunc -3 "abcdef" }}',
  ],
  [
    'strings2',
    '{{ contains "ell" "hello" }} {{ hasPrefix "he" "hello" }} {{ hasSuffix "lo" "hello" }} {{ squote "x" }} {{ quote "a" 1 nil }} {{ repeat 3 "ab" }} {{ substr 1 3 "hello" }} {{ nospace "a b c" }} {{ cat "a" 1 nil "b" }}',
  ],
  ['indent', 'x:{{ "a\\nb" | indent 4 }}\ny:{{ "a\\nb" | nindent 2 }}'],
  [
    'defaults',
    '{{ default "d" .Values.nope }} {{ default "d" .Values.empty }} {{ default "d" .Values.name }} {{ default 5 .Values.zero }} {{ empty .Values.emptyMap }} {{ coalesce .Values.nope "" "c" }} {{ ternary "y" "n" .Values.flag }}',
  ],
  [
    'lists',
    '{{ list 1 "a" 2.5 }} {{ first .Values.list }} {{ last .Values.list }} {{ append .Values.list "d" }} {{ concat .Values.list (list 1) }} {{ uniq (list 1 1 2) }} {{ has "b" .Values.list }} {{ without .Values.list "a" }} {{ rest .Values.list }} {{ initial .Values.list }} {{ reverse .Values.list }}',
  ],
  [
    'sort',
    '{{ sortAlpha (list "b" "a" "C") }} {{ keys .Values.map | sortAlpha }} {{ join "," .Values.list }} {{ join "-" .Values.nums }} {{ splitList "," "a,b,c" }} {{ (split "." "a.b.c")._1 }} {{ toStrings .Values.nums }}',
  ],
  [
    'dicts',
    '{{ $d := dict "a" 1 "b" "x" }}{{ $d }} {{ get $d "a" }} [{{ get $d "z" }}] {{ hasKey $d "b" }} {{ $_ := set $d "c" 3 }}{{ $d }} {{ unset $d "a" }} {{ pluck "b" $d (dict "b" 9) }} {{ pick $d "b" }} {{ omit $d "b" }} {{ dig "c" "d" "def" .Values.map }} {{ dig "c" "z" "def" .Values.map }}',
  ],
  [
    'merge',
    '{{ $a := dict "x" 1 "n" (dict "p" 1) "e" "" }}{{ $b := dict "x" 2 "y" 3 "n" (dict "p" 2 "q" 3) "e" "f" }}{{ merge (deepCopy $a) $b }} {{ mergeOverwrite (deepCopy $a) $b }}',
  ],
  [
    'math',
    '{{ add 1 2 3 }} {{ sub 10 .Values.small }} {{ mul 2 .Values.ratio }} {{ div 7 2 }} {{ mod 7 3 }} {{ max 1 5 3 }} {{ min 4 2 }} {{ add1 .Values.neg }} {{ int .Values.ratio }} {{ int64 "42" }} {{ float64 3 }} {{ addf 1.5 2 }} {{ div .Values.big 1000 }}',
  ],
  [
    'types',
    '{{ kindOf .Values.list }} {{ kindOf .Values.map }} {{ kindOf .Values.small }} {{ kindOf "s" }} {{ kindIs "string" .Values.name }} {{ typeOf .Values.ratio }} {{ typeOf .Values.list }} {{ typeIs "bool" true }} {{ kindOf .Values.nope }}',
  ],
  [
    'len',
    '{{ len .Values.list }} {{ len .Values.map }} {{ len "héllo" }} {{ len .Values.emptyMap }} {{ index .Values.list 1 }} {{ index .Values.map "c" "d" }}',
  ],
  ['encode', '{{ b64enc "hello" }} {{ b64dec "aGVsbG8=" }} {{ sha256sum "abc" }} {{ "x" | toString }}'],
  [
    'regex',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: "${2}" is regexReplaceAll syntax inside Go template text
    '{{ regexMatch "^v[0-9]+" .Values.image.tag }} {{ regexReplaceAll "([a-z]+)-([a-z]+)" "foo-bar baz-qux" "${2}_$1" }} {{ regexFind "[0-9]+" "ab123cd45" }} {{ regexFindAll "[0-9]" "a1b2c3" -1 }} {{ regexSplit "," "a,b,c" -1 }}',
  ],
  [
    'semver',
    '{{ semverCompare ">=1.20.0" "v1.32.0" }} {{ semverCompare "<1.20" "1.19.5" }} {{ semverCompare "^1.2.0" .Values.version }} {{ semverCompare ">=1.22.0-0" .Capabilities.KubeVersion.Version }} {{ semverCompare ">= 1.0, < 2.0" "1.5.0" }}',
  ],
  [
    'toYaml',
    '{{ toYaml .Values.resources }}\n---\n{{ toYaml .Values.env }}\n---\n{{ toYaml .Values.list }}\n---\n{{ toYaml .Values.nope }}|{{ toYaml .Values.emptyMap }}|{{ toYaml "s" }}|{{ toYaml .Values.ratio }}',
  ],
  [
    'toYaml2',
    '{{ toYaml (dict "s" "yes" "n" "123" "e" "" "b" true "m" .Values.multiline "c" "a: b" "nested" (list (list 1 2) (dict "k" (list "v")))) }}',
  ],
  [
    'toJson',
    '{{ toJson .Values.map }} {{ toJson .Values.env }} {{ toJson "<a&b>" }} {{ toJson .Values.nope }} {{ toJson (list 1 .Values.ratio .Values.big) }} {{ toPrettyJson (dict "a" (list 1)) }}',
  ],
  [
    'fromYaml',
    '{{ $m := fromYaml "a: 1\\nb: [x, y]\\n" }}{{ $m.a }} {{ $m.b }} {{ (fromJson "{\\"k\\": [1, 2]}").k }}',
  ],
  [
    'tpl',
    '{{ tpl "{{ .Values.name }}-{{ .Release.Namespace }}" . }} {{ tpl (toYaml (dict "k" "{{ .Values.image.tag }}")) . }}',
  ],
  [
    'release',
    '{{ .Release.Name }} {{ .Release.Namespace }} {{ .Release.Service }} {{ .Release.IsInstall }} {{ .Release.Revision }} {{ .Chart.Name }} {{ .Chart.Version }} {{ .Chart.AppVersion }} {{ .Template.BasePath }}',
  ],
  [
    'capabilities',
    '{{ .Capabilities.APIVersions.Has "apps/v1" }} {{ .Capabilities.APIVersions.Has "nope/v9" }} {{ .Capabilities.KubeVersion.Major }}',
  ],
  ['noValue', '{{ $m := dict "a" nil }}[{{ $m.a }}] [{{ $m.zz }}] {{ .Values.map.zz }}'],
  ['until', '{{ until 3 }} {{ untilStep 0 10 3 }} {{ range until 2 }}i{{ end }}'],
  ['whitespace', '{{- if true }}\n  a: 1\n{{- end }}\n{{- range .Values.list }}\n- {{ . }}\n{{- end }}\n'],
];

/** More cases, one per line: `<name> <template body>` (bodies are single-line Go template text). */
const MORE_CASES: [string, string][] = readFileSync(
  new URL('./gotemplate-cases.txt', import.meta.url),
  'utf8',
)
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]);

const cases: Case[] = [...CASES, ...MORE_CASES].map(([name, body]) => ({ name, body }));

const ERROR_CASES: { name: string; body: string; expect: RegExp }[] = [
  { name: 'required', body: '{{ required "name is required!" .Values.nope }}', expect: /name is required!/ },
  { name: 'fail', body: '{{ fail "boom here" }}', expect: /boom here/ },
  {
    name: 'nilptr',
    body: '{{ .Values.nope.deeper }}',
    expect: /nil pointer evaluating interface \{\}\.deeper/,
  },
  { name: 'unknownfn', body: '{{ frobnicate 1 }}', expect: /function "frobnicate" not defined/ },
  { name: 'eqmixed', body: '{{ eq 1 .Values.small }}', expect: /incompatible types for comparison/ },
  {
    name: 'indentfloat',
    body: '{{ indent .Values.small "x" }}',
    expect: /wrong type for value; expected int; got float64/,
  },
  { name: 'nilcmd', body: '{{ nil }}', expect: /nil is not a command/ },
  { name: 'upnil', body: '{{ upper .Values.nope }}', expect: /expected string/ },
  { name: 'lennil', body: '{{ len .Values.nope }}', expect: /len of nil pointer/ },
  { name: 'idx', body: '{{ index .Values.list 5 }}', expect: /index out of range: 5/ },
  {
    name: 'strfield',
    body: '{{ .Values.name.foo }}',
    expect: /can't evaluate field foo in type interface \{\}/,
  },
  { name: 'scope', body: '{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}', expect: /undefined variable "\$x"/ },
  {
    name: 'nesteddefine',
    body: '{{ if true }}{{ define "x" }}{{ end }}{{ end }}',
    expect: /unexpected <define> in command/,
  },
  { name: 'unclosed', body: '{{ if true }}x', expect: /unexpected EOF/ },
  { name: 'notmpl', body: '{{ include "nope.tpl" . }}', expect: /no template "nope.tpl"/ },
];

describe('gotemplate engine vs real helm', () => {
  const ours = renderWithEngine(cases, VALUES, HELPERS);
  for (const major of HELM_MAJORS) {
    it(`renders every case like helm ${major}`, async () => {
      const theirs = await renderWithHelm(major, cases, VALUES, HELPERS);
      expect(theirs.stderr).toBe('');
      expect(theirs.ok).toBe(true);
      const diffs: string[] = [];
      for (const c of cases) {
        const want = theirs.outputs.get(c.name);
        const got = ours.get(c.name);
        if (want !== got)
          diffs.push(`${c.name}:\n  helm: ${JSON.stringify(want)}\n  ours: ${JSON.stringify(got)}`);
      }
      expect(diffs.join('\n')).toBe('');
    });
  }

  it('reads values files like helm (YAML 1.1 booleans, Go number syntax, everything float64)', async () => {
    const values = [
      'a: 1:20',
      'b: 010',
      'c: 0o17',
      'd: 0x1F',
      'e: 1_000',
      'g: y',
      'h: Off',
      'i: ~',
      'j: 2001-12-14',
      'k: 1e3',
      'l: +12',
      'm: 0b101',
      'n: 12345678901234567890',
      'o: -0',
      'p: 1.0',
      'q: "1.0"',
      'r: !!str 12',
      't: NULL',
      'u: 0.1e-2',
      'v: 6.8523015e+5',
      'w: 685.230_15e+03',
      'x: 190:20:30.15',
      'on: 1',
      'base: &b {k: 1}',
      'merged: {<<: *b, z: 2}',
    ].join('\n');
    const c = [
      {
        name: 'vals',
        body: '{{ toJson .Values }} {{ range $k, $v := .Values }}{{ $k }}={{ $v }}({{ kindOf $v }}) {{ end }}',
      },
    ];
    const ours = renderWithEngine(c, values).get('vals');
    for (const major of HELM_MAJORS) {
      const theirs = await renderWithHelm(major, c, values);
      expect(theirs.ok, theirs.stderr).toBe(true);
      expect(ours).toBe(theirs.outputs.get('vals'));
    }
  });

  it("resolves duplicate defines in helm's parse order", async () => {
    const helpers = '{{ define "dup" }}H{{ end }}';
    // Each body closes its case define early so the file can define "dup" at top level too.
    const c = ['zz', 'aa', 'A_'].map((name) => ({
      name,
      body: `{{ include "dup" . }}{{ end }}{{ define "dup" }}${name}{{ end }}{{ define "unused.${name}" }}`,
    }));
    const ours = renderWithEngine(c, '', helpers);
    const theirs = await renderWithHelm('v3', c, '', helpers);
    expect(theirs.ok, theirs.stderr).toBe(true);
    expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(theirs.outputs));
    expect(new Set(ours.values()).size).toBe(1); // one definition wins everywhere
  });

  it('treats --set integers as int64 (bigint) like helm', async () => {
    const c = [
      {
        name: 'setint',
        body: '{{ .Values.n }} {{ printf "%d" .Values.n }} {{ eq .Values.n 5 }} {{ add .Values.n 1 }} {{ .Values.n | quote }} {{ toYaml .Values.n }} {{ int .Values.n }}',
      },
    ];
    const ours = renderWithEngine(c, VALUES, HELPERS, { n: 5000000n });
    for (const major of HELM_MAJORS) {
      const theirs = await renderWithHelm(major, c, VALUES, HELPERS, ['--set', 'n=5000000']);
      expect(theirs.ok).toBe(true);
      expect(ours.get('setint')).toBe(theirs.outputs.get('setint'));
    }
  });

  for (const ec of ERROR_CASES) {
    it(`fails like helm: ${ec.name}`, async () => {
      const c = [{ name: ec.name, body: ec.body }];
      expect(() => renderWithEngine(c, VALUES, HELPERS)).toThrow(ec.expect);
      for (const major of HELM_MAJORS) {
        const theirs = await renderWithHelm(major, c, VALUES, HELPERS);
        expect(theirs.ok, `helm ${major} should fail`).toBe(false);
        expect(theirs.stderr).toMatch(ec.expect);
      }
    });
  }
});
