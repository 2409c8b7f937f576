/** The emulator as most end-to-end tests use it: a fresh one per test, checked for leftovers after each. */
import { afterEach, expect } from 'vitest';
import { type EmulatorOptions, VeniceEmulator } from '../../emulator/venice-emulator.ts';

/** Registers the after-test check; returns what starts a test's emulator. */
export function freshEmulatorEachTest(): (options?: EmulatorOptions) => Promise<VeniceEmulator> {
  let current: VeniceEmulator | undefined;
  afterEach(async () => {
    const emulator = current;
    current = undefined;
    if (!emulator) return;
    // After every test, the emulator holds no key the test did not expect.
    expect(emulator.mintedKeys()).toEqual([]);
    await emulator.stop();
  });
  return async (options) => {
    current = await new VeniceEmulator(options).start();
    return current;
  };
}

/** A mint against this emulator, with a short timeout. */
export const mintInputsFor = (emulator: VeniceEmulator, extra: Record<string, string> = {}) => ({
  'base-url': emulator.url,
  'admin-key': emulator.adminKey,
  timeout: '1s',
  ...extra,
});
