/**
 * Telemetry simulator: writes realistic training telemetry for N runs into
 * `training_observability.metric_points`, through nothing but ClickHouse HTTP
 * `INSERT … FORMAT JSONEachRow` requests, so it feeds the embedded server and a
 * real ClickHouse alike.
 *
 * Data contract (one row per metric point; `step` is the optimizer step):
 *
 * | metric                          | when                 | host                | rank          | device         | unit      |
 * |---------------------------------|----------------------|---------------------|---------------|----------------|-----------|
 * | `loss`                          | every step           | `''`                | 0             | 65535          | `''`      |
 * | `loss_t+1`, `loss_t+2`          | every step           | `''`                | 0             | 65535          | `''`      |
 * | `val_loss`                      | step % valEvery == 0 | `''`                | 0             | 65535          | `''`      |
 * | `tokens_per_s`                  | step % sysEvery == 0 | `''`                | 0             | 65535          | `tok/s`   |
 * | `batches_per_s`                 | step % sysEvery == 0 | `''`                | 0             | 65535          | `batch/s` |
 * | `sys.gpu.<device>.util_percent` | step % sysEvery == 0 | `node-0`, `node-1`  | 0..7 (global) | 0..3 (on host) | `%`       |
 * | `sys.cpu_percent`               | step % sysEvery == 0 | `node-0`, `node-1`  | 0             | 65535          | `%`       |
 *
 * Run-level metrics carry the table's column defaults (host `''`, rank 0,
 * device 65535 = "no device") so readers can tell them from per-host samples.
 * `tags_json` is always `''`. Loss values are very rarely NaN (all three heads
 * at the same step, as a diverged batch would be); steps start at 0.
 *
 * Every value is a pure function of (seed, run, step): generating steps
 * [0, 1000) in one call or in ten gives the same rows, which is what lets the
 * live mode continue the backfilled history seamlessly.
 *
 * On the wire (checked against the embedded server, ClickHouse 26.7):
 * - `event_time` goes as a Unix timestamp string, `"1736942400.123"`: a
 *   'YYYY-MM-DD hh:mm:ss.mmm' string is read in the *server's* time zone.
 * - NaN/±Inf go as the strings `"nan"`, `"inf"`, `"-inf"`; bare `nan` is a
 *   parse error (read as a misspelt `null`) and `null` silently becomes 0.
 *   Readers see NaN/Inf come back as `null` in JSON output formats.
 * - Columns equal to their DEFAULT are left out of the row.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { METRIC_POINTS_TABLE } from './schema.js';
import { extraEvents, extraSeries, extrasModel, extraValues, type EventRow, type ExtrasModel } from './simulator-extras.js';

export const HOSTS = ['node-0', 'node-1'] as const;
export const GPUS_PER_HOST = 4;

/** One row of `metric_points`; `event_time` in epoch milliseconds (UTC). */
export interface MetricRow {
  event_time: number;
  run_id: string;
  host: string;
  rank: number;
  device: number;
  step: number;
  metric: string;
  value: number;
  unit: string;
  tags_json: string;
}

/** What `generateRows` needs; every field is explicit so the output depends on nothing else. */
export interface GenerateOptions {
  /** Epoch ms of step 0. */
  startTime: number;
  stepsPerSecond: number;
  valEvery: number;
  sysEvery: number;
  seed: number;
  /** Probability per step that the loss is NaN. */
  nanRate: number;
}

