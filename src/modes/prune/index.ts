import { runIdentity } from '../../runner/context.js';
import { flag, spec, withDefault } from '../../runner/inputs.js';
import { duration, text } from '../../runner/parsers.js';
import { veniceClient } from '../../runner/venice-client.js';
import { ADMIN_KEY_INPUT, type Connection, checkAdminKey, connectionOf } from '../shared-inputs.js';
import { defineMode } from '../unit.js';

/** prune: deletes what killed runs left behind, run-aware through the GitHub API. */

export interface PruneConfig extends Connection {
  mode: 'prune';
  adminKey: string;
  olderThanMs: number;
  dryRun: boolean;
  githubToken: string;
}

const MAX_AGE_MS = 365 * 86_400_000;

export const prune = defineMode({
  name: 'prune',
  inputs: {
    'admin-key': ADMIN_KEY_INPUT,
    'older-than': withDefault(duration(0, MAX_AGE_MS), 6 * 3_600_000),
    'dry-run': flag(false),
    'github-token': spec(text, { setByAction: true, secret: true }),
  },

  configure(values, inputs): PruneConfig {
    checkAdminKey(values['admin-key'], inputs);
    return {
      ...connectionOf(values),
      mode: 'prune',
      adminKey: values['admin-key'] ?? '',
      olderThanMs: values['older-than'],
      dryRun: values['dry-run'],
      githubToken: values['github-token'] ?? '',
    };
  },

  async run(config) {
    const { prune } = await import('./run.js');
    await prune(config, veniceClient(config, config.adminKey), runIdentity());
  },
});
