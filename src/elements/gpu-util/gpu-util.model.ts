/**
 * What `<gpu-util>` draws, computed from the rows of its two queries: the
 * heatmap grid, the fleet mean per bucket, and the summary (mean, idle time,
 * stragglers). Pure: no DOM, no Lit.
 */
import { toNumber } from '../../chart/format.js';
import type { QueryRow } from '../../sources/source.js';

/** The `device` of host-wide rows (`sys.cpu_percent`): "no device". */
export const NO_DEVICE = 65535;

export interface UtilSeries {
  host: string;
  device: number;
  /** `node-0 · GPU 3`, or the host alone for host-wide rows. */
  label: string;
  /** Global rank of the GPU (the smallest seen, for a series written by several). */
  rank: number;
  samples: number;
  /** Mean of the series' samples in the window, %. */
  mean: number;
  /** Seconds the series' samples stand for, and the part of it below the idle threshold. */
  coveredSeconds: number;
  idleSeconds: number;
  /** Mean below the fleet median by more than the straggler gap. */
  straggler: boolean;
}

export interface UtilModel {
  series: UtilSeries[];
  /** Start of the first column, epoch ms, and the width of a column. */
  start: number;
  bucketMs: number;
  columns: number;
  /** Mean value per cell, row-major (series × columns); NaN where the bucket has no sample. */
  cells: Float64Array;
  /** Samples per cell. */
  counts: Uint32Array;
  /** Mean over the series with data, per column (NaN where none has). */
  meanLine: Float64Array;
  /** Mean of the series' means. */
  mean: number;
  /** Median of the series' means, the straggler reference. */
  median: number;
  idleSeconds: number;
  coveredSeconds: number;
  /** idleSeconds / coveredSeconds (NaN when nothing is covered). */
  idleShare: number;
  stragglers: UtilSeries[];
  /** "GPU", or "host" when every series is host-wide. */
  noun: string;
  /** The answer was cut at the series limit. */
  truncated: boolean;
}

export function seriesLabel(host: string, device: number): string {
  const name = host || '(no host)';
  return device === NO_DEVICE ? name : `${name} · GPU ${device}`;
}

const keyOf = (host: string, device: number) => `${host}\u0000${device}`;

const collator = new Intl.Collator('en', { numeric: true });

function median(values: number[]): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Builds the model from the grid and idle rows; undefined when there is no sample at all. */
export function buildModel(gridRows: QueryRow[], idleRows: QueryRow[], stragglerGap: number, maxSeries: number): UtilModel | undefined {
  const byKey = new Map<string, UtilSeries>();
  const seriesFor = (row: QueryRow): UtilSeries => {
    const host = String(row.h ?? '');
    const device = toNumber(row.d);
    const key = keyOf(host, device);
    let s = byKey.get(key);
    if (!s) {
      s = { host, device, label: seriesLabel(host, device), rank: NaN, samples: 0, mean: NaN, coveredSeconds: 0, idleSeconds: 0, straggler: false };
      byKey.set(key, s);
    }
    return s;
  };
  for (const row of idleRows) {
    Object.assign(seriesFor(row), {
      rank: toNumber(row.r),
      samples: toNumber(row.samples),
      mean: toNumber(row.mean),
      coveredSeconds: toNumber(row.covered_s),
      idleSeconds: toNumber(row.idle_s),
    });
  }
  for (const row of gridRows) seriesFor(row);
  if (!byKey.size) return undefined;

  // Hosts in natural order (node-2 before node-10), then devices; the grid's rows may name more series than maxSeries.
  const series = [...byKey.values()].sort((a, b) => collator.compare(a.host, b.host) || a.device - b.device).slice(0, maxSeries);
  const rowOf = new Map(series.map((s, i) => [keyOf(s.host, s.device), i]));

  const first = gridRows[0];
  const bucketMs = first ? Math.max(1, toNumber(first.bucket_ms)) : 1;
  const start = first ? toNumber(first.first_bt) : 0;
  const columns = first ? Math.round((toNumber(first.last_bt) - start) / bucketMs) + 1 : 0;
  const cells = new Float64Array(series.length * columns).fill(NaN);
  const counts = new Uint32Array(series.length * columns);
  for (const row of gridRows) {
    const col = Math.round((toNumber(row.bt) - start) / bucketMs);
    if (!(col >= 0 && col < columns)) continue;
    const r = rowOf.get(keyOf(String(row.h ?? ''), toNumber(row.d)));
    if (r === undefined) continue;
    const i = r * columns + col;
    cells[i] = toNumber(row.v);
    counts[i] = toNumber(row.n);
  }
  const meanLine = new Float64Array(columns);
  for (let c = 0; c < columns; c++) {
    let sum = 0;
    let n = 0;
    for (let r = 0; r < series.length; r++) {
      const v = cells[r * columns + c];
      if (Number.isFinite(v)) {
        sum += v;
        n++;
      }
    }
    meanLine[c] = n ? sum / n : NaN;
  }

  const means = series.map((s) => s.mean).filter(Number.isFinite);
  const fleetMedian = median(means);
  for (const s of series) s.straggler = series.length > 1 && s.mean < fleetMedian - stragglerGap;
  const idleSeconds = series.reduce((sum, s) => sum + (s.idleSeconds || 0), 0);
  const coveredSeconds = series.reduce((sum, s) => sum + (s.coveredSeconds || 0), 0);
  return {
    series,
    start,
    bucketMs,
    columns,
    cells,
    counts,
    meanLine,
    mean: means.length ? means.reduce((a, b) => a + b, 0) / means.length : NaN,
    median: fleetMedian,
    idleSeconds,
    coveredSeconds,
    idleShare: coveredSeconds > 0 ? idleSeconds / coveredSeconds : NaN,
    stragglers: series.filter((s) => s.straggler),
    noun: series.every((s) => s.device === NO_DEVICE) ? 'host' : 'GPU',
    truncated: idleRows.length >= maxSeries || byKey.size > maxSeries,
  };
}

/** Viridis (matplotlib) at 0, 0.1, … 1: perceptually even, readable in both themes and for colour-blind readers. */
export const VIRIDIS = ['#440154', '#482475', '#414487', '#355f8d', '#2a788e', '#21918c', '#22a884', '#44bf70', '#7ad151', '#bddf26', '#fde725'];

const VIRIDIS_RGB = VIRIDIS.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));

/** The heatmap colour of a utilization in % (clamped to 0–100), as `rgb(r, g, b)`. */
export function utilColor(percent: number): string {
  const x = (Math.min(100, Math.max(0, percent)) / 100) * (VIRIDIS_RGB.length - 1);
  const i = Math.min(VIRIDIS_RGB.length - 2, Math.floor(x));
  const f = x - i;
  const [r, g, b] = VIRIDIS_RGB[i].map((c, k) => Math.round(c + (VIRIDIS_RGB[i + 1][k] - c) * f));
  return `rgb(${r}, ${g}, ${b})`;
}

/** "1.25 GPU-h", "12.5 GPU-min", "40 GPU-s": idle time in units of one device's time. */
export function formatDeviceTime(seconds: number, noun: string): string {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds >= 3600) return `${+(seconds / 3600).toFixed(2)} ${noun}-h`;
  if (seconds >= 60) return `${+(seconds / 60).toFixed(1)} ${noun}-min`;
  return `${Math.round(seconds)} ${noun}-s`;
}

export const formatPercent = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(1)}%` : '–');