export interface SimulatorOptions {
  /** ClickHouse HTTP endpoint, e.g. `http://localhost:8123`. */
  url: string;
  user?: string;
  password?: string;
  /** Number of live runs (default 2). */
  runs?: number;
  /** Runs that finished: 60% of the history, then `run.status` finished (default 0). */
  finishedRuns?: number;
  /** Runs that failed: the loss diverges to NaN at 45% of the history, then `run.status` failed (default 0). */
  failedRuns?: number;
  /** Steps to backfill per run (default 2000). */
  history?: number;
  /** Live rate, which also spaces the backfilled history (default 5). */
  stepsPerSecond?: number;
  /** Steps between `val_loss` points (default 100). */
  valEvery?: number;
  /** Steps between system samples (default 10). */
  sysEvery?: number;
  /** Seed of all randomness (default: a random one, logged so a run can be reproduced). */
  seed?: number;
  /** Run ids are `${runPrefix}${index}` (default `run-`). */
  runPrefix?: string;
  /** Rows per INSERT request during backfill (default 200,000). */
  batchRows?: number;
  /** Probability per step of a NaN loss (default 1e-5). */
  nanRate?: number;
  /** Epoch ms of step 0 (default: so that the backfilled history ends now). */
  startTime?: number;
  signal?: AbortSignal;
  log?: (msg: string) => void;
}

export const SIMULATOR_DEFAULTS = {
  runs: 2,
  history: 2000,
  stepsPerSecond: 5,
  valEvery: 100,
  sysEvery: 10,
  runPrefix: 'run-',
  batchRows: 200_000,
  nanRate: 1e-5,
} as const;

// ---------------------------------------------------------------------------
// Randomness: counter-based, so any step can be generated without its past.

function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A mulberry32 stream re-keyed per (seed, channel, index). */
class KeyedRandom {
  private state = 0;

  reset(seed: number, channel: number, index: number): this {
    // Steps may exceed 2^32 in principle; fold the high word in too.
    const hi = Math.floor(index / 0x1_0000_0000);
    this.state = mix32(seed ^ mix32(channel ^ mix32((index >>> 0) ^ mix32(hi + 0x9e3779b9))));
    return this;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
  }
}

/** Independent random streams, so adding a draw to one never reshuffles another. */
const Channel = { Run: 1, Step: 2, Spike: 3, Straggle: 4, Extra: 5, Event: 6, Model: 7 } as const;

// ---------------------------------------------------------------------------
// The model of one run.

/** Series slots of a run, in emission order; index into `seriesOf`. */
const LOSS = 0;
const LOSS_T1 = 1;
const LOSS_T2 = 2;
const VAL_LOSS = 3;
const TOKENS = 4;
const BATCHES = 5;
const GPU0 = 6;
const GPU_COUNT = HOSTS.length * GPUS_PER_HOST;
const CPU0 = GPU0 + GPU_COUNT;
const EXTRA0 = CPU0 + HOSTS.length;

interface Series {
  metric: string;
  host: string;
  rank: number;
  device: number;
  unit: string;
  tags_json: string;
}

function seriesOf(): Series[] {
  const runLevel = (metric: string, unit = ''): Series => ({ metric, host: '', rank: 0, device: 65535, unit, tags_json: '' });
  const list = [
    runLevel('loss'),
    runLevel('loss_t+1'),
    runLevel('loss_t+2'),
    runLevel('val_loss'),
    runLevel('tokens_per_s', 'tok/s'),
    runLevel('batches_per_s', 'batch/s'),
  ];
  for (let rank = 0; rank < GPU_COUNT; rank++) {
    const device = rank % GPUS_PER_HOST;
    const host = HOSTS[Math.floor(rank / GPUS_PER_HOST)];
    list.push({ metric: `sys.gpu.${device}.util_percent`, host, rank, device, unit: '%', tags_json: '' });
  }
  for (const host of HOSTS) list.push({ metric: 'sys.cpu_percent', host, rank: 0, device: 65535, unit: '%', tags_json: '' });
  for (const extra of extraSeries(HOSTS)) list.push({ ...extra, rank: 0, device: 65535, tags_json: '' });
  return list;
}

const SERIES = seriesOf();

/** Spikes and straggles are decided per block of steps, so a step needs only its own and the previous block. */
const SPIKE_BLOCK = 512;
const STRAGGLE_BLOCK = 400;

interface Spike {
  start: number;
  height: number;
  tau: number;
}

