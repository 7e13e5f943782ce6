/**
 * Reads `training_observability.metric_points` over the ClickHouse HTTP
 * interface with the official web client.
 *
 * One poll is one request: every due tail and every view of a cycle are
 * UNION ALL branches of one query, answered in RowBinary and decoded straight
 * into typed arrays.
 *
 * Every value that reaches SQL is a bound parameter. The SQL text depends only
 * on how many series are asked for: series i is `{r<i>:String}` /
 * `{m<i>:String}`, never spliced text. Naming each series' parameters (rather
 * than passing arrays) keeps `run_id = … AND metric = … AND step >= …` in a
 * form ClickHouse prunes with the table's primary key, so a poll of a live
 * tail reads the newest granules only, however long the run.
 *
 * A point is a step: where several rows share one (ranks of a job, a
 * trainer that restarted), tails and views both give their mean. Steps past
 * 2^53 − 1 (a step of −1 is 2^64 − 1 in a UInt64) cannot be drawn exactly:
 * they are left out of every answer and counted (`SeriesChunk.beyond`), so
 * one careless writer neither fails the poll nor goes unmentioned.
 *
 * An answer is used whole or not at all: points carry a per-row check and an
 * end marker (`decodeCheckedRows`) and are validated against the plan; row
 * queries come as one JSON document whose row count must match. A request
 * has `timeout` ms for its whole answer, not only its headers.
 */
import { createClient, type ClickHouseClient } from '@clickhouse/client-web';
import { decodeCheckedRows, END_KIND, GarbledResponseError, refuse, rowCheckSql, type PointRows } from './rowbinary.js';
import { emptyChunk, queryId, seriesId, SourceError, type FetchPlan, type FetchResult, type QueryParam, type QueryRow, type RowQuery, type RunInfo, type SeriesChunk, type TelemetrySource, type ViewChunk } from './source.js';

export interface ClickHouseSourceOptions {
  /** Base URL of the ClickHouse HTTP interface, e.g. http://127.0.0.1:8123. */
  url: string;
  user?: string;
  password?: string;
  /** Table holding the telemetry (database-qualified). */
  table?: string;
  /**
   * Most ms a request may take, answer included (default 60000). Longer than
   * a slow server's 30 s, so its answers still arrive; only one request per
   * store is in flight, so a long wait does not pile requests up.
   */
  timeout?: number;
  /** How requests reach ClickHouse; default: @clickhouse/client-web. The relay passes the Node client. */
  connect?: (options: ClickHouseSourceOptions) => ClickHouseConnection;
}

/** What the source needs of a ClickHouse client: a query's raw answer, and closing. */
export interface ClickHouseConnection {
  /** Runs `query` (which names its FORMAT) with bound parameters; the whole answer as bytes. */
  exec(query: string, params: Record<string, unknown>, signal: AbortSignal): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Reasons for the statuses proxies answer with (HTTP/2 responses carry none). */
const REASONS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

/**
 * What is wrong with an answer that is not ClickHouse's: an HTTP error
 * without X-ClickHouse-Exception-Code (a proxy or load balancer answered), or
 * a web page where data was expected (a URL that is not ClickHouse's).
 */
function notClickHouse(response: Response): string | undefined {
  if (!response.ok && !response.headers.has('x-clickhouse-exception-code')) return `${response.status} ${response.statusText || REASONS[response.status] || ''}`.trim();
  if (/text\/html/i.test(response.headers.get('content-type') ?? '')) return `${response.status} with a web page: is this a ClickHouse HTTP URL?`;
  return undefined;
}

function webConnection(options: ClickHouseSourceOptions): ClickHouseConnection {
  const client: ClickHouseClient = createClient({
    url: options.url,
    username: options.user ?? 'default',
    password: options.password ?? '',
    // The source times the whole exchange itself (this one stops at the headers).
    request_timeout: options.timeout ?? DEFAULT_TIMEOUT,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      const wrong = notClickHouse(response);
      if (wrong) {
        void response.body?.cancel().catch(() => {});
        throw new SourceError('status', wrong);
      }
      return response;
    },
  });
  return {
    async exec(query, params, signal) {
      const { stream } = await client.exec({ query, query_params: params, abort_signal: signal });
      try {
        return new Uint8Array(await new Response(stream).arrayBuffer());
      } catch (error) {
        if (signal.aborted) throw error;
        throw new SourceError('cut', (error as Error).message || 'connection closed');
      }
    },
    close: () => client.close(),
  };
}

