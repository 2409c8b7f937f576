/**
 * Nothing on stderr. The runner shows a step's stderr in its log, unmasked by structure
 * and outside the action's control; a warning from Node or undici there (an experimental
 * proxy agent, a deprecation) is noise at best. Every mode's main and post step runs
 * here as the runner runs it; with each set of proxy variables, a Venice call and a
 * GitHub API call do. The emulators listen on plain-HTTP loopback, which never goes through a proxy, so every step succeeds
 * although the proxy named (port 9, discard) does not answer.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runJob, runStep, type StepResult } from '../../emulator/fake-runner.ts';
import { GitHubApiEmulator } from '../../emulator/github-api.ts';
import { VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { keyName } from '../../src/lifecycle/naming.ts';
import { assertNoKeyLeaked } from '../helpers/leaks.ts';
import { RUN } from '../helpers/ledger.ts';

const DEAD_PROXY = 'http://127.0.0.1:9';
const HANDOFF_SECRET = 'quiet-test-handoff-secret-0123456789abcdef';

let venice: VeniceEmulator;
let github: GitHubApiEmulator;

beforeEach(async () => {
  venice = await new VeniceEmulator().start();
  github = await new GitHubApiEmulator().start();
});
afterEach(async () => {
  await venice.stop();
  await github.stop();
});

/** Each step's exit code and stderr, named, so a failure says which step spoke. */
function expectQuiet(steps: Record<string, StepResult>): void {
  const seen = Object.fromEntries(Object.entries(steps).map(([name, step]) => [name, { code: step.code, stderr: step.stderr }]));
  expect(seen).toEqual(Object.fromEntries(Object.keys(steps).map((name) => [name, { code: 0, stderr: '' }])));
  for (const [name, step] of Object.entries(steps)) {
    expect(`${step.stdout}${step.stderr}`, name).not.toMatch(/UNDICI-EHPA|Warning|ExperimentalWarning|DeprecationWarning/);
    // The action's own warnings are annotations; none is expected on these happy paths.
    expect(step.stdout, name).not.toMatch(/^::(warning|error)/m);
  }
}

const PROXY_VARIANTS = [
  ['HTTPS_PROXY and HTTP_PROXY set', { HTTPS_PROXY: DEAD_PROXY, HTTP_PROXY: DEAD_PROXY }],
  ['https_proxy and http_proxy set', { https_proxy: DEAD_PROXY, http_proxy: DEAD_PROXY }],
  // Node's own fetch then reads the proxy variables too, and (unlike @actions/http-client) does not
  // exempt loopback: Octokit's requests to the loopback GitHub API emulator need NO_PROXY. The Venice
  // client goes direct to loopback whatever NO_PROXY says.
  [
    'NODE_USE_ENV_PROXY=1, HTTPS_PROXY and HTTP_PROXY set',
    { NODE_USE_ENV_PROXY: '1', HTTPS_PROXY: DEAD_PROXY, HTTP_PROXY: DEAD_PROXY, NO_PROXY: '127.0.0.1' },
  ],
] as const;

const base = () => ({ 'base-url': venice.url });
const admin = () => ({ ...base(), 'admin-key': venice.adminKey });

