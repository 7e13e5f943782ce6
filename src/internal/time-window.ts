/**
 * Time windows as people type them: `15m`, `1h`, `6h`, `24h`, `7d`, or `all`.
 * A window counts back from the newest point of the runs shown (not from the
 * clock), so a finished run keeps its charts.
 */
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds in a window, 0 for `all`; throws a message for the user on anything else. */
export function parseWindow(text: string | null | undefined): number {
  const value = (text ?? '').trim().toLowerCase();
  if (value === '' || value === 'all') return 0;
  const match = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(value);
  const seconds = match ? Number(match[1]) * UNITS[match[2]] : NaN;
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 366 * 86400) {
    throw new Error(`Invalid window "${String(text).slice(0, 40)}": use a duration such as 15m, 6h, 7d, or "all".`);
  }
  return Math.round(seconds);
}
