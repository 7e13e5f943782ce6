/** What `<moe-heatmap>` exports: the cells it shows, or the points behind them, as CSV. */
import { toNumber } from '../../chart/format.js';
import { isoTime, toCsv } from '../../internal/export.js';
import type { QueryRow } from '../../sources/source.js';
import { rawValue } from '../../store/rows-once.js';
import type { HeatmapView } from './moe-heatmap.model.js';

export interface HeatmapFields {
  rowField: string;
  columnField: string;
  /** The cells are shares of their row (normalize="row"). */
  rowShare: boolean;
}

/**
 * One row per cell with a value, in the table's order (rows as shown, columns
 * ascending): step, the row and column (headed by their tags_json field
 * names), and the value shown (`row_share` when rows are normalised).
 * Cells with nothing logged are left out.
 */
export function cellsCsv(view: HeatmapView | undefined, fields: HeatmapFields): string {
  const rows: unknown[][] = [];
  view?.rows.forEach((row, r) =>
    view.columns.forEach((column, c) => {
      const value = view.values[r][c];
      if (value !== undefined) rows.push([view.step, row, column, value]);
    }),
  );
  return toCsv(['step', fields.rowField, fields.columnField, fields.rowShare ? 'row_share' : 'value'], rows);
}

/** Every point of the shown step as logged (rows of `heatmapRawQuery`). */
export function pointsCsv(rows: readonly QueryRow[], fields: HeatmapFields): string {
  return toCsv(
    ['step', fields.rowField, fields.columnField, 'value', 'host', 'rank', 'time'],
    rows.map((row) => [toNumber(row.at_step), String(row.row_key ?? ''), toNumber(row.column_key), rawValue(row), String(row.h ?? ''), toNumber(row.r), isoTime(toNumber(row.t))]),
  );
}
