/**
 * The action's TypeScript sources run under @github/local-action (a dev dependency), as a
 * developer runs them by hand against the emulator (README, local-action.env.example):
 * inputs come from a .env file, outputs are printed as `::set-output` lines, and a secret
 * the action registers is never printed (local-action drops any output that holds one).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { assertNoKeyLeaked } from '../helpers/leaks.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'node_modules/@github/local-action/bin/local-action.js');
const SAMPLE = join(ROOT, 'local-action.env.example');
const installed = existsSync(BIN);
if (!installed) console.warn('Skipping the @github/local-action tests: it is not installed (run `npm ci`).');

/** Each run starts tsx and local-action's stubs: several seconds, more on a busy machine. */
const RUN_TIMEOUT_MS = 120_000;

interface LocalActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** From local-action's `::set-output name=X::value` lines. */
  outputs: Record<string, string>;
}

let emulator: VeniceEmulator;
let work: string;

beforeEach(async () => {
  emulator = await new VeniceEmulator().start();
  work = await mkdtemp(join(tmpdir(), 'venice-key-local-action-'));
});
afterEach(async () => {
  await emulator.stop();
  await rm(work, { recursive: true, force: true });
});

/** What every run needs besides its inputs: the run's identity, and the runner's four files in a temp dir. */
function runnerVariables(): Record<string, string> {
  return {
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    GITHUB_RUN_ID: '1234567890',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_OUTPUT: join(work, 'output'),
    GITHUB_STATE: join(work, 'state'),
    GITHUB_ENV: join(work, 'env'),
    GITHUB_STEP_SUMMARY: join(work, 'summary.md'),
  };
}

function dotenv(variables: Record<string, string>): string {
  return Object.entries(variables)
    .map(([name, value]) => {
      // Unquoted dotenv values end at a newline and may be cut at ' #'; none of ours has either.
      if (/[\r\n#'"`]/.test(value)) throw new Error(`${name}: value not safe for an unquoted .env line`);
      return `${name}=${value}\n`;
    })
    .join('');
}

/**
 * `local-action run . <entrypoint> <env> [...extra]` from the repository's root. The
 * inputs must be in the .env file: hyphenated names (INPUT_API-KEY) do not survive the
 * /bin/sh that local-action runs itself through. The action runs on the first `node` on
 * PATH, so this test's Node 24 goes first; nothing the runner or a surrounding job set
 * is inherited.
 */
async function localAction(entrypoint: string, envFile: string, extra: string[] = []): Promise<LocalActionRun> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(INPUT_|STATE_|GITHUB_|RUNNER_|ACTIONS_)/i.test(name) && name !== 'NODE_OPTIONS') env[name] = value;
  }
  env.PATH = [dirname(process.execPath), process.env.PATH].filter(Boolean).join(delimiter);
  env.FORCE_COLOR = '0';

  const child = spawn(process.execPath, [BIN, 'run', '.', entrypoint, envFile, ...extra], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((done, failed) => {
    child.on('error', failed);
    child.on('close', (exit) => done(exit));
  });
  const outputs: Record<string, string> = {};
  for (const [, name, value] of stdout.matchAll(/^::set-output name=([^:]+)::(.*)$/gm)) outputs[name as string] = value as string;
  return { code, stdout, stderr, outputs };
}

async function writeEnv(name: string, variables: Record<string, string>): Promise<string> {
  const path = join(work, name);
  await writeFile(path, dotenv(variables));
  return path;
}

/** local-action exits 0 even when the action calls core.setFailed; a failure shows as an ::error:: line. */
function expectSuccess(result: LocalActionRun): void {
  const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
  expect(result.code, context).toBe(0);
  expect(result.stdout, context).not.toMatch(/^::error::/m);
  expect(result.stdout, context).toMatch(/Running Action/);
}

