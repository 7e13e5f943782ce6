/** Number and duration formatting shared by charts, legends and tooltips. */

export function formatValue(value: number): string {
  if (value === undefined || value === null) return '–';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '−Inf';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(3);
  return value.toPrecision(4).replace(/\.?0+$/, '');
}

export function formatStep(step: number): string {
  const abs = Math.abs(step);
  if (abs >= 1e9) return `${+(step / 1e9).toFixed(2)}B`;
  if (abs >= 1e6) return `${+(step / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${+(step / 1e3).toFixed(1)}k`;
  return String(Math.round(step));
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const s = Math.round(Math.abs(seconds));
  const sign = seconds < 0 ? '−' : '';
  if (s < 60) return `${sign}${s}s`;
  if (s < 3600) return `${sign}${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ''}`;
  if (s < 86400) return `${sign}${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)}m` : ''}`;
  return `${sign}${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

export function formatTime(epochMs: number): string {
  const date = new Date(epochMs);
  // Past ±8.64e15 ms (an ETA of a milestone far out of reach) there is no date to show.
  return Number.isNaN(date.getTime()) ? '—' : date.toISOString().replace('T', ' ').slice(0, 19);
}

/** "4 s ago", for data age. */
export function formatAge(ms: number): string {
  return `${formatDuration(ms / 1000)} ago`;
}

/** "2,000", "2.3M": point counts in notes. */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${+(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e5) return `${Math.round(n / 1e3)}k`;
  return Math.round(n).toLocaleString('en-US');
}

const SI = [
  [1e12, 'T'],
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'k'],
] as const;
const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Three significant digits, no trailing zeros. */
function short(value: number): string {
  return String(+value.toPrecision(3));
}

/**
 * A value with its unit as people read it: "87.3%", "412k tok/s", "3.2B tok",
 * "1.4 GiB", "120 MiB/s". Units from the table's `unit` column; bytes (`B`,
 * `B/s`, `bytes`) scale by 1024, everything else by SI steps.
 */
export function formatWithUnit(value: number, unit = ''): string {
  if (value === undefined || value === null || Number.isNaN(value)) return formatValue(value);
  if (!Number.isFinite(value)) return formatValue(value);
  const bytes = /^(B|bytes?)(\/s)?$/i.exec(unit);
  if (bytes) {
    let v = Math.abs(value);
    let i = 0;
    while (v >= 1024 && i < BINARY.length - 1) {
      v /= 1024;
      i++;
    }
    return `${value < 0 ? '−' : ''}${short(v)} ${BINARY[i]}${bytes[2] ?? ''}`;
  }
  if (unit === '%') return `${short(value)}%`;
  const abs = Math.abs(value);
  for (const [scale, suffix] of SI) {
    if (abs >= scale) return `${short(value / scale)}${suffix}${unit ? ` ${unit}` : ''}`;
  }
  const text = abs !== 0 && abs < 1e-3 ? value.toExponential(2) : short(value);
  return unit ? `${text} ${unit}` : text;
}

/** A JSON number, a 64-bit integer ClickHouse sent as text, or null (NaN/Inf in JSON) as a number. */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    if (!Number.isNaN(n)) return n;
    if (/^[+-]?inf/i.test(value)) return value.startsWith('-') ? -Infinity : Infinity;
  }
  return NaN;
}
