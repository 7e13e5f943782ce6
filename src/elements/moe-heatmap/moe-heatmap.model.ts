/** From the `moe-heatmap` rows to the grid `<moe-heatmap>` draws. */
import { toNumber } from '../../chart/format.js';
import type { QueryRow } from '../../sources/source.js';

export type Normalize = 'none' | 'row';
export type RowOrder = 'name' | 'total';

export const NORMALIZE: Normalize[] = ['none', 'row'];
export const ROW_ORDERS: RowOrder[] = ['name', 'total'];

export interface HeatmapView {
  step: number;
  rows: string[];
  columns: number[];
  /** values[row][column]; undefined where nothing was logged. */
  values: Array<Array<number | undefined>>;
  /** The colour scale's range: from 0 (or the lowest value, if negative) to the highest value. */
  low: number;
  high: number;
  missing: number;
}

const names = new Intl.Collator('en', { numeric: true });

export function buildHeatmap(data: QueryRow[], normalize: Normalize, order: RowOrder): HeatmapView | undefined {
  if (!data.length) return undefined;
  const step = toNumber(data[0].at_step);
  const cells = new Map<string, Map<number, number>>();
  for (const r of data) {
    const row = String(r.row_key ?? '');
    const column = toNumber(r.column_key);
    if (!Number.isFinite(column)) continue;
    const line = cells.get(row) ?? new Map<number, number>();
    line.set(column, toNumber(r.v));
    cells.set(row, line);
  }
  const columns = [...new Set([...cells.values()].flatMap((line) => [...line.keys()]))].sort((a, b) => a - b);
  const total = (line: Map<number, number>) => [...line.values()].filter(Number.isFinite).reduce((a, b) => a + b, 0);
  const rows = [...cells.keys()].sort((a, b) => (order === 'total' ? total(cells.get(b)!) - total(cells.get(a)!) : 0) || names.compare(a, b));
  const values = rows.map((row) => {
    const line = cells.get(row)!;
    // A row that sums to zero (or less) has no distribution to normalise: it is shown as logged.
    const sum = normalize === 'row' ? total(line) : 0;
    return columns.map((c) => {
      const v = line.get(c);
      return v === undefined ? undefined : sum > 0 ? v / sum : v;
    });
  });
  const finite = values.flat().filter((v): v is number => v !== undefined && Number.isFinite(v));
  const low = Math.min(0, ...finite);
  let high = Math.max(low, ...finite);
  if (!(high > low)) high = low + 1;
  const missing = values.flat().filter((v) => v === undefined).length;
  return { step, rows, columns, values, low, high, missing };
}

/** Where a value sits on the colour scale, 0 to 1. */
export const scaleOf = (value: number, view: HeatmapView): number => Math.max(0, Math.min(1, (value - view.low) / (view.high - view.low)));

/** A cell's text: three significant digits. */
export function formatCell(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '−Inf';
  return String(+value.toPrecision(3));
}