const DEFAULT_TIMEOUT = 60_000;

const DEFAULT_TABLE = 'training_observability.metric_points';
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;
const UINT64_MAX = '18446744073709551615';

const enum Kind {
  Tail = 0,
  ViewPoint = 1,
  ViewMeta = 2,
  TailBeyond = 3,
  ViewBeyond = 4,
}

/**
 * The highest step drawn, 2^53 − 1: steps are UInt64 but a chart's numbers are
 * doubles, exact only up to here. Every range and tail stops at it, so a
 * point past it (a step of −1 arrives as 2^64 − 1) never reaches the decoder
 * (which refuses it); such points are counted instead (`SeriesChunk.beyond`).
 */
const STEP_MAX = '9007199254740991';

/**
 * Raw points after a watermark, the mean over ranks at each step (as the chart
 * draws one line); then, per series, how many points lie past STEP_MAX (all of
 * them: a watermark never passes it), when there are any.
 */
function tailSql(table: string, n: number): string {
  const match = (i: number) => `run_id = {tr${i}:String} AND metric = {tm${i}:String}`;
  const key = `toUInt16(multiIf(${Array.from({ length: n }, (_, i) => `${match(i)}, ${i}`).join(', ')}, 65535)) AS k`;
  const where = Array.from({ length: n }, (_, i) => `(${match(i)} AND step >= {ta${i}:UInt64})`).join(' OR ');
  const beyond = Array.from({ length: n }, (_, i) => `(${match(i)} AND step > ${STEP_MAX})`).join(' OR ');
  return `SELECT k, toUInt8(${Kind.Tail}) AS kind, s, t, v FROM (
  SELECT ${key}, toInt64(step) AS s,
         toInt64(toUnixTimestamp64Milli(max(event_time))) AS t, toFloat64(avg(value)) AS v
  FROM ${table}
  WHERE (${where}) AND step <= ${STEP_MAX}
  GROUP BY k, s
  ORDER BY k, s
  LIMIT {tl:UInt32} BY k
)
UNION ALL
SELECT ${key}, toUInt8(${Kind.TailBeyond}), toInt64(0), toInt64(count()), toFloat64(0) FROM ${table} WHERE ${beyond} GROUP BY k`;
}

/**
 * M4 candidates of one pixel column over points (step `st`, epoch ms `et`,
 * value `v`): first, last, lowest and highest finite, first NaN/±Inf.
 */
const M4_CANDIDATES = `[(min(st), argMin(et, st), argMin(v, st)), (max(st), argMax(et, st), argMax(v, st)),
 (argMinIf(st, v, isFinite(v)), argMinIf(et, v, isFinite(v)), minIf(v, isFinite(v))),
 (argMaxIf(st, v, isFinite(v)), argMaxIf(et, v, isFinite(v)), maxIf(v, isFinite(v))),
 (minIf(st, NOT isFinite(v)), argMinIf(et, st, NOT isFinite(v)), argMinIf(v, st, NOT isFinite(v)))] AS cand,
 countIf(isFinite(v)) AS fin, countIf(NOT isFinite(v)) AS odd`;

