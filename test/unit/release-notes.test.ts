import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { releaseSection } from '../../scripts/release-notes.ts';

const root = resolve(import.meta.dirname, '../..');
const changelog = [
  '# Changelog',
  '',
  'Intro.',
  '',
  '## Unreleased',
  '',
  '- next',
  '',
  '## 1.10.0 - 2027-02-01',
  '',
  '- ten',
  '',
  '## 1.1.0 - 2027-01-15',
  '',
  '- one',
  '- two',
  '',
  '## 1.0.0 (unreleased)',
  '',
  '- old',
  '',
].join('\n');

describe('release notes from the changelog', () => {
  it("gives a version's section, from its heading to the next", () => {
    expect(releaseSection(changelog, 'v1.1.0')).toEqual({ version: '1.1.0', date: '2027-01-15', notes: '- one\n- two' });
    expect(releaseSection(changelog, '1.10.0').notes).toBe('- ten');
  });

  it('reads a changelog saved with CRLF line ends', () => {
    expect(releaseSection(changelog.replace(/\n/g, '\r\n'), 'v1.1.0').notes).toBe('- one\n- two');
  });

  it('refuses a tag without a section, an undated section, an empty one, or a tag that is not a version', () => {
    expect(() => releaseSection(changelog, 'v1.1')).toThrow(/not a version tag/);
    expect(() => releaseSection(changelog, 'v1.2.0')).toThrow(/no section '## 1.2.0 - YYYY-MM-DD'/);
    expect(() => releaseSection(changelog, 'v1.0.0')).toThrow(/is not dated/);
    expect(() => releaseSection(changelog, 'v1.0.1')).toThrow(/no section/); // not 1.0.10 or 1.0.0
    expect(() => releaseSection('## 2.0.0 - 2027-13-45\n\n- x\n', 'v2.0.0')).toThrow(/no real date/);
    expect(() => releaseSection('## 2.0.0 - 2027-01-01\n\n## 1.0.0 - 2026-01-01\n- x\n', 'v2.0.0')).toThrow(/is empty/);
  });

  it("has a dated section for package.json's version, which the release workflow will tag", () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const text = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
    expect(releaseSection(text, `v${version}`).notes).not.toBe('');
    expect(text.indexOf('## Unreleased'), 'an Unreleased section above the releases').toBeLessThan(text.indexOf(`## ${version}`));
  });

  it('prints the notes, or says what is missing and exits 1', () => {
    const script = join(root, 'scripts/release-notes.ts');
    const ok = spawnSync(process.execPath, [script, 'v1.0.0'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^- Modes `verify`/);
    const missing = spawnSync(process.execPath, [script, 'v9.9.9'], { encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("no section '## 9.9.9 - YYYY-MM-DD'");
  });
});
