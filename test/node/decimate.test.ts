import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lttbIndices } from '../../src/decimate/lttb.js';
import { m4Indices, minMaxIndices } from '../../src/decimate/m4.js';
import { debiasedEma } from '../../src/decimate/ema.js';
import { mulberry32 } from '../../src/internal/random.js';

const xsOf = (n: number) => Float64Array.from({ length: n }, (_, i) => i);

/** A noisy random walk on unevenly spaced, sorted x, with a gap in x and some non-finite y. */
function telemetry(n: number, seed: number, nonFinite = 0.01) {
  const rnd = mulberry32(seed);
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  let x = 1000;
  let y = 2;
  for (let i = 0; i < n; i++) {
    // Mostly small steps, some repeated x, the odd long gap (empty columns).
    const step = rnd();
    x += step < 0.001 ? 500 * rnd() : step < 0.05 ? 0 : rnd();
    xs[i] = x;
    y += rnd() - 0.5;
    const r = rnd();
    ys[i] = r < nonFinite * 0.8 ? NaN : r < nonFinite * 0.9 ? Infinity : r < nonFinite ? -Infinity : y;
  }
  return { xs, ys };
}

/** The textbook LTTB with this module's two documented changes, written for clarity, not speed. */
function referenceLttb(xs: ArrayLike<number>, ys: ArrayLike<number>, threshold: number): number[] {
  const n = xs.length;
  let min = 0;
  let max = 0;
  for (let i = 1; i < n; i++) {
    if (ys[i] < ys[min]) min = i;
    if (ys[i] > ys[max]) max = i;
  }
  const every = (n - 2) / (threshold - 2);
  const bucketStart = (b: number) => (b === threshold - 2 ? n - 1 : Math.floor(b * every) + 1);
  const out = [0];
  let a = 0;
  for (let b = 0; b < threshold - 2; b++) {
    const start = bucketStart(b);
    const end = bucketStart(b + 1);
    const nextEnd = b + 1 === threshold - 2 ? n : bucketStart(b + 2);
    let cx = 0;
    let cy = 0;
    for (let j = end; j < nextEnd; j++) {
      cx += xs[j] / (nextEnd - end);
      cy += ys[j] / (nextEnd - end);
    }
    let chosen = start;
    if (min >= start && min < end) chosen = min;
    else if (max >= start && max < end) chosen = max;
    else {
      let best = -1;
      for (let j = start; j < end; j++) {
        const area = Math.abs((xs[a] - cx) * (ys[j] - ys[a]) - (xs[a] - xs[j]) * (cy - ys[a]));
        if (area > best) {
          best = area;
          chosen = j;
        }
      }
    }
    out.push(chosen);
    a = chosen;
  }
  out.push(n - 1);
  return out;
}

