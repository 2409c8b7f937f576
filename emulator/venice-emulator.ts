/**
 * A stand-in for Venice's API, for tests and the demo: a real HTTP(S) server on
 * 127.0.0.1 that behaves as ../shared/venice/README.md describes, with every answer
 * shaped as the vendor's OpenAPI spec says (the contract test checks that).
 * It lives outside src/ and is never bundled into dist/.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Server, Socket } from 'node:net';

export type KeyType = 'INFERENCE' | 'ADMIN';
export type LimitPeriod = 'EPOCH' | 'MONTH' | 'LIFETIME';
export type ModelPrivacy = 'ALL' | 'PRIVATE_TEXT' | 'PRIVATE_ONLY';

export interface StoredKey {
  id: string;
  secret: string;
  apiKeyType: KeyType;
  description: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  consumptionLimits: { usd: number | null; diem: number | null };
  limitPeriod: LimitPeriod;
  modelPrivacy: ModelPrivacy;
  /** What the key has spent (the emulator's stand-in for inference calls). */
  spent: { usd: number; diem: number };
}

export type RateLimitType = 'RPM' | 'RPD' | 'TPM' | 'FAILED_REQUESTS' | 'UNSUPPORTED_FEATURE_REQUESTS';

/** One entry of the account's rate-limit log, as `GET /api_keys/rate_limits/log` shows it. */
export interface RateLimitLogEntry {
  apiKeyId: string;
  modelId: string;
  rateLimitTier: string;
  rateLimitType: RateLimitType;
  timestamp: string;
}

/** Venice keeps the account's last 50 exceeded limits. */
const RATE_LIMIT_LOG_SIZE = 50;

/** What a test can make the next matching request(s) suffer. */
export type Fault =
  /** Answer with this status and JSON body (default: Venice's error for the status), or this raw text. */
  | { status: number; body?: unknown; text?: string; headers?: Record<string, string> }
  /** Wait, then handle the request (a create makes its key then): a slow commit. */
  | { delayMs: number }
  /** Answer 200 with a body that never ends, as fast as the client reads. */
  | { endless: true }
  /** Handle the request (a create makes its key), then answer this instead of the real answer. */
  | { garble: { status: number; text: string } }
  /** Close the connection without handling the request. */
  | { drop: 'before' }
  /** Handle the request (a create makes its key), then close the connection unanswered. */
  | { drop: 'after' }
  /** Never answer. */
  | { hang: true }
  /** A create makes its key with these settings instead of the ones asked for, and says so: Venice made it differently. */
  | { makeAs: Partial<Pick<StoredKey, 'apiKeyType' | 'expiresAt' | 'consumptionLimits' | 'limitPeriod' | 'modelPrivacy'>> };

export interface FaultRule {
  method?: string;
  path?: string;
  /** Matches paths that `path` cannot name in advance, e.g. `/api_keys/{id}`. */
  pathPattern?: RegExp;
  times: number;
  fault: Fault;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: string;
  status: number | 'dropped' | 'hung';
  ms: number;
  at: number;
  /** The JSON body the client sent, if any (request bodies never carry a key). */
  body?: unknown;
}

