/**
 * README: prune is run-aware: it deletes the keys of finished runs and keeps those of
 * running ones; "when the GitHub API does not answer, prune warns once and decides by
 * older-than", and a token that may not read the runs is named as the likely cause.
 * GitHub's client against a loopback stand-in whose answer each test chooses per run.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { workflowRunStates } from '../../src/github/workflow-runs.ts';

type Answer = { status: number; body: unknown };
/** What the stand-in answers for each run id. */
let answers: Record<string, Answer> = {};
let server: Server;

beforeAll(async () => {
  server = createServer((req, res) => {
    const runId = /\/actions\/runs\/(\d+)$/.exec(req.url ?? '')?.[1] ?? '';
    const { status, body } = answers[runId] ?? { status: 404, body: { message: 'Not Found' } };
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json' }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  answers = {};
  vi.stubEnv('GITHUB_API_URL', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return () => vi.unstubAllEnvs();
});

const ask = (runIds: string[]) => workflowRunStates('ghs_githubrunstoken', 'octo-org/octo-repo', runIds, 5_000);
const run = (status: string, updated_at = '2030-01-01T00:00:00Z') => ({ status: 200, body: { id: 1, status, updated_at } });

describe('prune learns which runs have finished from the GitHub API', () => {
  it('a completed run is finished (with when it ended), any other status is running, a run GitHub no longer has is missing', async () => {
    answers = { '1': run('completed'), '2': run('in_progress'), '3': run('queued') };
    const states = await ask(['1', '2', '3', '4']);
    expect(states).toMatchObject({ ok: true });
    if (!states.ok) return;
    expect(Object.fromEntries(states.states)).toEqual({ '1': 'completed', '2': 'active', '3': 'active', '4': 'missing' });
    expect(Object.fromEntries(states.endedAt)).toEqual({ '1': '2030-01-01T00:00:00Z' });
  });

  it.each([
    [401, true],
    [403, true],
    [500, false],
  ])('an answer %i is a failure to read the runs; the token is the likely cause: %s', async (status, permissions) => {
    answers = { '1': { status, body: { message: 'Resource not accessible by integration' } } };
    expect(await ask(['1'])).toEqual({
      ok: false,
      reason: `the GitHub API could not say whether run 1 has finished (it answered ${status}: "Resource not accessible by integration")`,
      permissions,
    });
  });

  it('404 for every run asked about is the answer GitHub gives a token that may not read them', async () => {
    expect(await ask(['1', '2'])).toMatchObject({ ok: false, permissions: true, reason: expect.stringContaining('none of the 2 run(s)') });
  });

  it("a 200 that is not a run (a portal's page) says nothing about the run: not read, rather than running", async () => {
    answers = { '1': { status: 200, body: '<html>Sign in to continue</html>' } };
    expect(await ask(['1'])).toMatchObject({
      ok: false,
      permissions: false,
      reason: expect.stringContaining("answered without a run's status"),
    });
  });
});