/**
 * A step range reduced to pixel columns, M4-style: per column the first, last,
 * lowest and highest finite point, plus the first NaN/±Inf point if any, so a
 * spike or a divergence is never averaged away. Raw points when they fit
 * (twice the columns or fewer). A point is a step: where several rows share
 * one (ranks, a restarted trainer), their mean, as the live tail draws it.
 * A row of kind 2 says what the reduction stands for: the range's newest
 * step, its step count and steps per column; one of kind 4, how many points
 * past STEP_MAX were left out, when any were.
 *
 * Per-step means cost a GROUP BY over every step of the range (about twice
 * the time at 10M points), so they are taken only when some step of the range has
 * several rows (rows ≠ distinct steps, counted with a bitmap); else the
 * columns read the rows directly. The branch not taken reads nothing: its
 * condition is a constant once `e` is known.
 */
function viewSql(table: string, i: number): string {
  const series = `run_id = {vr${i}:String} AND metric = {vm${i}:String}`;
  const range = `${series} AND step >= {vlo${i}:UInt64} AND step <= {vhi${i}:UInt64} AND step <= e.2`;
  return `WITH (SELECT (min(toInt64(step)), max(toInt64(step)), count(), groupBitmap(step)) FROM ${table} WHERE ${series} AND step >= {vlo${i}:UInt64} AND step <= {vhi${i}:UInt64}) AS e,
     if(e.4 <= 2 * {vpx${i}:UInt32}, 1, greatest(1, toInt64(ceil((e.2 - e.1 + 1) / {vpx${i}:UInt32})))) AS w
SELECT toUInt16(${i}) AS k, toUInt8(${Kind.ViewPoint}) AS kind, p.1 AS s, p.2 AS t, p.3 AS v FROM (
  SELECT intDiv(st - e.1, w) AS b, ${M4_CANDIDATES}
  FROM (
    SELECT toInt64(step) AS st, toUnixTimestamp64Milli(event_time) AS et, value AS v FROM ${table} WHERE ${range} AND e.3 = e.4
    UNION ALL
    SELECT toInt64(step) AS st, toUnixTimestamp64Milli(max(event_time)) AS et, avg(value) AS v FROM ${table} WHERE ${range} AND e.3 != e.4 GROUP BY st
  )
  GROUP BY b
) ARRAY JOIN arrayDistinct(arrayFilter((c, j) -> (j <= 2 OR (j <= 4 AND fin > 0) OR (j = 5 AND odd > 0)), cand, arrayEnumerate(cand))) AS p
UNION ALL
SELECT toUInt16(${i}), toUInt8(${Kind.ViewMeta}), if(e.3 = 0, -1, e.2), toInt64(e.4), toFloat64(w)
UNION ALL
SELECT toUInt16(${i}), toUInt8(${Kind.ViewBeyond}), toInt64(0), toInt64(count()), toFloat64(0) FROM ${table}
  WHERE ${series} AND step > ${STEP_MAX} AND step <= {vtop${i}:UInt64} HAVING count() > 0`;
}

export class ClickHouseSource implements TelemetrySource {
  readonly id: string;
  readonly label: string;
  private readonly connection: ClickHouseConnection;
  private readonly table: string;
  /** Row queries ClickHouse refused, asked alone until answered (bounded: a page has few). */
  private readonly refused = new Set<string>();
  private readonly timeout: number;

  constructor(options: ClickHouseSourceOptions) {
    const table = options.table ?? DEFAULT_TABLE;
    // The table name is the one identifier that cannot be a bound parameter, so it is validated instead.
    if (!TABLE_NAME.test(table)) throw new Error(`Invalid table name "${table}": expected database.table`);
    this.table = table;
    this.timeout = options.timeout ?? DEFAULT_TIMEOUT;
    this.id = `clickhouse:${options.url}|${options.user ?? 'default'}|${table}`;
    // Never a password in a message: a URL may carry credentials (http://user:pw@host).
    this.label = `ClickHouse at ${options.url.replace(/\/\/[^/@]*@/, '//')}`;
    this.connection = (options.connect ?? webConnection)(options);
  }

