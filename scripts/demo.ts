/**
 * `npm run demo`: the built action, end to end, on the built-in Venice emulator. A job
 * verifies a key, mints a capped key, uses it, and ends: the post step reports what the
 * key spent and the rate limits it ran into, and revokes it. Then a matrix shares one key: a minting job seals it, two
 * legs open it without a request, and a cleanup job revokes every key of the run. Last, a
 * scheduled prune asks the GitHub API (a stand-in) about the runs that minted keys: it
 * deletes the key of a run that died before its post step and keeps a running one's. Each
 * step's log is printed as the runner would show it, masks applied, stderr included.
 */
import { renderLog, runStep, type StepOptions, type StepResult } from '../emulator/fake-runner.ts';
import { GitHubApiEmulator } from '../emulator/github-api.ts';
import { VeniceEmulator } from '../emulator/venice-emulator.ts';

const emulator = await new VeniceEmulator().start();
const github = await new GitHubApiEmulator().start();
// The runner masks every `secrets.*` value on its own; the action masks what it mints.
const HANDOFF_SECRET = 'demo-handoff-secret-0123456789abcdef';
const masks = new Set([emulator.adminKey, emulator.inferenceKey, HANDOFF_SECRET, github.token]);
const problems: string[] = [];
const rows: [string, string, string][] = [];

async function step(name: string, kind: 'main' | 'post', options: StepOptions, expectation: (result: StepResult) => string | undefined) {
  const before = emulator.log.length;
  const asked = github.log.length;
  const result = await runStep(kind, options);
  console.log(`\n${kind === 'post' ? 'Post ' : ''}Run venice-key: ${name}`);
  const log = renderLog(result.stdout, { masks });
  for (const mask of log.masks) masks.add(mask);
  for (const line of log.lines) console.log(`  ${line}`);
  for (const line of result.stderr.split('\n').filter(Boolean)) console.log(`  stderr: ${line}`);
  const outputs = Object.entries(result.outputs).filter(([, value]) => value !== '');
  if (outputs.length > 0) {
    const shown = ([key, value]: [string, string]) =>
      `${key}=${masks.has(value) ? '***' : value.length > 40 ? `${value.slice(0, 37)}...` : value}`;
    console.log(`  outputs: ${outputs.map(shown).join(', ')}`);
  }
  const requests = [
    ...emulator.calls(before),
    ...github.log.slice(asked).map((call) => `GitHub ${call.method} ${call.path} ${call.status}`),
  ];
  const problem = result.stderr ? `printed on stderr: ${result.stderr.trim()}` : expectation(result);
  if (problem) problems.push(`${name}: ${problem}`);
  rows.push([name, problem ? `UNEXPECTED: ${problem}` : `ok (exit ${result.code})`, requests.join(', ') || 'none']);
  return result;
}

