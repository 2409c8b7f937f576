import type { ReceiveConfig } from '../action/inputs.js';
import { info, mask } from '../action/log.js';
import { exportVariable, setOutput } from '../action/outputs.js';
import { writeSummary } from '../action/summary.js';
import { formatDuration } from '../duration.js';
import { open } from '../handoff.js';
import type { RunIdentity } from '../naming.js';
import { keyTypeFromPrefix } from '../venice/keys.js';

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
