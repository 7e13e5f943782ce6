/**
 * Scenario "kernels": the decimation kernels (LTTB, M4, min-max) on 1M and 10M
 * Float64 points down to 1,000 and 2,000 px, against the npm `downsample`
 * package's LTTB on the same data in the same run.
 *
 * Targets: every kernel at least 20× faster than `downsample`'s LTTB, and LTTB
 * at least 150M points/s. The peer is timed both with a full GC before each
 * call and back to back; the targets use whichever median is lower.
 *
 * `downsample` throws on NaN, so the comparison rows give both sides the curve
 * with its NaN points removed; one more row times our LTTB on the curve with
 * them. The peer takes `[x, y]` tuples (its documented input), built outside
 * the timed region; its own conversion of them is part of its time.
 */
import { createRequire } from 'node:module';
import { LTTB } from 'downsample';
import { lttbIndices } from '../src/decimate/lttb.js';
import { m4Indices, minMaxIndices } from '../src/decimate/m4.js';
import { mulberry32 } from '../src/internal/random.js';
import type { BenchContext, BenchRow } from './run.js';

export const title = 'Decimation kernels (LTTB, M4, min-max) on Float64 loss curves, vs npm downsample LTTB';

// Warm-up runs let V8 finish tiering up (the first calls run on-stack-replaced code).
const SIZES = [
  { n: 1_000_000, label: '1M', reps: 15, warmup: 10, peerReps: 9 },
  { n: 10_000_000, label: '10M', reps: 7, warmup: 6, peerReps: 5 },
];
const WIDTHS = [1000, 2000];
const MIN_SPEEDUP = 20;
const MIN_LTTB_POINTS_PER_S = 150e6;

const peerVersion = (createRequire(import.meta.url)('downsample/package.json') as { version: string }).version;
const PEER = `downsample@${peerVersion}`;

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const size of SIZES) {
    ctx.log(`  ${size.label}: generating data`);
    const curve = lossCurve(size.n, 20240601);
    const clean = withoutNaN(curve);
    const dropped = curve.ys.length - clean.ys.length;
    const dataNote =
      `${size.label}: both sides get the curve without its ${dropped} NaN points (downsample throws on NaN), ` +
      `${clean.ys.length.toLocaleString('en-US')} points; M4 and min-max are compared with downsample's LTTB, it has neither`;
    const nanNote = `${size.label}: ours alone, on the curve with its ${dropped} NaN points`;

    // Ours first, while the heap is small; the peer's tuples come after.
    const ours = WIDTHS.map((width) => {
      ctx.log(`  ${size.label} → ${width}: ours`);
      const timed = (fn: () => unknown) => ctx.time(fn, { reps: size.reps, warmup: size.warmup });
      return {
        width,
        lttb: timed(() => lttbIndices(clean.xs, clean.ys, width)),
        lttbWithNaN: timed(() => lttbIndices(curve.xs, curve.ys, width)),
        m4: timed(() => m4Indices(clean.xs, clean.ys, width)),
        minMax: timed(() => minMaxIndices(clean.xs, clean.ys, width)),
        keep: lttbIndices(clean.xs, clean.ys, width),
      };
    });

    ctx.log(`  ${size.label}: building [x, y] tuples for ${PEER}`);
    const tuples: Array<[number, number]> = new Array(clean.xs.length);
    for (let i = 0; i < tuples.length; i++) tuples[i] = [clean.xs[i], clean.ys[i]];

    for (const our of ours) {
      const { width } = our;
      ctx.log(`  ${size.label} → ${width}: ${PEER}`);
      const afterGc = ctx.time(() => LTTB(tuples, width), { reps: size.peerReps, warmup: 1 });
      const backToBack = ctx.time(() => LTTB(tuples, width), { reps: size.peerReps, warmup: 1, gc: false });
      // The targets are judged against the peer's better showing: a full GC
      // before each call is not always its best case (after one, V8 starts it
      // with a small young generation).
      const peer = ctx.median(afterGc) <= ctx.median(backToBack) ? afterGc : backToBack;
      const peerMs = ctx.median(peer);
      const same = samePoints(our.keep, LTTB(tuples, width) as ArrayLike<[number, number]>, clean.xs);
      const caseName = `${size.label} → ${width}`;
      const vsPeer = (kernel: string, samples: number[], note: string): BenchRow => {
        const ms = ctx.median(samples);
        const ratio = peerMs / ms;
        return {
          scenario: 'kernels',
          case: `${kernel} ${caseName}`,
          metric: 'time',
          ours: ms,
          peer: peerMs,
          peerName: 'downsample LTTB',
          unit: 'ms',
          ratio,
          target: `≥ ${MIN_SPEEDUP}× peer`,
          pass: ratio >= MIN_SPEEDUP,
          reps: samples.length,
          note,
          samples: { ours: samples, peer },
        };
      };
      const throughput = (label: string, samples: number[], points: number, note: string, peerSamples?: number[]): BenchRow => {
        const rate = points / ctx.median(samples) / 1e3; // points per ms → M points/s
        const peerRate = peerSamples && points / ctx.median(peerSamples) / 1e3;
        return {
          scenario: 'kernels',
          case: `${label} ${caseName}`,
          metric: 'throughput',
          ours: rate,
          ...(peerRate === undefined ? {} : { peer: peerRate, peerName: 'downsample LTTB', ratio: rate / peerRate }),
          unit: 'Mpt/s',
          target: `≥ ${MIN_LTTB_POINTS_PER_S / 1e6} Mpt/s`,
          pass: rate * 1e6 >= MIN_LTTB_POINTS_PER_S,
          reps: samples.length,
          note,
        };
      };
      const ms = (samples: number[]) => ctx.median(samples).toFixed(0);
      const lttbNote =
        `peer: the faster of its medians with a full GC before each call (${ms(afterGc)} ms) and called back to back ` +
        `(${ms(backToBack)} ms); our LTTB keeps the same points as downsample's in ${same} of ${width} places (not where it keeps the global min/max)`;
      rows.push(
        vsPeer('LTTB', our.lttb, lttbNote),
        throughput('LTTB', our.lttb, clean.ys.length, dataNote, peer),
        throughput('LTTB with NaN', our.lttbWithNaN, curve.ys.length, nanNote),
        vsPeer('M4', our.m4, dataNote),
        vsPeer('min-max', our.minMax, dataNote),
      );
    }
  }
  return rows;
}

