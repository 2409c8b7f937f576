/**
 * README: "A step that cannot be sure says which key or name may remain." A create whose
 * answer was lost may still become a key after the post step stopped looking: that is a
 * warning annotation on the run's page, naming the key and what removes it. The post
 * step's clock is injected, so this holds whatever the machine's speed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { keyName } from '../../src/lifecycle/naming.ts';
import { settle } from '../../src/lifecycle/settle.ts';
import type { VeniceClient } from '../../src/venice/client.ts';
import type { ListedKey } from '../../src/venice/types.ts';
import { fakeClock } from '../helpers/in-process.ts';

const RUN = { repository: 'octo-org/octo-repo', runId: '1234567890', runAttempt: '1' };
const NAME = keyName(RUN, 'job', 'abcdefgh', 'lost');
const TIMEOUT = 1_000;
const README_GRACE_MS = 5_000;

function venice(lists: ListedKey[][]) {
  const deleted: string[] = [];
  let listed = 0;
  const client = {
    listKeys: async () => lists[Math.min(listed++, lists.length - 1)] ?? [],
    deleteKey: async (id: string) => {
      deleted.push(id);
      return 'deleted' as const;
    },
  } as unknown as VeniceClient;
  return { client, deleted, listCount: () => listed };
}

const printed = () => {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  return lines;
};
afterEach(() => vi.restoreAllMocks());

describe('a key that may be left behind is a warning annotation', () => {
  it('looks until the create was sent plus timeout plus grace, then warns naming the key, when, and what removes it', async () => {
    const lines = printed();
    const clock = fakeClock(10_000);
    const { client, listCount } = venice([[]]);
    await settle([{ name: NAME, sentAt: 10_000 }], client, RUN, TIMEOUT, clock);
    // The README's figure, not the constant: "until the create was sent plus timeout plus 5 s", and not much longer.
    expect(clock.now()).toBeGreaterThanOrEqual(10_000 + TIMEOUT + README_GRACE_MS);
    expect(clock.now()).toBeLessThanOrEqual(10_000 + TIMEOUT + README_GRACE_MS + 2_000);
    expect(listCount()).toBeLessThanOrEqual(1 + Math.ceil((TIMEOUT + README_GRACE_MS) / 2_000));
    const warnings = lines.filter((line) => line.startsWith('::warning'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('title=venice-key%3A a key may be left behind');
    expect(warnings[0]).toContain(`A key named "${NAME}" may be left behind`);
    expect(warnings[0]).toContain(new Date(10_000).toISOString());
    expect(warnings[0]).toMatch(/mode: prune/);
  });

  it('a post step long after the create looks once; a key that appeared is deleted and nothing is warned', async () => {
    const lines = printed();
    const clock = fakeClock(3_600_000);
    const key: ListedKey = { id: 'late', apiKeyType: 'INFERENCE', description: NAME, createdAt: null, expiresAt: null, last6Chars: '' };
    const { client, deleted, listCount } = venice([[key]]);
    await settle([{ name: NAME, sentAt: 0 }], client, RUN, TIMEOUT, clock);
    expect(deleted).toEqual(['late']);
    expect(listCount()).toBe(1);
    expect(clock.slept).toEqual([]);
    expect(lines.filter((line) => line.startsWith('::warning'))).toEqual([]);
  });

  it('a commit that lands while it looks is found and deleted, with no warning', async () => {
    const lines = printed();
    const clock = fakeClock(0);
    const key: ListedKey = { id: 'k', apiKeyType: 'INFERENCE', description: NAME, createdAt: null, expiresAt: null, last6Chars: '' };
    const { client, deleted } = venice([[], [], [key]]);
    await settle([{ name: NAME, sentAt: 0 }], client, RUN, TIMEOUT, clock);
    expect(deleted).toEqual(['k']);
    expect(lines.filter((line) => line.startsWith('::warning'))).toEqual([]);
  });
});