  /** The SQL and parameters of one poll (exposed so tests and benchmarks can inspect what is sent). */
  buildQuery(plan: FetchPlan): { query: string; params: Record<string, string | number> } {
    const params: Record<string, string | number> = {};
    const branches: string[] = [];
    if (plan.tails.length) {
      plan.tails.forEach((tail, i) => {
        params[`tr${i}`] = tail.run;
        params[`tm${i}`] = tail.metric;
        // After the last drawable step, nothing: a range that is empty (not STEP_MAX again, which would repeat it).
        params[`ta${i}`] = tail.afterStep >= Number(STEP_MAX) ? UINT64_MAX : stepParam(tail.afterStep + 1);
      });
      params.tl = Math.max(1, Math.floor(plan.tailLimit));
      branches.push(tailSql(this.table, plan.tails.length));
    }
    plan.views.forEach((view, i) => {
      params[`vr${i}`] = view.run;
      params[`vm${i}`] = view.metric;
      params[`vlo${i}`] = stepParam(view.fromStep);
      params[`vhi${i}`] = stepParam(view.toStep);
      // Points past STEP_MAX are counted only when the range reaches past it.
      params[`vtop${i}`] = view.toStep > Number(STEP_MAX) ? UINT64_MAX : STEP_MAX;
      params[`vpx${i}`] = Math.max(1, Math.floor(view.columns));
      branches.push(viewSql(this.table, i));
    });
    // The end marker sorts last: an answer cut exactly at a row boundary lacks it.
    branches.push(`SELECT toUInt16(65535) AS k, toUInt8(${END_KIND}) AS kind, toInt64(0) AS s, toInt64(0) AS t, toFloat64(0) AS v`);
    // Candidates of empty aggregates are Nullable; filtered ones never reach here, so the casts only fix the row type.
    const query = `SELECT k, kind, s, t, v, ${rowCheckSql('k', 'kind', 's', 't', 'v')} AS c FROM (
SELECT k, kind, toInt64(ifNull(s, 0)) AS s, toInt64(ifNull(t, 0)) AS t, toFloat64(ifNull(v, nan)) AS v FROM (\n${branches.map((b) => `(${b})`).join('\nUNION ALL\n')}\n)
) ORDER BY kind, k, s\nFORMAT RowBinary`;
    return { query, params };
  }

  async fetch(plan: FetchPlan, signal: AbortSignal): Promise<FetchResult> {
    const result: FetchResult = { tails: new Map(), views: [] };
    if (!plan.tails.length && !plan.views.length) return result;
    const { query, params } = this.buildQuery(plan);
    const rows = decodeCheckedRows(await this.exec(query, params, signal));
    splitRows(rows, plan, result);
    return result;
  }

  /**
   * Row queries of one poll as one request: each is a UNION ALL branch that
   * tags its rows with the query's index and carries them as JSON text, so
   * queries of any shape share one answer. Placeholders are renamed per branch
   * (`{run:String}` of query 3 becomes `{q3_run:String}`).
   */
  buildRowsQuery(queries: RowQuery[]): { query: string; params: Record<string, QueryParam> } {
    const params: Record<string, QueryParam> = {};
    const branches = queries.map((q, i) => {
      for (const [name, value] of Object.entries(q.params)) params[`q${i}_${name}`] = value;
      const sql = q.sql.replaceAll('{{table}}', this.table).replace(/\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/g, (_, name: string) => {
        if (!(name in q.params)) throw new Error(`Query "${q.kind}" has no value for {${name}}`);
        return `{q${i}_${name}:`;
      });
      return `SELECT toUInt16(${i}) AS k, formatRowNoNewline('JSONEachRow', *) AS j FROM (\n${sql}\n)`;
    });
    // One JSON document (not a row per line), so an answer cut anywhere fails to parse, and its row count is checked.
    return { query: `${branches.join('\nUNION ALL\n')}\nFORMAT JSONCompact`, params };
  }

