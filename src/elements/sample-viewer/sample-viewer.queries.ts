/**
 * The two row queries of `<sample-viewer>`: the steps that have samples
 * (newest first, with counts), and the samples of one step with their
 * `tags_json` fields extracted in SQL under field names bound as parameters.
 */
import { formatValue, toNumber } from '../../chart/format.js';
import type { QueryRow, RowQuery } from '../../sources/source.js';

/** Most steps listed in the step selector (the newest ones). */
export const MAX_STEPS = 500;
/** Most characters of a malformed `tags_json` shown. */
const MAX_RAW = 4000;

export interface SampleFields {
  prompt: string;
  completion: string;
  scores: string;
}

export function sampleStepsQuery(run: string, metric: string): RowQuery {
  return {
    kind: 'sample-steps',
    sql: `SELECT step, count() AS n FROM {{table}}
WHERE run_id = {run:String} AND metric = {metric:String}
GROUP BY step ORDER BY step DESC LIMIT ${MAX_STEPS}`,
    params: { run, metric },
  };
}

// A text field is read as a string when it is one, else as its raw JSON
// (a number, an object): the card shows something rather than nothing.
const text = (param: string) =>
  `if(JSONType(tags_json, {${param}:String}) = 'String', JSONExtractString(tags_json, {${param}:String}), JSONExtractRaw(tags_json, {${param}:String}))`;

export function samplesQuery(run: string, metric: string, step: number, fields: SampleFields, limit: number): RowQuery {
  return {
    kind: 'samples',
    sql: `SELECT value, toString(value) AS value_text, toUnixTimestamp64Milli(event_time) AS at_ms,
  isValidJSON(tags_json) AND JSONType(tags_json) = 'Object' AS well_formed,
  if(well_formed, '', substring(tags_json, 1, ${MAX_RAW})) AS raw,
  ${text('promptField')} AS prompt,
  ${text('completionField')} AS completion,
  JSONExtractKeysAndValuesRaw(tags_json, {scoresField:String}) AS scores
FROM {{table}}
WHERE run_id = {run:String} AND metric = {metric:String} AND step = {step:UInt64}
ORDER BY event_time, rank, host
LIMIT {limit:UInt32}`,
    params: { run, metric, step, promptField: fields.prompt, completionField: fields.completion, scoresField: fields.scores, limit },
  };
}

export interface StepCount {
  step: number;
  count: number;
}

export const readStep = (row: QueryRow): StepCount => ({ step: toNumber(row.step), count: toNumber(row.n) });

export interface Sample {
  /** When it was written, epoch ms. */
  time: number;
  /** The main score (the row's value); NaN/±Inf kept. */
  score: number;
  /** False when tags_json is not a JSON object: `raw` holds its text. */
  wellFormed: boolean;
  raw: string;
  prompt: string;
  completion: string;
  /** Each entry of the scores object, its value as text. */
  scores: Array<[name: string, value: string]>;
  /** The same entries as read: a JSON number or string as such, anything else as its JSON text (for CSV). */
  scoreValues: Array<[name: string, value: number | string]>;
}

/** A score entry's raw JSON as a value: a number or string as such, anything else as written. */
function scoreValue(raw: string): number | string {
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value === 'number' || typeof value === 'string') return value;
  } catch {
    // Not JSON on its own: keep it as written.
  }
  return raw;
}

/** A score entry's raw JSON as text: numbers formatted, strings unquoted, anything else as written. */
function scoreText(raw: string): string {
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value === 'number') return formatValue(value);
    if (typeof value === 'string') return value;
  } catch {
    // Not JSON on its own: show it as written.
  }
  return raw;
}

export function readSample(row: QueryRow): Sample {
  const score = toNumber(row.value);
  const scores = Array.isArray(row.scores) ? (row.scores as unknown[]).filter(Array.isArray) : [];
  return {
    time: toNumber(row.at_ms),
    score: Number.isNaN(score) ? toNumber(row.value_text) : score,
    wellFormed: toNumber(row.well_formed) === 1 || row.well_formed === true,
    raw: String(row.raw ?? ''),
    prompt: String(row.prompt ?? ''),
    completion: String(row.completion ?? ''),
    scores: scores.map(([name, value]) => [String(name), scoreText(String(value))]),
    scoreValues: scores.map(([name, value]) => [String(name), scoreValue(String(value))]),
  };
}
