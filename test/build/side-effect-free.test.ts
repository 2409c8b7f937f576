/**
 * The build's one workaround (scripts/side-effect-free.ts) still holds: the packages it
 * marks still need it, the mark reaches a reader of their package.json, and the built
 * verify and mint paths load none of what it exists to leave out.
 */
import fs, { readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStep } from '../../emulator/fake-runner.ts';
import { VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { markSideEffectFree } from '../../scripts/side-effect-free.ts';

const root = resolve(import.meta.dirname, '../..');
const PACKAGES = ['@actions/core', '@actions/github'];
const manifestOf = (name: string) => join(root, 'node_modules', name, 'package.json');

describe('the side-effect-free mark', () => {
  it.each(PACKAGES)('is still needed: %s does not declare sideEffects itself (if it does, delete the workaround)', (name) => {
    expect(JSON.parse(readFileSync(manifestOf(name), 'utf8')).sideEffects).toBeUndefined();
  });

  it("reaches what reads the packages' package.json through fs.readFile, and only theirs", async () => {
    const { marked, restore } = markSideEffectFree(['@actions/core']);
    try {
      const read = async (name: string) => JSON.parse(String(await promisify(fs.readFile)(manifestOf(name))));
      expect((await read('@actions/core')).sideEffects).toBe(false);
      expect((await read('@actions/github')).sideEffects).toBeUndefined();
      expect([...marked]).toEqual(['@actions/core']);
    } finally {
      restore();
    }
    expect(JSON.parse(String(await promisify(fs.readFile)(manifestOf('@actions/core')))).sideEffects).toBeUndefined();
  });
});

describe('the built verify and mint paths', () => {
  let emulator: VeniceEmulator;
  beforeAll(async () => {
    emulator = await new VeniceEmulator().start();
  });
  afterAll(async () => {
    await emulator.stop();
  });

  /** The files of dist/ a main step loads, recorded by scripts/record-loads.ts. */
  async function loaded(inputs: Record<string, string>): Promise<string[]> {
    const list = join(tmpdir(), `venice-key-loads-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const result = await runStep('main', {
      inputs: { 'base-url': emulator.url, ...inputs },
      env: { LOADS_FILE: list, NODE_OPTIONS: `--import=${join(root, 'scripts/record-loads.ts')}` },
    });
    expect(result.code).toBe(0);
    try {
      return readFileSync(list, 'utf8').split('\n').filter(Boolean);
    } finally {
      rmSync(list, { force: true });
    }
  }

  it.each([
    ['verify', () => ({ 'api-key': emulator.inferenceKey })],
    ['mint', () => ({ 'admin-key': emulator.adminKey, revoke: 'false' })],
  ])('%s loads at most 100 KB of dist/, and neither undici nor Octokit', async (_mode, inputs) => {
    const files = await loaded(inputs());
    const bytes = files.reduce((total, file) => total + statSync(file).size, 0);
    expect(bytes).toBeLessThanOrEqual(100 * 1024);
    // Names that only undici's own code and Octokit's client carry.
    for (const file of files) {
      const code = readFileSync(file, 'utf8');
      expect(code, file).not.toContain('UndiciError');
      expect(code, file).not.toContain('octokit');
    }
  });
});
