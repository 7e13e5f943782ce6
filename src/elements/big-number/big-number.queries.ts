/**
 * The one row query of `<big-number>`: per run, the latest point of a metric
 * (by step, then time), the aggregate over the window, and the sparkline's
 * buckets as two arrays. One row per run, at most SPARK_BUCKETS buckets each.
 */
import { toNumber } from '../../chart/format.js';
import type { QueryRow, RowQuery } from '../../sources/source.js';

export const AGGREGATES = ['last', 'count', 'sum', 'max', 'mean'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

/** Sparkline resolution: the window is cut into this many time buckets. */
export const SPARK_BUCKETS = 60;

/** Most runs one element shows (one row each). */
export const MAX_RUNS = 50;

/** An empty host keeps every host; the SQL text is the same for every value. */
const ON_HOST = `({host:String} = '' OR host = {host:String})`;

// The window ends at each run's own newest point of the metric: a row per run
// is read on its own, and a metric logged rarely still has its last window.
// It starts no earlier than the run's first point, so a young run's
// sparkline uses the whole width.
// Bucket values use the aggregate's own function, the mean for `last` and
// `mean`; for `count` and `sum` they are running totals, so the sparkline
// shows how the number got where it is.
const BOUNDS = `bounds AS (
    SELECT run_id AS b_run, toUnixTimestamp64Milli(max(event_time)) AS end_ms, toUnixTimestamp64Milli(min(event_time)) AS begin_ms,
      if({window:UInt32} = 0, begin_ms, greatest(begin_ms, end_ms - toInt64({window:UInt32}) * 1000)) AS start_ms,
      greatest(1, intDiv(end_ms - start_ms + ${SPARK_BUCKETS - 1}, ${SPARK_BUCKETS})) AS bucket_ms
    FROM {{table}}
    WHERE run_id IN {runs:Array(String)} AND metric = {metric:String} AND ${ON_HOST}
    GROUP BY run_id
  )`;

const SQL = `WITH
  ${BOUNDS},
  points AS (
    SELECT run_id AS p_run, step, event_time, value, unit, start_ms, bucket_ms,
      toUnixTimestamp64Milli(event_time) >= start_ms AS in_window,
      least(${SPARK_BUCKETS - 1}, intDiv(toUnixTimestamp64Milli(event_time) - start_ms, bucket_ms)) AS bucket
    FROM {{table}} INNER JOIN bounds ON run_id = b_run
    WHERE run_id IN {runs:Array(String)} AND metric = {metric:String} AND ${ON_HOST}
  ),
  spark AS (
    SELECT s_run, groupArray(bucket) AS spark_x,
      if({aggregate:String} IN ('count', 'sum'), arrayCumSum(groupArray(bucket_value)), groupArray(bucket_value)) AS spark_y
    FROM (
      SELECT p_run AS s_run, bucket,
        multiIf({aggregate:String} = 'count', toFloat64(count()), {aggregate:String} = 'sum', sum(value),
                {aggregate:String} = 'max', max(value), avg(value)) AS bucket_value
      FROM points WHERE in_window GROUP BY p_run, bucket ORDER BY p_run, bucket
    )
    GROUP BY s_run
  )
SELECT
  p_run AS run,
  argMax(value, (step, event_time)) AS last_value,
  toString(last_value) AS last_text,
  toUnixTimestamp64Milli(argMax(event_time, (step, event_time))) AS last_time,
  argMax(step, (step, event_time)) AS last_step,
  argMax(unit, (step, event_time)) AS last_unit,
  argMinIf(value, (step, event_time), in_window) AS first_value,
  toString(first_value) AS first_text,
  countIf(in_window) AS n,
  multiIf({aggregate:String} = 'count', toFloat64(n), {aggregate:String} = 'sum', sumIf(value, in_window),
          {aggregate:String} = 'max', maxIf(value, in_window), {aggregate:String} = 'mean', avgIf(value, in_window),
          last_value) AS agg_value,
  toString(agg_value) AS agg_text,
  any(spark_x) AS spark_x,
  any(spark_y) AS spark_y,
  any(start_ms) AS spark_start_ms,
  any(bucket_ms) AS spark_bucket_ms
FROM points LEFT JOIN spark ON p_run = s_run
GROUP BY p_run
ORDER BY p_run
LIMIT ${MAX_RUNS}`;

/** The `big-number` query for some runs' metric over a window (seconds, 0 = all), on one host or (empty) all. */
export function bigNumberQuery(runs: string[], metric: string, window: number, aggregate: Aggregate, host = ''): RowQuery {
  return { kind: 'big-number', sql: SQL, params: { runs: runs.slice(0, MAX_RUNS), metric, window, aggregate, host } };
}

/** One run's answer, as numbers. */
export interface BigNumberRow {
  run: string;
  /** The latest point (NaN/±Inf kept). */
  last: number;
  /** Epoch ms of the latest point. */
  lastTime: number;
  lastStep: number;
  unit: string;
  /** The first point inside the window, for the change. */
  first: number;
  /** Points inside the window. */
  count: number;
  /** The aggregate over the window (`last`: the latest point). */
  value: number;
  /** Sparkline: bucket index (0 … SPARK_BUCKETS − 1) and value, buckets without points left out. */
  sparkX: number[];
  sparkY: number[];
  /** Start of the sparkline's first bucket (the window's start), epoch ms, and a bucket's width. */
  sparkStart: number;
  sparkBucketMs: number;
}

/** NaN and ±Inf arrive as null; their text (`nan`, `inf`, `-inf`) tells which. */
function exact(value: unknown, text: unknown): number {
  const n = toNumber(value);
  return Number.isNaN(n) ? toNumber(text) : n;
}

export function readBigNumberRow(row: QueryRow): BigNumberRow {
  const xs = Array.isArray(row.spark_x) ? row.spark_x.map(toNumber) : [];
  const ys = Array.isArray(row.spark_y) ? row.spark_y.map(toNumber) : [];
  return {
    run: String(row.run ?? ''),
    last: exact(row.last_value, row.last_text),
    lastTime: toNumber(row.last_time),
    lastStep: toNumber(row.last_step),
    unit: String(row.last_unit ?? ''),
    first: exact(row.first_value, row.first_text),
    count: toNumber(row.n),
    value: exact(row.agg_value, row.agg_text),
    sparkX: xs.slice(0, ys.length),
    sparkY: ys.slice(0, xs.length),
    sparkStart: toNumber(row.spark_start_ms),
    sparkBucketMs: toNumber(row.spark_bucket_ms),
  };
}

/**
 * Every point of the runs' windows as logged, for the raw CSV export: the
 * same window as the shown value and sparkline, by run, step and time. Asks
 * for one row more than `limit` so the caller can tell a cut answer.
 */
export function bigNumberRawQuery(runs: string[], metric: string, window: number, limit: number, host = ''): RowQuery {
  return {
    kind: 'big-number-raw',
    sql: `WITH
  ${BOUNDS}
SELECT run_id AS r, step AS st, toUnixTimestamp64Milli(event_time) AS t, value AS v, toString(value) AS value_text, unit AS u
FROM {{table}} INNER JOIN bounds ON run_id = b_run
WHERE run_id IN {runs:Array(String)} AND metric = {metric:String} AND ${ON_HOST} AND toUnixTimestamp64Milli(event_time) >= start_ms
ORDER BY r, st, t
LIMIT {limit:UInt32}`,
    params: { runs: runs.slice(0, MAX_RUNS), metric, window, limit: limit + 1, host },
  };
}