interface RunModel {
  seed: number;
  floor: number;
  amplitude: number;
  alpha: number;
  t0: number;
  noise: number;
  head1: number;
  head2: number;
  spikeChance: number;
  tokensPerBatch: number;
  straggler: number;
  gpuBase: number;
  cpuBase: [number, number];
  /** First step of a divergence that ends the run (Infinity: none). */
  divergeAt: number;
  extras: ExtrasModel;
}

function runModel(runIndex: number, seed: number, runId = `run-${runIndex}`, divergeAt = Infinity): RunModel {
  const runSeed = mix32(seed ^ mix32(runIndex + 0x51ed27));
  const r = new KeyedRandom().reset(runSeed, Channel.Run, 0);
  // Golden-ratio walks spread floor and height, so no two runs draw on top of each other.
  const floorSpread = (runIndex * 0.6180339887) % 1;
  const heightSpread = (runIndex * 0.3819660113 + 0.5) % 1;
  const floor = 1.4 + floorSpread + r.between(0, 0.1);
  const amplitude = 6 + 4 * heightSpread + r.between(0, 0.5);
  const alpha = r.between(0.3, 0.45);
  const t0 = r.between(60, 200);
  const model: Omit<RunModel, 'extras'> = {
    seed: runSeed,
    floor,
    amplitude,
    alpha,
    t0,
    noise: r.between(0.012, 0.03),
    head1: r.between(0.05, 0.09),
    head2: r.between(0.11, 0.17),
    spikeChance: r.between(0.08, 0.2),
    // Batches of 1–3M tokens, as large pretraining runs use, so the token milestones are reached within a demo.
    tokensPerBatch: 4096 * [256, 384, 512, 768][Math.floor(r.next() * 4)],
    straggler: Math.floor(r.next() * GPU_COUNT),
    gpuBase: r.between(90, 97),
    cpuBase: [r.between(15, 35), r.between(15, 35)],
    divergeAt,
  };
  const trend = (step: number) => floor + amplitude * Math.pow(1 + step / t0, -alpha);
  return { ...model, extras: extrasModel(runId, model.tokensPerBatch, trend, new KeyedRandom().reset(runSeed, Channel.Model, 0)) };
}

/** Where emitted points go: fixed series by slot, and rows with tags of their own. */
interface Sink {
  point(series: number, step: number, timeMs: number, value: number): void;
  event(row: EventRow): void;
}

const round = (value: number, scale: number): number => Math.round(value * scale) / scale;
const clampPercent = (value: number): number => round(Math.min(100, Math.max(0, value)), 10);