describe.skipIf(!installed)('under @github/local-action', () => {
  it(
    'mint with its post step: outputs are captured, the key is registered as a secret, and the post step revokes it',
    async () => {
      const envFile = await writeEnv('mint.env', {
        ...runnerVariables(),
        'INPUT_BASE-URL': emulator.url,
        'INPUT_ADMIN-KEY': emulator.adminKey,
        INPUT_TTL: '10m',
      });
      const result = await localAction('src/main.ts', envFile, ['--post', 'src/post.ts']);

      expectSuccess(result);
      const keyId = result.outputs['key-id'] as string;
      expect(keyId).toMatch(/^[0-9a-f-]{36}$/);
      expect(Date.parse(result.outputs['expires-at'] as string) - Date.now()).toBeGreaterThan(9 * 60_000);
      expect(result.outputs['key-type']).toBe('INFERENCE');
      // local-action drops an output that holds a registered secret: proof that the minted key was masked.
      expect(result.outputs['api-key']).toBeUndefined();
      expect(result.stdout).toMatch(/^::warning::Skip output api-key since it may contain secret\.$/m);

      // The post step ran, with the state the main step saved, and revoked the key.
      expect(result.stdout).toContain('Running Post Step');
      expect(result.stdout).toContain(`::info::Deleted key ${keyId} (it spent 0 USD and 0 DIEM).`);
      expect(emulator.calls()).toEqual([
        'POST /api_keys 200',
        `GET /api_keys/${keyId} 200`,
        'DELETE /api_keys 200',
        'GET /api_keys/rate_limits/log 200',
      ]);
      expect(emulator.mintedKeys()).toEqual([]);

      const minted = emulator.requests('POST', '/api_keys')[0]?.body as { description?: string } | undefined;
      expect(minted?.description).toMatch(/^venice-key:[0-9a-f]+:1234567890\.1:job:/);
      assertNoKeyLeaked(result, [emulator.adminKey]);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'verify, from the sample local-action.env.example once its placeholders are filled in: outputs are captured, the key never printed',
    async () => {
      const sample = await readFile(SAMPLE, 'utf8');
      expect(sample).toContain('INPUT_BASE-URL=http://127.0.0.1:8787/api/v1');
      expect(sample).toMatch(/^# INPUT_ADMIN-KEY=replace-with-the-seeded-ADMIN-key$/m);
      const filled = fillIn(sample, {
        'INPUT_BASE-URL': emulator.url,
        'INPUT_API-KEY': emulator.inferenceKey,
        GITHUB_OUTPUT: join(work, 'output'),
        GITHUB_STATE: join(work, 'state'),
        GITHUB_ENV: join(work, 'env'),
        GITHUB_STEP_SUMMARY: join(work, 'summary.md'),
      });
      const envFile = join(work, 'sample.env');
      await writeFile(envFile, filled);
      const result = await localAction('src/main.ts', envFile);

      expectSuccess(result);
      expect(result.outputs).toMatchObject({
        valid: 'true',
        'api-tier': 'paid',
        'balance-usd': '100',
        'balance-diem': '25',
        'access-permitted': 'true',
        'key-type': 'INFERENCE',
      });
      expect(emulator.calls()).toEqual(['GET /api_keys/rate_limits 200']);
      // Nothing the action logs carries the key (core would show it as ****), nor anything key-shaped.
      assertNoKeyLeaked(result, [emulator.inferenceKey, emulator.adminKey]);
      expect(await readFile(join(work, 'summary.md'), 'utf8')).toContain('Venice key is valid');
    },
    RUN_TIMEOUT_MS,
  );
});

/** Replaces the values of the sample's active `NAME=value` lines; every name must be there. */
function fillIn(sample: string, values: Record<string, string>): string {
  let text = sample;
  for (const [name, value] of Object.entries(values)) {
    const line = new RegExp(`^${name.replace(/[-]/g, '\\-')}=.*$`, 'm');
    if (!line.test(text)) throw new Error(`local-action.env.example has no active ${name}= line`);
    text = text.replace(line, dotenv({ [name]: value }).trimEnd());
  }
  return text;
}
