/**
 * Turns store series into what uPlot draws: x chosen by axis mode, EMA
 * smoothing on the values held, M4 down to the pixel columns (first, last,
 * min and max per column: the drawn line is the one every point would draw),
 * then all lines aligned on one shared x array.
 *
 * Smoothing happens before decimation so the smoothed curve does not change
 * with width; the raw and smoothed lines reuse one set of indices. NaN and
 * ±Inf cannot be drawn as a line; their x positions are collected before
 * decimation so the chart marks every one of them.
 */
import { debiasedEma } from '../decimate/ema.js';
import { gapStarts } from '../decimate/gaps.js';
import { m4Indices } from '../decimate/m4.js';

export type XAxisMode = 'step' | 'time' | 'relative';

export interface LineSource {
  steps: Float64Array;
  times: Float64Array;
  values: Float64Array;
}

export interface PreparedLine {
  x: Float64Array;
  /** Step and wall time (epoch ms) of each point of x, for exports. */
  steps: Float64Array;
  times: Float64Array;
  raw: Float64Array;
  smooth: Float64Array | null;
  /** Points before decimation. */
  total: number;
  /** x of every NaN/±Inf value held, to be marked on the chart. */
  nonFinite: Float64Array;
  /** Values held in range that a log axis cannot place: ≤ 0, or beyond 1e±30 (see logDrawable). */
  notPositive: number;
}

/** x values of a series for an axis mode; time axes are in seconds, as uPlot expects. */
export function xValues(line: LineSource, mode: XAxisMode, relativeOrigin: number): Float64Array {
  if (mode === 'step') return line.steps;
  const out = new Float64Array(line.times.length);
  const origin = mode === 'relative' ? relativeOrigin : 0;
  for (let i = 0; i < out.length; i++) out[i] = (line.times[i] - origin) / 1000;
  return out;
}

/**
 * One line ready to draw. `columns` is the plot's width in pixels; `range`,
 * when zoomed, limits the columns to the visible x range (points outside it
 * are dropped, except one on each side so the line runs to the edge).
 */
export function prepareLine(
  source: LineSource,
  mode: XAxisMode,
  relativeOrigin: number,
  smoothing: number,
  columns: number,
  range?: readonly [number, number],
): PreparedLine {
  // Steps are ordered by the query; wall time usually is too, but a resumed run can log out of order.
  const line = mode === 'step' ? source : sortedByTime(source);
  let x = xValues(line, mode, relativeOrigin);
  let { steps, times, values } = line;
  let smooth = smoothing > 0 ? debiasedEma(values, smoothing) : null;
  if (range) {
    const [lo, hi] = visibleSlice(x, range);
    x = x.subarray(lo, hi);
    steps = steps.subarray(lo, hi);
    times = times.subarray(lo, hi);
    values = values.subarray(lo, hi);
    smooth = smooth && smooth.subarray(lo, hi);
  }
  const nonFinite = nonFiniteXs(x, values);
  let notPositive = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]) && !logDrawable(values[i])) notPositive++;
  const keep = m4Indices(x, values, Math.max(1, Math.floor(columns)));
  if (keep.length === x.length) return { x, steps, times, raw: values, smooth, total: x.length, nonFinite, notPositive };
  const pick = (from: Float64Array) => {
    const out = new Float64Array(keep.length);
    for (let i = 0; i < keep.length; i++) out[i] = from[keep[i]];
    return out;
  };
  return { x: pick(x), steps: pick(steps), times: pick(times), raw: pick(values), smooth: smooth && pick(smooth), total: x.length, nonFinite, notPositive };
}

/** What a screen reader hears of a line: its newest point, and the extremes and NaN/Inf within a range. */
export interface LineSummary {
  /** Points within the range. */
  count: number;
  /** Lowest and highest finite value within the range (NaN when none). */
  min: number;
  max: number;
  /** NaN/±Inf values within the range. */
  nonFinite: number;
  /** The newest point held, whatever the range. */
  lastValue: number;
  lastStep: number;
  lastTime: number;
}

/** Summarizes a line over `range` (in the axis' units; everything when undefined). One pass, no allocation. */
export function summarizeLine(source: LineSource, mode: XAxisMode, relativeOrigin: number, range?: readonly [number, number]): LineSummary {
  const { steps, times, values } = source;
  const origin = mode === 'relative' ? relativeOrigin : 0;
  let count = 0;
  let min = Infinity;
  let max = -Infinity;
  let nonFinite = 0;
  for (let i = 0; i < values.length; i++) {
    if (range) {
      const x = mode === 'step' ? steps[i] : (times[i] - origin) / 1000;
      if (x < range[0] || x > range[1]) continue;
    }
    count++;
    const v = values[i];
    if (v - v !== 0) nonFinite++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const n = values.length;
  return {
    count,
    min: min <= max ? min : NaN,
    max: min <= max ? max : NaN,
    nonFinite,
    lastValue: n ? values[n - 1] : NaN,
    lastStep: n ? steps[n - 1] : NaN,
    lastTime: n ? times[n - 1] : NaN,
  };
}

/** The lowest and highest x of a line on an axis (time axes need not be in step order). */
export function xExtent(source: LineSource, mode: XAxisMode, relativeOrigin: number): [number, number] | undefined {
  const n = source.steps.length;
  if (!n) return undefined;
  if (mode === 'step') return [source.steps[0], source.steps[n - 1]];
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = source.times[i];
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  const origin = mode === 'relative' ? relativeOrigin : 0;
  return [(lo - origin) / 1000, (hi - origin) / 1000];
}

/** Index bounds of the points within [min, max] plus one neighbour on each side. */
function visibleSlice(x: Float64Array, [min, max]: readonly [number, number]): [number, number] {
  let lo = lowerBound(x, min);
  let hi = lowerBound(x, max);
  while (hi < x.length && x[hi] <= max) hi++;
  if (lo > 0) lo--;
  if (hi < x.length) hi++;
  return [lo, hi];
}

function lowerBound(x: Float64Array, value: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function nonFiniteXs(x: Float64Array, values: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] - values[i] !== 0) n++;
  const out = new Float64Array(n);
  if (n === 0) return out;
  let j = 0;
  for (let i = 0; i < values.length; i++) if (values[i] - values[i] !== 0) out[j++] = x[i];
  return out;
}

