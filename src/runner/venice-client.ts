import { type ClientOptions, type Connection, VeniceClient } from '../venice/client.js';
import { debug } from './log.js';

/** The Venice client as the action uses it: the configured limits, and a debug line per request. */
export function veniceClient(connection: Connection, key: string, extra: Partial<ClientOptions> = {}): VeniceClient {
  return new VeniceClient({ ...connection, key, debug, ...extra });
}
