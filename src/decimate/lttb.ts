import { asFloat64, identity } from './arrays.js';

/**
 * Largest-Triangle-Three-Buckets on typed arrays, returning the indices it keeps.
 *
 * Returning indices (not copies) lets a caller pick the same points out of
 * several parallel arrays (raw value, smoothed value, wall time) at once.
 *
 * Two changes to the textbook algorithm, both so a chart never lies by
 * omission: non-finite y values (NaN, ±Inf) are ignored when choosing points,
 * and the bucket that holds the global minimum or maximum keeps that point
 * rather than its triangle winner, so a loss spike is always drawn (when both
 * fall in one bucket, the minimum wins).
 *
 * Always keeps the first and last index and returns exactly `threshold`
 * indices in increasing order, or every index when `threshold` is not below
 * the length (or not positive). A threshold below 3 is raised to 3.
 *
 * Speed: 300-400M points/s in Node on Float64Array input (`npm run bench`). Other
 * array types are copied to Float64Array first so the kernel stays
 * monomorphic; pass Float64Array to skip the copy.
 */
export function lttbIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, threshold: number): Uint32Array {
  const n = Math.min(xs.length, ys.length);
  threshold = Math.floor(threshold);
  if (!(threshold > 0) || threshold >= n) return identity(n);
  if (threshold < 3) threshold = 3;
  return lttbFloat64(asFloat64(xs), asFloat64(ys), n, threshold);
}

