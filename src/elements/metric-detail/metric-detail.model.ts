/**
 * From the rows of `<metric-detail>`'s queries to what it shows: the
 * statistics strip, the spike list and the checkpoint lines.
 */
import { toNumber } from '../../chart/format.js';
import type { QueryRow } from '../../sources/source.js';

export interface RangeStats {
  /** Raw rows in the range. */
  count: number;
  nan: number;
  inf: number;
  /** Finite values the statistics below are taken over. */
  finite: number;
  /** Distinct steps in the range. */
  steps: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  /** The newest row's value (highest step, then latest time), NaN/±Inf included. */
  last: number;
  firstStep: number;
  lastStep: number;
  firstMs: number;
  lastMs: number;
  /** The first step of the range with a NaN/±Inf row; undefined when the range has none. */
  firstNonFinite: NonFinitePoint | undefined;
}

/** Where a metric first went NaN or ±Inf. */
export interface NonFinitePoint {
  step: number;
  /** Wall time of the step's earliest NaN/±Inf row, epoch ms. */
  atMs: number;
  /** NaN, Infinity or -Infinity. */
  value: number;
}

export interface Spike {
  step: number;
  /** Wall time of the step, epoch ms. */
  atMs: number;
  value: number;
  /** Median of the window around the spike, and its median absolute deviation. */
  median: number;
  mad: number;
  /** Robust z-score: |value − median| / (1.4826 × MAD); Infinity when MAD is 0. */
  score: number;
  /** First and last step, and time (epoch ms), of the window the spike was judged in (where its button zooms to). */
  from: number;
  to: number;
  fromMs: number;
  toMs: number;
}

export interface Checkpoint {
  step: number;
  atMs: number;
}

/** A value that may be NaN/Inf: numbers arrive as null then, the text (`nan`, `inf`, `-inf`) says which. */
function withText(value: unknown, text: unknown): number {
  const n = toNumber(value);
  return Number.isNaN(n) ? toNumber(text) : n;
}

/** The statistics row; undefined before it arrived. With no finite value, the finite statistics are NaN. */
export function readStats(rows: readonly QueryRow[]): RangeStats | undefined {
  const row = rows[0];
  if (!row) return undefined;
  const count = toNumber(row.n);
  const finite = toNumber(row.finite_n);
  const q = Array.isArray(row.q) ? row.q : [];
  const ifFinite = (value: unknown) => (finite > 0 ? toNumber(value) : NaN);
  const some = (value: unknown) => (count > 0 ? toNumber(value) : NaN);
  return {
    count,
    nan: toNumber(row.nan_n),
    inf: toNumber(row.inf_n),
    finite,
    steps: toNumber(row.steps_n),
    min: ifFinite(row.lo),
    max: ifFinite(row.hi),
    mean: ifFinite(row.mean),
    p50: ifFinite(q[0]),
    p90: ifFinite(q[1]),
    p99: ifFinite(q[2]),
    last: count > 0 ? withText(row.last_v, row.last_text) : NaN,
    firstStep: some(row.first_step),
    lastStep: some(row.last_step),
    firstMs: some(row.first_ms),
    lastMs: some(row.last_ms),
    firstNonFinite: readNonFinite(row),
  };
}

/** `bad_step` is NULL when the range has no NaN/±Inf: only then is there none (step 0 is a real step). */
function readNonFinite(row: QueryRow): NonFinitePoint | undefined {
  if (row.bad_step === null || row.bad_step === undefined) return undefined;
  const step = toNumber(row.bad_step);
  const atMs = toNumber(row.bad_ms);
  if (!Number.isFinite(step) || !Number.isFinite(atMs)) return undefined;
  return { step, atMs, value: toNumber(row.bad_text) };
}

/** The spikes found, in step order, and how many there are in all (the answer lists the most severe). */
export function readSpikes(rows: readonly QueryRow[]): { spikes: Spike[]; found: number } {
  const spikes = rows
    .map((row) => ({
      step: toNumber(row.spike_step),
      atMs: toNumber(row.t_ms),
      value: toNumber(row.v),
      median: toNumber(row.med),
      mad: toNumber(row.mad),
      score: row.score === null ? Infinity : toNumber(row.score),
      from: toNumber(row.wlo),
      to: toNumber(row.whi),
      fromMs: toNumber(row.tlo),
      toMs: toNumber(row.thi),
    }))
    .sort((a, b) => a.step - b.step);
  return { spikes, found: rows.length ? toNumber(rows[0].found) : 0 };
}

export function readCheckpoints(rows: readonly QueryRow[]): Checkpoint[] {
  return rows.map((row) => ({ step: toNumber(row.ckpt_step), atMs: toNumber(row.at_ms) })).filter((c) => Number.isFinite(c.step));
}
