/**
 * Decodes the one RowBinary row shape the ClickHouse source asks for,
 *   (k UInt16, kind UInt8, step Int64, time Int64, value Float64),
 * straight into typed arrays: 27 bytes a point on the wire, no text parsing,
 * no objects per row.
 *
 * Int64 columns become float64 numbers. They are exact up to 2^53 (a step
 * count or an epoch-millisecond time far beyond any training run); a value
 * past that cannot be shown truthfully, so it is an error, not a rounding.
 */

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

export class GarbledResponseError extends Error {
  override name = 'GarbledResponseError';
}

export function decodePointRows(bytes: Uint8Array): PointRows {
  if (bytes.length % ROW_BYTES !== 0) {
    // ClickHouse appends an exception to a response it had already begun; anything else is a cut-off body.
    const tail = new TextDecoder().decode(bytes.subarray(Math.max(0, bytes.length - 2000)));
    const exception = /Code: \d+\. DB::Exception: [^\n]*/.exec(tail)?.[0];
    throw new GarbledResponseError(exception ?? `The server's answer was cut off or garbled (${bytes.length} bytes is not a whole number of rows).`);
  }
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
