import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lttbIndices } from '../../src/decimate/lttb.js';
import { debiasedEma } from '../../src/decimate/ema.js';

const xsOf = (n: number) => Float64Array.from({ length: n }, (_, i) => i);

describe('lttbIndices', () => {
  it('returns every index when the threshold is not below the length', () => {
    assert.deepEqual([...lttbIndices(xsOf(5), [1, 2, 3, 4, 5], 5)], [0, 1, 2, 3, 4]);
    assert.deepEqual([...lttbIndices(xsOf(3), [1, 2, 3], 100)], [0, 1, 2]);
    assert.deepEqual([...lttbIndices([], [], 10)], []);
  });

  it('keeps exactly threshold points, first and last included, in increasing order', () => {
    const n = 10_000;
    const ys = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 30));
    const keep = lttbIndices(xsOf(n), ys, 500);
    assert.equal(keep.length, 500);
    assert.equal(keep[0], 0);
    assert.equal(keep[keep.length - 1], n - 1);
    for (let i = 1; i < keep.length; i++) assert.ok(keep[i] > keep[i - 1], `index ${i} increases`);
  });

  it('always keeps the global minimum and maximum', () => {
    const n = 100_000;
    const ys = Float64Array.from({ length: n }, (_, i) => 1 + 0.01 * Math.sin(i));
    ys[31_337] = 50; // spike
    ys[77_777] = -50; // dip
    const keep = [...lttbIndices(xsOf(n), ys, 300)];
    assert.ok(keep.includes(31_337), 'spike kept');
    assert.ok(keep.includes(77_777), 'dip kept');
  });

  it('picks the point of largest triangle area in a bucket (textbook case)', () => {
    // Buckets of one interior point each except the middle: with threshold 3 the single
    // interior bucket spans indices 1..3; the farthest point from the line 0→4 is index 2.
    const keep = lttbIndices([0, 1, 2, 3, 4], [0, 0.1, 5, 0.2, 0], 3);
    assert.deepEqual([...keep], [0, 2, 4]);
  });

  it('ignores non-finite values when choosing and still terminates', () => {
    const n = 1000;
    const ys = Float64Array.from({ length: n }, (_, i) => (i % 10 === 0 ? NaN : i % 7));
    ys[500] = Infinity;
    const keep = lttbIndices(xsOf(n), ys, 50);
    assert.equal(keep.length, 50);
    for (const i of keep.subarray(1, -1)) assert.ok(Number.isFinite(ys[i]), `index ${i} is finite`);
  });
});

describe('debiasedEma', () => {
  it('is the identity for weight 0', () => {
    assert.deepEqual([...debiasedEma([3, 1, 2], 0)], [3, 1, 2]);
  });

  it('matches the debiased formula written out by hand', () => {
    // w = 0.5: m1 = 0.5*4 = 2 → 2/(1-0.5) = 4; m2 = 0.5*2 + 0.5*2 = 2 → 2/0.75 = 8/3.
    const out = debiasedEma([4, 2], 0.5);
    assert.equal(out[0], 4);
    assert.ok(Math.abs(out[1] - 8 / 3) < 1e-12);
  });

  it('starts at the first value rather than at zero', () => {
    const out = debiasedEma([10, 10, 10], 0.99);
    for (const v of out) assert.ok(Math.abs(v - 10) < 1e-9);
  });

  it('passes NaN through without poisoning later values', () => {
    const out = debiasedEma([1, NaN, 1], 0.6);
    assert.ok(Number.isNaN(out[1]));
    assert.ok(Math.abs(out[2] - 1) < 1e-12);
  });
});
