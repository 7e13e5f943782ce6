/**
 * Reads `training_observability.metric_points` over the ClickHouse HTTP
 * interface with the official web client.
 *
 * Every value that reaches SQL is a bound parameter; the SQL text is constant.
 * All due series go in one query: a watermark per (run, metric) pair is passed
 * as parallel arrays and looked up with indexOf, so N charts on a page cost one
 * request per poll.
 */
import { createClient, type ClickHouseClient } from '@clickhouse/client-web';
import { seriesId, type RunInfo, type SeriesChunk, type SeriesRequest, type TelemetrySource } from './source.js';

export interface ClickHouseSourceOptions {
  /** Base URL of the ClickHouse HTTP interface, e.g. http://127.0.0.1:8123. */
  url: string;
  user?: string;
  password?: string;
  /** Table holding the telemetry (database-qualified). */
  table?: string;
  /** Most rows one poll may return, so a huge backlog arrives in bounded slices. */
  maxRows?: number;
}

const DEFAULT_TABLE = 'training_observability.metric_points';
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/** Undoes ClickHouse's TabSeparated escaping of a String field. */
function unescapeField(field: string): string {
  if (!field.includes('\\')) return field;
  return field.replace(/\\(.)/g, (_m, c: string) => ({ t: '\t', n: '\n', r: '\r', '0': '\0', b: '\b', f: '\f' })[c] ?? c);
}

export class ClickHouseSource implements TelemetrySource {
  readonly id: string;
  readonly label: string;
  private readonly client: ClickHouseClient;
  private readonly table: string;
  private readonly maxRows: number;

  constructor(options: ClickHouseSourceOptions) {
    const table = options.table ?? DEFAULT_TABLE;
    // The table name is the one identifier that cannot be a bound parameter, so it is validated instead.
    if (!TABLE_NAME.test(table)) throw new Error(`Invalid table name "${table}": expected database.table`);
    this.table = table;
    this.maxRows = options.maxRows ?? 500_000;
    this.id = `clickhouse:${options.url}|${options.user ?? 'default'}|${table}`;
    this.label = `ClickHouse at ${options.url}`;
    this.client = createClient({
      url: options.url,
      username: options.user ?? 'default',
      password: options.password ?? '',
      request_timeout: 30_000,
    });
  }

  async fetchSeries(requests: SeriesRequest[], signal: AbortSignal): Promise<Map<string, SeriesChunk>> {
    const result = new Map<string, SeriesChunk>();
    if (requests.length === 0) return result;
    // Several ranks may log the same metric at one step: a chart line shows their mean.
    const rs = await this.client.query({
      query: `
        SELECT run_id, metric, step, toUnixTimestamp64Milli(max(event_time)) AS t, avg(value) AS v
        FROM ${this.table}
        WHERE run_id IN {runs:Array(String)} AND metric IN {metrics:Array(String)}
          AND (indexOf(arrayZip({runs:Array(String)}, {metrics:Array(String)}), (run_id, metric)) AS k) > 0
          AND toInt64(step) > {after:Array(Int64)}[k]
        GROUP BY run_id, metric, step
        ORDER BY run_id, metric, step
        LIMIT {limit:UInt32}`,
      format: 'TabSeparated',
      query_params: {
        runs: requests.map((r) => r.run),
        metrics: requests.map((r) => r.metric),
        after: requests.map((r) => Math.trunc(r.afterStep)),
        limit: this.maxRows,
      },
      abort_signal: signal,
    });
    const text = await rs.text();
    parseRows(text, result);
    return result;
  }

  async describeRuns(runs: string[], signal: AbortSignal): Promise<RunInfo[]> {
    if (runs.length === 0) return [];
    const rs = await this.client.query({
      query: `SELECT run_id, groupUniqArray(metric) AS metrics FROM ${this.table}
              WHERE run_id IN {runs:Array(String)} GROUP BY run_id`,
      format: 'JSONEachRow',
      query_params: { runs },
      abort_signal: signal,
    });
    const rows = await rs.json<{ run_id: string; metrics: string[] }>();
    return rows.map((r) => ({ run: r.run_id, metrics: [...r.metrics].sort() }));
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** Decodes `run, metric, step, t, v` TSV rows into one chunk per series. */
function parseRows(text: string, into: Map<string, SeriesChunk>) {
  const lines = text.split('\n');
  let start = 0;
  while (start < lines.length && lines[start]) {
    const [run, metric] = lines[start].split('\t');
    let end = start;
    while (end < lines.length && lines[end] && lines[end].startsWith(`${run}\t${metric}\t`)) end++;
    const n = end - start;
    const chunk: SeriesChunk = { steps: new Float64Array(n), times: new Float64Array(n), values: new Float64Array(n) };
    for (let i = 0; i < n; i++) {
      const fields = lines[start + i].split('\t');
      chunk.steps[i] = Number(fields[2]);
      chunk.times[i] = Number(fields[3]);
      chunk.values[i] = parseFloatField(fields[4]);
    }
    into.set(seriesId({ run: unescapeField(run), metric: unescapeField(metric) }), chunk);
    start = end;
  }
}

function parseFloatField(field: string): number {
  switch (field) {
    case 'nan':
    case '-nan':
      return NaN;
    case 'inf':
    case '+inf':
      return Infinity;
    case '-inf':
      return -Infinity;
    default:
      return Number(field);
  }
}