export interface EmulatorOptions {
  /** Key creations allowed per window (Venice: 20 a minute). */
  creationLimit?: number;
  creationWindowMs?: number;
  /** Active (unexpired) keys allowed per account (Venice: 500). */
  activeKeyCap?: number;
  /**
   * How an unknown key id is refused: `plain` puts "API key could not be found" in `error`;
   * `detailed` answers "Invalid request parameters" with the words in `details._errors`.
   * The spec allows both (DetailedError); the action must not care which.
   */
  notFound?: 'plain' | 'detailed';
  balances?: { USD: number; DIEM: number };
  tier?: { id: string; isCharged: boolean };
  /** Serve HTTPS with this certificate instead of HTTP. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  now?: () => number;
}

interface Model {
  id: string;
  type: 'text' | 'image' | 'embedding';
  privacy: 'private' | 'anonymized';
}

const MODELS: Model[] = [
  { id: 'venice-uncensored', type: 'text', privacy: 'private' },
  { id: 'qwen3-4b', type: 'text', privacy: 'private' },
  { id: 'claude-opus-45', type: 'text', privacy: 'anonymized' },
  { id: 'text-embedding-bge-m3', type: 'embedding', privacy: 'private' },
  { id: 'flux-2-pro', type: 'image', privacy: 'anonymized' },
];

const LIMIT_MAX = 9_999_999_999;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

class HttpError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string>;
  constructor(status: number, error: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    super(error);
    this.status = status;
    this.body = { error, ...extra };
    this.headers = headers;
  }
}

/** Collects problems the way zod's `format()` does: `{ _errors: [], field: { _errors: [...] } }`. */
class Issues {
  readonly tree: Record<string, unknown> = { _errors: [] as string[] };
  count = 0;
  add(path: string[], message: string): void {
    let node = this.tree as Record<string, unknown>;
    for (const part of path) {
      node[part] ??= { _errors: [] };
      node = node[part] as Record<string, unknown>;
    }
    (node._errors as string[]).push(message);
    this.count++;
  }
}

export function newSecret(type: KeyType): string {
  return `VENICE_${type}_KEY_${randomBytes(24).toString('base64url')}`;
}

export class VeniceEmulator {
  readonly log: LoggedRequest[] = [];
  /** Every key this emulator ever held, deleted or not: what a test checks the log against. */
  readonly made: StoredKey[] = [];
  /** Requests that have arrived, answered or not (the log records them when they end). */
  received = 0;
  readonly adminKey: string;
  readonly inferenceKey: string;
  private readonly keys = new Map<string, StoredKey>();
  private readonly faults: FaultRule[] = [];
  private readonly creations: number[] = [];
  /** The account's exceeded limits, newest first. */
  private readonly rateLimitLog: RateLimitLogEntry[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly options: Required<Omit<EmulatorOptions, 'tls'>> & Pick<EmulatorOptions, 'tls'>;
  private server?: Server;
  url = '';

  constructor(options: EmulatorOptions = {}) {
    this.options = {
      creationLimit: 20,
      creationWindowMs: 60_000,
      activeKeyCap: 500,
      notFound: 'plain',
      balances: { USD: 100, DIEM: 25 },
      tier: { id: 'paid', isCharged: true },
      now: Date.now,
      ...options,
    };
    this.adminKey = this.addKey({ apiKeyType: 'ADMIN', description: 'Seeded admin key' }).secret;
    this.inferenceKey = this.addKey({ apiKeyType: 'INFERENCE', description: 'Seeded inference key' }).secret;
  }

  /** Starts listening on 127.0.0.1 at a random port; `url` is then the API root. */
  async start(port = 0): Promise<this> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    const server = this.options.tls ? createHttpsServer(this.options.tls, handler) : createHttpServer(handler);
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    const { port: bound } = server.address() as AddressInfo;
    this.url = `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${bound}/api/v1`;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Adds a key directly (test set-up), bypassing limits. */
  addKey(fields: Partial<StoredKey> & { apiKeyType: KeyType }): StoredKey {
    const key: StoredKey = {
      id: randomUUID(),
      secret: newSecret(fields.apiKeyType),
      description: '',
      createdAt: new Date(this.options.now()).toISOString(),
      expiresAt: null,
      lastUsedAt: null,
      consumptionLimits: { usd: null, diem: null },
      limitPeriod: 'EPOCH',
      modelPrivacy: 'ALL',
      spent: { usd: 0, diem: 0 },
      ...fields,
    };
    this.keys.set(key.id, key);
    this.made.push(key);
    return key;
  }

  /** Deletes a key directly (test clean-up). */
  removeKey(id: string): void {
    this.keys.delete(id);
  }

  /** The keys that are active now (unexpired), newest first. */
  activeKeys(): StoredKey[] {
    const now = this.options.now();
    return [...this.keys.values()]
      .filter((key) => !key.expiresAt || Date.parse(key.expiresAt) > now)
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  }

  /** Active keys other than the two seeded ones. */
  mintedKeys(): StoredKey[] {
    return this.activeKeys().filter((key) => key.secret !== this.adminKey && key.secret !== this.inferenceKey);
  }

  inject(fault: Fault, match: { method?: string; path?: string; pathPattern?: RegExp; times?: number } = {}): void {
    this.faults.push({ method: match.method, path: match.path, pathPattern: match.pathPattern, times: match.times ?? 1, fault });
  }

  /** Requests that have arrived and are still being handled (a delayed commit, say); hung ones are not counted. */
  get pending(): number {
    return this.received - this.log.length;
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Records spending by a key, as inference calls would, and marks it used now. */
  charge(id: string, amount: { usd?: number; diem?: number }): void {
    const key = this.keys.get(id);
    if (!key) throw new Error(`no key ${id}`);
    key.spent.usd += amount.usd ?? 0;
    key.spent.diem += amount.diem ?? 0;
    key.lastUsedAt = new Date(this.options.now()).toISOString();
  }

  /**
   * Records that a key exceeded a limit, as Venice's rate-limit log does (test set-up
   * for inference calls the emulator does not serve). The log keeps the last 50.
   */
  exceedLimit(apiKeyId: string, modelId: string, rateLimitType: RateLimitType, at: number = this.options.now()): RateLimitLogEntry {
    const entry: RateLimitLogEntry = {
      apiKeyId,
      modelId,
      rateLimitTier: this.options.tier.id,
      rateLimitType,
      timestamp: new Date(at).toISOString(),
    };
    this.rateLimitLog.unshift(entry);
    this.rateLimitLog.length = Math.min(this.rateLimitLog.length, RATE_LIMIT_LOG_SIZE);
    return entry;
  }

  setBalances(balances: { USD: number; DIEM: number }): void {
    this.options.balances = balances;
  }

  /** The log as `METHOD /path status` lines, from entry `from` on: what tests and the demo compare. */
  calls(from = 0): string[] {
    return this.log.slice(from).map((entry) => `${entry.method} ${entry.path} ${entry.status}`);
  }

  requests(method?: string, path?: string): LoggedRequest[] {
    return this.log.filter((entry) => (!method || entry.method === method) && (!path || entry.path === path));
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const index = this.faults.findIndex(
      (rule) =>
        rule.times > 0 &&
        (!rule.method || rule.method === method) &&
        (!rule.path || rule.path === path) &&
        (!rule.pathPattern || rule.pathPattern.test(path)),
    );
    if (index < 0) return undefined;
    const rule = this.faults[index] as FaultRule;
    rule.times--;
    if (rule.times === 0) this.faults.splice(index, 1);
    return rule.fault;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.received++;
    const started = this.options.now();
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/^\/api\/v1/, '');
    const raw = await readBody(req);
    const record = (status: LoggedRequest['status']): void => {
      const entry: LoggedRequest = { method, path, query: url.search, status, ms: this.options.now() - started, at: started };
      if (raw) entry.body = safeJson(raw);
      this.log.push(entry);
    };

    const fault = this.takeFault(method, path);
    if (fault && 'hang' in fault) return record('hung');
    if (fault && 'drop' in fault && fault.drop === 'before') {
      req.socket.destroy();
      return record('dropped');
    }
    if (fault && 'delayMs' in fault) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault && 'endless' in fault) return this.endless(res, () => record(200));

    let status: number;
    let body: unknown;
    let headers: Record<string, string> = {};
    if (fault && 'status' in fault && fault.text !== undefined) {
      res.writeHead(fault.status, { 'content-type': 'text/html', ...fault.headers });
      res.end(fault.text);
      return record(fault.status);
    }
    if (fault && 'status' in fault) {
      status = fault.status;
      body = fault.body ?? { error: status === 429 ? 'Rate limit exceeded' : 'An unknown error occurred' };
      headers = fault.headers ?? {};
    } else {
      try {
        ({ status, body, headers = {} } = this.route(method, path, url.searchParams, req.headers.authorization, raw));
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        ({ status, body, headers } = error);
      }
    }
    if (fault && 'makeAs' in fault) this.makeAs(body, fault.makeAs);
    if (fault && 'drop' in fault) {
      req.socket.destroy();
      return record('dropped');
    }
    if (fault && 'garble' in fault) {
      res.writeHead(fault.garble.status, { 'content-type': 'text/html' });
      res.end(fault.garble.text);
      return record(fault.garble.status);
    }
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
    record(status);
  }

