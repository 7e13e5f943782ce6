/**
 * The trainwatch relay: the only thing that talks to ClickHouse, and pushes
 * to every viewer over Server-Sent Events.
 *
 * Routes (all JSON but the stream; every error is `{ "error", "status" }`):
 * - `GET /stream?sub=<JSON>` (or `?run=R&metric=M`…): snapshot, then deltas.
 * - `GET /runs[?run=R…]`: runs with first/last report and status; with `run`,
 *   only those, with their metrics.
 * - `GET /metrics/{run}?metric=M&from=S&to=S&downsample=N`: points by step as
 *   `{columns, rows}`, reduced to N columns (spikes kept) when longer; one
 *   point per step (the mean where ranks share it); steps up to 2^53 − 1,
 *   with `beyond` counting the points past it.
 * - `GET /checkpoints/{run}`: the run's checkpoints with scores and statistics.
 * - `GET /healthz`: whether ClickHouse answers, viewers, queries, memory.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CHECKPOINT_DEFAULTS, checkpointsQuery, readCheckpoints } from '../../elements/checkpoint-table/checkpoint-table.queries.js';
import { rowsKey, rowsProblem, seriesKey, seriesProblem, STREAM_LIMITS, viewToAnswer, type MetricsAnswer, type RelayError, type RowsSubscription, type SeriesSubscription, type Subscription } from '../../relay/protocol.js';
import { ClickHouseSource } from '../../sources/clickhouse-source.js';
import type { QueryParam, QueryRow, ViewChunk } from '../../sources/source.js';
import { queryCatalog } from './catalog.js';
import { RelayHub, type HubOptions } from './hub.js';
import { reduceChunk } from '../../sources/reduce.js';
import { nodeConnection } from './node-connection.js';

export interface RelayOptions extends Partial<HubOptions> {
  /** ClickHouse HTTP URL. */
  clickhouseUrl: string;
  user?: string;
  password?: string;
  /** Database of metric_points (default training_observability). */
  database?: string;
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Origins allowed to read the relay from a browser page (`*` for any). */
  allowOrigins?: string[];
  /** When set, every route but /healthz needs `Authorization: Bearer <token>` (or `access_token=`). */
  token?: string;
  /** Most viewers connected at once (default 5000); the next one gets 503 with `Retry-After`. */
  maxClients?: number;
  /** A client has this long to send its request headers, ms (default 10000): a trickling (slowloris) client is cut off with 408. */
  headersTimeout?: number;
  /** Extra row-query kinds: kind → SQL over {{table}}. */
  queries?: Record<string, string>;
}

export interface RelayServer {
  readonly url: string;
  readonly hub: RelayHub;
  close(): Promise<void>;
}

/** Limits on what one request may ask for. */
export const LIMITS = {
  ...STREAM_LIMITS,
  metricsPerRequest: 100,
};

