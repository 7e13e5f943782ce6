/**
 * The filters in a page's query string (`?tw-run=a,b&tw-window=6h`): read and
 * written without touching the other parameters, byte for byte, so a page's
 * own query survives. Values are plain text here; they only ever reach SQL as
 * bound parameters.
 */
import type { PageFilters } from '../../internal/filter-context.js';
import { encodePart } from '../../internal/links.js';

export type FilterField = keyof PageFilters;

const FIELDS: readonly FilterField[] = ['run', 'host', 'window'];

/** `a+b%2Cc` → `a b,c`; a malformed escape is kept as written rather than thrown. */
function decode(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** Commas stay readable (`run=a,b`); everything else that needs it is escaped. */
function encode(text: string): string {
  return encodePart(text).replace(/%2C/gi, ',');
}

function pairs(search: string): string[] {
  return search.replace(/^\?/, '').split('&').filter(Boolean);
}

/** The filters the query names (the first of a repeated name); absent or empty names are left out. */
export function readUrlFilters(search: string, prefix: string): PageFilters {
  const found: PageFilters = {};
  for (const pair of pairs(search)) {
    const at = pair.indexOf('=');
    const name = decode(at < 0 ? pair : pair.slice(0, at));
    const field = FIELDS.find((f) => prefix + f === name);
    if (!field || found[field] !== undefined) continue;
    const value = decode(at < 0 ? '' : pair.slice(at + 1)).trim();
    if (value) found[field] = value;
  }
  return found;
}

/**
 * `search` with the filters' parameters set to `filters`: each in its place
 * when the query had it, else appended; empty ones removed. The other
 * parameters are kept in order and as written. Returns `?…`, or `''` when no
 * parameter is left.
 */
export function writeUrlFilters(search: string, prefix: string, filters: PageFilters): string {
  const param = (f: FilterField) => (filters[f] ? `${encode(prefix + f)}=${encode(filters[f]!)}` : '');
  const placed = new Set<FilterField>();
  const out = pairs(search).map((pair) => {
    const at = pair.indexOf('=');
    const name = decode(at < 0 ? pair : pair.slice(0, at));
    const field = FIELDS.find((f) => prefix + f === name);
    if (!field) return pair;
    if (placed.has(field)) return '';
    placed.add(field);
    return param(field);
  });
  const all = [...out, ...FIELDS.filter((f) => !placed.has(f)).map(param)].filter(Boolean);
  return all.length ? `?${all.join('&')}` : '';
}