  /** Changes a key just created, and the answer that describes it, as a Venice that made it differently would. */
  private makeAs(body: unknown, settings: Extract<Fault, { makeAs: unknown }>['makeAs']): void {
    const data = (body as { data?: Record<string, unknown> } | undefined)?.data;
    const key = typeof data?.id === 'string' ? this.keys.get(data.id) : undefined;
    if (!data || !key) return;
    Object.assign(key, settings);
    const { consumptionLimits, ...rest } = settings;
    Object.assign(data, rest, consumptionLimits ? { consumptionLimit: consumptionLimits } : {});
  }

  /** Streams JSON-looking text until the client goes away. */
  private endless(res: ServerResponse, done: () => void): void {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    res.on('close', done);
    res.write('{"data":"');
    pump();
  }

  private route(
    method: string,
    path: string,
    query: URLSearchParams,
    authorization: string | undefined,
    raw: string,
  ): { status: number; body: unknown; headers?: Record<string, string> } {
    if (method === 'GET' && path === '/models') {
      const caller = authorization ? this.authenticate(authorization) : undefined;
      return { status: 200, body: this.models(caller, query.get('type') ?? 'text') };
    }
    const known = ['/api_keys', '/api_keys/rate_limits', '/api_keys/rate_limits/log'].includes(path) || /^\/api_keys\/[^/]+$/.test(path);
    if (!known) throw new HttpError(404, 'Not found');
    const caller = this.authenticate(authorization);
    if (method === 'GET' && path === '/api_keys/rate_limits') return { status: 200, body: { data: this.rateLimits(caller) } };

    if (caller.apiKeyType !== 'ADMIN') throw new HttpError(401, 'Admin API key required');
    if (path === '/api_keys/rate_limits/log') {
      if (method !== 'GET') throw new HttpError(405, `Method ${method} not allowed`);
      return { status: 200, body: { object: 'list', data: this.rateLimitLog.map((entry) => ({ ...entry })) } };
    }
    if (path === '/api_keys') {
      switch (method) {
        case 'GET':
          return { status: 200, body: { object: 'list', data: this.activeKeys().map((key) => this.describe(key, true)) } };
        case 'POST':
          return this.create(parseJson(raw), caller);
        case 'PATCH':
          return { status: 200, body: { success: true, data: this.patch(parseJson(raw)) } };
        case 'DELETE':
          return { status: 200, body: this.remove(query.get('id')) };
      }
    } else if (method === 'GET') {
      return { status: 200, body: { data: this.describe(this.find(decodeURIComponent(path.slice('/api_keys/'.length))), true) } };
    }
    throw new HttpError(405, `Method ${method} not allowed`);
  }

