/**
 * README, "Masking first" and "No clear text": secrets are masked before anything else
 * runs, a key pasted where it does not belong stays out of the log, nothing is sent
 * through a proxy setting that cannot be used, and an answer larger than 1 MiB is
 * refused as it arrives.
 */
import { describe, expect, it } from 'vitest';
import { renderLog, runJob, runStep } from '../../emulator/fake-runner.ts';
import type { VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { freshEmulatorEachTest, mintInputsFor } from '../helpers/emulator.ts';
import { assertNoKeyLeaked } from '../helpers/leaks.ts';

let emulator: VeniceEmulator;
const startEmulator = freshEmulatorEachTest();
const start = async () => (emulator = await startEmulator());

const mintInputs = (extra: Record<string, string> = {}) => mintInputsFor(emulator, extra);

describe('masking first', () => {
  it('the post step masks the admin key before anything else', async () => {
    await start();
    const { post } = await runJob({ inputs: mintInputs() });
    expect(post.stdout.split('\n')[0]).toBe(`::add-mask::${emulator.adminKey}`);
  });

  it('a key pasted into another input stays out of the log and the summary', async () => {
    await start();
    const result = await runStep('main', {
      inputs: {
        'base-url': emulator.url,
        'api-key': emulator.inferenceKey,
        'require-models': `venice-uncensored, ${emulator.adminKey}`,
        'fail-on-invalid': 'false',
      },
    });
    expect(result.code).toBe(0);
    expect(result.summary).toContain('cannot use the required model');
    expect(result.summary).not.toContain(emulator.adminKey.slice('VENICE_ADMIN_KEY_'.length));
    assertNoKeyLeaked(result, [emulator.adminKey, emulator.inferenceKey]);
    expect(renderLog(result.stdout).masks).toContain(emulator.adminKey);
  });
});

describe('no clear text', () => {
  it('a proxy setting that is not a URL: nothing is sent or retried, no create is left to settle', async () => {
    await start();
    const env = { HTTPS_PROXY: 'not a url' };
    // A host that is not this machine, so the proxy setting applies (the address is never reached).
    const remote = 'https://venice.test:1/api/v1';
    const verify = await runStep('main', { inputs: { 'base-url': remote, 'api-key': emulator.inferenceKey }, env });
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(
      '::error::GET /api_keys/rate_limits was not sent: the proxy setting (HTTPS_PROXY / HTTP_PROXY) cannot be used',
    );
    expect(verify.stdout.match(/-> not-sent/g)).toHaveLength(1);
    const mint = await runStep('main', { inputs: mintInputs({ 'base-url': remote }), env });
    expect(mint.code).toBe(1);
    expect(mint.state.ledger).toBe('');
    expect(emulator.received).toBe(0);
  });

  it('an answer larger than 1 MiB is refused as it arrives, not read until the timeout', async () => {
    await start();
    emulator.inject({ endless: true }, { method: 'GET', path: '/api_keys/rate_limits' });
    const result = await runStep('main', { inputs: { 'base-url': emulator.url, 'api-key': emulator.inferenceKey, timeout: '30s' } });
    expect(result.code).toBe(1);
    // Read to the end, the endless answer would have ended in a timeout instead.
    expect(result.stdout).toContain('::error::GET /api_keys/rate_limits failed: the answer (200) is larger than 1 MiB.');
    expect(result.stdout).not.toContain('timed out');
    expect(result.stderr).toBe('');
  });
});