function assertIncreasing(keep: ArrayLike<number>, label: string) {
  for (let i = 1; i < keep.length; i++) assert.ok(keep[i] > keep[i - 1], `${label}: index ${i} increases`);
}

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

  it('never keeps ±Infinity inside, wherever it sits in a bucket', () => {
    const n = 10_000;
    const ys = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 13));
    for (let b = 10; b < 90; b += 10) for (let k = 0; k < 8; k++) ys[b * 100 + 7 * k + (b % 3)] = k % 2 ? Infinity : -Infinity;
    // and the last three points of some buckets (the loops' remainders)
    for (let b = 15; b < 95; b += 10) for (let k = 0; k < 3; k++) ys[Math.floor((b + 1) * ((n - 2) / 98)) - k] = Infinity;
    const keep = lttbIndices(xsOf(n), ys, 100);
    for (const i of keep.subarray(1, -1)) assert.ok(Number.isFinite(ys[i]), `index ${i} is finite`);
  });

  it('chooses the same points as a plain textbook implementation', () => {
    for (const [n, threshold, seed] of [
      [10_000, 100, 1],
      [100_003, 1000, 2],
      [5000, 3, 3],
      [1001, 1000, 4],
    ]) {
      const { xs, ys } = telemetry(n, seed, 0);
      assert.deepEqual([...lttbIndices(xs, ys, threshold)], referenceLttb(xs, ys, threshold), `n=${n} threshold=${threshold}`);
    }
  });

  it('keeps an extreme in the last interior bucket, next to the final point', () => {
    // With n = 1003 and 100 buckets, 98 * (1001 / 98) rounds below 1001: a bucket
    // end computed by the formula alone would leave index 1001 out of every bucket.
    const n = 1003;
    const ys = new Float64Array(n).fill(1);
    ys[n - 2] = 99;
    assert.ok(lttbIndices(xsOf(n), ys, 100).includes(n - 2));
  });

  it('keeps the global extremes over the triangle winner, wherever they sit in a bucket', () => {
    // A flat line with the extreme beside a point farther from it: the triangle
    // alone would keep the neighbour. Offsets move the extreme through every
    // position of the unrolled loops.
    const n = 10_000;
    for (let offset = 0; offset < 8; offset++) {
      const at = 5020 + offset; // bucket [5000, 5102) at threshold 100
      const maxCase = new Float64Array(n);
      maxCase[100] = -5;
      maxCase[at] = 1;
      maxCase[at + 1] = -1.5;
      assert.ok(lttbIndices(xsOf(n), maxCase, 100).includes(at), `maximum at +${offset} kept`);
      const minCase = new Float64Array(n);
      minCase[100] = 5;
      minCase[at] = -1;
      minCase[at + 1] = 1.5;
      assert.ok(lttbIndices(xsOf(n), minCase, 100).includes(at), `minimum at +${offset} kept`);
    }
  });

  it('keeps the global maximum even where the triangle prefers another point', () => {
    const n = 10_000;
    const ys = new Float64Array(n);
    ys[100] = -5; // global minimum, in another bucket
    ys[5000] = 1; // global maximum...
    ys[5001] = -1.5; // ...beside a point farther from the flat line
    const keep = [...lttbIndices(xsOf(n), ys, 100)];
    assert.ok(keep.includes(5000), 'maximum kept');
    assert.ok(!keep.includes(5001), 'its bucket keeps one point');
    assert.ok(keep.includes(100), 'minimum kept');
  });

  it('gives the same answer for plain arrays, Float32Array and Float64Array', () => {
    const { xs, ys } = telemetry(20_000, 5);
    const expected = [...lttbIndices(xs, ys, 300)];
    assert.deepEqual([...lttbIndices(Array.from(xs), Array.from(ys), 300)], expected);
    const xs32 = Float32Array.from(xs);
    const ys32 = Float32Array.from(ys);
    assert.deepEqual([...lttbIndices(xs32, ys32, 300)], [...lttbIndices(Float64Array.from(xs32), Float64Array.from(ys32), 300)]);
  });

  it('survives whole buckets of NaN and a fractional threshold', () => {
    const n = 50_000;
    const ys = Float64Array.from({ length: n }, (_, i) => (i > 10_000 && i < 30_000 ? NaN : Math.cos(i / 100)));
    ys[n - 1] = NaN;
    const keep = lttbIndices(xsOf(n), ys, 200.7);
    assert.equal(keep.length, 200);
    assert.equal(keep[0], 0);
    assert.equal(keep[199], n - 1);
    assertIncreasing(keep, 'NaN run');
    for (const i of keep.subarray(1, -1)) if (i <= 10_000 || i >= 30_000) assert.ok(Number.isFinite(ys[i]));
  });
});

/**
 * Brute force, independent of the code under test: which column each point is
 * in (the documented formula), and per column its first and last index and its
 * finite minimum and maximum values.
 */
function columnsOf(xs: ArrayLike<number>, ys: ArrayLike<number>, width: number, xMin = xs[0], xMax = xs[xs.length - 1]) {
  const columns = new Map<number, { first: number; last: number; min: number; max: number }>();
  const columnOfIndex = new Map<number, number>();
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (x < xMin || x > xMax) continue;
    const c = Math.min(width - 1, Math.floor((x - xMin) * (width / (xMax - xMin))));
    columnOfIndex.set(i, c);
    const column = columns.get(c) ?? { first: i, last: i, min: Infinity, max: -Infinity };
    column.last = i;
    if (Number.isFinite(ys[i])) {
      column.min = Math.min(column.min, ys[i]);
      column.max = Math.max(column.max, ys[i]);
    }
    columns.set(c, column);
  }
  return { columns, columnOfIndex };
}

function checkColumns(xs: ArrayLike<number>, ys: ArrayLike<number>, width: number, keep: Uint32Array, ends: boolean, xMin?: number, xMax?: number) {
  const label = `${ends ? 'm4' : 'min-max'} width=${width}`;
  const { columns, columnOfIndex } = columnsOf(xs, ys, width, xMin, xMax);
  assertIncreasing(keep, label);
  assert.ok(keep.length <= (ends ? 4 : 2) * width, `${label}: ${keep.length} indices`);
  const kept = new Map<number, number[]>();
  for (const i of keep) {
    const c = columnOfIndex.get(i);
    assert.ok(c !== undefined, `${label}: index ${i} is inside the x range`);
    kept.set(c, [...(kept.get(c) ?? []), i]);
  }
  for (const [c, column] of columns) {
    const here = kept.get(c) ?? [];
    assert.ok(here.length <= (ends ? 4 : 2), `${label}: column ${c} keeps ${here.length}`);
    const values = here.map((i) => ys[i]);
    if (column.min <= column.max) {
      assert.ok(values.includes(column.min), `${label}: column ${c} keeps its minimum ${column.min}`);
      assert.ok(values.includes(column.max), `${label}: column ${c} keeps its maximum ${column.max}`);
    } else {
      assert.ok(here.includes(column.first), `${label}: all-non-finite column ${c} keeps its first point`);
    }
    if (ends) {
      assert.ok(here.includes(column.first), `${label}: column ${c} keeps its first point`);
      assert.ok(here.includes(column.last), `${label}: column ${c} keeps its last point`);
    }
    for (const i of here) {
      if (Number.isFinite(ys[i])) continue;
      const allowed = ends ? i === column.first || i === column.last : i === column.first && !(column.min <= column.max);
      assert.ok(allowed, `${label}: non-finite y at ${i} kept only as a column's ${ends ? 'first or last' : 'placeholder'}`);
    }
  }
}

