/**
 * Decodes the RowBinary row shape the ClickHouse source asks for,
 *   (k UInt16, kind UInt8, step Int64, time Int64, value Float64, check UInt32),
 * straight into typed arrays: 31 bytes a point on the wire, no text parsing,
 * no objects per row.
 *
 * An answer is used whole or not at all. `check` is a hash of the row's other
 * bytes computed by ClickHouse (`rowCheckSql`), so a byte changed on the way
 * (a proxy that mangles the body) is caught rather than drawn; the last row
 * is an end marker (kind 5), so an answer cut exactly at a row boundary is
 * caught too. An exception ClickHouse appended after it began answering
 * (`Code: N. DB::Exception: …`) is reported as such.
 *
 * Int64 columns become float64 numbers. They are exact up to 2^53 (a step
 * count or an epoch-millisecond time far beyond any training run); a value
 * past that cannot be shown truthfully, so it is an error, not a rounding.
 * (The source's SQL leaves such steps out and counts them, so this only
 * catches an answer that is not what was asked.)
 */
import { SourceError } from './source.js';

/** Bytes of a row without the check (the shape `decodePointRows` reads). */
export const ROW_BYTES = 2 + 1 + 8 + 8 + 8;

export interface PointRows {
  length: number;
  k: Uint16Array;
  kind: Uint8Array;
  step: Float64Array;
  time: Float64Array;
  value: Float64Array;
}

const TWO_32 = 2 ** 32;
/** |hi word| past this means the Int64 does not fit a double exactly. */
const MAX_HI = 2 ** 21;

/** Bytes of a checked row (`decodeCheckedRows`). */
export const CHECKED_ROW_BYTES = ROW_BYTES + 4;
/** The kind of the end-marker row: above every kind of data row, so it sorts last. */
export const END_KIND = 5;

/** An answer that cannot be used: cut off, garbled, or ending in a ClickHouse exception (kind `exception`). */
export class GarbledResponseError extends SourceError {
  override name = 'GarbledResponseError';
  constructor(message: string, kind: 'garbled' | 'exception' = 'garbled') {
    super(kind, message);
  }
}

const HASH_SEED = 2166136261;
const HASH_MUL = 16777619;

/**
 * The check of a row as ClickHouse computes it: h = h·M + w (mod 2^32) over
 * the row's 32-bit words (k | kind<<16, then the low and high words of step,
 * time and value). Changing any one word always changes it (M is odd).
 */
export function rowCheckSql(k: string, kind: string, s: string, t: string, v: string): string {
  const lo = (x: string) => `bitAnd(reinterpretAsUInt64(${x}), 4294967295)`;
  const hi = (x: string) => `bitShiftRight(reinterpretAsUInt64(${x}), 32)`;
  const words = [`(toUInt32(${k}) + toUInt32(${kind}) * 65536)`, lo(s), hi(s), lo(t), hi(t), lo(v), hi(v)];
  return `toUInt32(${words.reduce((h, w) => `bitAnd(${h} * ${HASH_MUL} + ${w}, 4294967295)`, String(HASH_SEED))})`;
}

/** The ClickHouse exception at the end of an answer, if there is one. */
function exceptionIn(bytes: Uint8Array): string | undefined {
  const tail = new TextDecoder().decode(bytes.subarray(Math.max(0, bytes.length - 4000)));
  return /Code: \d+\. DB::Exception: [^\n]*/.exec(tail)?.[0];
}

/** Throws for an unusable answer: the ClickHouse exception at its end if there is one, else `why`. */
export function refuse(bytes: Uint8Array, why: string): never {
  const exception = exceptionIn(bytes);
  throw exception ? new GarbledResponseError(exception, 'exception') : new GarbledResponseError(why);
}

/** Decodes checked rows (the end marker left out); throws `GarbledResponseError` unless the whole answer is sound. */
export function decodeCheckedRows(bytes: Uint8Array): PointRows {
  if (bytes.length % CHECKED_ROW_BYTES !== 0) refuse(bytes, `${bytes.length} bytes is not a whole number of rows`);
  const total = bytes.length / CHECKED_ROW_BYTES;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Math.max(0, total - 1);
  const rows: PointRows = { length: n, k: new Uint16Array(n), kind: new Uint8Array(n), step: new Float64Array(n), time: new Float64Array(n), value: new Float64Array(n) };
  for (let i = 0, o = 0; i < total; i++, o += CHECKED_ROW_BYTES) {
    let h = HASH_SEED;
    h = (Math.imul(h, HASH_MUL) + view.getUint16(o, true) + view.getUint8(o + 2) * 65536) >>> 0;
    for (let w = 3; w < 27; w += 4) h = (Math.imul(h, HASH_MUL) + view.getUint32(o + w, true)) >>> 0;
    if (h !== view.getUint32(o + 27, true)) refuse(bytes, `row ${i + 1} of ${total} fails its check`);
    const kind = view.getUint8(o + 2);
    if (i === n) break;
    if (kind >= END_KIND) refuse(bytes, `row ${i + 1} has kind ${kind}`);
    rows.k[i] = view.getUint16(o, true);
    rows.kind[i] = kind;
    rows.step[i] = int64(view, o + 3);
    rows.time[i] = int64(view, o + 11);
    rows.value[i] = view.getFloat64(o + 19, true);
  }
  // Every row is sound; without the marker last, the answer stopped early at a row boundary.
  if (total === 0 || view.getUint8(n * CHECKED_ROW_BYTES + 2) !== END_KIND) refuse(bytes, 'the end marker is missing: cut off');
  return rows;
}

/** Decodes rows of the unchecked shape (no check column, no end marker), for tools that ask for it themselves. */
export function decodePointRows(bytes: Uint8Array): PointRows {
  if (bytes.length % ROW_BYTES !== 0) refuse(bytes, `The server's answer was cut off or garbled (${bytes.length} bytes is not a whole number of rows).`);
  const n = bytes.length / ROW_BYTES;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rows: PointRows = {
    length: n,
    k: new Uint16Array(n),
    kind: new Uint8Array(n),
    step: new Float64Array(n),
    time: new Float64Array(n),
    value: new Float64Array(n),
  };
  let o = 0;
  for (let i = 0; i < n; i++) {
    rows.k[i] = view.getUint16(o, true);
    rows.kind[i] = view.getUint8(o + 2);
    rows.step[i] = int64(view, o + 3);
    rows.time[i] = int64(view, o + 11);
    rows.value[i] = view.getFloat64(o + 19, true);
    o += ROW_BYTES;
  }
  return rows;
}

function int64(view: DataView, offset: number): number {
  const hi = view.getInt32(offset + 4, true);
  if (hi >= MAX_HI || hi < -MAX_HI) throw new GarbledResponseError(`A 64-bit value beyond 2^53 cannot be drawn exactly (hi word ${hi}).`);
  return hi * TWO_32 + view.getUint32(offset, true);
}
