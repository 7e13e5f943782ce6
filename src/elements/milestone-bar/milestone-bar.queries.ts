/**
 * The SQL of <milestone-bar>: one row describing a cumulative metric of a run
 * (its first and latest point, the point the rate window starts from) and,
 * for each target, the first point at or above it.
 */
import { toNumber } from '../../chart/format.js';
import type { QueryRow, RowQuery } from '../../sources/source.js';

/*
 * The rate window starts at the last point at or before (newest − window), so
 * it spans at least the window even when points are sparse; a run younger than
 * the window (or window 0, "all") measures from its first point.
 * -ForEach aggregates element-wise over the targets array: for each target,
 * argMin over the key (not reached yet, time, step) picks the first point that
 * reached it, and -1 stands for "not reached".
 */
const SQL = `
WITH
  (SELECT max(event_time) FROM {{table}} WHERE run_id = {run:String} AND metric = {metric:String} AND isFinite(value)) AS newest,
  {window:UInt32} > 0 AND event_time <= newest - toIntervalSecond({window:UInt32}) AS before_window
SELECT
  count() AS n,
  toUnixTimestamp64Milli(min(event_time)) AS first_ms,
  toUnixTimestamp64Milli(max(event_time)) AS last_ms,
  argMax(value, (event_time, step)) AS last_value,
  max(step) AS last_step,
  countIf(before_window) > 0 AS windowed,
  toUnixTimestamp64Milli(if(windowed, maxIf(event_time, before_window), min(event_time))) AS start_ms,
  if(windowed, argMaxIf(value, (event_time, step), before_window), argMin(value, (event_time, step))) AS start_value,
  argMinForEach(
    arrayMap(x -> if(value >= x, toUnixTimestamp64Milli(event_time), -1), {targets:Array(Float64)}),
    arrayMap(x -> (value < x, event_time, step), {targets:Array(Float64)})
  ) AS reached_ms,
  argMinForEach(
    arrayMap(x -> if(value >= x, toInt64(step), -1), {targets:Array(Float64)}),
    arrayMap(x -> (value < x, event_time, step), {targets:Array(Float64)})
  ) AS reached_step
FROM {{table}}
WHERE run_id = {run:String} AND metric = {metric:String} AND isFinite(value)`;

export function milestonesQuery(run: string, metric: string, targets: number[], windowSeconds: number): RowQuery {
  return { kind: 'milestones', sql: SQL, params: { run, metric, targets, window: windowSeconds } };
}

/** What the query says about the metric; `reachedMs[i]` is −1 while target i is not reached. */
export interface MilestoneData {
  points: number;
  firstMs: number;
  lastMs: number;
  lastValue: number;
  lastStep: number;
  startMs: number;
  startValue: number;
  reachedMs: number[];
  reachedStep: number[];
}

export function readMilestones(row: QueryRow | undefined): MilestoneData | undefined {
  const points = toNumber(row?.n);
  if (!row || !(points > 0)) return undefined;
  const list = (v: unknown) => (Array.isArray(v) ? v.map(toNumber) : []);
  return {
    points,
    firstMs: toNumber(row.first_ms),
    lastMs: toNumber(row.last_ms),
    lastValue: toNumber(row.last_value),
    lastStep: toNumber(row.last_step),
    startMs: toNumber(row.start_ms),
    startValue: toNumber(row.start_value),
    reachedMs: list(row.reached_ms),
    reachedStep: list(row.reached_step),
  };
}