function lttbFloat64(xs: Float64Array, ys: Float64Array, n: number, threshold: number): Uint32Array {
  const buckets = threshold - 2;
  // Interior bucket b is [bounds[b], bounds[b + 1]); the last entry is the lone
  // final point, the third corner for the last interior bucket. Setting the
  // end explicitly keeps point n - 2 in a bucket whatever the rounding.
  const bounds = new Uint32Array(buckets + 2);
  const every = (n - 2) / buckets;
  for (let b = 0; b < buckets; b++) bounds[b] = Math.floor(b * every) + 1;
  bounds[buckets] = n - 1;
  bounds[buckets + 1] = n;

  // Pass 1, one stream over the data: every bucket's mean (the third corner of
  // the previous bucket's triangles) and the global extremes. Doing both in one
  // loop is what makes this cheaper than the textbook three passes.
  const meanX = new Float64Array(buckets + 1);
  const meanY = new Float64Array(buckets + 1);
  const finiteCount = new Uint32Array(buckets + 1);
  let lo = Infinity;
  let hi = -Infinity;
  let minIndex = -1;
  let maxIndex = -1;
  if (Number.isFinite(ys[0])) {
    lo = hi = ys[0];
    minIndex = maxIndex = 0;
  }
  for (let b = 0; b <= buckets; b++) {
    const start = bounds[b];
    const end = bounds[b + 1];
    // Four points per iteration: TurboFan re-checks each typed array's map,
    // length and data pointer on every iteration (it does not hoist them), so
    // wider steps amortise that; two accumulators per sum also break the
    // latency chain of floating-point addition. Comparisons with NaN are false,
    // so only ±Inf needs the finiteness test, on the rare new-extreme branch.
    let sx0 = 0, sy0 = 0, sx1 = 0, sy1 = 0;
    let j = start;
    for (; j + 3 < end; j += 4) {
      const y0 = ys[j];
      const y1 = ys[j + 1];
      const y2 = ys[j + 2];
      const y3 = ys[j + 3];
      sx0 += xs[j] + xs[j + 2];
      sy0 += y0 + y2;
      sx1 += xs[j + 1] + xs[j + 3];
      sy1 += y1 + y3;
      if (y0 < lo || y1 < lo || y2 < lo || y3 < lo) {
        if (y0 < lo && Number.isFinite(y0)) { lo = y0; minIndex = j; }
        if (y1 < lo && Number.isFinite(y1)) { lo = y1; minIndex = j + 1; }
        if (y2 < lo && Number.isFinite(y2)) { lo = y2; minIndex = j + 2; }
        if (y3 < lo && Number.isFinite(y3)) { lo = y3; minIndex = j + 3; }
      }
      if (y0 > hi || y1 > hi || y2 > hi || y3 > hi) {
        if (y0 > hi && Number.isFinite(y0)) { hi = y0; maxIndex = j; }
        if (y1 > hi && Number.isFinite(y1)) { hi = y1; maxIndex = j + 1; }
        if (y2 > hi && Number.isFinite(y2)) { hi = y2; maxIndex = j + 2; }
        if (y3 > hi && Number.isFinite(y3)) { hi = y3; maxIndex = j + 3; }
      }
    }
    for (; j < end; j++) {
      const y = ys[j];
      sx0 += xs[j];
      sy0 += y;
      if (y < lo && Number.isFinite(y)) { lo = y; minIndex = j; }
      if (y > hi && Number.isFinite(y)) { hi = y; maxIndex = j; }
    }
    let sx = sx0 + sx1;
    let sy = sy0 + sy1;
    let count = end - start;
    // A finite sum means every y was finite; otherwise sum again, skipping the
    // non-finite ones. Telemetry has few NaN, so the fast loop nearly always wins.
    if (!Number.isFinite(sy)) {
      sx = sy = count = 0;
      for (let i = start; i < end; i++) {
        const y = ys[i];
        if (Number.isFinite(y)) {
          sx += xs[i];
          sy += y;
          count++;
        }
      }
    }
    finiteCount[b] = count;
    if (count > 0) {
      meanX[b] = sx / count;
      meanY[b] = sy / count;
    }
  }

  // Pass 2: in each bucket the point making the largest triangle with the point
  // kept before it and the next bucket's mean.
  const out = new Uint32Array(threshold);
  let a = 0;
  for (let b = 0; b < buckets; b++) {
    const start = bounds[b];
    const end = bounds[b + 1];
    let chosen = start;
    if (minIndex >= start && minIndex < end) chosen = minIndex;
    else if (maxIndex >= start && maxIndex < end) chosen = maxIndex;
    else if (finiteCount[b] > 0) {
      const ax = xs[a];
      const ya = ys[a];
      let cx: number;
      let cy: number;
      if (finiteCount[b + 1] > 0) {
        cx = meanX[b + 1];
        cy = meanY[b + 1];
      } else {
        cx = xs[end];
        cy = Number.isFinite(ya) ? ya : 0;
      }
      const ay = Number.isFinite(ya) ? ya : cy;
      const dx = ax - cx;
      const dy = cy - ay;
      // Twice the triangle's area, written as the textbook does (relative to
      // the corner a) so large x values such as epoch times keep their precision;
      // four points per iteration for the reason given in pass 1.
      let best = -1;
      let j = start;
      for (; j + 3 < end; j += 4) {
        const area0 = Math.abs(dx * (ys[j] - ay) - (ax - xs[j]) * dy);
        const area1 = Math.abs(dx * (ys[j + 1] - ay) - (ax - xs[j + 1]) * dy);
        const area2 = Math.abs(dx * (ys[j + 2] - ay) - (ax - xs[j + 2]) * dy);
        const area3 = Math.abs(dx * (ys[j + 3] - ay) - (ax - xs[j + 3]) * dy);
        if (area0 > best || area1 > best || area2 > best || area3 > best) {
          if (area0 > best && Number.isFinite(ys[j])) { best = area0; chosen = j; }
          if (area1 > best && Number.isFinite(ys[j + 1])) { best = area1; chosen = j + 1; }
          if (area2 > best && Number.isFinite(ys[j + 2])) { best = area2; chosen = j + 2; }
          if (area3 > best && Number.isFinite(ys[j + 3])) { best = area3; chosen = j + 3; }
        }
      }
      for (; j < end; j++) {
        const area = Math.abs(dx * (ys[j] - ay) - (ax - xs[j]) * dy);
        if (area > best && Number.isFinite(ys[j])) { best = area; chosen = j; }
      }
    }
    out[b + 1] = chosen;
    a = chosen;
  }
  out[threshold - 1] = n - 1;
  return out;
}
