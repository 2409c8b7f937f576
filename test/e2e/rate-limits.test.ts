/**
 * Rate-limit forensics when keys end, end to end on the built action against the
 * emulator: the post step and `mode: revoke` read Venice's rate-limit log once and
 * report the deleted keys' entries. The route is experimental: whatever goes wrong
 * with it costs one debug line, one request, and nothing else.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderLog, runStep, type StepResult } from '../../emulator/fake-runner.ts';
import { type Fault, VeniceEmulator } from '../../emulator/venice-emulator.ts';
import { keyName } from '../../src/lifecycle/naming.ts';
import { assertNoKeyLeaked } from '../helpers/leaks.ts';
import { keyRecordedByMain, RUN } from '../helpers/ledger.ts';

const LOG_ROUTE = '/api_keys/rate_limits/log';
const TABLE = 'Rate limits the deleted keys ran into';
const NOT_READ = 'Rate-limit log not read, so the summary says nothing of rate limits: ';

let emulator: VeniceEmulator;
beforeEach(async () => {
  emulator = await new VeniceEmulator().start();
});
afterEach(async () => {
  await emulator.stop();
});

const admin = () => ({ 'base-url': emulator.url, 'admin-key': emulator.adminKey });
const logRequests = () => emulator.requests('GET', LOG_ROUTE);

/** Debug lines about the log, other than the client's one trace line per request. */
function forensicsDebug(result: StepResult): string[] {
  return renderLog(result.stdout, { debug: true })
    .lines.filter((line) => line.startsWith('##[debug]') && !/ -> \S+ \(attempt \d+\/\d+, \d+ ms\)$/.test(line))
    .filter((line) => /rate.limit/i.test(line));
}

/** The step is untouched by the log's failure: it passes, warns of nothing, and revoked its key. */
function expectUntouched(result: StepResult, keyId: string): void {
  expect(result.code).toBe(0);
  expect(result.stderr).toBe('');
  expect(renderLog(result.stdout).annotations).toEqual([]);
  expect(logRequests()).toHaveLength(1);
  expect(logRequests()[0]?.query).toBe('');
  expect(emulator.mintedKeys().map((key) => key.id)).not.toContain(keyId);
  expect(result.summary).not.toContain(TABLE);
  // The client's trace of its one request says it was allowed only one.
  expect(result.stdout).toMatch(/^::debug::GET \/api_keys\/rate_limits\/log -> \S+ \(attempt 1\/1, \d+ ms\)$/m);
}

/** End to end, an answer and no answer; every other way the route can fail is classified at client level. */
const FAILURES: [string, Fault, RegExp][] = [
  [
    'a 404 (the route is gone)',
    { status: 404, body: { error: 'Not found' } },
    /GET \/api_keys\/rate_limits\/log answered 404: "Not found"/,
  ],
  ['no answer within timeout', { hang: true }, /timed out after 1000 ms\./],
];

describe('the post step', () => {
  /** The post step of a job whose main step minted one key (seeded here, as the main step would name and record it). */
  async function postOfJob(inputs: Record<string, string>) {
    const { key, ledger } = keyRecordedByMain(emulator, 'ratelim1');
    return { key, post: await runStep('post', { inputs, state: { ledger } }) };
  }

  it.each(FAILURES)('%s: one debug line, one request, and the step passes as before', async (_name, fault, why) => {
    emulator.inject(fault, { method: 'GET', path: LOG_ROUTE });
    const { key, post } = await postOfJob({ ...admin(), timeout: '1s' });
    const { id } = key;
    expectUntouched(post, id);
    expect(forensicsDebug(post)).toEqual([expect.stringMatching(why)]);
    expect(forensicsDebug(post)[0]).toContain(NOT_READ);
    expect(post.stdout).toContain(`Deleted key ${id}`);
    expect(post.summary).toContain('Venice key revoked');
    // Nothing else went out after the DELETE: the log is the post step's last request.
    expect(emulator.calls().at(-1)).toMatch(/^GET \/api_keys\/rate_limits\/log /);
    assertNoKeyLeaked(post, [key.secret, emulator.adminKey]);
  });

  it("a key with no entries in the log (another key's do not count): one request, no table, no line", async () => {
    emulator.exceedLimit(emulator.activeKeys().find((key) => key.secret === emulator.inferenceKey)?.id as string, 'qwen3-4b', 'RPM');
    const { key, post } = await postOfJob(admin());
    expect(post.code).toBe(0);
    expect(post.stdout).toContain(`Deleted key ${key.id}`);
    expect(logRequests()).toHaveLength(1);
    expect(post.summary).not.toContain(TABLE);
    expect(post.stdout).not.toContain('rate-limit log holds');
  });
});

