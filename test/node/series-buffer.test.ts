/**
 * A series' point budget: however long a live tail runs, the buffer holds a
 * bounded number of points, its memory stops growing, it still counts every
 * point it stands for, and no spike is lost to the reduction.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SeriesBuffer } from '../../src/store/series.js';

function chunk(from: number, n: number, value: (step: number) => number) {
  const steps = Float64Array.from({ length: n }, (_, i) => from + i);
  return { steps, times: steps.map((s) => 1_700_000_000_000 + s * 100), values: steps.map(value) };
}

describe('SeriesBuffer', () => {
  it('keeps a live tail within its budget, with flat memory and every spike', () => {
    const budget = 4_000;
    const buffer = new SeriesBuffer({ run: 'r', metric: 'loss' }, budget);
    buffer.loadView({ ...chunk(0, 0, () => 0), total: 0, bucketSteps: 1, lastStep: -1 });
    const spikes = new Map([[1_234, 99], [250_000, -42], [777_777, 1e6], [999_990, 7.5]]);
    const value = (s: number) => spikes.get(s) ?? 2 + Math.sin(s / 1000);
    let bytesAtQuarter = 0;
    for (let from = 0; from < 1_000_000; from += 500) {
      buffer.append(chunk(from, 500, value));
      assert.ok(buffer.length <= budget, `length ${buffer.length} within the budget at step ${from}`);
      if (from === 250_000) bytesAtQuarter = buffer.byteLength;
    }
    assert.equal(buffer.total, 1_000_000);
    assert.equal(buffer.byteLength, bytesAtQuarter, 'memory stopped growing');
    const steps = Array.from(buffer.steps);
    for (const [step, v] of spikes) assert.equal(buffer.values[steps.indexOf(step)], v, `spike at ${step}`);
    for (let i = 1; i < steps.length; i++) assert.ok(steps[i] > steps[i - 1], 'steps stay in order');
    assert.equal(steps[0], 0);
    assert.equal(steps[steps.length - 1], 999_999);
    assert.ok(buffer.reduced);
    assert.ok(buffer.bucketSteps > 1);
    // The newest points are raw: the last budget/2 steps are all there.
    assert.deepEqual(steps.slice(-budget / 2), Array.from({ length: budget / 2 }, (_, i) => 1_000_000 - budget / 2 + i));
  });

  it('never appends a step it already holds', () => {
    const buffer = new SeriesBuffer({ run: 'r', metric: 'loss' });
    buffer.loadView({ ...chunk(0, 10, (s) => s), total: 10, bucketSteps: 1, lastStep: 9 });
    buffer.append(chunk(5, 10, (s) => -s));
    assert.deepEqual(Array.from(buffer.steps), Array.from({ length: 15 }, (_, i) => i));
    assert.deepEqual(Array.from(buffer.values.subarray(10)), [-10, -11, -12, -13, -14]);
    assert.equal(buffer.total, 15);
  });

  it('continues after the last step a view covered, even when the view ended in a reduced column', () => {
    const buffer = new SeriesBuffer({ run: 'r', metric: 'loss' });
    // A reduced view whose newest kept point is step 90 but which covered up to step 99.
    buffer.loadView({ ...chunk(0, 0, () => 0), steps: Float64Array.of(0, 40, 90), times: Float64Array.of(0, 1, 2), values: Float64Array.of(1, 5, 2), total: 100, bucketSteps: 50, lastStep: 99 });
    buffer.append(chunk(95, 10, () => 3));
    assert.deepEqual(Array.from(buffer.steps), [0, 40, 90, 100, 101, 102, 103, 104]);
    assert.equal(buffer.total, 105);
  });
});
