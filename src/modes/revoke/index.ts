import { runIdentity } from '../../runner/context.js';
import { withDefault } from '../../runner/inputs.js';
import { InputError, list, type Parser } from '../../runner/parsers.js';
import { veniceClient } from '../../runner/venice-client.js';
import { looksLikeKey } from '../../venice/keys.js';
import { ADMIN_KEY_INPUT, type Connection, checkAdminKey, connectionOf } from '../shared-inputs.js';
import { defineMode } from '../unit.js';

/** revoke: deletes keys by id, or every key this workflow run minted. */

export interface RevokeConfig extends Connection {
  mode: 'revoke';
  adminKey: string;
  /** Empty: every key this workflow run minted. */
  keyIds: string[];
}

const keyIds: Parser<string[]> = (raw) => {
  const ids = list(raw);
  for (const id of ids) {
    if (looksLikeKey(id)) {
      throw new InputError(
        "holds a key's secret, not its id. Give the id (the mint step's 'key-id' output); and rotate that key, " +
          "it has been exposed to this step's inputs.",
      );
    }
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(id)) {
      throw new InputError(`'${id}' is not a key id (letters, digits, '-' and '_'). Give ids separated by commas or newlines.`);
    }
  }
  return [...new Set(ids)];
};

export const revoke = defineMode({
  name: 'revoke',
  inputs: {
    'admin-key': ADMIN_KEY_INPUT,
    'key-id': withDefault(keyIds, [] as string[]),
  },

  configure(values, inputs): RevokeConfig {
    checkAdminKey(values['admin-key'], inputs);
    return { ...connectionOf(values), mode: 'revoke', adminKey: values['admin-key'] ?? '', keyIds: values['key-id'] };
  },

  async run(config) {
    const { revoke } = await import('./run.js');
    await revoke(config, veniceClient(config, config.adminKey), runIdentity());
  },
});