describe('mode: revoke', () => {
  /** Keys this run minted (as the mint steps name them), each run into some limits. */
  function seedRun(count: number): { id: string }[] {
    return Array.from({ length: count }, (_, index) =>
      emulator.addKey({ apiKeyType: 'INFERENCE', description: keyName(RUN, 'keep', `seed000${index}`, 'leg') }),
    );
  }

  it("reports the deleted keys' entries in the summary and counts them in rate-limited", async () => {
    const [a, b] = seedRun(2) as [{ id: string }, { id: string }];
    const other = emulator.addKey({ apiKeyType: 'INFERENCE', description: keyName({ ...RUN, runId: '999' }, 'keep', 'other000') });
    const at = (second: number) => Date.parse('2030-01-01T10:00:00Z') + second * 1_000;
    emulator.exceedLimit(a.id, 'qwen3-4b', 'RPM', at(10));
    emulator.exceedLimit(a.id, 'qwen3-4b', 'RPM', at(5));
    emulator.exceedLimit(b.id, 'venice-uncensored', 'UNSUPPORTED_FEATURE_REQUESTS', at(7));
    emulator.exceedLimit(other.id, 'qwen3-4b', 'RPM', at(8));

    const result = await runStep('main', { inputs: { ...admin(), mode: 'revoke' } });
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({ revoked: '2', 'rate-limited': '3' });
    expect(emulator.calls()).toEqual(['GET /api_keys 200', 'DELETE /api_keys 200', 'DELETE /api_keys 200', `GET ${LOG_ROUTE} 200`]);
    expect(result.stdout).toContain("Venice's rate-limit log holds 3 exceeded limit(s) of the deleted key(s)");
    expect(result.summary).toContain(TABLE);
    // As the reader sees it: character references decoded.
    const table = result.summary
      .slice(result.summary.indexOf(TABLE))
      .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
    expect(table).toContain(`<td>${a.id}</td><td>qwen3-4b</td><td>RPM (requests per minute)</td><td>2</td>`);
    expect(table).toContain('2030-01-01T10:00:05.000Z</td><td>2030-01-01T10:00:10.000Z');
    expect(table).toContain(`<td>${b.id}</td><td>venice-uncensored</td>`);
    expect(table).toContain('too many requests for unsupported features');
    expect(table).not.toContain(other.id);
    expect(renderLog(result.stdout).annotations).toEqual([]);
  });

  it.each(FAILURES)('%s: rate-limited is empty (unknown, not zero), the revoke passes', async (_name, fault, why) => {
    const [key] = seedRun(1) as [{ id: string }];
    emulator.exceedLimit(key.id, 'qwen3-4b', 'RPM');
    emulator.inject(fault, { method: 'GET', path: LOG_ROUTE });
    const result = await runStep('main', { inputs: { ...admin(), mode: 'revoke', timeout: '1s' } });
    expectUntouched(result, key.id);
    expect(result.outputs).toMatchObject({ revoked: '1', 'rate-limited': '' });
    expect(forensicsDebug(result)).toEqual([expect.stringMatching(why)]);
  });

  it('with nothing to delete, no request to the log, and rate-limited is 0', async () => {
    const result = await runStep('main', { inputs: { ...admin(), mode: 'revoke' } });
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({ revoked: '0', 'rate-limited': '0' });
    expect(logRequests()).toEqual([]);
  });
});
