import { m4Indices } from '../decimate/m4.js';
import type { SeriesChunk, SeriesKey, ViewChunk } from '../sources/source.js';

export type SeriesStatus = 'loading' | 'ready' | 'empty' | 'error';

/**
 * The points a store holds for one (run, metric): a reduced history followed
 * by the raw live tail, in step order, within a fixed point budget.
 *
 * The history is what the source reduced for the first view (first, last,
 * min and max per pixel column); the tail is every point that arrived since.
 * When the tail outgrows the budget, its older half is reduced the same way
 * and joins the history, so a tab open for days holds a bounded number of
 * points and still shows every spike. Arrays handed to charts are views of
 * the buffers, not copies.
 */
export class SeriesBuffer {
  readonly key: SeriesKey;
  /** Most points held; past it the oldest raw points are reduced. */
  readonly budget: number;
  length = 0;
  /** Bumped on every change; charts redraw only when it moves. */
  version = 0;
  status: SeriesStatus = 'loading';
  error?: string;
  /** Wall-clock ms when the last poll that covered this series succeeded. */
  checkedAt = 0;
  /** True once the first view has arrived; until then the store asks for one. */
  loaded = false;
  /** Points in the source that the held points stand for. */
  total = 0;
  /** Steps per column of the coarsest reduced stretch; 1 when every point is raw. */
  bucketSteps = 1;
  /** Last step of the reduced history (-1: none); later points are raw. */
  reducedUntil = -1;
  /** Highest step covered; the tail continues after it. */
  watermark = -1;
  /** Points at steps past 2^53 − 1, which a chart cannot place: counted, never held. */
  beyond = 0;
  private stepsBuf: Float64Array;
  private timesBuf: Float64Array;
  private valuesBuf: Float64Array;

  constructor(key: SeriesKey, budget = 60_000) {
    this.key = key;
    this.budget = Math.max(64, budget);
    const initial = 256;
    this.stepsBuf = new Float64Array(initial);
    this.timesBuf = new Float64Array(initial);
    this.valuesBuf = new Float64Array(initial);
  }

  get steps(): Float64Array {
    return this.stepsBuf.subarray(0, this.length);
  }
  get times(): Float64Array {
    return this.timesBuf.subarray(0, this.length);
  }
  get values(): Float64Array {
    return this.valuesBuf.subarray(0, this.length);
  }
  get lastStep(): number {
    return this.watermark;
  }
  get lastTime(): number {
    return this.length ? this.timesBuf[this.length - 1] : NaN;
  }
  /** True when some held points stand for several source points. */
  get reduced(): boolean {
    return this.bucketSteps > 1 && this.total > this.length;
  }
  /** Bytes held in typed arrays (for memory budgets and benchmarks). */
  get byteLength(): number {
    return this.stepsBuf.byteLength + this.timesBuf.byteLength + this.valuesBuf.byteLength;
  }

  /** Replaces everything with a first view of the whole series. */
  loadView(view: ViewChunk): void {
    this.length = 0;
    this.write(view, 0, view.steps.length);
    this.total = view.total;
    this.bucketSteps = view.bucketSteps;
    this.reducedUntil = view.bucketSteps > 1 ? view.lastStep : -1;
    this.watermark = view.lastStep;
    this.beyond = view.beyond ?? 0;
    this.loaded = true;
    this.settle(true);
  }

  /** Appends raw tail points; only steps after the watermark, so an overlapping answer never duplicates. */
  append(chunk: SeriesChunk): void {
    const counted = chunk.beyond !== undefined && chunk.beyond !== this.beyond;
    if (counted) this.beyond = chunk.beyond!;
    let from = 0;
    while (from < chunk.steps.length && chunk.steps[from] <= this.watermark) from++;
    const n = chunk.steps.length - from;
    if (n > 0) {
      this.write(chunk, from, n);
      this.total += n;
      this.watermark = chunk.steps[chunk.steps.length - 1];
      if (this.length > this.budget) this.compact();
    }
    this.settle(n > 0 || counted);
  }

  fail(message: string): void {
    if (this.status === 'error' && this.error === message) return;
    this.status = 'error';
    this.error = message;
    this.version++;
  }

  private settle(changed: boolean) {
    const status = this.length ? 'ready' : 'empty';
    if (changed || status !== this.status || this.error) {
      this.status = status;
      this.error = undefined;
      this.version++;
    }
  }

  /** Reduces the older half of what is held to an eighth of the budget in points (M4 per column). */
  private compact() {
    const keepRaw = Math.floor(this.budget / 2);
    const cut = this.length - keepRaw;
    const columns = Math.max(1, Math.floor(this.budget / 32));
    const steps = this.stepsBuf.subarray(0, cut);
    const keep = m4Indices(steps, this.valuesBuf.subarray(0, cut), columns);
    for (let i = 0; i < keep.length; i++) {
      const j = keep[i];
      this.stepsBuf[i] = this.stepsBuf[j];
      this.timesBuf[i] = this.timesBuf[j];
      this.valuesBuf[i] = this.valuesBuf[j];
    }
    const span = steps[cut - 1] - steps[0] + 1;
    this.reducedUntil = this.stepsBuf[cut - 1];
    this.bucketSteps = Math.max(this.bucketSteps, Math.ceil(span / columns));
    this.stepsBuf.copyWithin(keep.length, cut, this.length);
    this.timesBuf.copyWithin(keep.length, cut, this.length);
    this.valuesBuf.copyWithin(keep.length, cut, this.length);
    this.length = keep.length + keepRaw;
  }

  private write(chunk: SeriesChunk, from: number, n: number) {
    this.reserve(this.length + n);
    this.stepsBuf.set(chunk.steps.subarray(from, from + n), this.length);
    this.timesBuf.set(chunk.times.subarray(from, from + n), this.length);
    this.valuesBuf.set(chunk.values.subarray(from, from + n), this.length);
    this.length += n;
  }

  private reserve(capacity: number) {
    if (capacity <= this.stepsBuf.length) return;
    let size = this.stepsBuf.length;
    while (size < capacity) size *= 2;
    const grow = (old: Float64Array) => {
      const next = new Float64Array(size);
      next.set(old.subarray(0, this.length));
      return next;
    };
    this.stepsBuf = grow(this.stepsBuf);
    this.timesBuf = grow(this.timesBuf);
    this.valuesBuf = grow(this.valuesBuf);
  }
}

/**
 * A zoomed range of a series at the resolution of its chart: fetched once,
 * kept while a chart shows it (or a few ranges back, for zooming out and in
 * again without a refetch).
 */
export class DetailView {
  readonly key: SeriesKey;
  readonly fromStep: number;
  readonly toStep: number;
  readonly columns: number;
  status: 'loading' | 'ready' | 'error' = 'loading';
  error?: string;
  data: ViewChunk | undefined;
  version = 0;

  constructor(key: SeriesKey, fromStep: number, toStep: number, columns: number) {
    this.key = key;
    this.fromStep = fromStep;
    this.toStep = toStep;
    this.columns = columns;
  }

  static id(fromStep: number, toStep: number, columns: number): string {
    return `${fromStep}:${toStep}:${columns}`;
  }

  load(chunk: ViewChunk): void {
    this.data = chunk;
    this.status = 'ready';
    this.error = undefined;
    this.version++;
  }

  fail(message: string): void {
    this.status = 'error';
    this.error = message;
    this.version++;
  }
}
