/**
 * The arithmetic of `<big-number>` that is not drawing: thresholds to a
 * colour level, the value's text, the change over the window, and the
 * sparkline's path. Pure functions, so the rules are easy to read and test.
 */
import { formatWithUnit } from '../../chart/format.js';

export type Direction = 'higher-is-better' | 'lower-is-better';
export const DIRECTIONS: Direction[] = ['higher-is-better', 'lower-is-better'];

/** `good` green, `warn` yellow, `bad` red, `none` the text colour (no thresholds), `muted` grey (no data, stale). */
export type Level = 'good' | 'warn' | 'bad' | 'none' | 'muted';

/** `"70,90"` → [70, 90] (sorted); `""` → []; throws a message for anything else. */
export function parseThresholds(text: string | null | undefined): number[] {
  const parts = (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const values = parts.map(Number);
  if (parts.length > 2 || values.some((v) => !Number.isFinite(v))) {
    throw new Error(`thresholds must be one or two numbers separated by a comma, such as "70,90"; got "${String(text).slice(0, 40)}".`);
  }
  return values.sort((a, b) => a - b);
}

/**
 * Which side of the thresholds a value is on. A value exactly at a threshold
 * counts on the better side: with `70,90` and higher-is-better, 90 is green
 * and 70 yellow; with lower-is-better, 70 is green and 90 yellow. One
 * threshold splits green from red. NaN and ±Inf are red whatever the direction.
 */
export function thresholdLevel(value: number, thresholds: readonly number[], direction: Direction): Level {
  if (!Number.isFinite(value)) return 'bad';
  if (!thresholds.length) return 'none';
  const [low, high] = thresholds.length === 1 ? [thresholds[0], thresholds[0]] : thresholds;
  if (direction === 'lower-is-better') return value <= low ? 'good' : value <= high ? 'warn' : 'bad';
  return value >= high ? 'good' : value >= low ? 'warn' : 'bad';
}

/**
 * The value as shown: `formatWithUnit` (3 significant digits, SI or binary
 * steps), or with `decimals` a fixed number of decimals and thousands
 * separators, unscaled ("3,204,118,272 tok", "87.25%").
 */
export function formatBig(value: number, unit: string, decimals?: number): string {
  if (decimals === undefined || !Number.isFinite(value)) return formatWithUnit(value, unit);
  const text = value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  return unit === '%' ? `${text}%` : unit ? `${text} ${unit}` : text;
}

export interface Change {
  /** "▲ 3.2%", "▼ 120 tok/s", "= 0%". */
  text: string;
  /** Whether the change is for the better by `direction` (undefined: no change). */
  better: boolean | undefined;
}

/**
 * The change from the window's first point to the latest: relative, or
 * absolute when the first is 0 or the change is beyond ±1000 % (a counter
 * such as tokens_total reads better as "▲ 6.2B tok" than "▲ 300000%").
 */
export function changeOver(first: number, last: number, unit: string, direction: Direction): Change | undefined {
  if (!Number.isFinite(first) || !Number.isFinite(last)) return undefined;
  const delta = last - first;
  if (delta === 0) return { text: '= 0%', better: undefined };
  const arrow = delta > 0 ? '▲' : '▼';
  const percent = first !== 0 ? Math.abs((delta / Math.abs(first)) * 100) : Infinity;
  const size = percent < 1000 ? `${+percent.toPrecision(2)}%` : formatWithUnit(Math.abs(delta), unit);
  return { text: `${arrow} ${size}`, better: (delta > 0) === (direction === 'higher-is-better') };
}

/**
 * An SVG path through the finite bucket values, x = bucket index, y scaled to
 * 0 (top) … height. A NaN/Inf bucket breaks the line; a point alone between
 * breaks is a zero-length segment, which a round line cap draws as a dot.
 */
export function sparkPath(xs: readonly number[], ys: readonly number[], height: number): { d: string; points: number } {
  const finite = ys.filter(Number.isFinite);
  if (!finite.length) return { d: '', points: 0 };
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const scale = (y: number) => +(max === min ? height / 2 : height - ((y - min) / (max - min)) * height).toFixed(2);
  const segments: string[][] = [[]];
  xs.forEach((x, i) => {
    if (Number.isFinite(ys[i])) segments[segments.length - 1].push(`${x} ${scale(ys[i])}`);
    else if (segments[segments.length - 1].length) segments.push([]);
  });
  const d = segments
    .filter((s) => s.length)
    .map((s) => `M${s.join(' L')}${s.length === 1 ? ` L${s[0]}` : ''}`)
    .join(' ');
  return { d, points: finite.length };
}
