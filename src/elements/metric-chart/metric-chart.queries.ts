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
}

/**
 * Per time bucket, per series: the mean of the finite values. With `across`,
 * the series' bucket means are reduced across series per run instead: `n`
 * series, their mean (`mean`) and `stats` = [min, max, p10, p50, p90, p99], quantiles
 * interpolated linearly between the series' values (numpy's default).
 *
 * Buckets are aligned to multiples of their width (a 1-2-5 step in ms), so a
 * live chart's buckets do not shift from one poll to the next and the lines
 * of every series share their x values.
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
  };
  // One SQL text whatever the number of patterns, so the relay can hold it by name.
  const where = 'run_id IN {runs:Array(String)} AND arrayExists(p -> metric LIKE p, {patterns:Array(String)}) AND isFinite(value)';
  return {
    kind: 'metric-chart',
    params,
    sql: `WITH
  (SELECT max(event_time) FROM {{table}} WHERE run_id IN {runs:Array(String)}) AS newest,
  (SELECT min(event_time) FROM {{table}}
    WHERE ${where} AND ({window:UInt32} = 0 OR event_time >= newest - toIntervalSecond({window:UInt32}))) AS first,
  greatest(1, (toUnixTimestamp64Milli(newest) - toUnixTimestamp64Milli(first)) / {buckets:UInt32}) AS raw_ms,
  pow(10, floor(log10(raw_ms))) AS mag,
  toInt64(multiIf(raw_ms <= mag, 1, raw_ms <= 2 * mag, 2, raw_ms <= 5 * mag, 5, 10) * mag) AS width_ms
SELECT
  run_id AS run,
  if({across:UInt8}, '', sm) AS m,
  if({across:UInt8}, '', sh) AS h,
  t_ms AS t,
  count() AS n,
  avg(v) AS mean,
  if({across:UInt8}, arrayConcat([min(v), max(v)], quantilesExactInclusive(0.1, 0.5, 0.9, 0.99)(v)), []) AS stats,
  anyIf(u, u != '') AS unit_text,
  toUnixTimestamp64Milli(max(last_time)) AS last_ms,
  any(width_ms) AS bucket_ms
FROM (
  SELECT run_id, if({by_metric:UInt8}, metric, '') AS sm, if({by_host:UInt8}, host, '') AS sh,
    intDiv(toUnixTimestamp64Milli(event_time), width_ms) * width_ms AS t_ms,
    avg(value) AS v, anyIf(unit, unit != '') AS u, max(event_time) AS last_time
  FROM {{table}}
  WHERE ${where} AND event_time >= first
  GROUP BY run_id, sm, sh, t_ms
)
GROUP BY run, m, h, t
ORDER BY run, m, h, t
LIMIT {limit:UInt32}`,
  };
}

/** Where each statistic sits in a row: `mean` is its own column, the rest index `stats`. */
export const STAT_INDEX: Record<Exclude<Stat, 'mean'>, number> = { min: 0, max: 1, p10: 2, p50: 3, p90: 4, p99: 5 };
