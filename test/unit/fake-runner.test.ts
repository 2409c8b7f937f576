/**
 * The runner stand-in reads file commands as the runner does on each OS. @actions/core
 * ends its lines with os.EOL, `\r\n` on Windows, and the runner on Windows ends a line at
 * CRLF as well as LF; a parser that split on `\n` alone would hand every value a stray `\r`
 * there (and a key check would fail on Windows only).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { afterEach, describe, expect, it } from 'vitest';
import { parseFileCommands, renderLog } from '../../emulator/fake-runner.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  delete process.env.GITHUB_OUTPUT;
});

/** What @actions/core writes for these outputs on this machine (LF here). */
function writtenByCore(outputs: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'venice-key-file-command-'));
  dirs.push(dir);
  const file = join(dir, 'output');
  writeFileSync(file, '');
  process.env.GITHUB_OUTPUT = file;
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
  return readFileSync(file, 'utf8');
}

describe('file commands as the runner reads them', () => {
  const outputs = { 'api-key': 'VENICE_INFERENCE_KEY_abc', 'key-id': '3f2c', valid: 'true', empty: '' };

  it('reads what @actions/core writes', () => {
    expect(parseFileCommands(writtenByCore(outputs))).toEqual(outputs);
  });

  it('reads the same values when @actions/core wrote them on Windows (os.EOL is CRLF)', () => {
    // One-line values: every line end core writes is os.EOL, so this is the Windows file exactly.
    const windows = writtenByCore(outputs).replace(/\n/g, '\r\n');
    expect(windows).toMatch(/^api-key<<ghadelimiter_[\w-]+\r\nVENICE_INFERENCE_KEY_abc\r\nghadelimiter_[\w-]+\r\n/);
    expect(parseFileCommands(windows, 'win32')).toEqual(outputs);
  });

  it('keeps a multi-line value as written, and ends a line at CRLF only on Windows', () => {
    const text = 'list<<EOF\r\nline one\nline two\r\nEOF\r\nplain=value\r\n\r\n';
    expect(parseFileCommands(text, 'win32')).toEqual({ list: 'line one\nline two', plain: 'value' });
    // The runner on Linux or macOS ends lines at LF alone; core never writes CRLF there.
    expect(parseFileCommands('plain=value\r\n', 'linux')).toEqual({ plain: 'value\r' });
    expect(parseFileCommands('list<<EOF\nline one\nEOF\n', 'darwin')).toEqual({ list: 'line one' });
  });

  it('refuses what the runner refuses', () => {
    expect(() => parseFileCommands('list<<EOF\r\nno end\r\n', 'win32')).toThrow(/delimiter not found/);
    expect(() => parseFileCommands('list<<EOF\nvalue', 'linux')).toThrow(/delimiter not found|missing new line/);
    expect(() => parseFileCommands('just words\n', 'linux')).toThrow(/Invalid format/);
  });
});

describe('the log as the runner renders it', () => {
  it('reads lines ended with CRLF (os.EOL on Windows) as it reads LF ones', () => {
    const lf = '::add-mask::VENICE_INFERENCE_KEY_abc\nMinted VENICE_INFERENCE_KEY_abc\n::warning::careful\n';
    const crlf = lf.replace(/\n/g, '\r\n');
    const [unix, windows] = [renderLog(lf), renderLog(crlf)];
    expect(windows.lines).toEqual(unix.lines);
    expect(windows.lines).toEqual(['Minted ***', 'Warning: careful']);
    expect(windows.annotations).toEqual(unix.annotations);
  });
});
