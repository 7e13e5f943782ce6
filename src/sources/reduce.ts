/**
 * The view a database would return, computed on points already in memory:
 * used by sources that hold points themselves (fixtures, later the relay), so
 * every transport answers a view with the same reduction as ClickHouse.
 */
import { m4Indices } from '../decimate/m4.js';
import type { SeriesChunk, ViewChunk } from './source.js';

/** Reduces a step-ordered chunk to `columns` M4 columns, or keeps it raw when it fits twice the columns. */
export function reduceChunk(chunk: SeriesChunk, columns: number): ViewChunk {
  const n = chunk.steps.length;
  const lastStep = n ? chunk.steps[n - 1] : -1;
  if (n <= 2 * columns) return { ...chunk, total: n, bucketSteps: 1, lastStep };
  const keep = m4Indices(chunk.steps, chunk.values, columns);
  const pick = (from: Float64Array) => Float64Array.from(keep, (i) => from[i]);
  const span = lastStep - chunk.steps[0] + 1;
  return {
    steps: pick(chunk.steps),
    times: pick(chunk.times),
    values: pick(chunk.values),
    total: n,
    bucketSteps: Math.max(1, Math.ceil(span / columns)),
    lastStep,
    ...(chunk.beyond === undefined ? {} : { beyond: chunk.beyond }),
  };
}
