import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

it('npm run emulator prints its base URL and seeded keys that work, and stops on SIGINT', async () => {
  const child = spawn(process.execPath, [resolve(import.meta.dirname, '../../emulator/cli.ts')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 10_000;
  while (!output.includes('Seeded INFERENCE key') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

  const url = /listening: (\S+)/.exec(output)?.[1];
  const admin = /Seeded ADMIN key:\s+(\S+)/.exec(output)?.[1];
  const inference = /Seeded INFERENCE key:\s+(\S+)/.exec(output)?.[1];
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
  expect(admin).toMatch(/^VENICE_ADMIN_KEY_/);
  expect(inference).toMatch(/^VENICE_INFERENCE_KEY_/);

  const list = await fetch(`${url}/api_keys`, { headers: { authorization: `Bearer ${admin}` } });
  expect(list.status).toBe(200);
  const limits = await fetch(`${url}/api_keys/rate_limits`, { headers: { authorization: `Bearer ${inference}` } });
  expect(limits.status).toBe(200);

  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  child.kill('SIGINT');
  expect(await exited).toBe(0);
});