/** Emits every point of steps [from, to) of one run, in step order. */
function emitSteps(model: RunModel, opts: GenerateOptions, from: number, to: number, out: Sink): void {
  const sink = (series: number, step: number, time: number, value: number) => out.point(series, step, time, value);
  const rng = new KeyedRandom();
  const extraRng = new KeyedRandom();
  const blockRng = new KeyedRandom();
  const stepMs = 1000 / opts.stepsPerSecond;

  // A spike decays within one block, so only the current and previous block's spikes can reach a step.
  let spikeBlock = -1;
  let spikeHere: Spike | null = null;
  let spikeBefore: Spike | null = null;
  const spikeOf = (block: number): Spike | null => {
    if (block < 0) return null;
    blockRng.reset(model.seed, Channel.Spike, block);
    if (blockRng.next() >= model.spikeChance) return null;
    return { start: block * SPIKE_BLOCK + Math.floor(blockRng.next() * SPIKE_BLOCK), height: blockRng.between(0.1, 0.5), tau: blockRng.between(6, 40) };
  };
  const spikeAt = (step: number): number => {
    const block = Math.floor(step / SPIKE_BLOCK);
    if (block !== spikeBlock) {
      spikeBefore = block === spikeBlock + 1 ? spikeHere : spikeOf(block - 1);
      spikeHere = spikeOf(block);
      spikeBlock = block;
    }
    let factor = 0;
    for (const spike of [spikeHere, spikeBefore]) {
      if (spike && step >= spike.start) factor += spike.height * Math.exp(-(step - spike.start) / spike.tau);
    }
    return factor;
  };

  let straggleBlock = -1;
  let straggleFrom = 0;
  let straggleTo = 0;
  const stragglingAt = (step: number): boolean => {
    const block = Math.floor(step / STRAGGLE_BLOCK);
    if (block !== straggleBlock) {
      straggleBlock = block;
      blockRng.reset(model.seed, Channel.Straggle, block);
      if (blockRng.next() < 0.2) {
        straggleFrom = block * STRAGGLE_BLOCK + Math.floor(blockRng.next() * STRAGGLE_BLOCK);
        straggleTo = straggleFrom + 40 + Math.floor(blockRng.next() * 200);
      } else {
        straggleFrom = straggleTo = -1;
      }
    }
    return step >= straggleFrom && step < straggleTo;
  };

  for (let step = from; step < to; step++) {
    rng.reset(model.seed, Channel.Step, step);
    // Jitter under half a step keeps event_time strictly increasing with step.
    const time = Math.floor(opts.startTime + step * stepMs + rng.next() * 0.45 * stepMs);
    const diverged = rng.next() < opts.nanRate || step >= model.divergeAt;

    const trend = model.floor + model.amplitude * Math.pow(1 + step / model.t0, -model.alpha);
    // A run heading for divergence blows up over its last 60 steps before the NaNs.
    const spike = (1 + spikeAt(step)) * (step >= model.divergeAt - 60 ? Math.exp((step - model.divergeAt + 60) / 12) : 1);
    const loss = trend * spike * (1 + model.noise * rng.normal());
    const lossT1 = trend * (1 + model.head1) * spike * (1 + model.noise * rng.normal());
    const lossT2 = trend * (1 + model.head2) * spike * (1 + model.noise * rng.normal());
    sink(LOSS, step, time, diverged ? NaN : round(loss, 1e5));
    sink(LOSS_T1, step, time, diverged ? NaN : round(lossT1, 1e5));
    sink(LOSS_T2, step, time, diverged ? NaN : round(lossT2, 1e5));

    const isEval = step % opts.valEvery === 0;
    if (isEval) {
      // The generalization gap widens slowly as the model starts to memorize.
      const gap = 0.01 + 0.04 * (step / (step + 200_000));
      sink(VAL_LOSS, step, time, round(trend * (1 + gap) * (1 + 0.003 * rng.normal()), 1e5));
    }

    if (step % opts.sysEvery === 0) {
      const straggling = stragglingAt(step);
      const warmup = 0.55 + 0.45 * (1 - Math.exp(-step / 40));
      const batches = opts.stepsPerSecond * warmup * (straggling ? 0.82 : 1) * (1 + 0.02 * rng.normal());
      sink(TOKENS, step, time, Math.round(batches * model.tokensPerBatch));
      sink(BATCHES, step, time, round(batches, 1e3));
      for (let rank = 0; rank < GPU_COUNT; rank++) {
        let util = model.gpuBase * warmup + 1.5 * rng.normal();
        // A slow GPU holds back every collective: it reads low, the others wait a little.
        if (straggling) util = rank === model.straggler ? 58 + 6 * rng.normal() : model.gpuBase - 6 + 2 * rng.normal();
        sink(GPU0 + rank, step, time, clampPercent(util));
      }
      for (let h = 0; h < HOSTS.length; h++) {
        // Evaluation reloads data on the hosts, which shows as a CPU bump.
        sink(CPU0 + h, step, time, clampPercent(model.cpuBase[h] + (isEval ? 20 : 0) + 3 * rng.normal()));
      }
      extraRng.reset(model.seed, Channel.Extra, step);
      extraValues(model.extras, step, HOSTS.length, extraRng).forEach((value, i) => sink(EXTRA0 + i, step, time, value));
    }
    if (step === 0) out.event({ metric: 'run.status', step, time, value: 0, tags: { status: 'running' } });
    extraRng.reset(model.seed, Channel.Event, step);
    extraEvents(model.extras, step, time, extraRng, (row) => out.event(row));
  }
}