  /** No header: 402 (Venice offers x402 payment instead). Unknown, revoked or expired: 401. */
  private authenticate(authorization: string | undefined): StoredKey {
    if (!authorization) {
      throw new HttpError(402, 'Payment required: send an API key as a Bearer token, or pay per request with x402.');
    }
    const secret = /^Bearer (.+)$/.exec(authorization)?.[1];
    const key = this.activeKeys().find((candidate) => candidate.secret === secret);
    if (!key) throw new HttpError(401, 'Authentication failed');
    key.lastUsedAt = new Date(this.options.now()).toISOString();
    return key;
  }

  private find(id: string | null): StoredKey {
    const key = id ? this.activeKeys().find((candidate) => candidate.id === id) : undefined;
    if (key) return key;
    if (this.options.notFound === 'detailed') {
      throw new HttpError(400, 'Invalid request parameters', { details: { _errors: ['API key could not be found'] } });
    }
    throw new HttpError(400, 'API key could not be found');
  }

  private create(body: unknown, caller: StoredKey): { status: number; body: unknown; headers: Record<string, string> } {
    const issues = new Issues();
    const input = expectObject(body, issues);
    checkKnownFields(input, ['apiKeyType', 'description', 'expiresAt', 'consumptionLimit', 'limitPeriod', 'modelPrivacy'], issues);
    checkEnum(input, 'apiKeyType', ['INFERENCE', 'ADMIN'], issues, true);
    checkDescription(input, issues, true);
    const expiresAt = checkExpiry(input.expiresAt, issues, this.options.now(), false);
    checkLimits(input.consumptionLimit, issues);
    checkEnum(input, 'limitPeriod', ['EPOCH', 'MONTH', 'LIFETIME'], issues);
    checkEnum(input, 'modelPrivacy', ['ALL', 'PRIVATE_TEXT', 'PRIVATE_ONLY'], issues);
    if (issues.count > 0) throw new HttpError(400, 'Invalid request parameters', { details: issues.tree });

    const now = this.options.now();
    const { creationLimit, creationWindowMs, activeKeyCap } = this.options;
    const windowStart = Math.floor(now / creationWindowMs) * creationWindowMs;
    const resetSeconds = Math.ceil((windowStart + creationWindowMs) / 1000);
    while (this.creations.length > 0 && (this.creations[0] as number) < windowStart) this.creations.shift();
    const rateHeaders = (remaining: number) => ({
      'x-ratelimit-limit-requests': String(creationLimit),
      'x-ratelimit-remaining-requests': String(remaining),
      'x-ratelimit-reset-requests': String(resetSeconds),
    });
    if (this.creations.length >= creationLimit) {
      // Logged like an inference limit; no model was used, so the route stands in for one.
      this.exceedLimit(caller.id, 'api_keys', 'RPM', now);
      throw new HttpError(429, 'Rate limit exceeded', {}, rateHeaders(0));
    }
    if (this.activeKeys().length >= activeKeyCap) {
      throw new HttpError(
        400,
        `You have reached the maximum number of active API keys (${activeKeyCap}). Delete unused keys and try again.`,
      );
    }
    this.creations.push(now);

    const limit = input.consumptionLimit as { usd?: number | null; diem?: number | null } | undefined;
    const key = this.addKey({
      apiKeyType: input.apiKeyType as KeyType,
      description: input.description as string,
      expiresAt,
      consumptionLimits: { usd: limit?.usd ?? null, diem: limit?.diem ?? null },
      limitPeriod: (input.limitPeriod as LimitPeriod | undefined) ?? 'EPOCH',
      modelPrivacy: (input.modelPrivacy as ModelPrivacy | undefined) ?? 'ALL',
    });
    return {
      status: 200,
      headers: rateHeaders(creationLimit - this.creations.length),
      body: {
        success: true,
        data: {
          apiKey: key.secret,
          apiKeyType: key.apiKeyType,
          consumptionLimit: key.consumptionLimits,
          limitPeriod: key.limitPeriod,
          modelPrivacy: key.modelPrivacy,
          description: key.description,
          expiresAt: key.expiresAt,
          id: key.id,
        },
      },
    };
  }

