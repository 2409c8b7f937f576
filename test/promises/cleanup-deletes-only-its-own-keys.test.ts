/**
 * README: "the action deletes only keys it minted for your repository ... never an ADMIN
 * key", and a cleanup that cannot delete one key still deletes the rest and then fails
 * naming it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deleteKeys, removeByName, throwOnFailures } from '../../src/lifecycle/deletion.ts';
import { keyName } from '../../src/lifecycle/naming.ts';
import { settle } from '../../src/lifecycle/settle.ts';
import { prune } from '../../src/modes/prune/run.ts';
import type { VeniceClient } from '../../src/venice/client.ts';
import { VeniceApiError } from '../../src/venice/errors.ts';
import type { ListedKey } from '../../src/venice/types.ts';
import { useRunnerFiles } from '../helpers/in-process.ts';

const RUN = { repository: 'octo-org/octo-repo', runId: '1234567890', runAttempt: '1' };
const NAME = keyName(RUN, 'job', 'abcdefgh', 'label');
const key = (id: string, apiKeyType: 'INFERENCE' | 'ADMIN', description = NAME): ListedKey => ({
  id,
  apiKeyType,
  description,
  createdAt: null,
  expiresAt: null,
  last6Chars: '',
});

function venice(failing: string[] = [], listed: ListedKey[] = []) {
  const deleted: string[] = [];
  const client = {
    findKey: async (id: string) => listed.find((key) => key.id === id),
    deleteKey: async (id: string) => {
      if (failing.includes(id)) throw new Error('DELETE /api_keys answered 500');
      deleted.push(id);
      return 'deleted' as const;
    },
  } as unknown as VeniceClient;
  return { client, deleted };
}
afterEach(() => vi.restoreAllMocks());

describe('a cleanup deletes only INFERENCE keys it named, and one failure stops nothing', () => {
  it('an ADMIN key that carries exactly our name is never deleted by name', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const { client, deleted } = venice();
    const found = await removeByName(client, [key('admin', 'ADMIN'), key('ours', 'INFERENCE'), key('x', 'INFERENCE', 'x')], NAME);
    expect(deleted).toEqual(['ours']);
    expect(found.map((removal) => removal.key.id)).toEqual(['ours']);
  });

  it("the post step does not delete an ADMIN key, even one its ledger names that carries exactly the job's name", async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const { client, deleted } = venice([], [key('admin', 'ADMIN')]);
    const entry = { name: NAME, sentAt: 0, id: 'admin', expiresAt: null };
    await expect(settle([entry], client, RUN, 1_000)).rejects.toThrow(/^Key admin is not the key this job minted/);
    expect(deleted).toEqual([]);
  });

  it('a 401 on a delete stops the cleanup at once: the admin key itself is refused, and every other delete would be too', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const sent: string[] = [];
    const refused = new VeniceApiError('DELETE /api_keys answered 401', {
      kind: 'http',
      status: 401,
      retryable: false,
      outcomeUnknown: false,
    });
    const client = {
      deleteKey: async (id: string) => {
        sent.push(id);
        throw refused;
      },
      rateLimits: async () => ({}),
    } as unknown as VeniceClient;
    await expect(deleteKeys(client, [key('a', 'INFERENCE'), key('b', 'INFERENCE')])).rejects.toThrow(
      'the admin key is not an ADMIN key (401)',
    );
    expect(sent).toEqual(['a']);
  });

  it('a delete that fails does not stop the others; the step then fails naming it', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const { client, deleted } = venice(['b']);
    const removals = await deleteKeys(client, [key('a', 'INFERENCE'), key('b', 'INFERENCE'), key('c', 'INFERENCE')]);
    expect(deleted).toEqual(['a', 'c']);
    expect(removals.map(({ key, outcome }) => [key.id, outcome])).toEqual([
      ['a', 'deleted'],
      ['b', 'failed'],
      ['c', 'deleted'],
    ]);
    const failures = removals.filter((r) => r.outcome === 'failed').map((r) => ({ id: r.key.id, error: r.error }));
    expect(() => throwOnFailures(failures)).toThrow(/^1 key\(s\) could not be deleted: b\. Run this step again to retry\.$/);
  });
});

describe('prune: one key it cannot delete does not stop the rest, and the step fails naming it', () => {
  useRunnerFiles();

  it('deletes the other old keys, then fails with the one it could not delete', async () => {
    // Keys minted with revoke: false, a day old: prune judges them by age, without asking GitHub.
    const old = (id: string): ListedKey => ({
      ...key(id, 'INFERENCE', keyName(RUN, 'keep', id.padEnd(8, '0'))),
      createdAt: '2030-01-01T00:00:00Z',
    });
    const { client, deleted } = venice(['b']);
    Object.assign(client, { listKeys: async () => [old('a'), old('b'), old('c')] });
    const config = { mode: 'prune', adminKey: 'k', olderThanMs: 3_600_000, dryRun: false, githubToken: '' } as const;
    const connection = { baseUrl: new URL('https://api.venice.ai/api/v1'), timeoutMs: 1_000, maxAttempts: 1 };
    await expect(prune({ ...config, ...connection }, client, RUN, new Date('2030-01-02T00:00:00Z'))).rejects.toThrow(
      /^1 key\(s\) could not be deleted: b\./,
    );
    expect(deleted).toEqual(['a', 'c']);
  });
});
