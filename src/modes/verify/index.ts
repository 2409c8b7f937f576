import { whySecretsMayBeMissing } from '../../runner/context.js';
import { flag, spec, withDefault } from '../../runner/inputs.js';
import { amount, duration, headerSafe, list } from '../../runner/parsers.js';
import { veniceClient } from '../../runner/venice-client.js';
import { keyTypeFromPrefix } from '../../venice/keys.js';
import { type Connection, connectionOf } from '../shared-inputs.js';
import { defineMode } from '../unit.js';

/** verify: checks a key before expensive work: real, not expired, allowed to spend, enough balance. */

export interface VerifyConfig extends Connection {
  mode: 'verify';
  apiKey: string;
  minBalanceUsd?: number;
  minBalanceDiem?: number;
  minTtlMs?: number;
  requireModels: string[];
  failOnInvalid: boolean;
}

const MAX_TTL_ASKED_MS = 365 * 86_400_000;

export const verify = defineMode({
  name: 'verify',
  selectedBy: 'api-key',
  inputs: {
    'api-key': spec(headerSafe, {
      secret: true,
      required: () => `Pass the key to verify from a secret, e.g. api-key: \${{ secrets.VENICE_API_KEY }}. ${whySecretsMayBeMissing()}`,
    }),
    'min-balance-usd': spec(amount()),
    'min-balance-diem': spec(amount()),
    'min-ttl': spec(duration(0, MAX_TTL_ASKED_MS)),
    'require-models': withDefault(list, [] as string[]),
    'fail-on-invalid': flag(true),
  },

  configure(values, inputs): VerifyConfig {
    const apiKey = values['api-key'] ?? '';
    if (inputs.valid('api-key') && keyTypeFromPrefix(apiKey) === 'ADMIN') {
      inputs.warn(
        "'api-key' holds an ADMIN key (its prefix says so), which can create and delete keys. " +
          'Give jobs an INFERENCE key: mint one per job with this action.',
      );
    }
    return {
      ...connectionOf(values),
      mode: 'verify',
      apiKey,
      minBalanceUsd: values['min-balance-usd'],
      minBalanceDiem: values['min-balance-diem'],
      minTtlMs: values['min-ttl'],
      requireModels: values['require-models'],
      failOnInvalid: values['fail-on-invalid'],
    };
  },

  async run(config) {
    const { verify } = await import('./run.js');
    await verify(config, veniceClient(config, config.apiKey));
  },
});
