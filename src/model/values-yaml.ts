/** values.yaml from the model: defaults with helm-docs `# --` comments, in declaration order. */
import * as yaml from 'js-yaml';
import type { Fields } from './model.ts';

function dumpScalarOrFlow(value: unknown): string | null {
  if (value === null || typeof value !== 'object')
    return yaml.dump(value, { lineWidth: -1, quoteStyle: 'double' }).trimEnd();
  if (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0) {
    return Array.isArray(value) ? '[]' : '{}';
  }
  return null;
}

function indentBlock(text: string, indent: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => indent + line)
    .join('\n');
}

function emit(fields: Fields, depth: number, out: string[]): void {
  const indent = '  '.repeat(depth);
  for (const [key, node] of Object.entries(fields)) {
    if (node.kind === 'leaf' && node.absent) continue; // documented in the README and the schema only
    if (depth === 0 && out.length > 0) out.push('');
    out.push(`${indent}# -- ${node.doc}`);
    if (node.kind === 'object') {
      out.push(`${indent}${key}:`);
      emit(node.fields, depth + 1, out);
      continue;
    }
    const inline = dumpScalarOrFlow(node.default);
    if (inline !== null) {
      out.push(`${indent}${key}: ${inline}`);
    } else {
      out.push(`${indent}${key}:`);
      out.push(
        indentBlock(
          yaml.dump(node.default, { lineWidth: -1, noRefs: true, quoteStyle: 'double' }),
          `${indent}  `,
        ),
      );
    }
  }
}

export function valuesYaml(chartName: string, fields: Fields): string {
  const out: string[] = [];
  emit(fields, 0, out);
  const header = [
    `# Default values for the ${chartName} chart.`,
    '# Generated from chart-src by `vineyard-charts render`: edit the typed sources, not this file.',
    '',
    '',
  ];
  return `${header.join('\n')}${out.join('\n')}\n`;
}