  /**
   * Row queries of one poll. When ClickHouse refuses the batch for a reason of the SQL (not of
   * the connection, the account or the load), each query is asked alone, so one element's bad
   * query is its own error and its neighbours keep their rows; a query refused once is asked
   * alone from then on (one request more per poll, not one per query) until it is answered.
   */
  async rows(queries: RowQuery[], signal: AbortSignal): Promise<Array<QueryRow[] | Error>> {
    const alone = (query: RowQuery) =>
      this.rowsTogether([query], signal).then(
        ([rows]) => {
          this.refused.delete(queryId(query));
          return rows;
        },
        (error: unknown) => {
          if (!isQueryError(error)) throw error;
          if (this.refused.size > 256) this.refused.clear();
          this.refused.add(queryId(query));
          return error as Error;
        },
      );
    const suspect = queries.map((query) => this.refused.has(queryId(query)));
    const together = queries.filter((_, i) => !suspect[i]);
    let batch: Array<QueryRow[] | Error> | undefined;
    if (together.length) {
      try {
        batch = await this.rowsTogether(together, signal);
      } catch (error) {
        if (!isQueryError(error)) throw error;
      }
    }
    let next = 0;
    return Promise.all(queries.map((query, i) => (suspect[i] || !batch ? alone(query) : batch[next++])));
  }

  private async rowsTogether(queries: RowQuery[], signal: AbortSignal): Promise<QueryRow[][]> {
    const out: QueryRow[][] = queries.map(() => []);
    if (!queries.length) return out;
    const { query, params } = this.buildRowsQuery(queries);
    // Rows of one branch keep their order; branches may interleave.
    for (const [k, json] of jsonRows(await this.exec(query, params, signal), 2)) {
      if (typeof k !== 'number' || !(k >= 0 && k < queries.length) || typeof json !== 'string') throw new GarbledResponseError('a row that no query asked for');
      try {
        out[k].push(JSON.parse(json) as QueryRow);
      } catch {
        throw new GarbledResponseError(`a row that is not JSON: ${json.slice(0, 80)}`);
      }
    }
    return out;
  }

  async describeRuns(runs: string[], signal: AbortSignal): Promise<RunInfo[]> {
    if (runs.length === 0) return [];
    const query = `SELECT run_id, groupUniqArray(metric) AS metrics FROM ${this.table}
              WHERE run_id IN {runs:Array(String)} GROUP BY run_id FORMAT JSONCompact`;
    const rows = jsonRows(await this.exec(query, { runs }, signal), 2);
    return rows.map(([run, metrics]) => {
      if (typeof run !== 'string' || !Array.isArray(metrics)) throw new GarbledResponseError('a run description of the wrong shape');
      return { run, metrics: (metrics as unknown[]).map(String).sort() };
    });
  }

  /** One request with the whole exchange, answer included, bounded by `timeout`. */
  private async exec(query: string, params: Record<string, unknown>, signal: AbortSignal): Promise<Uint8Array> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeout);
    const stop = () => controller.abort();
    signal.addEventListener('abort', stop);
    try {
      return await this.connection.exec(query, params, controller.signal);
    } catch (error) {
      if (timedOut) throw new SourceError('timeout', `${Math.round(this.timeout / 1000)} s`);
      throw error;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
    }
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

/** A step bound as UInt64 text, within 0..STEP_MAX (Infinity, NaN or 1e300 included). */
function stepParam(step: number): string {
  if (!(step < Number(STEP_MAX))) return STEP_MAX;
  return String(Math.max(0, Math.floor(step)));
}

/** The data rows of a `FORMAT JSONCompact` answer, each `width` values; throws unless the document is whole. */
function jsonRows(bytes: Uint8Array, width: number): unknown[][] {
  let doc: { data?: unknown; rows?: unknown; exception?: unknown };
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes)) as typeof doc;
  } catch {
    return refuse(bytes, 'cut off or not JSON');
  }
  // ClickHouse reports an error that happens mid-answer inside the document.
  if (typeof doc.exception === 'string') throw new GarbledResponseError(doc.exception.split('\n')[0], 'exception');
  const data = doc.data;
  if (!Array.isArray(data) || doc.rows !== data.length || data.some((row) => !Array.isArray(row) || row.length !== width)) {
    throw new GarbledResponseError('the rows do not match their count');
  }
  return data as unknown[][];
}

