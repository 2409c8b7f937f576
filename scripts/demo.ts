/**
 * `npm run demo`: the built action, end to end, on the built-in Venice emulator.
 * A job verifies a key, mints a capped 10-minute key, uses it, and ends; the post
 * step revokes the key, and a last check shows it is gone. The log is printed as
 * the runner would show it, masks applied.
 */
import { renderLog, runStep, type StepOptions, type StepResult } from '../emulator/fake-runner.ts';
import { VeniceEmulator } from '../emulator/venice-emulator.ts';

const emulator = await new VeniceEmulator().start();
// The runner masks every `secrets.*` value on its own; the action masks what it mints.
const masks = new Set([emulator.adminKey, emulator.inferenceKey]);
const problems: string[] = [];
const rows: [string, string, string][] = [];

async function step(name: string, kind: 'main' | 'post', options: StepOptions, expectation: (result: StepResult) => string | undefined) {
  const before = emulator.log.length;
  const result = await runStep(kind, options);
  console.log(`\n${kind === 'post' ? 'Post ' : ''}Run venice-key: ${name}`);
  const log = renderLog(result.stdout, { masks });
  for (const mask of log.masks) masks.add(mask);
  for (const line of log.lines) console.log(`  ${line}`);
  const outputs = Object.entries(result.outputs).filter(([, value]) => value !== '');
  if (outputs.length > 0)
    console.log(`  outputs: ${outputs.map(([key, value]) => `${key}=${masks.has(value) ? '***' : value}`).join(', ')}`);
  const requests = emulator.calls(before);
  const problem = expectation(result);
  if (problem) problems.push(`${name}: ${problem}`);
  rows.push([name, problem ? `UNEXPECTED: ${problem}` : `ok (exit ${result.code})`, requests.join(', ') || 'none']);
  return result;
}

try {
  const base = { 'base-url': emulator.url };
  console.log(`Venice emulator on ${emulator.url}; the action runs from dist/ as the runner runs it.`);

  await step('verify the repository secret', 'main', { inputs: { ...base, 'api-key': emulator.inferenceKey } }, (r) =>
    r.code === 0 && r.outputs.valid === 'true' ? undefined : 'the seeded key should be valid',
  );

  const mintInputs = {
    ...base,
    'admin-key': emulator.adminKey,
    ttl: '10m',
    'usd-limit': '1',
    description: 'demo',
    'export-env': 'VENICE_API_KEY',
  };
  const minted = await step('mint a capped 10-minute key', 'main', { inputs: mintInputs }, (r) =>
    r.code === 0 && r.outputs['api-key'] ? undefined : 'minting should succeed',
  );
  const apiKey = minted.outputs['api-key'] as string;

  await step('use the minted key', 'main', { inputs: { ...base, 'api-key': apiKey } }, (r) =>
    r.outputs.valid === 'true' && r.outputs['balance-usd'] === '1' ? undefined : 'the minted key should be valid with a 1 USD cap',
  );

  await step('job ends: revoke the minted key', 'post', { inputs: mintInputs, state: minted.state }, (r) =>
    r.code === 0 ? undefined : 'the post step should revoke the key',
  );

  await step('the minted key is gone', 'main', { inputs: { ...base, 'api-key': apiKey, 'fail-on-invalid': 'false' } }, (r) =>
    r.outputs.valid === 'false' ? undefined : 'the revoked key should be invalid',
  );

  if (emulator.mintedKeys().length > 0) problems.push('a minted key is still active');

  console.log('\nSummary');
  const width = Math.max(...rows.map(([name]) => name.length));
  for (const [name, outcome, requests] of rows) console.log(`  ${name.padEnd(width)}  ${outcome.padEnd(12)}  requests: ${requests}`);
  console.log(`  keys the action minted that are still active: ${emulator.mintedKeys().length}`);
  console.log(problems.length === 0 ? '\nDemo passed.' : `\nDemo FAILED:\n  ${problems.join('\n  ')}`);
} finally {
  await emulator.stop();
}
process.exitCode = problems.length === 0 ? 0 : 1;
