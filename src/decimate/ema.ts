/**
 * Debiased exponential moving average, as TensorBoard's smoothing slider does
 * it: without the debias term the first points are dragged toward zero.
 *
 * `weight` is the smoothing factor in [0, 1): 0 returns the input unchanged.
 * Non-finite inputs do not poison the average; their output is the input
 * itself (so a NaN stays visible as NaN, not as a smooth lie).
 */
export function debiasedEma(values: ArrayLike<number>, weight: number, out = new Float64Array(values.length)): Float64Array {
  const w = Number.isFinite(weight) ? Math.min(Math.max(weight, 0), 0.999) : 0;
  let last = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    count++;
    last = last * w + (1 - w) * v;
    out[i] = w === 0 ? v : last / (1 - Math.pow(w, count));
  }
  return out;
}