  private patch(body: unknown): unknown {
    const issues = new Issues();
    const input = expectObject(body, issues);
    checkKnownFields(input, ['id', 'description', 'expiresAt', 'consumptionLimit', 'limitPeriod', 'modelPrivacy'], issues);
    if (typeof input.id !== 'string') issues.add(['id'], 'Required');
    checkDescription(input, issues, false);
    const expiresAt = 'expiresAt' in input ? checkExpiry(input.expiresAt, issues, this.options.now(), true) : undefined;
    checkLimits(input.consumptionLimit, issues);
    checkEnum(input, 'limitPeriod', ['EPOCH', 'MONTH', 'LIFETIME'], issues);
    checkEnum(input, 'modelPrivacy', ['ALL', 'PRIVATE_TEXT', 'PRIVATE_ONLY'], issues);
    if (issues.count > 0) throw new HttpError(400, 'Invalid request parameters', { details: issues.tree });

    const key = this.find(input.id as string);
    if (typeof input.description === 'string') key.description = input.description;
    if (expiresAt !== undefined) key.expiresAt = expiresAt;
    const limit = input.consumptionLimit as { usd?: number | null; diem?: number | null } | undefined;
    if (limit) {
      if ('usd' in limit) key.consumptionLimits.usd = limit.usd ?? null;
      if ('diem' in limit) key.consumptionLimits.diem = limit.diem ?? null;
    }
    if (input.limitPeriod) key.limitPeriod = input.limitPeriod as LimitPeriod;
    if (input.modelPrivacy) key.modelPrivacy = input.modelPrivacy as ModelPrivacy;
    return this.describe(key, false);
  }

