/**
 * `npm run docs`: writes the README's inputs and outputs tables from action.yml,
 * so the two cannot drift (a test fails when they differ).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..');

interface ActionYml {
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { description: string }>;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderTables(actionYml: string): { inputs: string; outputs: string } {
  const action = parse(actionYml) as ActionYml;
  const inputs = [
    '| Input | Default | Description |',
    '|---|---|---|',
    ...Object.entries(action.inputs).map(
      ([name, input]) => `| \`${name}\` | ${input.default === undefined ? '' : `\`${input.default}\``} | ${cell(input.description)} |`,
    ),
  ].join('\n');
  const outputs = [
    '| Output | Description |',
    '|---|---|',
    ...Object.entries(action.outputs).map(([name, output]) => `| \`${name}\` | ${cell(output.description)} |`),
  ].join('\n');
  return { inputs, outputs };
}

/** The README with the text between `<!-- NAME:start -->` and `<!-- NAME:end -->` replaced. */
export function withTables(readme: string, actionYml: string): string {
  let text = readme;
  for (const [name, table] of Object.entries(renderTables(actionYml))) {
    const pattern = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`);
    if (!pattern.test(text)) throw new Error(`README.md has no <!-- ${name}:start --> … <!-- ${name}:end --> block`);
    text = text.replace(pattern, `$1${table}\n$2`);
  }
  return text;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const readmePath = join(root, 'README.md');
  const updated = withTables(readFileSync(readmePath, 'utf8'), readFileSync(join(root, 'action.yml'), 'utf8'));
  writeFileSync(readmePath, updated);
  console.log('README.md tables written from action.yml');
}
