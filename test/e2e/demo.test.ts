import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

it('npm run demo runs the whole story on the emulator, exits 0, and prints no key', () => {
  const demo = spawnSync(process.execPath, [resolve(import.meta.dirname, '../../scripts/demo.ts')], { encoding: 'utf8', timeout: 60_000 });
  expect(demo.stderr).toBe('');
  expect(demo.status).toBe(0);
  expect(demo.stdout).toContain('Demo passed.');
  expect(demo.stdout).toContain('outputs: api-key=***');
  expect(demo.stdout).not.toMatch(/VENICE_[A-Z]+_KEY_/);
});
