/**
 * The chart README: a hand-written introduction (whose `<!-- include ci/<file> -->` lines become that
 * file, verbatim, in a YAML block), the changes per version, then the generated values table.
 */
import { InputError } from '../errors.ts';
import { type Changelog, changelogMarkdown } from './changelog.ts';
import { type Fields, walkModel } from './model.ts';

/** `<!-- include ci/x-values.yaml -->` on a line of its own. */
export const INCLUDE_LINE = /^<!-- include (ci\/[A-Za-z0-9._-]+) -->$/;

/**
 * The introduction with each include line followed by the named file as a ```yaml block, so a values
 * snippet in the README is always the lint fixture of the same name.
 */
export function expandIncludes(intro: string, files: ReadonlyMap<string, string>, introFile: string): string {
  return intro
    .split('\n')
    .map((line, i) => {
      const m = INCLUDE_LINE.exec(line);
      if (!m) return line;
      const text = files.get(m[1]);
      if (text === undefined) throw new InputError(introFile, `line ${i + 1}`, `${m[1]} does not exist`);
      return `${line}\n\n\`\`\`yaml\n${text.endsWith('\n') ? text : `${text}\n`}\`\`\``;
    })
    .join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function valuesTable(fields: Fields): string {
  const rows = ['| Key | Type | Default | Description |', '|-----|------|---------|-------------|'];
  for (const [path, node] of walkModel(fields)) {
    if (node.kind === 'object') continue;
    const def = node.absent ? '(unset)' : `\`${cell(JSON.stringify(node.default))}\``;
    rows.push(`| \`${path.join('.')}\` | ${node.typeName} | ${def} | ${cell(node.doc)} |`);
  }
  return rows.join('\n');
}

export function chartReadme(intro: string, fields: Fields, changelog: Changelog = []): string {
  return [
    intro.trimEnd(),
    '',
    ...(changelog.length > 0 ? [changelogMarkdown(changelog), ''] : []),
    '## Values',
    '',
    '<!-- Generated from chart-src by `vineyard-charts render`; edit the typed sources instead. -->',
    '',
    valuesTable(fields),
    '',
  ].join('\n');
}
