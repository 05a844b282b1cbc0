/** The chart README: a hand-written introduction followed by the generated values table. */
import { type Fields, walkModel } from './model.ts';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function valuesTable(fields: Fields): string {
  const rows = ['| Key | Type | Default | Description |', '|-----|------|---------|-------------|'];
  for (const [path, node] of walkModel(fields)) {
    if (node.kind === 'object') continue;
    const def = `\`${cell(JSON.stringify(node.default))}\``;
    rows.push(`| \`${path.join('.')}\` | ${node.typeName} | ${def} | ${cell(node.doc)} |`);
  }
  return rows.join('\n');
}

export function chartReadme(intro: string, fields: Fields): string {
  return [
    intro.trimEnd(),
    '',
    '## Values',
    '',
    '<!-- Generated from chart-src by `vineyard-charts render`; edit the typed sources instead. -->',
    '',
    valuesTable(fields),
    '',
  ].join('\n');
}