  private remove(id: string | null): { success: boolean } {
    const key = this.find(id);
    this.keys.delete(key.id);
    return { success: true };
  }

  /** A key as the list, get and patch routes show it: never the secret. */
  private describe(key: StoredKey, withUsage: boolean): Record<string, unknown> {
    const shown: Record<string, unknown> = {
      apiKeyType: key.apiKeyType,
      consumptionLimits: { ...key.consumptionLimits },
      limitPeriod: key.limitPeriod,
      modelPrivacy: key.modelPrivacy,
      createdAt: key.createdAt,
      description: key.description,
      expiresAt: key.expiresAt,
      id: key.id,
      last6Chars: key.secret.slice(-6),
      lastUsedAt: key.lastUsedAt,
    };
    if (withUsage) {
      const usd = key.spent.usd.toFixed(4);
      const diem = key.spent.diem.toFixed(4);
      shown.usage = { trailingSevenDays: { usd, vcu: '0.0000', diem } };
      if (key.consumptionLimits.usd !== null || key.consumptionLimits.diem !== null) {
        shown.currentPeriodUsage = { usd, diem };
      }
    }
    return shown;
  }

  private rateLimits(key: StoredKey): unknown {
    const { balances, tier } = this.options;
    // What this key may spend now: the account's balance, within the key's own cap.
    const cap = (balance: number, limit: number | null, spent: number) =>
      limit === null ? balance : Math.max(0, Math.min(balance, limit - spent));
    const usd = cap(balances.USD, key.consumptionLimits.usd, key.spent.usd);
    const diem = cap(balances.DIEM, key.consumptionLimits.diem, key.spent.diem);
    const nextEpoch = new Date(this.options.now());
    nextEpoch.setUTCHours(24, 0, 0, 0);
    return {
      accessPermitted: usd > 0 || diem > 0,
      apiTier: { ...tier },
      balances: { USD: usd, DIEM: diem },
      keyExpiration: key.expiresAt,
      nextEpochBegins: nextEpoch.toISOString(),
      rateLimits: MODELS.filter((model) => model.type === 'text').map((model) => ({
        apiModelId: model.id,
        rateLimits: [
          { type: 'RPM', amount: 500 },
          { type: 'RPD', amount: 100_000 },
          { type: 'TPM', amount: 2_000_000 },
        ],
      })),
    };
  }

