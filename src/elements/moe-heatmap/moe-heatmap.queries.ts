/** The SQL `<moe-heatmap>` sends: attributes in, RowQuery out, every attribute a bound value. */
import type { RowQuery } from '../../sources/source.js';
import { loggedStepsQuery, STEP_FILTER, stepParams } from './step-picker.queries.js';

export interface HeatmapSelection {
  run: string;
  metric: string;
  rowField: string;
  columnField: string;
  /** Undefined: the latest logged step. */
  step: number | undefined;
}

/** Logged steps of the metric, newest first (the step picker's list). */
export const heatmapStepsQuery = (s: HeatmapSelection): RowQuery => loggedStepsQuery('moe-heatmap-steps', s.run, s.metric);

/**
 * The cells at the shown step (the newest logged one, or the newest at or
 * before the picked one): one row per (row, column) with the mean value, as
 * several ranks may write the same cell. The column field is a number (a JSON
 * number, or a string holding one); rows without both fields are left out.
 */
export function heatmapQuery(s: HeatmapSelection): RowQuery {
  return {
    kind: 'moe-heatmap',
    sql: `WITH (
  SELECT max(step) FROM {{table}}
  WHERE run_id = {run:String} AND metric = {metric:String} AND ${STEP_FILTER}
) AS picked
SELECT
  picked AS at_step,
  JSONExtractString(tags_json, {rowField:String}) AS row_key,
  JSONExtract(tags_json, {columnField:String}, 'Nullable(Float64)') AS column_key,
  avg(value) AS v
FROM {{table}}
WHERE run_id = {run:String} AND metric = {metric:String} AND step = picked
  AND JSONHas(tags_json, {rowField:String}) AND column_key IS NOT NULL
GROUP BY row_key, column_key
ORDER BY row_key, column_key
LIMIT 20000`,
    params: { run: s.run, metric: s.metric, rowField: s.rowField, columnField: s.columnField, ...stepParams(s.step) },
  };
}

/**
 * Every point logged at the shown step, for the raw CSV export: before the
 * mean over ranks and any normalisation, one row per point. Asks for one row
 * more than `limit` so the caller can tell a cut answer.
 */
export function heatmapRawQuery(s: HeatmapSelection, step: number, limit: number): RowQuery {
  return {
    kind: 'moe-heatmap-raw',
    sql: `SELECT
  step AS at_step,
  JSONExtractString(tags_json, {rowField:String}) AS row_key,
  JSONExtract(tags_json, {columnField:String}, 'Nullable(Float64)') AS column_key,
  value AS v, toString(value) AS value_text, host AS h, rank AS r, toUnixTimestamp64Milli(event_time) AS t
FROM {{table}}
WHERE run_id = {run:String} AND metric = {metric:String} AND step = {step:UInt64}
  AND JSONHas(tags_json, {rowField:String}) AND column_key IS NOT NULL
ORDER BY row_key, column_key, h, r, t
LIMIT {limit:UInt32}`,
    params: { run: s.run, metric: s.metric, rowField: s.rowField, columnField: s.columnField, step, limit: limit + 1 },
  };
}