try {
  const base = { 'base-url': emulator.url };
  console.log(`Venice emulator on ${emulator.url}; the action runs from dist/ as the runner runs it.`);

  console.log('\n=== A job with its own key');
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
    'openai-env': 'true',
  };
  const minted = await step('mint a capped 10-minute key', 'main', { inputs: mintInputs }, (r) =>
    r.code === 0 && r.outputs['api-key'] && r.env.OPENAI_BASE_URL === emulator.url ? undefined : 'minting should succeed',
  );
  const apiKey = minted.outputs['api-key'] as string;

  const used = await step('use the minted key', 'main', { inputs: { ...base, 'api-key': apiKey } }, (r) =>
    r.outputs.valid === 'true' && r.outputs['balance-usd'] === '1' ? undefined : 'the minted key should be valid with a 1 USD cap',
  );
  // Balances are what a key may spend now (the account's balance, within the key's caps), not its caps.
  console.log(
    `  (demo) Balances are what the key may spend now, not caps: ${used.outputs['balance-usd']} USD is its usd-limit` +
      ` (the account holds 100 USD); ${used.outputs['balance-diem']} DIEM is the account's DIEM, since no diem-limit caps it.`,
  );
  // The job's tests call Venice with the key; the emulator books what they would spend.
  emulator.charge(minted.outputs['key-id'] as string, { usd: 0.0125 });
  // ... and they ran too fast for one model twice.
  for (let i = 0; i < 2; i++) emulator.exceedLimit(minted.outputs['key-id'] as string, 'venice-uncensored', 'RPM');

  await step('job ends: report the spend and revoke the key', 'post', { inputs: mintInputs, state: minted.state }, (r) =>
    r.code === 0 && r.stdout.includes('it spent 0.0125 USD') && r.summary.includes('Rate limits the deleted keys ran into')
      ? undefined
      : 'the post step should report the spend and the rate limits, and revoke the key',
  );

  await step('the minted key is gone', 'main', { inputs: { ...base, 'api-key': apiKey, 'fail-on-invalid': 'false' } }, (r) =>
    r.outputs.valid === 'false' ? undefined : 'the revoked key should be invalid',
  );

  console.log('\n=== One key for a matrix');
  const shared = await step(
    'job mint: a key sealed for the run',
    'main',
    { inputs: { ...base, 'admin-key': emulator.adminKey, 'handoff-secret': HANDOFF_SECRET, ttl: '30m', description: 'matrix' } },
    (r) => (r.code === 0 && r.outputs.handoff?.startsWith('vkh1.') ? undefined : 'mint should set the handoff output'),
  );
  await step(
    'job mint ends: the key is for the run, not revoked',
    'post',
    { inputs: { ...base, 'admin-key': emulator.adminKey }, state: shared.state },
    (r) => (r.code === 0 && emulator.calls().at(-1)?.startsWith('POST') ? undefined : 'the minting job must leave the key alone'),
  );
  for (const leg of ['a', 'b']) {
    await step(
      `leg ${leg}: receive the key (no request)`,
      'main',
      {
        inputs: { mode: 'receive', handoff: shared.outputs.handoff as string, 'handoff-secret': HANDOFF_SECRET },
        env: { GITHUB_JOB: `leg-${leg}` },
      },
      (r) => (r.code === 0 && r.outputs['key-id'] === shared.outputs['key-id'] ? undefined : 'each leg should get the same key'),
    );
  }
  await step(
    'job cleanup: revoke every key of the run',
    'main',
    { inputs: { ...base, mode: 'revoke', 'admin-key': emulator.adminKey } },
    (r) => (r.code === 0 && r.outputs.revoked === '1' ? undefined : 'the run-scoped revoke should delete the shared key'),
  );

  console.log('\n=== A scheduled prune: keys of runs that died before their post step');
  // Run 2001 was killed before its post step, so its key outlived it; run 2002 is still going.
  github.setRun('2001', 'completed').setRun('2002', 'in_progress');
  const runEnv = (run: string) => ({ GITHUB_RUN_ID: run, GITHUB_JOB: 'tests' });
  const jobInputs = { ...base, 'admin-key': emulator.adminKey, ttl: '2h', 'usd-limit': '1', description: 'tests' };
  const orphan = await step(
    'run 2001: mint (its runner dies before the post step)',
    'main',
    { inputs: jobInputs, env: runEnv('2001') },
    (r) => (r.code === 0 ? undefined : 'minting should succeed'),
  );
  emulator.charge(orphan.outputs['key-id'] as string, { usd: 0.03 });
  const running = await step('run 2002: mint (still running)', 'main', { inputs: jobInputs, env: runEnv('2002') }, (r) =>
    r.code === 0 ? undefined : 'minting should succeed',
  );
  await step(
    'prune: ask GitHub which runs have finished',
    'main',
    {
      inputs: { ...base, mode: 'prune', 'admin-key': emulator.adminKey, 'github-token': github.token },
      env: { GITHUB_RUN_ID: '3000', GITHUB_JOB: 'prune', GITHUB_API_URL: github.url },
    },
    (r) => {
      const left = emulator.mintedKeys().map((key) => key.id);
      if (r.code !== 0 || r.outputs.revoked !== '1') return 'prune should delete exactly the dead run’s key';
      return left.includes(running.outputs['key-id'] as string) && !left.includes(orphan.outputs['key-id'] as string)
        ? undefined
        : 'prune should keep the running run’s key and delete the dead one’s';
    },
  );
  await step(
    'run 2002 ends: its post step revokes its key',
    'post',
    { inputs: jobInputs, state: running.state, env: runEnv('2002') },
    (r) => (r.code === 0 && emulator.mintedKeys().length === 0 ? undefined : 'the post step should revoke the running job’s key'),
  );

  if (emulator.mintedKeys().length > 0) problems.push('a minted key is still active');

  console.log('\nSummary');
  const width = Math.max(...rows.map(([name]) => name.length));
  for (const [name, outcome, requests] of rows) console.log(`  ${name.padEnd(width)}  ${outcome.padEnd(12)}  requests: ${requests}`);
  console.log(`  keys the action minted that are still active: ${emulator.mintedKeys().length}`);
  console.log(problems.length === 0 ? '\nDemo passed.' : `\nDemo FAILED:\n  ${problems.join('\n  ')}`);
} finally {
  await emulator.stop();
  await github.stop();
}
process.exitCode = problems.length === 0 ? 0 : 1;