/** uPlot's data: one x array, then one y array per drawn series. */
export type AlignedColumns = [Float64Array | number[], ...Array<Array<number | null | undefined>>];

/** A log axis places v when 1e-30 < v ≤ 1e30: uPlot's tick steps end at 1e±32 (its axis loops past them). */
export function logDrawable(v: number): boolean {
  return v > 1e-30 && v <= 1e30;
}

/** v × 2^k, exact across the whole double range (2^k alone overflows past k = 1023). */
export function timesPow2(v: number, k: number): number {
  const h = k >> 1;
  return v * 2 ** h * 2 ** (k - h);
}

/**
 * The power of two (as its exponent k) to draw y values at: uPlot's linear
 * axis rounds to 24 decimals, has no tick step below 1e-16 or above ~1e16,
 * and overflows when the span passes ±1.8e308 (1e308 and −1e308 on one
 * chart), so a span (or, when flat, a magnitude) outside 1e-10…1e13 is
 * brought near 1. Exact, since only exponents change; labels and tooltips
 * multiply back by 2^−k. 0 for log scales, which read magnitudes themselves.
 */
export function yExponent(columns: ReadonlyArray<ArrayLike<number | null | undefined>>, logScale: boolean): number {
  if (logScale) return 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const ys of columns) {
    for (let i = 0; i < ys.length; i++) {
      const v = ys[i];
      if (typeof v !== 'number' || v - v !== 0) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!(hi >= lo)) return 0;
  // Halves first, so 1e308 − (−1e308) does not overflow.
  const span = hi / 2 - lo / 2 || Math.max(Math.abs(lo), Math.abs(hi)) / 2;
  if (span === 0 || (span >= 5e-11 && span <= 5e12)) return 0;
  return -Math.round(Math.log2(span)) - 1;
}

/**
 * Merges lines onto the union of their x values. A line has `undefined` where
 * it has no point (uPlot joins across those) and `null` where its value is not
 * finite or not drawable on a log axis (uPlot breaks the line there, so a NaN
 * shows as a gap rather than vanishing). With `breakGaps` (time axes), a
 * pause far longer than the line's usual spacing gets a `null` too, at a
 * slot in between (added when no other line has one): a gap, not a straight
 * line across days nobody logged. Values are drawn times 2^`yExp`.
 */
export function alignLines(lines: PreparedLine[], logScale: boolean, breakGaps = false, yExp = 0): AlignedColumns {
  const gaps = lines.map((line) => (breakGaps ? Array.from(gapStarts(line.x), (i) => line.x[i] + (line.x[i + 1] - line.x[i]) / 2) : []));
  const total = lines.reduce((n, l, i) => n + l.x.length + gaps[i].length, 0);
  const merged = new Float64Array(total);
  let offset = 0;
  lines.forEach((line, i) => {
    merged.set(line.x, offset);
    merged.set(gaps[i], offset + line.x.length);
    offset += line.x.length + gaps[i].length;
  });
  merged.sort();
  let unique = 0;
  for (let i = 0; i < merged.length; i++) if (i === 0 || merged[i] !== merged[unique - 1]) merged[unique++] = merged[i];
  const xs = merged.slice(0, unique);

  const columns: AlignedColumns = [xs];
  const drawable = (v: number) => (Number.isFinite(v) && (!logScale || logDrawable(v)) ? (yExp ? timesPow2(v, yExp) : v) : null);
  lines.forEach((line, l) => {
    const ys = [line.raw, ...(line.smooth ? [line.smooth] : [])];
    const outs = ys.map(() => new Array<number | null | undefined>(xs.length));
    let j = 0;
    for (let i = 0; i < line.x.length; i++) {
      // x is sorted within a line; advance through the union to its slot.
      while (xs[j] < line.x[i]) j++;
      for (let s = 0; s < ys.length; s++) outs[s][j] = drawable(ys[s][i]);
    }
    for (const at of gaps[l]) {
      const slot = lowerBound(xs, at);
      for (const out of outs) out[slot] = null;
    }
    columns.push(...outs);
  });
  return columns;
}

function sortedByTime(line: LineSource): LineSource {
  const { times } = line;
  let sorted = true;
  for (let i = 1; i < times.length && sorted; i++) sorted = times[i - 1] <= times[i];
  if (sorted) return line;
  const order = Array.from(times.keys()).sort((a, b) => times[a] - times[b]);
  const permute = (from: Float64Array) => Float64Array.from(order, (i) => from[i]);
  return { steps: permute(line.steps), times: permute(line.times), values: permute(line.values) };
}
