/** Small typed-array helpers shared by the decimation kernels. */

/** The kernels are written for Float64Array; anything else is copied once. */
export function asFloat64(values: ArrayLike<number>): Float64Array {
  return values instanceof Float64Array ? values : Float64Array.from(values);
}

/** Every index 0 … n−1: what a kernel returns when nothing needs reducing. */
export function identity(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