// ---------------------------------------------------------------------------
// Rows and their wire format.

function checkOptions(opts: GenerateOptions): void {
  const positiveInt = (name: keyof GenerateOptions) => {
    if (!Number.isInteger(opts[name]) || opts[name] < 1) throw new RangeError(`${name} must be a positive integer, got ${opts[name]}`);
  };
  positiveInt('valEvery');
  positiveInt('sysEvery');
  if (!(opts.stepsPerSecond > 0)) throw new RangeError(`stepsPerSecond must be > 0, got ${opts.stepsPerSecond}`);
  if (!(opts.nanRate >= 0 && opts.nanRate <= 1)) throw new RangeError(`nanRate must be in [0, 1], got ${opts.nanRate}`);
}

/**
 * Every row of steps [fromStep, toStep) of one run; pure and deterministic:
 * same arguments, same rows, whatever the chunking.
 */
export function generateRows(runIndex: number, runId: string, fromStep: number, toStep: number, opts: GenerateOptions): MetricRow[] {
  checkOptions(opts);
  const rows: MetricRow[] = [];
  emitSteps(runModel(runIndex, opts.seed, runId), opts, fromStep, toStep, {
    point: (series, step, time, value) => rows.push({ event_time: time, run_id: runId, ...SERIES[series], step, value }),
    event: (row) => rows.push(eventRow(runId, row)),
  });
  return rows;
}

function eventRow(runId: string, row: EventRow): MetricRow {
  return { event_time: row.time, run_id: runId, host: '', rank: 0, device: 65535, step: row.step, metric: row.metric, value: row.value, unit: row.unit ?? '', tags_json: Object.keys(row.tags).length ? JSON.stringify(row.tags) : '' };
}

/**
 * Event time as a Unix timestamp string with milliseconds: unlike
 * 'YYYY-MM-DD hh:mm:ss.mmm', ClickHouse reads it the same whatever the
 * server's time zone.
 */
