import { formatDuration } from '../../duration.js';
import { open } from '../../lifecycle/handoff.js';
import type { RunIdentity } from '../../lifecycle/naming.js';
import { info, mask } from '../../runner/log.js';
import { exportVariable, setOutput } from '../../runner/outputs.js';
import { writeSummary } from '../../runner/summary.js';
import { keyTypeFromPrefix } from '../../venice/keys.js';
import { exportOpenAiEnv } from '../shared-inputs.js';
import type { ReceiveConfig } from './index.js';

/**
 * Opens the key an earlier job of this run sealed into its `handoff` output. Sends
 * nothing to Venice; the key is masked before anything else touches it.
 */
export async function receive(config: ReceiveConfig, run: RunIdentity): Promise<void> {
  const key = open(config.handoff, config.handoffSecret, run);
  mask(key.apiKey);
  setOutput('api-key', key.apiKey);
  setOutput('key-id', key.id);
  setOutput('expires-at', key.expiresAt ?? '');
  setOutput('key-type', keyTypeFromPrefix(key.apiKey) ?? 'INFERENCE');
  if (config.exportEnv) exportVariable(config.exportEnv, key.apiKey);
  if (config.openaiEnv) exportOpenAiEnv(key.apiKey, config.baseUrl);
  await writeSummary(
    'Venice key received',
    ['Item', 'Value'],
    [
      ['Key id', key.id],
      ['Ends with', `…${key.apiKey.slice(-6)}`],
      ['Expires', key.expiresAt ?? 'never'],
      ['From', `an earlier job of run ${run.runId}`],
    ],
  );
  const ttl = key.expiresAt ? ` (expires in ${formatDuration(Date.parse(key.expiresAt) - Date.now())})` : '';
  info(`Received key ${key.id}${ttl} from an earlier job of this run; no request was sent to Venice.`);
}
