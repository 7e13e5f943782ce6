/**
 * The columns of <health-table>: the last N calendar days ending today, in UTC
 * or an IANA time zone, as epoch-ms boundaries. They are computed here (the
 * browser knows every zone and its daylight-saving rules) and reach SQL as an
 * array of numbers, so a zone name never has to be valid for ClickHouse too.
 */
import { got } from '../../internal/invalid.js';

export interface Day {
  /** `YYYY-MM-DD` in the table's zone. */
  key: string;
  /** Start of the day, epoch ms (inclusive). */
  from: number;
  /** Start of the next day, epoch ms (exclusive). */
  to: number;
}

export interface DayRange {
  /** Oldest first; the last one is today. */
  days: Day[];
  /** Start of the day before the first one (the `improving` checks compare with it). */
  previous: number;
  /** `[previous, days[0].from, …, days[n-1].from, days[n-1].to]`: what the query bins by. */
  bounds: number[];
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Undefined when the browser knows the zone, else a message. */
export function timeZoneError(timeZone: string): string | undefined {
  try {
    formatter(timeZone);
    return undefined;
  } catch {
    return `timezone must be an IANA time zone such as "UTC" or "Europe/Paris"; ${got(timeZone)}.`;
  }
}

/** The wall clock in a zone at an instant, as if it were UTC (epoch ms). */
function wallClock(t: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(t))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
}

/** Epoch ms of local midnight starting the calendar date (y, m, d) in a zone (m from 1). */
function startOfDate(y: number, m: number, d: number, timeZone: string): number {
  const wall = Date.UTC(y, m - 1, d);
  if (timeZone === 'UTC') return wall;
  // The zone's offset near that midnight, twice: the second pass corrects across a DST change.
  const first = wall - (wallClock(wall, timeZone) - wall);
  const second = wall - (wallClock(first, timeZone) - first);
  // Where summer time starts at midnight (Santiago, São Paulo) local midnight does not exist: the
  // second pass lands on the evening before, and the first is the jump, the day's first instant.
  return wallClock(second, timeZone) < wall ? first : second;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The last `count` days ending with today (at `now`) in a zone, oldest first. */
export function dayRange(count: number, timeZone: string, now: number): DayRange {
  const today = new Date(wallClock(now, timeZone));
  const dates = Array.from({ length: count + 2 }, (_, i) => {
    // count + 1 days back (the previous day) … tomorrow (the end of today).
    const date = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - count + i));
    return { y: date.getUTCFullYear(), m: date.getUTCMonth() + 1, d: date.getUTCDate() };
  });
  const bounds = dates.map(({ y, m, d }) => startOfDate(y, m, d, timeZone));
  const days = dates.slice(1, -1).map(({ y, m, d }, i) => ({ key: `${pad(y, 4)}-${pad(m)}-${pad(d)}`, from: bounds[i + 1], to: bounds[i + 2] }));
  return { days, previous: bounds[0], bounds };
}

/** "Jan 5" for a `YYYY-MM-DD` key. */
export function shortDate(key: string): string {
  const [y, m, d] = key.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
}
