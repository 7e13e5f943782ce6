/** The SQL `<moe-tokens>` sends: attributes in, RowQuery out, every attribute a bound value. */
import type { RowQuery } from '../../sources/source.js';
import { loggedStepsQuery, STEP_FILTER, stepParams } from '../moe-heatmap/step-picker.queries.js';

export interface TokensSelection {
  run: string;
  metric: string;
  expertField: string;
  tokenField: string;
  top: number;
  /** Undefined: the latest logged step. */
  step: number | undefined;
}

/** Logged steps of the metric, newest first (the step picker's list). */
export const tokenStepsQuery = (s: TokensSelection): RowQuery => loggedStepsQuery('moe-steps', s.run, s.metric);

/**
 * Each expert's top tokens at the shown step and at the logged step before it
 * (for the "new in the top list" marks): the shown step is the newest logged
 * one, or the newest at or before the picked one. Several ranks writing the
 * same (expert, token) are averaged. The expert field may be a JSON number or
 * a string; both come back as text.
 */
export function tokensQuery(s: TokensSelection): RowQuery {
  return {
    kind: 'moe-tokens',
    sql: `WITH (
  SELECT groupArray(s) FROM (
    SELECT DISTINCT step AS s FROM {{table}}
    WHERE run_id = {run:String} AND metric = {metric:String} AND ${STEP_FILTER}
    ORDER BY s DESC LIMIT 2
  )
) AS picked
SELECT
  step AS at_step,
  if(JSONType(tags_json, {expertField:String}) = 'String',
     JSONExtractString(tags_json, {expertField:String}),
     JSONExtractRaw(tags_json, {expertField:String})) AS expert,
  JSONExtractString(tags_json, {tokenField:String}) AS token,
  avg(value) AS share
FROM {{table}}
WHERE run_id = {run:String} AND metric = {metric:String} AND has(picked, step)
  AND JSONHas(tags_json, {expertField:String}) AND JSONHas(tags_json, {tokenField:String})
GROUP BY at_step, expert, token
ORDER BY at_step DESC, expert, share DESC, token
LIMIT {top:UInt32} BY at_step, expert
LIMIT 20000`,
    params: { run: s.run, metric: s.metric, expertField: s.expertField, tokenField: s.tokenField, top: s.top, ...stepParams(s.step) },
  };
}

/**
 * Every point logged at the shown step, for the raw CSV export: all tokens
 * (not only each expert's top ones), before the mean over ranks. By expert
 * (as text), share (largest first), token, host, rank. Asks for one row more
 * than `limit` so the caller can tell a cut answer.
 */
export function tokensRawQuery(s: TokensSelection, step: number, limit: number): RowQuery {
  return {
    kind: 'moe-tokens-raw',
    sql: `SELECT
  step AS at_step,
  if(JSONType(tags_json, {expertField:String}) = 'String',
     JSONExtractString(tags_json, {expertField:String}),
     JSONExtractRaw(tags_json, {expertField:String})) AS expert,
  JSONExtractString(tags_json, {tokenField:String}) AS token,
  value AS v, toString(value) AS value_text, host AS h, rank AS r, toUnixTimestamp64Milli(event_time) AS t
FROM {{table}}
WHERE run_id = {run:String} AND metric = {metric:String} AND step = {step:UInt64}
  AND JSONHas(tags_json, {expertField:String}) AND JSONHas(tags_json, {tokenField:String})
ORDER BY expert, v DESC, token, h, r, t
LIMIT {limit:UInt32}`,
    params: { run: s.run, metric: s.metric, expertField: s.expertField, tokenField: s.tokenField, step, limit: limit + 1 },
  };
}