for (const [name, decimate, ends] of [
  ['m4Indices', m4Indices, true],
  ['minMaxIndices', minMaxIndices, false],
] as const) {
  describe(name, () => {
    it("keeps every column's true minimum and maximum (brute-force check)", () => {
      const { xs, ys } = telemetry(200_000, 11);
      for (const width of [1, 2, 7, 100, 999, 4000]) checkColumns(xs, ys, width, decimate(xs, ys, width), ends);
    });

    it('keeps a planted spike and dip in 1M points', () => {
      const n = 1_000_000;
      const rnd = mulberry32(21);
      const ys = Float64Array.from({ length: n }, (_, i) => 3 * Math.exp(-i / 200_000) + 0.1 * rnd());
      ys[424_242] = 40;
      ys[777_777] = -5;
      for (const width of [300, 1000, 2000]) {
        const keep = decimate(xsOf(n), ys, width);
        assert.ok(keep.includes(424_242), `spike kept at width ${width}`);
        assert.ok(keep.includes(777_777), `dip kept at width ${width}`);
        assert.ok(keep.length <= (ends ? 4 : 2) * width);
      }
    });

    it('fills its length bound when every column has distinct points', () => {
      const n = 100_000;
      const ys = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) + i * 1e-6);
      const keep = decimate(xsOf(n), ys, 1000);
      assert.ok(keep.length > (ends ? 3.5 : 1.9) * 1000 && keep.length <= (ends ? 4 : 2) * 1000, `${keep.length} indices`);
      assertIncreasing(keep, name);
    });

    it('never chooses a non-finite value as an extreme, but keeps a marker for an all-NaN column', () => {
      const n = 10_000;
      const ys = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? NaN : i % 3 === 1 ? Infinity : -Infinity));
      for (let i = 0; i < n; i += 2) if (i < 5000) ys[i] = Math.sin(i); // left half mixes finite values in
      const width = 50; // 200 points per column
      const keep = decimate(xsOf(n), ys, width);
      checkColumns(xsOf(n), ys, width, keep, ends);
      const right = [...keep].filter((i) => i >= 5000);
      const firsts = Array.from({ length: 25 }, (_, c) => 5000 + 200 * c);
      const lasts = firsts.map((i) => i + 199);
      assert.deepEqual(right, ends ? firsts.flatMap((f, c) => [f, lasts[c]]) : firsts);
    });

    it('handles empty input, few points and a width that is not positive', () => {
      assert.deepEqual([...decimate([], [], 100)], []);
      assert.deepEqual([...decimate([1, 2, 3], [5, 6, 7], 100)], [0, 1, 2]);
      assert.deepEqual([...decimate([1, 2, 3], [5, 6, 7], 3)], [0, 1, 2]);
      assert.deepEqual([...decimate([1, 2, 3], [5, 6, 7], 0)], [0, 1, 2]);
      assert.deepEqual([...decimate([1, 2, 3], [5, 6, 7], -4)], [0, 1, 2]);
      assert.deepEqual([...decimate([1, 2, 3], [5, 6, 7], NaN)], [0, 1, 2]);
      assert.deepEqual([...decimate([1, 2], [5, 6, 7], 1)], [0, 1], 'the shorter array sets the length');
    });

    it('puts every point in one column when all x are equal', () => {
      const ys = [3, 1, 4, 1, 5, 9, 2, 6];
      const keep = [...decimate(new Float64Array(8).fill(7), ys, 2)];
      assert.deepEqual(keep, ends ? [0, 1, 5, 7] : [1, 5]);
    });

    it('decimates only the x range it is given', () => {
      const { xs, ys } = telemetry(50_000, 31);
      const xMin = xs[10_000] + 0.5;
      const xMax = xs[40_000] - 0.5;
      for (const width of [10, 640]) {
        const keep = decimate(xs, ys, width, xMin, xMax);
        checkColumns(xs, ys, width, keep, ends, xMin, xMax);
        assert.ok(keep[0] > 10_000 && keep[keep.length - 1] < 40_000);
      }
      assert.deepEqual([...decimate(xs, ys, 10, 5, 4)], [], 'xMax below xMin keeps nothing');
      const end = xs[xs.length - 1];
      assert.deepEqual([...decimate(xs, ys, 10, end + 1, end + 2)], [], 'a range past the data keeps nothing');
    });

    it('gives the same answer for plain arrays and typed arrays', () => {
      const { xs, ys } = telemetry(30_000, 41);
      assert.deepEqual([...decimate(Array.from(xs), Array.from(ys), 321)], [...decimate(xs, ys, 321)]);
    });
  });
}

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
