/**
 * Where a line on a time axis should break: a run paused for days has no
 * points in between, and a straight line across the pause would draw values
 * nobody logged.
 *
 * A gap is a step between neighbours wider than `factor` times the median
 * step and wider than `minFraction` of the whole span, so a steady logger
 * never breaks, jitter never breaks, and a pause of a few pixels does.
 */
export function gapStarts(xs: ArrayLike<number>, factor = 10, minFraction = 0.02): Uint32Array {
  const n = xs.length;
  if (n < 3) return new Uint32Array(0);
  const deltas = new Float64Array(n - 1);
  let m = 0;
  for (let i = 1; i < n; i++) {
    const d = xs[i] - xs[i - 1];
    if (d > 0) deltas[m++] = d;
  }
  if (m === 0) return new Uint32Array(0);
  const sorted = deltas.subarray(0, m).sort();
  const threshold = Math.max(factor * sorted[m >> 1], minFraction * (xs[n - 1] - xs[0]));
  const out: number[] = [];
  // i is the last point before a gap.
  for (let i = 1; i < n; i++) if (xs[i] - xs[i - 1] > threshold) out.push(i - 1);
  return Uint32Array.from(out);
}
