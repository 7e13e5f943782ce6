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
  /** Number of runs (default 2). */
  runs?: number;
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
const Channel = { Run: 1, Step: 2, Spike: 3, Straggle: 4 } as const;

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
}

function runModel(runIndex: number, seed: number): RunModel {
  const runSeed = mix32(seed ^ mix32(runIndex + 0x51ed27));
  const r = new KeyedRandom().reset(runSeed, Channel.Run, 0);
  // Golden-ratio walks spread floor and height, so no two runs draw on top of each other.
  const floorSpread = (runIndex * 0.6180339887) % 1;
  const heightSpread = (runIndex * 0.3819660113 + 0.5) % 1;
  return {
    seed: runSeed,
    floor: 1.4 + floorSpread + r.between(0, 0.1),
    amplitude: 6 + 4 * heightSpread + r.between(0, 0.5),
    alpha: r.between(0.3, 0.45),
    t0: r.between(60, 200),
    noise: r.between(0.012, 0.03),
    head1: r.between(0.05, 0.09),
    head2: r.between(0.11, 0.17),
    spikeChance: r.between(0.08, 0.2),
    tokensPerBatch: 2048 * [16, 24, 32, 48][Math.floor(r.next() * 4)],
    straggler: Math.floor(r.next() * GPU_COUNT),
    gpuBase: r.between(90, 97),
    cpuBase: [r.between(15, 35), r.between(15, 35)],
  };
}

type Sink = (series: number, step: number, timeMs: number, value: number) => void;

const round = (value: number, scale: number): number => Math.round(value * scale) / scale;
const clampPercent = (value: number): number => round(Math.min(100, Math.max(0, value)), 10);

/** Emits every point of steps [from, to) of one run, in step order. */
function emitSteps(model: RunModel, opts: GenerateOptions, from: number, to: number, sink: Sink): void {
  const rng = new KeyedRandom();
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
    const diverged = rng.next() < opts.nanRate;

    const trend = model.floor + model.amplitude * Math.pow(1 + step / model.t0, -model.alpha);
    const spike = 1 + spikeAt(step);
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
    }
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
  emitSteps(runModel(runIndex, opts.seed), opts, fromStep, toStep, (series, step, time, value) => {
    rows.push({ event_time: time, run_id: runId, ...SERIES[series], step, value });
  });
  return rows;
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
  private readonly prefixes: string[];
  private readonly order: number[];
  private sinks: ByteSink[];
  private lastTime = NaN;
  private lastTimeText = '';

  constructor(runId: string) {
    this.prefixes = SERIES.map((s) => seriesPrefix(runId, s));
    this.order = SERIES.map((_, i) => i).sort((a, b) => compareSeries(SERIES[a], SERIES[b]));
    this.sinks = SERIES.map(() => new ByteSink());
  }

  readonly sink: Sink = (series, step, time, value) => {
    if (time !== this.lastTime) {
      this.lastTime = time;
      this.lastTimeText = formatEventTime(time);
    }
    this.sinks[series].write(rowLine(this.prefixes[series], step, this.lastTimeText, value));
    this.rows++;
  };

  take(): Buffer {
    const body = Buffer.concat(this.order.map((i) => this.sinks[i].bytes()));
    this.sinks = SERIES.map(() => new ByteSink());
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
  if (!Number.isInteger(resolved.runs) || resolved.runs < 0) throw new RangeError(`runs must be a non-negative integer, got ${resolved.runs}`);
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
  opts.log(`backfill: ${opts.runs} run(s) × ${opts.history} steps, seed ${opts.seed}`);
  for (let run = 0; run < opts.runs; run++) {
    const runId = runIdOf(opts, run);
    const model = runModel(run, opts.seed);
    const writer = new NdjsonWriter(runId);
    for (let from = 0; from < opts.history; from += chunkSteps) {
      opts.signal?.throwIfAborted();
      emitSteps(model, opts, from, Math.min(opts.history, from + chunkSteps), writer.sink);
      if (writer.rows >= opts.batchRows) {
        const rows = writer.rows;
        await send(writer.take(), rows);
      }
      // Let the in-flight request's I/O progress between chunks.
      await new Promise<void>((done) => setImmediate(done));
      const now = performance.now();
      if (now - lastLog > 2000) {
        lastLog = now;
        opts.log(`backfill: ${runId} step ${Math.min(opts.history, from + chunkSteps)}/${opts.history}, ${total} rows sent`);
      }
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
    const writers = Array.from({ length: resolved.runs }, (_, run) => new NdjsonWriter(runIdOf(resolved, run)));
    const models = Array.from({ length: resolved.runs }, (_, run) => runModel(run, resolved.seed));
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
