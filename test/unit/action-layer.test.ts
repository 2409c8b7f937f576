/** The action's side of the runner protocol, over @actions/core: what it prints, writes and refuses. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseFileCommands, renderLog } from '../../emulator/fake-runner.ts';
import { Ledger } from '../../src/lifecycle/ledger.ts';
import * as log from '../../src/runner/log.ts';
import { exportVariable, setOutput } from '../../src/runner/outputs.ts';
import { link, summaryText, writeSummary } from '../../src/runner/summary.ts';

let dir: string;
let printed: string;
const saved = { ...process.env };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'venice-key-action-'));
  printed = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  process.env = { ...saved };
  process.exitCode = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const fileFor = (name: string) => {
  const path = join(dir, name);
  writeFileSync(path, '');
  return path;
};

describe('log lines carry data, never commands', () => {
  const hostile = [
    'Service busy\n::stop-commands::x',
    'busy\r::add-mask::nothing',
    'ok ##[warning]forged',
    '::error::forged at the start',
    'a\u2028::debug::b',
  ];

  it.each(hostile)('%j stays one inert line', (text) => {
    log.info(`Creating the key failed (${text}); trying again.`);
    log.warning(text);
    log.error(text, { title: 'venice-key' });
    const rendered = renderLog(printed);
    expect(rendered.commands).toEqual(['warning', 'error']);
    expect(rendered.lines).toHaveLength(3);
    expect(printed.split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('a line that would start with :: is escaped, and ##[ is broken', () => {
    expect(log.loggable('::set-output name=x::y')).toBe('\\::set-output name=x::y');
    expect(log.loggable('  ::add-mask::y')).toBe('  \\::add-mask::y');
    expect(log.loggable('x ##[group]y')).toBe('x ##\\[group]y');
  });

  it('redacts what it was told to mask and anything key-shaped, after masking it with the runner', () => {
    log.mask('opaque-admin-secret');
    log.info('the key opaque-admin-secret and VENICE_INFERENCE_KEY_abcdef123 were seen');
    expect(printed).toBe('::add-mask::opaque-admin-secret\nthe key *** and VENICE_*** were seen\n');
  });

  it('fail reports an error and sets the exit code', () => {
    log.fail(new Error('it broke\n::stop-commands::z'));
    expect(printed).toBe('::error::it broke ::stop-commands::z\n');
    expect(renderLog(printed).commands).toEqual(['error']);
    expect(process.exitCode).toBe(1);
  });
});

describe('outputs and environment', () => {
  it('go through the runner files as heredocs, nothing printed', () => {
    process.env.GITHUB_OUTPUT = fileFor('output');
    process.env.GITHUB_ENV = fileFor('env');
    setOutput('key-id', 'abc');
    setOutput('multi', 'line 1\nline 2');
    exportVariable('VENICE_API_KEY', 'secret');
    expect(parseFileCommands(readFileSync(process.env.GITHUB_OUTPUT, 'utf8'))).toEqual({ 'key-id': 'abc', multi: 'line 1\nline 2' });
    expect(parseFileCommands(readFileSync(process.env.GITHUB_ENV, 'utf8'))).toEqual({ VENICE_API_KEY: 'secret' });
    expect(printed).toBe('');
  });

  it('refuse, printing nothing, when the runner file is missing (no stdout fallback)', () => {
    delete process.env.GITHUB_OUTPUT;
    delete process.env.GITHUB_ENV;
    expect(() => setOutput('api-key', 'VENICE_INFERENCE_KEY_secret')).toThrow(/GITHUB_OUTPUT is not set/);
    expect(() => exportVariable('VENICE_API_KEY', 'VENICE_INFERENCE_KEY_secret')).toThrow(/GITHUB_ENV is not set/);
    expect(printed).toBe('');
  });
});

describe('job summary', () => {
  it('escapes text for HTML and Markdown, on one line', () => {
    expect(summaryText('a\n\n[Re-auth](https://ev.il) <img src=x> *b* `c` | d')).toBe(
      'a &#91;Re-auth&#93;&#40;https://ev.il&#41; &#60;img src=x&#62; &#42;b&#42; &#96;c&#96; &#124; d',
    );
  });

  it('writes a heading and a table through core.summary; a blank line cannot break out of it', async () => {
    process.env.GITHUB_STEP_SUMMARY = fileFor('summary');
    await writeSummary(
      'Keys & <things>',
      ['Item', 'Value'],
      [
        ['Label', 'x\n\n[link](https://ev.il)'],
        ['Run', link('42.1', 'https://github.com/o/r/actions/runs/42')],
      ],
    );
    const summary = readFileSync(process.env.GITHUB_STEP_SUMMARY, 'utf8');
    expect(summary).toContain('<h3>Keys &#38; &#60;things&#62;</h3>');
    expect(summary).toContain('<td>x &#91;link&#93;&#40;https://ev.il&#41;</td>');
    expect(summary).toContain('<td><a href="https://github.com/o/r/actions/runs/42">42.1</a></td>');
    expect(summary).not.toMatch(/\n\s*\n/);
  });

  it("escapes a link's address as well as its text", () => {
    const cell = link('x', 'https://h/" onmouseover="x"><img src=x>') as { html: string };
    expect(cell.html).toBe('<a href="https://h/&#34; onmouseover=&#34;x&#34;&#62;&#60;img src=x&#62;">x</a>');
  });

  it('warns instead of failing when the summary cannot be written', async () => {
    process.env.GITHUB_STEP_SUMMARY = dir; // a directory: writing fails
    await writeSummary('t', ['a'], []);
    expect(printed).toMatch(/^::warning::Could not write the job summary: /);
  });
});

describe('the ledger handed to the post step', () => {
  const run = { repository: 'o/r', runId: '42', runAttempt: '1' };
  const ADMIN = 'VENICE_ADMIN_KEY_ledgerledger';

  function written(): string {
    return parseFileCommands(readFileSync(process.env.GITHUB_STATE as string, 'utf8')).ledger as string;
  }

  it('round-trips what main recorded, sealed with the admin key', () => {
    process.env.GITHUB_STATE = fileFor('state');
    const ledger = Ledger.create(ADMIN, run);
    ledger.sending('name-1', 1);
    ledger.created('name-1', 'id-1', null);
    ledger.sending('name-2', 2);
    ledger.sending('name-3', 3);
    ledger.settled('name-3');
    const loaded = Ledger.load(ADMIN, run, written());
    expect(loaded.kind).toBe('ok');
    expect(loaded.kind === 'ok' && loaded.ledger.entries).toEqual([
      { name: 'name-1', sentAt: 1, id: 'id-1', expiresAt: null },
      { name: 'name-2', sentAt: 2 },
    ]);
    expect(printed).toBe('');
  });

  it('refuses state it did not seal: edited, another admin key, another run, none, or no admin key', () => {
    process.env.GITHUB_STATE = fileFor('state');
    Ledger.create(ADMIN, run).sending('name-1', 1);
    const raw = written();
    const edited = raw.replace('name-1', 'victim');
    expect(Ledger.load(ADMIN, run, edited).kind).toBe('forged');
    expect(Ledger.load(`${ADMIN}x`, run, raw).kind).toBe('forged');
    expect(Ledger.load(ADMIN, { ...run, runId: '43' }, raw).kind).toBe('forged');
    expect(Ledger.load('', run, raw).kind).toBe('forged');
    expect(Ledger.load(ADMIN, run, '{"entries":[{"id":"victim"}],"mac":"00"}').kind).toBe('forged');
    expect(Ledger.load(ADMIN, run, 'not json').kind).toBe('forged');
    expect(Ledger.load(ADMIN, run, '').kind).toBe('none');
  });

  it('refuses a ledger sealed with an empty admin key, which anyone could forge', () => {
    process.env.GITHUB_STATE = fileFor('state');
    Ledger.create('', run).sending('name-1', 1);
    expect(Ledger.load('', run, written()).kind).toBe('forged');
  });

  it('refuses to save without GITHUB_STATE, printing nothing (no stdout fallback)', () => {
    delete process.env.GITHUB_STATE;
    expect(() => Ledger.create(ADMIN, run).sending('name-1', 1)).toThrow(/GITHUB_STATE is not set/);
    expect(printed).toBe('');
  });
});