/**
 * A training-loss curve over steps 0..n-1: exponential decay to a floor,
 * multiplicative noise that shrinks as training settles, rare spikes (about one
 * in 100k steps) and a NaN every 100k steps or so. Seeded, so runs compare.
 */
export function lossCurve(n: number, seed: number): { xs: Float64Array; ys: Float64Array } {
  const random = mulberry32(seed);
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / n;
    const trend = 0.3 + 2.5 * Math.exp(-6 * t);
    let y = trend * (1 + 0.08 * (random() - 0.5) * (1 + 3 * Math.exp(-8 * t)));
    if (random() < 1e-5) y *= 2 + 6 * random();
    xs[i] = i;
    ys[i] = y;
  }
  for (let i = 49_999 + Math.floor(random() * 1000); i < n; i += 100_000 + Math.floor(random() * 1000)) ys[i] = NaN;
  return { xs, ys };
}

function withoutNaN({ xs, ys }: { xs: Float64Array; ys: Float64Array }): { xs: Float64Array; ys: Float64Array } {
  let kept = 0;
  for (let i = 0; i < ys.length; i++) if (!Number.isNaN(ys[i])) kept++;
  const out = { xs: new Float64Array(kept), ys: new Float64Array(kept) };
  let k = 0;
  for (let i = 0; i < ys.length; i++) {
    if (Number.isNaN(ys[i])) continue;
    out.xs[k] = xs[i];
    out.ys[k++] = ys[i];
  }
  return out;
}

/** How many of our kept indices are points the peer kept too (xs are unique and sorted). */
function samePoints(keep: Uint32Array, peerPoints: ArrayLike<[number, number]>, xs: Float64Array): number {
  const peerX = new Set<number>();
  for (let i = 0; i < peerPoints.length; i++) peerX.add(peerPoints[i][0]);
  let same = 0;
  for (const i of keep) if (peerX.has(xs[i])) same++;
  return same;
}