/**
 * Cuts the decoded rows (sorted by kind, k, step) into tail chunks and view
 * chunks, checking them against the plan: each group once, steps in order and
 * in the range asked for, one description per view, at most one count of
 * points past STEP_MAX per series. Anything else is garbled.
 */
function splitRows(rows: PointRows, plan: FetchPlan, into: FetchResult) {
  const views: ViewChunk[] = plan.views.map(() => ({ ...emptyChunk(), total: 0, bucketSteps: 1, lastStep: -1, beyond: 0 }));
  const described = new Uint8Array(views.length);
  const garbled = (why: string): never => {
    throw new GarbledResponseError(why);
  };
  let start = 0;
  let last = -1;
  while (start < rows.length) {
    const kind = rows.kind[start];
    const k = rows.k[start];
    const group = kind * 65536 + k;
    if (group <= last) garbled('rows out of order');
    last = group;
    let end = start + 1;
    while (end < rows.length && rows.kind[end] === kind && rows.k[end] === k) end++;
    if (kind === Kind.Tail && k < plan.tails.length) {
      const tail = plan.tails[k];
      for (let i = start; i < end; i++) {
        if (!(rows.step[i] > (i > start ? rows.step[i - 1] : tail.afterStep))) garbled('tail steps out of order');
      }
      into.tails.set(seriesId(tail), { ...slice(rows, start, end), beyond: 0 });
    } else if (kind === Kind.TailBeyond && k < plan.tails.length && end === start + 1 && rows.time[start] > 0) {
      const id = seriesId(plan.tails[k]);
      into.tails.set(id, { ...(into.tails.get(id) ?? emptyChunk()), beyond: rows.time[start] });
    } else if (kind === Kind.ViewPoint && k < views.length) {
      // The bounds as sent (stepParam), so a fractional zoom edge is not mistaken for a bad row.
      const lo = Math.max(0, Math.floor(plan.views[k].fromStep));
      const hi = Math.min(Number(STEP_MAX), Math.floor(plan.views[k].toStep));
      for (let i = start; i < end; i++) {
        const step = rows.step[i];
        if (step < lo || step > hi || (i > start && step < rows.step[i - 1])) garbled('view steps out of range');
      }
      Object.assign(views[k], slice(rows, start, end));
    } else if (kind === Kind.ViewMeta && k < views.length && end === start + 1) {
      described[k] = 1;
      views[k].lastStep = rows.step[start];
      views[k].total = rows.time[start];
      views[k].bucketSteps = rows.value[start];
      if (!(views[k].bucketSteps >= 1) || views[k].total < 0) garbled('a view description out of range');
    } else if (kind === Kind.ViewBeyond && k < views.length && end === start + 1 && rows.time[start] > 0) {
      views[k].beyond = rows.time[start];
    } else {
      garbled(`rows no request asked for (kind ${kind}, k ${k})`);
    }
    start = end;
  }
  if (described.includes(0)) garbled('a view without its description');
  into.views = views;
}

function slice(rows: PointRows, start: number, end: number): SeriesChunk {
  return { steps: rows.step.slice(start, end), times: rows.time.slice(start, end), values: rows.value.slice(start, end) };
}

/**
 * A ClickHouse exception caused by a query's SQL or values: it has a code, and the code is not
 * one of the account (516 credentials, 164 read-only), the load (159 timeout, 202 too many
 * queries, 241 memory) or the network (210).
 */
function isQueryError(error: unknown): boolean {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  return /^\d+$/.test(code) && !['516', '164', '159', '202', '241', '210'].includes(code);
}
