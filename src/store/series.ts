import type { SeriesChunk, SeriesKey } from '../sources/source.js';

export type SeriesStatus = 'loading' | 'ready' | 'empty' | 'error';

/**
 * The points a store holds for one (run, metric), grown in place.
 *
 * Capacity doubles, so appending the live tail is amortised O(1) and the
 * arrays handed to charts are views, not copies.
 */
export class SeriesBuffer {
  readonly key: SeriesKey;
  length = 0;
  /** Bumped on every change; charts redraw only when it moves. */
  version = 0;
  status: SeriesStatus = 'loading';
  error?: string;
  /** Wall-clock ms when the last poll that covered this series succeeded. */
  checkedAt = 0;
  private stepsBuf = new Float64Array(256);
  private timesBuf = new Float64Array(256);
  private valuesBuf = new Float64Array(256);

  constructor(key: SeriesKey) {
    this.key = key;
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
    return this.length ? this.stepsBuf[this.length - 1] : -1;
  }
  get lastTime(): number {
    return this.length ? this.timesBuf[this.length - 1] : NaN;
  }

  append(chunk: SeriesChunk): void {
    // Only strictly newer steps: a repeated or overlapping answer must never duplicate points.
    let from = 0;
    while (from < chunk.steps.length && chunk.steps[from] <= this.lastStep) from++;
    const n = chunk.steps.length - from;
    if (n > 0) {
      this.reserve(this.length + n);
      this.stepsBuf.set(chunk.steps.subarray(from), this.length);
      this.timesBuf.set(chunk.times.subarray(from), this.length);
      this.valuesBuf.set(chunk.values.subarray(from), this.length);
      this.length += n;
    }
    const status = this.length ? 'ready' : 'empty';
    if (n > 0 || status !== this.status || this.error) {
      this.status = status;
      this.error = undefined;
      this.version++;
    }
  }

  fail(message: string): void {
    if (this.status === 'error' && this.error === message) return;
    this.status = 'error';
    this.error = message;
    this.version++;
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