describe('with no proxy variable', () => {
  it('every mode, main and post: exit 0 and not one byte on stderr', async () => {
    const verify = await runJob({ inputs: { ...base(), 'api-key': venice.inferenceKey } });
    expect(verify.main.outputs.valid).toBe('true');

    const mint = await runJob({ inputs: { ...admin(), ttl: '10m' } });
    expect(mint.main.outputs['api-key']).toMatch(/^VENICE_INFERENCE_KEY_/);
    expect(mint.post.stdout).toContain(`Deleted key ${mint.main.outputs['key-id']}`);

    // A key for the run's later jobs: the minting job's post step leaves it alone; a later job receives it.
    const handoff = await runJob({ inputs: { ...admin(), ttl: '10m', 'handoff-secret': HANDOFF_SECRET } });
    expect(handoff.main.outputs.handoff).toBeTruthy();
    const receive = await runJob({
      inputs: { mode: 'receive', handoff: handoff.main.outputs.handoff as string, 'handoff-secret': HANDOFF_SECRET },
      env: { GITHUB_JOB: 'later' },
    });
    expect(receive.main.outputs['api-key']).toBe(handoff.main.outputs['api-key']);

    // The run's final job deletes it.
    const revoke = await runJob({ inputs: { ...admin(), mode: 'revoke' } });
    expect(revoke.main.outputs.revoked).toBe('1');

    // Prune asks the GitHub API (Octokit, its own proxy handling) which runs have finished.
    const finished = venice.addKey({ apiKeyType: 'INFERENCE', description: keyName({ ...RUN, runId: '42' }, 'job', 'aaaaaaaa') });
    const running = venice.addKey({ apiKeyType: 'INFERENCE', description: keyName({ ...RUN, runId: '43' }, 'job', 'bbbbbbbb') });
    github.setRun('42', 'completed').setRun('43', 'in_progress');
    const prune = await runJob({
      inputs: { ...admin(), mode: 'prune', 'github-token': github.token },
      env: { GITHUB_API_URL: github.url },
    });
    // Only an answer from the GitHub API can tell a young key's run has finished.
    expect(prune.main.outputs.revoked).toBe('1');
    expect(github.log.map((entry) => entry.status)).toEqual([200, 200]);
    expect(venice.mintedKeys().map((key) => key.id)).toEqual([running.id]);
    expect(venice.mintedKeys().map((key) => key.id)).not.toContain(finished.id);

    const steps: Record<string, StepResult> = {};
    for (const [mode, job] of Object.entries({ verify, mint, handoff, receive, revoke, prune })) {
      steps[`${mode} main`] = job.main;
      steps[`${mode} post`] = job.post;
    }
    expectQuiet(steps);
    const secrets = [
      venice.adminKey,
      venice.inferenceKey,
      mint.main.outputs['api-key'] as string,
      handoff.main.outputs['api-key'] as string,
    ];
    for (const step of Object.values(steps)) assertNoKeyLeaked(step, secrets);
    expect(venice.mintedKeys().map((key) => key.id)).toEqual([running.id]);
  });

  it('retries are quiet: a 503, then an answer', async () => {
    venice.inject({ status: 503 }, { method: 'GET', path: '/api_keys/rate_limits' });
    const verify = await runJob({ inputs: { ...base(), 'api-key': venice.inferenceKey } });
    expect(venice.calls()).toEqual(['GET /api_keys/rate_limits 503', 'GET /api_keys/rate_limits 200']);
    expectQuiet({ 'verify main': verify.main, 'verify post': verify.post });
  });

  it('failures are quiet too: a timeout, a rejected key, a refused create, a failed revoke speak only through ::error::', async () => {
    venice.inject({ hang: true }, { method: 'GET', path: '/api_keys/rate_limits' });
    const wrong = `${venice.inferenceKey.slice(0, -4)}abcd`;
    venice.inject({ status: 400, body: { error: 'Invalid request parameters' } }, { method: 'POST', path: '/api_keys' });
    const key = venice.addKey({ apiKeyType: 'INFERENCE', description: keyName(RUN, 'run', 'cccccccc') });
    venice.inject({ status: 500 }, { method: 'DELETE', path: '/api_keys', times: 10 });
    const timeout = await runStep('main', { inputs: { ...base(), 'api-key': venice.inferenceKey, timeout: '1s', 'max-attempts': '1' } });
    expect(timeout.stdout).toContain('::error::GET /api_keys/rate_limits timed out after 1000 ms.');
    // The rest are independent (each fault left matches one route), so they run side by side.
    const [verify, mint, revoke] = await Promise.all([
      runStep('main', { inputs: { ...base(), 'api-key': wrong } }),
      runJob({ inputs: admin() }),
      runStep('main', { inputs: { ...admin(), mode: 'revoke', 'max-attempts': '1' } }),
    ]);
    for (const step of [timeout, verify, mint.main, revoke]) {
      expect(step.code).toBe(1);
      expect(step.stderr).toBe('');
      expect(step.stdout).toMatch(/^::error::/m);
      expect(step.stdout).not.toMatch(/UNDICI-EHPA|Warning/);
    }
    expect(mint.post.code).toBe(0);
    expect(mint.post.stderr).toBe('');
    expect(venice.mintedKeys().map((k) => k.id)).toEqual([key.id]);
  });
});

// The main steps only: a post step with nothing to do loads nothing that reads a proxy variable,
// and every mode's post step is quiet above.
describe.each(PROXY_VARIANTS)('with %s', (_name, proxyEnv) => {
  it('a Venice call and a GitHub API call: exit 0 and not one byte on stderr', async () => {
    const finished = venice.addKey({ apiKeyType: 'INFERENCE', description: keyName({ ...RUN, runId: '42' }, 'job', 'aaaaaaaa') });
    github.setRun('42', 'completed');
    const [verify, prune] = await Promise.all([
      runStep('main', { inputs: { ...base(), 'api-key': venice.inferenceKey }, env: { ...proxyEnv } }),
      runStep('main', {
        inputs: { ...admin(), mode: 'prune', 'github-token': github.token },
        env: { ...proxyEnv, GITHUB_API_URL: github.url },
      }),
    ]);
    expect(verify.outputs.valid).toBe('true');
    expect(prune.outputs.revoked).toBe('1');
    expect(github.log.map((entry) => entry.status)).toEqual([200]);
    expect(venice.mintedKeys().map((key) => key.id)).not.toContain(finished.id);
    expectQuiet({ 'verify main': verify, 'prune main': prune });
    for (const step of [verify, prune]) assertNoKeyLeaked(step, [venice.adminKey, venice.inferenceKey]);
  });
});

describe('prune, when the GitHub API marks its answer deprecated', () => {
  /**
   * GitHub answers a deprecated endpoint or API version with `Deprecation` and `Sunset`
   * headers. Octokit's default logger reports that with console.warn, on stderr, where
   * the runner reads commands too (and the header text is GitHub's, not the action's).
   * The emulator cannot send those headers, so a stand-in answers here.
   */
  it('still prints nothing on stderr', async () => {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res
        .writeHead(200, {
          'content-type': 'application/json',
          deprecation: 'Sat, 01 Jan 2028 00:00:00 GMT',
          sunset: 'Mon, 01 Jan 2029 00:00:00 GMT',
          link: '<https://docs.github.com/rest/overview/api-versions>; rel="deprecation"',
        })
        .end(JSON.stringify({ id: 42, status: 'completed', conclusion: 'success' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const key = venice.addKey({ apiKeyType: 'INFERENCE', description: keyName({ ...RUN, runId: '42' }, 'job', 'dddddddd') });
      const prune = await runJob({
        inputs: { 'base-url': venice.url, 'admin-key': venice.adminKey, mode: 'prune', 'github-token': 'ghs_standin' },
        env: { GITHUB_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
      });
      expect(requests).toEqual(['GET /repos/octo-org/octo-repo/actions/runs/42']);
      expect(prune.main.outputs.revoked).toBe('1');
      expect(venice.mintedKeys().map((k) => k.id)).not.toContain(key.id);
      expectQuiet({ 'prune main': prune.main, 'prune post': prune.post });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
