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
  return new Date(epochMs).toISOString().replace('T', ' ').slice(0, 19);
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
