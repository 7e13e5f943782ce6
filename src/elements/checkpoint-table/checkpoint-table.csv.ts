/**
 * <checkpoint-table> as CSV: the rows in the order the table sorts them, with
 * the values as read (bytes, seconds, full-precision scores, ISO times), not
 * as formatted for the screen.
 */
import { isoTime, toCsv } from '../../internal/export.js';
import { checkpointColumns, sortCheckpoints, type ColumnOptions, type SortDirection } from './checkpoint-table.columns.js';
import type { Checkpoint } from './checkpoint-table.queries.js';

export interface CsvOrder extends ColumnOptions {
  sortKey: string;
  sortDirection: SortDirection;
}

/** Fixed columns, then one per benchmark metric (its full name), A→Z as on screen. */
export const CSV_COLUMNS = ['run', 'step', 'time', 'size_bytes', 'save_seconds', 'path', 'hosted', 'hosted_where', 'hosted_url'] as const;

/** A missing number is an empty cell; a NaN that was written (a NaN score) stays "NaN". */
const orEmpty = (present: boolean, value: number) => (present ? value : null);

export function checkpointsCsv(checkpoints: readonly Checkpoint[], o: CsvOrder): string {
  const columns = checkpointColumns(checkpoints, o);
  // The same column the table sorts by; a key this data has no column for falls back to time, as on screen.
  const sortColumn = columns.find((c) => c.key === o.sortKey) ?? columns.find((c) => c.key === 'time')!;
  const rows = sortCheckpoints(checkpoints, sortColumn, o.sortDirection);
  const benchmarks = columns.filter((c) => c.key.startsWith('eval:')).map((c) => c.key.slice('eval:'.length));
  return toCsv(
    [...CSV_COLUMNS, ...benchmarks],
    rows.map((c) => [
      c.run,
      c.step,
      isoTime(c.time),
      orEmpty(c.saved, c.size),
      orEmpty(Number.isFinite(c.saveSeconds), c.saveSeconds),
      c.path,
      c.hosted,
      c.where,
      c.url,
      ...benchmarks.map((metric) => orEmpty(c.scores.has(metric), c.scores.get(metric)!)),
    ]),
  );
}
