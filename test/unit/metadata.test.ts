/** action.yml is valid, documents everything the code reads and writes, and the README's tables match it. */

import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateAction } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { withTables } from '../../scripts/docs.ts';
import { INPUTS } from '../../src/modes/index.ts';

const root = resolve(import.meta.dirname, '../..');
const actionYml = readFileSync(join(root, 'action.yml'), 'utf8');
const action = parse(actionYml) as {
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: Record<string, string>;
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}
const source = sourceFiles(join(root, 'src'))
  .map((file) => readFileSync(file, 'utf8'))
  .join('\n');

describe('action.yml', () => {
  it('passes action-validator', () => {
    // action-validator's schema predates node24 (it knows node12..node20); everything else is checked
    // by it, and `using` is checked below.
    const result = validateAction(actionYml.replace('using: node24', 'using: node20')) as { errors: unknown[] };
    expect(result.errors).toEqual([]);
  });

  it('runs on node24 with a main and a post step that always runs', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/main.js', post: 'dist/post.js', 'post-if': 'always()' });
  });

  it('declares exactly the inputs of the table the code reads them from', () => {
    expect(Object.keys(INPUTS).sort()).toEqual(Object.keys(action.inputs).sort());
  });

  it('marks as defaulted exactly the inputs action.yml gives a default', () => {
    for (const [name, input] of Object.entries(INPUTS)) {
      expect(Boolean(input.setByAction), name).toBe(action.inputs[name]?.default !== undefined);
    }
  });

  it("opens each input's description with the modes the table gives it", () => {
    for (const [name, input] of Object.entries(INPUTS)) {
      const description = action.inputs[name]?.description ?? '';
      if (input.modes === 'every') expect(description, name).not.toMatch(/^(verify|mint|receive|revoke|prune)\b/);
      else expect(description, name).toMatch(new RegExp(`^${input.modes.join(', ')}: `));
    }
  });

  it('declares every output the code sets', () => {
    const set = new Set([...source.matchAll(/setOutput\('([a-z-]+)'/g)].map((m) => m[1]));
    expect([...set].sort()).toEqual(Object.keys(action.outputs).sort());
  });
});

describe('README', () => {
  it('has the inputs and outputs tables that action.yml makes (npm run docs rewrites them)', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toBe(withTables(readme, actionYml));
  });
});