  /** With a key, only the models its privacy setting allows. */
  private models(caller: StoredKey | undefined, type: string): unknown {
    const allowed = (model: Model) => {
      const privacy = caller?.modelPrivacy ?? 'ALL';
      if (privacy === 'PRIVATE_ONLY') return model.privacy === 'private';
      if (privacy === 'PRIVATE_TEXT' && (model.type === 'text' || model.type === 'embedding')) return model.privacy === 'private';
      return true;
    };
    return {
      object: 'list',
      type,
      data: MODELS.filter((model) => (type === 'all' || model.type === type) && allowed(model)).map((model) => ({
        id: model.id,
        object: 'model',
        owned_by: 'venice.ai',
        type: model.type,
        created: 1_727_966_436,
        model_spec: { name: model.id, privacy: model.privacy, offline: false },
      })),
    };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new HttpError(400, 'Invalid request parameters', { details: { _errors: ['Body must be JSON'] } });
  }
}

function expectObject(body: unknown, issues: Issues): Record<string, unknown> {
  if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  issues.add([], 'Expected object');
  return {};
}

function checkKnownFields(input: Record<string, unknown>, known: string[], issues: Issues): void {
  const unknown = Object.keys(input).filter((field) => !known.includes(field));
  if (unknown.length > 0) issues.add([], `Unrecognized key(s) in object: ${unknown.map((field) => `'${field}'`).join(', ')}`);
}

function checkEnum(input: Record<string, unknown>, field: string, values: string[], issues: Issues, required = false): void {
  const value = input[field];
  if (value === undefined) {
    if (required) issues.add([field], 'Required');
  } else if (typeof value !== 'string' || !values.includes(value)) {
    issues.add([field], `Invalid enum value. Expected ${values.map((v) => `'${v}'`).join(' | ')}, received '${String(value)}'`);
  }
}

function checkDescription(input: Record<string, unknown>, issues: Issues, required: boolean): void {
  const value = input.description;
  if (value === undefined) {
    if (required) issues.add(['description'], 'Required');
  } else if (typeof value !== 'string') {
    issues.add(['description'], 'Expected string');
  } else if (value.length > 64) {
    issues.add(['description'], 'String must contain at most 64 character(s)');
  }
}

/** Returns the stored expiry (ISO with milliseconds, or null for never). */
function checkExpiry(value: unknown, issues: Issues, now: number, nullable: boolean): string | null {
  if (value === undefined || value === '' || (nullable && value === null)) return null;
  if (typeof value !== 'string' || !(ISO_DATE.test(value) || ISO_DATETIME.test(value)) || Number.isNaN(Date.parse(value))) {
    issues.add(['expiresAt'], 'Invalid date: use YYYY-MM-DD or YYYY-MM-DDTHH:mm:ss.sssZ');
    return null;
  }
  const when = Date.parse(ISO_DATE.test(value) ? `${value}T00:00:00Z` : value);
  if (when <= now) {
    issues.add(['expiresAt'], 'Expiration date must be in the future');
    return null;
  }
  return new Date(when).toISOString();
}

function checkLimits(value: unknown, issues: Issues): void {
  if (value === undefined) return;
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    issues.add(['consumptionLimit'], 'Expected object');
    return;
  }
  const limits = value as Record<string, unknown>;
  checkKnownFields(limits, ['usd', 'diem', 'vcu'], issues);
  for (const currency of ['usd', 'diem', 'vcu']) {
    const amount = limits[currency];
    if (amount === undefined || amount === null) continue;
    if (typeof amount !== 'number' || !Number.isFinite(amount)) {
      issues.add(['consumptionLimit', currency], 'Expected number');
    } else if (amount < 0 || amount > LIMIT_MAX) {
      issues.add(['consumptionLimit', currency], `Number must be between 0 and ${LIMIT_MAX}`);
    }
  }
}