/** Seconds a refused viewer is told to wait (`Retry-After`). */
const RETRY_AFTER = 2;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startRelay(options: RelayOptions): Promise<RelayServer> {
  const database = options.database ?? 'training_observability';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`Invalid database name "${database}"`);
  const source = new ClickHouseSource({ url: options.clickhouseUrl, user: options.user, password: options.password, table: `${database}.metric_points`, connect: nodeConnection });
  const hub = new RelayHub(source, { pollInterval: 2000, ...options }, queryCatalog(options.queries));
  const allow = new Set(options.allowOrigins ?? []);
  const maxClients = options.maxClients ?? 5000;
  const token = options.token ? Buffer.from(options.token) : undefined;
  const cache = new AnswerCache(Math.max(250, hub.pollInterval / 2));

  const headersTimeout = options.headersTimeout ?? 10_000;
  // Headers may be longer than Node's 16 KiB default so that an overlong URL gets the relay's own 414.
  // requestTimeout covers receiving the request only (a GET has no body), never an open stream.
  const server: Server = createServer({ maxHeaderSize: 4 * LIMITS.urlBytes, headersTimeout, requestTimeout: headersTimeout, connectionsCheckingInterval: Math.min(1000, headersTimeout / 2) }, (req, res) => {
    void handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 502;
      const message = error instanceof HttpError ? error.message : `ClickHouse did not answer: ${firstLine(error)}`;
      sendJson(res, status, { error: message, status } satisfies RelayError);
    });
  });
  server.maxHeadersCount = 64;
  // What Node's parser refuses before any route sees it (headers too large, garbage bytes, a slow client) still gets a JSON answer.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) return void socket.destroy();
    const [status, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, `The request headers are larger than ${4 * LIMITS.urlBytes} bytes.`]
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, `The request headers did not arrive within ${headersTimeout / 1000} s.`]
          : [400, 'That is not an HTTP request the relay understands.'];
    const body = JSON.stringify({ error: message, status } satisfies RelayError);
    socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    cors(req, res);
    if (req.method === 'OPTIONS') {
      res.writeHead(res.hasHeader('Access-Control-Allow-Origin') ? 204 : 403).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `Method ${req.method} is not allowed; the relay is read-only (GET).`);
    if ((req.url ?? '').length > LIMITS.urlBytes) throw new HttpError(414, `The request URL is longer than ${LIMITS.urlBytes} bytes.`);
    if (req.headers['content-length'] && req.headers['content-length'] !== '0') throw new HttpError(413, 'The relay takes no request bodies.');
    const url = parseUrl(req.url ?? '/');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/healthz') return sendJson(res, 200, health());
    authorize(req, url);
    if (path === '/stream') return stream(req, res, url);
    if (path === '/runs') return sendJson(res, 200, await runs(url));
    const metrics = /^\/metrics\/([^/]+)$/.exec(path);
    if (metrics) return sendJson(res, 200, await metricsOf(decodeSegment(metrics[1]), url));
    const checkpoints = /^\/checkpoints\/([^/]+)$/.exec(path);
    if (checkpoints) return sendJson(res, 200, await checkpointsOf(decodeSegment(checkpoints[1])));
    throw new HttpError(404, `No route ${path}; the relay serves /stream, /runs, /metrics/{run}, /checkpoints/{run} and /healthz.`);
  }

  function cors(req: IncomingMessage, res: ServerResponse) {
    const origin = req.headers.origin;
    if (!origin || !(allow.has('*') || allow.has(origin))) return;
    res.setHeader('Access-Control-Allow-Origin', allow.has('*') ? '*' : origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Allow-Methods', 'GET, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Last-Event-ID, Cache-Control');
    res.setHeader('Access-Control-Max-Age', '600');
  }

  function authorize(req: IncomingMessage, url: URL) {
    if (!token) return;
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : (url.searchParams.get('access_token') ?? '');
    const bytes = Buffer.from(given);
    if (bytes.length !== token.length || !timingSafeEqual(bytes, token)) {
      throw new HttpError(401, given ? 'The bearer token is wrong.' : 'This relay needs a bearer token (Authorization: Bearer …).');
    }
  }

  function health() {
    const h = hub.health;
    const memory = process.memoryUsage();
    return {
      status: hub.isStale ? 'stale' : 'ok',
      epoch: hub.epoch,
      clickhouse: { url: withoutCredentials(options.clickhouseUrl), lastSuccessAt: Number.isFinite(h.lastSuccessAt) ? h.lastSuccessAt : null, error: h.lastError ?? null },
      viewers: hub.viewers.size,
      series: hub.seriesCount,
      rowQueries: hub.rowQueryCount,
      polls: hub.polls,
      queries: hub.requests,
      evicted: hub.evicted,
      connections: hub.connections,
      refused: hub.refused,
      pollInterval: hub.pollInterval,
      memory: { rss: memory.rss, heapUsed: memory.heapUsed },
    };
  }

  function stream(req: IncomingMessage, res: ServerResponse, url: URL) {
    if (hub.viewers.size >= maxClients) {
      hub.refused++;
      res.setHeader('Retry-After', String(RETRY_AFTER));
      throw new HttpError(503, `The relay already serves ${maxClients} viewers; try again later.`);
    }
    const { sub, problems } = parseSubscription(url);
    if (req.method === 'HEAD') throw new HttpError(405, 'A stream is read with GET.');
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    const lastEventId = header(req, 'last-event-id') ?? url.searchParams.get('lastEventId') ?? undefined;
    hub.connect(res, sub, lastEventId, problems);
  }

  async function runs(url: URL) {
    const only = url.searchParams.getAll('run');
    if (only.length > LIMITS.paramItems) throw new HttpError(400, `At most ${LIMITS.paramItems} runs per request.`);
    if (only.length) {
      const infos = await cache.get(`describe:${JSON.stringify(only)}`, (signal) => source.describeRuns(only, signal));
      return { runs: infos.map((i) => ({ run_id: i.run, metrics: i.metrics })) };
    }
    const limit = intParam(url, 'limit', 1000, 1, 100_000);
    const rows = await cache.get(`runs:${limit}`, (signal) => source.rows([hub.rowQuery({ kind: 'runs', params: { status: 'run.status', limit } })], signal));
    return {
      runs: rowsOf(rows[0]).map((r) => ({ run_id: r.run, first_time: Number(r.first_ms), last_time: Number(r.last_ms), last_step: Number(r.last_step), status: r.status || null, reason: r.reason || null })),
    };
  }

  async function knownRun(run: string): Promise<string[]> {
    const [info] = await cache.get(`describe:${JSON.stringify([run])}`, (signal) => source.describeRuns([run], signal));
    if (!info) throw new HttpError(404, `Run "${run.slice(0, 200)}" not found: no points for it in ${database}.metric_points.`);
    return info.metrics;
  }

  async function metricsOf(run: string, url: URL): Promise<{ run: string; metrics: MetricsAnswer[] }> {
    const known = await knownRun(run);
    const asked = url.searchParams.getAll('metric');
    const names = asked.length ? asked : known;
    if (names.length > LIMITS.metricsPerRequest) throw new HttpError(400, `At most ${LIMITS.metricsPerRequest} metrics per request; name them with metric=.`);
    const missing = names.filter((m) => !known.includes(m));
    if (missing.length) throw new HttpError(404, `Run "${run.slice(0, 200)}" has no metric ${missing.map((m) => `"${m.slice(0, 200)}"`).join(', ')}.`);
    const from = intParam(url, 'from', 0, 0, Number.MAX_SAFE_INTEGER);
    const to = url.searchParams.has('to') ? intParam(url, 'to', 0, 0, Number.MAX_SAFE_INTEGER) : Infinity;
    if (to < from) throw new HttpError(400, `to (${to}) is before from (${from}).`);
    const columns = intParam(url, 'downsample', 2000, 1, LIMITS.columns);
    // A range the relay holds raw is answered from memory; anything else asks ClickHouse once for all metrics.
    const views = new Map<string, ViewChunk>();
    const remote = names.filter((metric) => {
      const buffer = hub.held(run, metric);
      if (!buffer || !buffer.loaded || from <= buffer.reducedUntil || buffer.length === 0) return true;
      const { steps } = buffer;
      let lo = 0;
      while (lo < steps.length && steps[lo] < from) lo++;
      let hi = lo;
      while (hi < steps.length && steps[hi] <= to) hi++;
      // Points past 2^53 lie after any `to` the route takes: they count only for an open range.
      const beyond = url.searchParams.has('to') ? 0 : buffer.beyond;
      views.set(metric, reduceChunk({ steps: steps.slice(lo, hi), times: buffer.times.slice(lo, hi), values: buffer.values.slice(lo, hi), beyond }, columns));
      return false;
    });
    if (remote.length) {
      const plan = { tails: [], tailLimit: 1, views: remote.map((metric) => ({ run, metric, fromStep: from, toStep: to, columns })) };
      const result = await cache.get(`view:${JSON.stringify(plan.views)}`, (signal) => source.fetch(plan, signal));
      remote.forEach((metric, i) => views.set(metric, result.views[i]));
    }
    return {
      run,
      metrics: names.map((metric) => {
        const view = views.get(metric)!;
        return viewToAnswer(run, metric, view);
      }),
    };
  }

  async function checkpointsOf(run: string) {
    await knownRun(run);
    const query = checkpointsQuery({ ...CHECKPOINT_DEFAULTS, runs: [run], limit: 1000 });
    const [rows] = await cache.get(`checkpoints:${run}`, (signal) => source.rows([query], signal));
    const { checkpoints, stats } = readCheckpoints(rowsOf(rows));
    return {
      run,
      checkpoints: checkpoints.map((c) => ({ ...c, scores: Object.fromEntries(c.scores) })),
      stats: stats[0] ?? null,
    };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8787, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    hub,
    async close() {
      hub.close();
      // Stop accepting first: a viewer reconnecting between the two would hold close() open
      // until Node's request timeout (5 minutes).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await source.close();
    },
  };
}

