/**
 * The one row query `<metric-chart>` sends, and how its attributes are read.
 * Pure functions: attribute text in, RowQuery (or a message for the user) out.
 */
import { parseList } from '../../internal/list.js';
import { globToLike } from '../../internal/pattern.js';
import type { QueryParam, RowQuery } from '../../sources/source.js';

export const STATS = ['mean', 'min', 'max', 'p10', 'p50', 'p90', 'p99'] as const;
export type Stat = (typeof STATS)[number];

export const GROUP_BYS = ['metric', 'host', 'none'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

/** Rows one answer may hold: about 60 series at 600 buckets. */
export const ROW_LIMIT = 40_000;
/** Most lines drawn; a pattern matching more says how many and draws the first (uPlot slows with each series). */
export const MAX_LINES = 60;
/** More patterns than this is a typo, not a chart. */
export const MAX_PATTERNS = 32;

export { parseList };

/** The statistics of a `stat` attribute, in the order given; throws a message for anything else. */
export function parseStats(value: string | null | undefined): Stat[] {
  const names = parseList(value?.toLowerCase());
  const bad = names.filter((name) => !(STATS as readonly string[]).includes(name));
  if (bad.length) throw new Error(`stat must be a comma list of ${STATS.join(', ')}; got "${bad.join(', ').slice(0, 60)}".`);
  return names as Stat[];
}

export function parseGroupBy(value: string | null | undefined): GroupBy {
  const name = (value ?? '').trim() || 'metric';
  if (!(GROUP_BYS as readonly string[]).includes(name)) {
    throw new Error(`group-by must be one of ${GROUP_BYS.join(', ')}; got "${name.slice(0, 40)}".`);
  }
  return name as GroupBy;
}

export interface MetricChartQueryInput {
  runs: string[];
  /** Metric names or `*` patterns. */
  patterns: string[];
  /** Seconds back from the newest point of the runs; 0 for everything. */
  windowSeconds: number;
  /** Time buckets to spread the range over (about the plot's width in pixels). */
  buckets: number;
  groupBy: GroupBy;
  /** Statistics across series per bucket instead of one line per series. */
  across: boolean;
  /** A zoomed range, epoch ms (inclusive); 0 or unset for no bound. */
  fromMs?: number;
  toMs?: number;
  /** Only this host's rows; empty or unset for every host. */
  host?: string;
}

// The window's end (NEWEST) stays run-wide, so a host filter narrows the rows, not the time range.
const MATCH =
  "run_id IN {runs:Array(String)} AND arrayExists(p -> metric LIKE p, {patterns:Array(String)}) AND ({host:String} = '' OR host = {host:String})";
const WINDOW = '({window:UInt32} = 0 OR event_time >= newest - toIntervalSecond({window:UInt32}))';
const ZOOM =
  '({from_ms:Int64} = 0 OR event_time >= fromUnixTimestamp64Milli({from_ms:Int64})) AND ({to_ms:Int64} = 0 OR event_time <= fromUnixTimestamp64Milli({to_ms:Int64}))';
const NEWEST = '(SELECT max(event_time) FROM {{table}} WHERE run_id IN {runs:Array(String)}) AS newest';

const ms = (value: number | undefined) => (value && Number.isFinite(value) ? Math.max(0, Math.round(value)) : 0);

/**
 * Per time bucket, per series: the mean of the finite values, and how many
 * values were NaN/±Inf (`nonfinite`); `series_n` counts the series matched. With `across`, the series' bucket means
 * are reduced across series per run instead: `n` series, their mean (`mean`)
 * and `stats` = [min, max, p10, p50, p90, p99], quantiles interpolated
 * linearly between the series' values (numpy's default).
 *
 * Buckets are aligned to multiples of their width (a 1-2-5 step in ms), so a
 * live chart's buckets do not shift from one poll to the next and the lines
 * of every series share their x values. A zoomed range (`from_ms`, `to_ms`)
 * spreads the buckets over that range only: zooming in shows finer buckets.
 */
export function metricChartQuery(input: MetricChartQueryInput): RowQuery {
  const params: Record<string, QueryParam> = {
    runs: input.runs,
    window: input.windowSeconds,
    buckets: Math.max(1, Math.round(input.buckets)),
    by_metric: input.groupBy === 'metric' ? 1 : 0,
    by_host: input.groupBy === 'none' ? 0 : 1,
    across: input.across ? 1 : 0,
    limit: ROW_LIMIT,
    patterns: input.patterns.map(globToLike),
    from_ms: ms(input.fromMs),
    to_ms: ms(input.toMs),
    host: input.host ?? '',
  };
  // One SQL text whatever the number of patterns or the zoom, so the relay can hold it by name.
  return {
    kind: 'metric-chart',
    params,
    sql: `WITH
  ${NEWEST},
  (SELECT min(event_time) FROM {{table}} WHERE ${MATCH} AND ${WINDOW} AND ${ZOOM}) AS first,
  if({to_ms:Int64} = 0, newest, least(newest, fromUnixTimestamp64Milli({to_ms:Int64}))) AS upto,
  greatest(1, (toUnixTimestamp64Milli(upto) - toUnixTimestamp64Milli(first)) / {buckets:UInt32}) AS raw_ms,
  pow(10, floor(log10(raw_ms))) AS mag,
  toInt64(multiIf(raw_ms <= mag, 1, raw_ms <= 2 * mag, 2, raw_ms <= 5 * mag, 5, 10) * mag) AS width_ms,
  (SELECT uniqExact(run_id, if({by_metric:UInt8}, metric, ''), if({by_host:UInt8}, host, '')) FROM {{table}} WHERE ${MATCH} AND ${WINDOW} AND ${ZOOM}) AS series_total
SELECT
  run_id AS run,
  if({across:UInt8}, '', sm) AS m,
  if({across:UInt8}, '', sh) AS h,
  t_ms AS t,
  countIf(isFinite(v)) AS n,
  avgIf(v, isFinite(v)) AS mean,
  if({across:UInt8}, arrayConcat([minIf(v, isFinite(v)), maxIf(v, isFinite(v))], quantilesExactInclusiveIf(0.1, 0.5, 0.9, 0.99)(v, isFinite(v))), []) AS stats,
  sum(nf) AS nonfinite,
  anyIf(u, u != '') AS unit_text,
  toUnixTimestamp64Milli(max(last_time)) AS last_ms,
  any(width_ms) AS bucket_ms,
  any(series_total) AS series_n
FROM (
  SELECT run_id, if({by_metric:UInt8}, metric, '') AS sm, if({by_host:UInt8}, host, '') AS sh,
    intDiv(toUnixTimestamp64Milli(event_time), width_ms) * width_ms AS t_ms,
    avgIf(value, isFinite(value)) AS v, countIf(NOT isFinite(value)) AS nf,
    anyIf(unit, unit != '') AS u, max(event_time) AS last_time
  FROM {{table}}
  WHERE ${MATCH} AND event_time >= first AND event_time <= upto
  GROUP BY run_id, sm, sh, t_ms
)
GROUP BY run, m, h, t
ORDER BY run, m, h, t
LIMIT {limit:UInt32}`,
  };
}

/** Where a page of raw rows ends: the table's sort key of its last row. */
export interface RawCursor {
  run: string;
  metric: string;
  host: string;
  rank: number;
  device: number;
  step: number;
  timeMs: number;
}

export interface MetricRawQueryInput {
  runs: string[];
  patterns: string[];
  windowSeconds: number;
  /** Epoch ms bounds (inclusive); 0 or unset for none. */
  fromMs?: number;
  toMs?: number;
  /** Rows per page. */
  limit: number;
  /** The last row of the previous page; unset for the first page. */
  after?: RawCursor;
  /** Only this host's rows; empty or unset for every host. */
  host?: string;
}

/**
 * Every raw row a chart's attributes match in a time range, NaN/±Inf
 * included (as text in `v`: "nan", "inf", "-inf"), a page at a time in the
 * table's own order. Pages continue after the last row of the previous one
 * (keyset paging), so rows that arrive meanwhile neither repeat nor shift
 * rows. Every row carries `total`, the rows of the whole range, and `lo_ms`,
 * where the window started, so later pages keep the first page's range.
 */
export function metricRawQuery(input: MetricRawQueryInput): RowQuery {
  const after = input.after;
  const params: Record<string, QueryParam> = {
    runs: input.runs,
    patterns: input.patterns.map(globToLike),
    window: input.windowSeconds,
    from_ms: ms(input.fromMs),
    to_ms: ms(input.toMs),
    limit: Math.max(1, Math.round(input.limit)),
    first: after ? 0 : 1,
    a_run: after?.run ?? '',
    a_metric: after?.metric ?? '',
    a_host: after?.host ?? '',
    a_rank: after?.rank ?? 0,
    a_device: after?.device ?? 0,
    a_step: after?.step ?? 0,
    host: input.host ?? '',
    a_t: after?.timeMs ?? 0,
  };
  const where = `${MATCH} AND ${WINDOW} AND ${ZOOM}`;
  return {
    kind: 'metric-chart-raw',
    params,
    sql: `WITH ${NEWEST}
SELECT run_id AS run, metric AS m, host AS h, rank AS r, device AS d, step AS s,
  toUnixTimestamp64Milli(event_time) AS t, toString(value) AS v, unit AS u,
  (SELECT count() FROM {{table}} WHERE ${where}) AS total,
  if({window:UInt32} = 0, 0, toUnixTimestamp64Milli(newest - toIntervalSecond({window:UInt32}))) AS lo_ms
FROM {{table}}
WHERE ${where}
  AND ({first:UInt8} = 1 OR (run_id, metric, host, rank, device, step, event_time) >
    ({a_run:String}, {a_metric:String}, {a_host:String}, {a_rank:UInt32}, {a_device:UInt16}, {a_step:UInt64}, fromUnixTimestamp64Milli({a_t:Int64})))
ORDER BY run_id, metric, host, rank, device, step, event_time
LIMIT {limit:UInt32}`,
  };
}

/** Where each statistic sits in a row: `mean` is its own column, the rest index `stats`. */
export const STAT_INDEX: Record<Exclude<Stat, 'mean'>, number> = { min: 0, max: 1, p10: 2, p50: 3, p90: 4, p99: 5 };
