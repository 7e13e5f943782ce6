/** What `<big-number>` exports: the values and sparklines shown, or the points behind them, as CSV. */
import { toNumber } from '../../chart/format.js';
import { isoTime, toCsv } from '../../internal/export.js';
import type { QueryRow } from '../../sources/source.js';
import { rawValue } from '../../store/rows-once.js';
import type { BigNumberRow } from './big-number.queries.js';

export interface ShownRun {
  row: BigNumberRow;
  /** "last", "mean over 15m", "count over all points". */
  aggregate: string;
  /** What a sparkline point is: "mean per bucket", "running count"… */
  spark: string;
  unit: string;
  /** No point in the window: the value is shown as "–". */
  empty: boolean;
}

/**
 * One `value` row per run (the number shown, at the time and step of the
 * run's latest point), then one `sparkline` row per sparkline point (the
 * bucket's start and its value).
 */
export function shownCsv(runs: readonly ShownRun[]): string {
  const rows: unknown[][] = [];
  for (const { row, aggregate, spark, unit, empty } of runs) {
    rows.push([row.run, 'value', aggregate, isoTime(row.lastTime), row.lastStep, empty ? '' : row.value, unit]);
    row.sparkX.forEach((x, i) => rows.push([row.run, 'sparkline', spark, isoTime(row.sparkStart + x * row.sparkBucketMs), '', row.sparkY[i], unit]));
  }
  return toCsv(['run', 'kind', 'aggregate', 'time', 'step', 'value', 'unit'], rows);
}

/** Every point of the window as logged (rows of `bigNumberRawQuery`). */
export function pointsCsv(rows: readonly QueryRow[]): string {
  return toCsv(
    ['run', 'step', 'time', 'value', 'unit'],
    rows.map((row) => [String(row.r ?? ''), toNumber(row.st), isoTime(toNumber(row.t)), rawValue(row), String(row.u ?? '')]),
  );
}