/** A parsed `sub`: what to serve, and the entries that cannot be served with why (`problem` events), by key. */
export interface ParsedSubscription {
  sub: Subscription;
  problems: Map<string, string>;
}

/**
 * `?sub=<JSON>` or, for curl and EventSource, `?run=R&metric=M` pairs (one run: every metric= of it).
 * What is not a subscription is refused (HttpError); an entry that is one but cannot be served is a problem of its key.
 */
export function parseSubscription(url: URL): ParsedSubscription {
  const text = url.searchParams.get('sub');
  let raw: unknown;
  if (text !== null) {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'sub must be JSON: {"series":[{"run":…,"metric":…}],"rows":[{"kind":…,"params":{…}}]}.');
    }
  } else {
    const runs = url.searchParams.getAll('run');
    const metrics = url.searchParams.getAll('metric');
    if (!runs.length || !metrics.length) throw new HttpError(400, 'Say what to stream: ?run=R&metric=M (repeatable) or ?sub=<JSON>.');
    if (runs.length * metrics.length > LIMITS.series) throw new HttpError(413, `At most ${LIMITS.series} series per stream.`);
    raw = { series: runs.flatMap((run) => metrics.map((metric) => ({ run, metric }))) };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new HttpError(400, 'sub must be a JSON object.');
  const { series = [], rows = [], have } = raw as Record<string, unknown>;
  if (!Array.isArray(series) || !Array.isArray(rows)) throw new HttpError(400, 'sub.series and sub.rows must be arrays.');
  if (series.length > LIMITS.series) throw new HttpError(413, `At most ${LIMITS.series} series per stream.`);
  if (rows.length > LIMITS.rowQueries) throw new HttpError(413, `At most ${LIMITS.rowQueries} row queries per stream.`);
  const problems = new Map<string, string>();
  const sub: Subscription = { series: [], rows: [] };
  series.forEach((s, i) => {
    const { run, metric, columns } = (s && typeof s === 'object' ? s : {}) as Record<string, unknown>;
    if (typeof run !== 'string' || typeof metric !== 'string') throw new HttpError(400, `sub.series[${i}] needs a string run and metric.`);
    if (columns !== undefined && typeof columns !== 'number') throw new HttpError(400, `sub.series[${i}].columns must be a number.`);
    const entry: SeriesSubscription = columns === undefined ? { run, metric } : { run, metric, columns };
    const problem = seriesProblem(entry);
    if (problem) problems.set(seriesKey(entry), problem);
    else sub.series!.push(entry);
  });
  rows.forEach((r, i) => {
    const { kind, params } = (r && typeof r === 'object' ? r : {}) as Record<string, unknown>;
    if (typeof kind !== 'string') throw new HttpError(400, `sub.rows[${i}] needs a string kind.`);
    if (!params || typeof params !== 'object' || Array.isArray(params)) throw new HttpError(400, `sub.rows[${i}].params must be an object.`);
    const entry: RowsSubscription = { kind, params: params as Record<string, QueryParam> };
    const problem = rowsProblem(entry);
    if (problem) problems.set(rowsKey(entry), problem);
    else sub.rows!.push(entry);
  });
  if (have !== undefined) {
    if (!Array.isArray(have) || !have.every((k) => typeof k === 'string')) throw new HttpError(400, 'sub.have must be an array of keys.');
    sub.have = have as string[];
  }
  return { sub, problems };
}

function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const text = url.searchParams.get(name);
  if (text === null || text === '') return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new HttpError(400, `${name} must be a whole number from ${min} to ${max}; got "${text.slice(0, 40)}".`);
  return n;
}

function parseUrl(target: string): URL {
  try {
    return new URL(target, 'http://relay');
  } catch {
    throw new HttpError(400, 'The request target is not a URL path.');
  }
}

function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.href.replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'The run id in the path is not valid percent-encoding.');
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

/**
 * Answers of REST routes, shared by equal requests in flight and reused for a
 * short while, so a hundred viewers opening a page ask ClickHouse once.
 */
class AnswerCache {
  private readonly entries = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(private readonly ttl: number) {}

  get<T>(key: string, load: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttl) return hit.value as Promise<T>;
    if (this.entries.size > 1000) this.entries.clear();
    const value = load(AbortSignal.timeout(30_000));
    this.entries.set(key, { at: now, value });
    value.catch(() => this.entries.delete(key));
    return value;
  }
}

/** One query's rows, or its error thrown (a source answers a query it could not serve with an Error). */
function rowsOf(answer: QueryRow[] | Error): QueryRow[] {
  if (answer instanceof Error) throw answer;
  return answer;
}