export function formatEventTime(ms: number): string {
  const frac = ms % 1000;
  return `${(ms - frac) / 1000}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
}

/** JSON has no NaN/Infinity; ClickHouse parses them from quoted `"nan"`, `"inf"`, `"-inf"` (bare `nan` is rejected). */
function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  return Number.isNaN(value) ? '"nan"' : value > 0 ? '"inf"' : '"-inf"';
}

/** A JSON string literal in pure ASCII, so bodies can be written as latin1 bytes whatever the run id. */
function jsonString(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The constant head of a series' rows. Columns equal to the table's DEFAULT
 * are left out: ClickHouse fills them in (input_format_defaults_for_omitted_fields
 * is on by default), and the smaller rows insert about a quarter faster.
 */
function seriesPrefix(runId: string, s: Series): string {
  let head = `{"run_id":${jsonString(runId)},"metric":${jsonString(s.metric)}`;
  if (s.host !== '') head += `,"host":${jsonString(s.host)}`;
  if (s.rank !== 0) head += `,"rank":${s.rank}`;
  if (s.device !== 65535) head += `,"device":${s.device}`;
  if (s.unit !== '') head += `,"unit":${jsonString(s.unit)}`;
  if (s.tags_json !== '') head += `,"tags_json":${jsonString(s.tags_json)}`;
  return `${head},"step":`;
}

function rowLine(prefix: string, step: number, time: string, value: number): string {
  return `${prefix}${step},"event_time":"${time}","value":${formatValue(value)}}\n`;
}

/** Rows as the NDJSON body of an `INSERT … FORMAT JSONEachRow`. */
export function toJsonEachRow(rows: readonly MetricRow[]): string {
  let body = '';
  for (const row of rows) body += rowLine(seriesPrefix(row.run_id, row), row.step, formatEventTime(row.event_time), row.value);
  return body;
}

/** A growable byte buffer; NDJSON here is pure ASCII, so latin1 writes are exact and fast. */
class ByteSink {
  private buffer = Buffer.allocUnsafe(1 << 16);
  length = 0;

  write(text: string): void {
    // A row is far below 4 KiB; growing before each write keeps `write` from truncating.
    if (this.length + text.length > this.buffer.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + text.length));
      this.buffer.copy(bigger, 0, 0, this.length);
      this.buffer = bigger;
    }
    this.length += this.buffer.write(text, this.length, 'latin1');
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

/**
 * Writes NDJSON lines straight from the model into bytes, skipping row
 * objects and long-lived strings (the backfill hot path: a rope of millions of
 * concatenated lines spent more time in the garbage collector than in the
 * model). Lines are kept per series so a body arrives grouped in the table's
 * ORDER BY, which ClickHouse sorts faster than interleaved steps.
 */
class NdjsonWriter {
  rows = 0;
  private readonly runId: string;
  private readonly prefixes: string[];
  private readonly order: number[];
  private sinks: ByteSink[];
  /** Rows with tags of their own; few, written whole. */
  private events = new ByteSink();
  private lastTime = NaN;
  private lastTimeText = '';

  constructor(runId: string) {
    this.runId = runId;
    this.prefixes = SERIES.map((s) => seriesPrefix(runId, s));
    this.order = SERIES.map((_, i) => i).sort((a, b) => compareSeries(SERIES[a], SERIES[b]));
    this.sinks = SERIES.map(() => new ByteSink());
  }

  readonly sink: Sink = {
    point: (series, step, time, value) => {
      if (time !== this.lastTime) {
        this.lastTime = time;
        this.lastTimeText = formatEventTime(time);
      }
      this.sinks[series].write(rowLine(this.prefixes[series], step, this.lastTimeText, value));
      this.rows++;
    },
    event: (row) => {
      this.events.write(toJsonEachRow([eventRow(this.runId, row)]));
      this.rows++;
    },
  };

  take(): Buffer {
    const body = Buffer.concat([...this.order.map((i) => this.sinks[i].bytes()), this.events.bytes()]);
    this.sinks = SERIES.map(() => new ByteSink());
    this.events = new ByteSink();
    this.rows = 0;
    return body;
  }
}

function compareSeries(a: Series, b: Series): number {
  const text = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return text(a.metric, b.metric) || text(a.host, b.host) || a.rank - b.rank || a.device - b.device;
}

// ---------------------------------------------------------------------------
// Talking to ClickHouse.

interface Resolved extends GenerateOptions {
  url: string;
  user?: string;
  password?: string;
  runs: number;
  finishedRuns: number;
  failedRuns: number;
  history: number;
  runPrefix: string;
  batchRows: number;
  signal?: AbortSignal;
  log: (msg: string) => void;
}

function resolve(opts: SimulatorOptions): Resolved {
  const history = opts.history ?? SIMULATOR_DEFAULTS.history;
  const stepsPerSecond = opts.stepsPerSecond ?? SIMULATOR_DEFAULTS.stepsPerSecond;
  const resolved: Resolved = {
    url: opts.url,
    user: opts.user,
    password: opts.password,
    runs: opts.runs ?? SIMULATOR_DEFAULTS.runs,
    finishedRuns: opts.finishedRuns ?? 0,
    failedRuns: opts.failedRuns ?? 0,
    history,
    stepsPerSecond,
    valEvery: opts.valEvery ?? SIMULATOR_DEFAULTS.valEvery,
    sysEvery: opts.sysEvery ?? SIMULATOR_DEFAULTS.sysEvery,
    seed: opts.seed ?? Math.floor(Math.random() * 0x7fffffff),
    nanRate: opts.nanRate ?? SIMULATOR_DEFAULTS.nanRate,
    runPrefix: opts.runPrefix ?? SIMULATOR_DEFAULTS.runPrefix,
    batchRows: opts.batchRows ?? SIMULATOR_DEFAULTS.batchRows,
    startTime: opts.startTime ?? Date.now() - Math.round((history * 1000) / stepsPerSecond),
    signal: opts.signal,
    log: opts.log ?? (() => undefined),
  };
  checkOptions(resolved);
  for (const name of ['runs', 'finishedRuns', 'failedRuns'] as const) {
    if (!Number.isInteger(resolved[name]) || resolved[name] < 0) throw new RangeError(`${name} must be a non-negative integer, got ${resolved[name]}`);
  }
  if (!Number.isInteger(history) || history < 0) throw new RangeError(`history must be a non-negative integer, got ${history}`);
  if (!Number.isInteger(resolved.batchRows) || resolved.batchRows < 1) throw new RangeError(`batchRows must be a positive integer, got ${resolved.batchRows}`);
  return resolved;
}

async function insert(opts: Resolved, body: Uint8Array): Promise<void> {
  const url = new URL(opts.url);
  url.searchParams.set('query', `INSERT INTO ${METRIC_POINTS_TABLE} FORMAT JSONEachRow`);
  const headers: Record<string, string> = { 'Content-Type': 'application/x-ndjson' };
  if (opts.user !== undefined) {
    headers.Authorization = `Basic ${Buffer.from(`${opts.user}:${opts.password ?? ''}`).toString('base64')}`;
  }
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers, body, signal: opts.signal });
  } catch (error) {
    if (opts.signal?.aborted) throw error;
    // undici's "fetch failed" hides the reason (refused, DNS…) in `cause`.
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    throw new Error(`ClickHouse at ${url.origin} is unreachable${cause}`, { cause: error });
  }
  if (!response.ok) {
    const text = (await response.text()).trim();
    throw new Error(`ClickHouse INSERT failed with HTTP ${response.status}: ${text.slice(0, 500)}`);
  }
  // Drain so the connection goes back to the pool.
  await response.arrayBuffer();
}

const runIdOf = (opts: Resolved, index: number) => `${opts.runPrefix}${index}`;

/** One run to write: live runs first, then finished, then failed ones. */
interface RunPlan {
  index: number;
  id: string;
  /** Steps written by the backfill. */
  steps: number;
  live: boolean;
  model: RunModel;
  /** The closing `run.status` of a run that ended. */
  end?: { value: number; status: string; reason?: string };
}

function runPlans(opts: Resolved): RunPlan[] {
  const plans: RunPlan[] = [];
  const add = (steps: number, live: boolean, divergeAt: number, end?: RunPlan['end']) => {
    const index = plans.length;
    const id = runIdOf(opts, index);
    plans.push({ index, id, steps, live, model: runModel(index, opts.seed, id, divergeAt), end });
  };
  for (let i = 0; i < opts.runs; i++) add(opts.history, true, Infinity);
  for (let i = 0; i < opts.finishedRuns; i++) add(Math.floor(opts.history * 0.6), false, Infinity, { value: 1, status: 'finished' });
  for (let i = 0; i < opts.failedRuns; i++) {
    const steps = Math.floor(opts.history * 0.45);
    const divergeAt = Math.max(0, steps - 30);
    add(steps, false, divergeAt, { value: 2, status: 'failed', reason: `loss diverged (NaN) at step ${divergeAt}` });
  }
  return plans;
}

/** The most rows one step can produce (3 losses, val_loss, 2 throughputs, 8 GPUs, 2 CPUs): sizes the chunks checked against batchRows. */
const MAX_ROWS_PER_STEP = SERIES.length;

async function backfillResolved(opts: Resolved): Promise<{ rows: number; seconds: number }> {
  const started = performance.now();
  let total = 0;
  let lastLog = started;
  // One INSERT in flight while the next batch is built; marked handled now, awaited (and rethrown) before the next one.
  let inFlight: Promise<void> = Promise.resolve();
  const send = async (body: Uint8Array, rows: number) => {
    await inFlight;
    inFlight = insert(opts, body);
    inFlight.catch(() => undefined);
    total += rows;
  };

  // Chunks small enough that a batch overshoots batchRows by at most one chunk, big enough to amortize the checks.
  const chunkSteps = Math.max(1, Math.min(2000, Math.floor(opts.batchRows / MAX_ROWS_PER_STEP)));
  const plans = runPlans(opts);
  opts.log(`backfill: ${plans.length} run(s) × up to ${opts.history} steps, seed ${opts.seed}`);
  for (const plan of plans) {
    const runId = plan.id;
    const model = plan.model;
    const writer = new NdjsonWriter(runId);
    for (let from = 0; from < plan.steps; from += chunkSteps) {
      opts.signal?.throwIfAborted();
      emitSteps(model, opts, from, Math.min(plan.steps, from + chunkSteps), writer.sink);
      if (writer.rows >= opts.batchRows) {
        const rows = writer.rows;
        await send(writer.take(), rows);
      }
      // Let the in-flight request's I/O progress between chunks.
      await new Promise<void>((done) => setImmediate(done));
      const now = performance.now();
      if (now - lastLog > 2000) {
        lastLog = now;
        opts.log(`backfill: ${runId} step ${Math.min(plan.steps, from + chunkSteps)}/${plan.steps}, ${total} rows sent`);
      }
    }
    if (plan.end && plan.steps > 0) {
      const last = plan.steps - 1;
      const { status, reason, value } = plan.end;
      writer.sink.event({ metric: 'run.status', step: last, time: Math.floor(opts.startTime + ((last + 0.5) * 1000) / opts.stepsPerSecond), value, tags: reason ? { status, reason } : { status } });
    }
    if (writer.rows > 0) {
      const rows = writer.rows;
      await send(writer.take(), rows);
    }
  }
  await inFlight;
  const seconds = (performance.now() - started) / 1000;
  opts.log(`backfill: ${total} rows in ${seconds.toFixed(1)} s`);
  return { rows: total, seconds };
}

/** Writes `history` steps of every run, ending about now; resolves once ClickHouse has them all. */
export function backfill(opts: SimulatorOptions): Promise<{ rows: number; seconds: number }> {
  return backfillResolved(resolve(opts));
}

/**
 * Backfills, then appends the steps that real time has reached, for all runs
 * in one INSERT per second, until `signal` aborts. Resolves on abort; rejects
 * if the backfill fails. A failed live INSERT is logged and retried with the
 * next tick's steps, so a server restart leaves no gap.
 */
export async function simulate(opts: SimulatorOptions): Promise<void> {
  const resolved = resolve(opts);
  const { signal, log } = resolved;
  try {
    await backfillResolved(resolved);
    const live = runPlans(resolved).filter((plan) => plan.live);
    const writers = live.map((plan) => new NdjsonWriter(plan.id));
    const models = live.map((plan) => plan.model);
    let next = resolved.history;
    let sentRows = 0;
    let lastLog = 0;
    log(`live: ${resolved.stepsPerSecond} steps/s from step ${next}`);
    for (;;) {
      signal?.throwIfAborted();
      // The step whose nominal time has passed; backfill time is caught up on the first tick.
      const reached = Math.floor(((Date.now() - resolved.startTime) * resolved.stepsPerSecond) / 1000);
      if (reached >= next && resolved.runs > 0) {
        let rows = 0;
        const parts: Buffer[] = [];
        for (let run = 0; run < resolved.runs; run++) {
          emitSteps(models[run], resolved, next, reached + 1, writers[run].sink);
          rows += writers[run].rows;
          parts.push(writers[run].take());
        }
        const body = Buffer.concat(parts);
        try {
          await insert(resolved, body);
          next = reached + 1;
          sentRows += rows;
        } catch (error) {
          if (signal?.aborted) throw error;
          log(`live: INSERT failed, retrying next tick: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      if (Date.now() - lastLog >= 10_000) {
        lastLog = Date.now();
        log(`live: step ${next - 1}, ${sentRows} rows since backfill`);
      }
      await sleep(1000, undefined, { signal });
    }
  } catch (error) {
    if (signal?.aborted) return;
    throw error;
  }
}
