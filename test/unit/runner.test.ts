/** The runner protocol as the action writes it: workflow commands and file commands. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseFileCommands } from '../../emulator/runner.ts';
import * as runner from '../../src/lib/runner.ts';

let dir: string;
let printed: string;
const saved = { ...process.env };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'venice-key-runner-'));
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

describe('workflow commands', () => {
  it('escapes data so that a value cannot end its command or start another', () => {
    runner.setSecret('a%b\r\n::error::c');
    expect(printed).toBe('::add-mask::a%25b%0D%0A::error::c\n');
  });

  it('escapes properties, and drops empty ones', () => {
    runner.error('bad: input', { title: "venice-key: invalid input 'a,b'" });
    runner.warning('careful');
    expect(printed).toBe("::error title=venice-key%3A invalid input 'a%2Cb'::bad: input\n::warning::careful\n");
  });

  it('setFailed reports an error and makes the exit code 1', () => {
    runner.setFailed('it broke');
    expect(printed).toBe('::error::it broke\n');
    expect(process.exitCode).toBe(1);
  });

  it('info is a plain line; debug is a command', () => {
    runner.info('hello');
    runner.debug('details');
    expect(printed).toBe('hello\n::debug::details\n');
  });
});

describe('file commands', () => {
  it('writes outputs, state and env as heredocs with a random delimiter, multi-line values intact', () => {
    for (const name of ['OUTPUT', 'STATE', 'ENV']) {
      process.env[`GITHUB_${name}`] = join(dir, name);
      writeFileSync(join(dir, name), '');
    }
    runner.setOutput('key-id', 'abc');
    runner.setOutput('multi', 'line 1\nline 2');
    runner.saveState('key-id', 'abc');
    runner.exportVariable('VENICE_API_KEY', 'secret');
    const output = readFileSync(join(dir, 'OUTPUT'), 'utf8');
    expect(output).toMatch(/^key-id<<ghadelimiter_[0-9a-f-]{36}\nabc\nghadelimiter_[0-9a-f-]{36}\n/);
    expect(parseFileCommands(output)).toEqual({ 'key-id': 'abc', multi: 'line 1\nline 2' });
    expect(parseFileCommands(readFileSync(join(dir, 'STATE'), 'utf8'))).toEqual({ 'key-id': 'abc' });
    expect(parseFileCommands(readFileSync(join(dir, 'ENV'), 'utf8'))).toEqual({ VENICE_API_KEY: 'secret' });
    expect(process.env.VENICE_API_KEY).toBe('secret');
    expect(printed).toBe('');
  });

  it('reads state the post step was given', () => {
    process.env['STATE_key-id'] = 'abc';
    expect(runner.getState('key-id')).toBe('abc');
    expect(runner.getState('other')).toBe('');
  });

  it('appends to the job summary only where there is one', () => {
    delete process.env.GITHUB_STEP_SUMMARY;
    runner.appendSummary('nowhere');
    process.env.GITHUB_STEP_SUMMARY = join(dir, 'summary');
    runner.appendSummary('<h3>a</h3>');
    runner.appendSummary('<p>b</p>');
    expect(readFileSync(join(dir, 'summary'), 'utf8')).toBe('<h3>a</h3><p>b</p>');
  });
});

describe('job summary', () => {
  it('escapes what it shows, so a label cannot inject markup', async () => {
    const { writeSummary } = await import('../../src/lib/summary.ts');
    process.env.GITHUB_STEP_SUMMARY = join(dir, 'summary');
    writeSummary('Keys & <things>', [['Label', '<img src=x onerror=alert(1)>']]);
    expect(readFileSync(join(dir, 'summary'), 'utf8')).toBe(
      '<h3>Keys &amp; &lt;things&gt;</h3>\n<table><tr><th>Item</th><th>Value</th></tr><tr><td>Label</td><td>&lt;img src=x onerror=alert(1)&gt;</td></tr></table>\n',
    );
  });

  it('warns instead of failing when the summary cannot be written', async () => {
    const { writeSummary } = await import('../../src/lib/summary.ts');
    process.env.GITHUB_STEP_SUMMARY = dir; // a directory: appending fails
    writeSummary('t', []);
    expect(printed).toMatch(/^::warning::Could not write the job summary: EISDIR/);
  });
});
