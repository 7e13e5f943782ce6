/**
 * Largest-Triangle-Three-Buckets on typed arrays, returning the indices it keeps.
 *
 * Returning indices (not copies) lets a caller pick the same points out of
 * several parallel arrays (raw value, smoothed value, wall time) at once.
 *
 * Two changes to the textbook algorithm, both so a chart never lies by
 * omission: non-finite y values (NaN, ±Inf) are ignored when choosing points,
 * and the bucket that holds the global minimum or maximum keeps that point
 * rather than its triangle winner, so a loss spike is always drawn.
 */
export function lttbIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, threshold: number): Uint32Array {
  const n = Math.min(xs.length, ys.length);
  if (threshold >= n || threshold <= 0) return identity(n);
  if (threshold < 3) threshold = 3;

  let minIndex = -1;
  let maxIndex = -1;
  for (let i = 0; i < n; i++) {
    const y = ys[i];
    if (!Number.isFinite(y)) continue;
    if (minIndex < 0 || y < ys[minIndex]) minIndex = i;
    if (maxIndex < 0 || y > ys[maxIndex]) maxIndex = i;
  }

  const out = new Uint32Array(threshold);
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  out[0] = 0;
  let k = 1;
  for (let b = 0; b < threshold - 2; b++) {
    const start = Math.floor(b * every) + 1;
    const end = Math.min(Math.floor((b + 1) * every) + 1, n - 1);

    // Average of the next bucket, the third corner of every triangle.
    const nextStart = end;
    const nextEnd = Math.min(Math.floor((b + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    let count = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      const y = ys[j];
      if (!Number.isFinite(y)) continue;
      avgX += xs[j];
      avgY += y;
      count++;
    }
    if (count > 0) {
      avgX /= count;
      avgY /= count;
    } else {
      avgX = xs[nextStart < n ? nextStart : n - 1];
      avgY = Number.isFinite(ys[a]) ? ys[a] : 0;
    }

    let chosen = start;
    if (minIndex >= start && minIndex < end) chosen = minIndex;
    else if (maxIndex >= start && maxIndex < end) chosen = maxIndex;
    else {
      const ax = xs[a];
      const ay = Number.isFinite(ys[a]) ? ys[a] : avgY;
      let best = -1;
      for (let j = start; j < end; j++) {
        const y = ys[j];
        if (!Number.isFinite(y)) continue;
        const area = Math.abs((ax - avgX) * (y - ay) - (ax - xs[j]) * (avgY - ay));
        if (area > best) {
          best = area;
          chosen = j;
        }
      }
    }
    out[k++] = chosen;
    a = chosen;
  }
  out[k] = n - 1;
  return out;
}

function identity(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
