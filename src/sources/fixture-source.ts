/**
 * Generated telemetry for stories, demos and screenshots: loss curves that
 * look like a training run, with no server behind them.
 *
 * Every point is a pure function of (seed, run, metric, step), so a story
 * draws the same curve on every machine and a live run can be extended from
 * any step without replaying what came before. Wall times are the one thing
 * tied to the clock: a finished run ends when the source is created, a live
 * one keeps adding steps as time passes.
 *
 * Scenarios are chosen by URL (see `fixtureOptionsFromUrl`), so an element
 * picks one with its ordinary `src` attribute once the `fixture:` prefix is
 * registered as a transport.
 */
import { mulberry32 } from '../internal/random.js';
import { reduceChunk } from './reduce.js';
import { emptyChunk, seriesId, type FetchPlan, type FetchResult, type QueryParam, type QueryRow, type RowQuery, type RunInfo, type SeriesChunk, type TelemetrySource } from './source.js';

/** What a fixture handler knows when it answers a row query in place of SQL. */
export interface FixtureContext {
  runs: readonly string[];
  /** Highest step logged by now. */
  lastStep: number;
  /** Seconds since the source was created (live fixtures grow with it). */
  elapsed: number;
  seed: number;
}

export type FixtureRows = (params: Record<string, QueryParam>, context: FixtureContext) => QueryRow[];

const fixtureRows = new Map<string, FixtureRows>();

/**
 * Stories have no database, so row queries are answered by kind: each
 * element's stories register the rows its SQL would return for fixture data.
 * (Tests never use this: they run the SQL on the embedded ClickHouse.)
 */
export function registerFixtureRows(kind: string, rows: FixtureRows): void {
  fixtureRows.set(kind, rows);
}

/** `ok` answers; `loading` never answers; `error` fails like an unreachable server. */
export type FixtureMode = 'ok' | 'loading' | 'error';

export interface FixtureOptions {
  /** Runs that exist. Any other run has no points, and `describeRuns` leaves it out. */
  runs: string[];
  /** Steps already logged when the source is created (steps 0 … steps − 1). */
  steps: number;
  /** Steps added per second of wall time after creation; 0 for a finished run. */
  growth: number;
  /** `val_loss` is logged every this many steps (default: about 40 evaluations over `steps`). */
  evalEvery: number;
  /** Wall time of a training step in a finished run, ms (each run is a little faster or slower). */
  stepMs: number;
  mode: FixtureMode;
  /** Seconds after creation from which every request fails (a lost connection); Infinity for never. */
  failAfter: number;
  /** Delay before every answer, ms. */
  latency: number;
  /** The server the fixture poses as in messages ("Cannot reach ClickHouse at …"). */
  host: string;
  seed: number;
}

export const FIXTURE_RUNS = ['gpt-124m-baseline', 'gpt-124m-lr6e-4', 'gpt-124m-lr1e-3'];

interface MetricModel {
  /** Added to the run's loss level: a harder target sits higher. */
  offset: number;
  /** Standard deviation of the noise, relative to the value. */
  noise: number;
  /** How strongly the run's loss spikes show in this metric. */
  spike: number;
  /** Logged at every step, or only at evaluation steps. */
  evalOnly: boolean;
}

const METRIC_MODELS: Record<string, MetricModel> = {
  loss: { offset: 0, noise: 0.035, spike: 1, evalOnly: false },
  'loss_t+1': { offset: 0.45, noise: 0.04, spike: 1.15, evalOnly: false },
  val_loss: { offset: 0.06, noise: 0.004, spike: 0.3, evalOnly: true },
};

export const FIXTURE_METRICS = Object.keys(METRIC_MODELS);

const DEFAULTS: Omit<FixtureOptions, 'evalEvery'> = {
  runs: FIXTURE_RUNS,
  steps: 2000,
  growth: 0,
  stepMs: 450,
  mode: 'ok',
  failAfter: Infinity,
  latency: 0,
  host: 'http://example:8123',
  seed: 1,
};

/** Named starting points for `fixture:<scenario>?…`; query parameters override them. */
export const FIXTURE_SCENARIOS: Record<string, Partial<FixtureOptions>> = {
  default: {},
  long: { steps: 1_000_000 },
  live: { steps: 300, growth: 10 },
  loading: { mode: 'loading' },
  error: { mode: 'error' },
  'connection-lost': { failAfter: 3 },
};

/**
 * Reads `fixture:<scenario>?steps=…&growth=…&eval-every=…&step-ms=…&mode=…&fail-after=…&latency=…&host=…&seed=…&runs=a,b`.
 * Unknown scenarios and parameters throw: they are typos in a story, better loud than silently ignored.
 */
export function fixtureOptionsFromUrl(url: string): Partial<FixtureOptions> {
  const rest = url.slice(url.indexOf(':') + 1);
  const queryAt = rest.indexOf('?');
  const scenario = (queryAt < 0 ? rest : rest.slice(0, queryAt)) || 'default';
  const preset = FIXTURE_SCENARIOS[scenario];
  if (!preset) throw new Error(`Unknown fixture scenario "${scenario}" in ${url}; expected one of ${Object.keys(FIXTURE_SCENARIOS).join(', ')}.`);
  const options: Partial<FixtureOptions> = { ...preset };
  const count = (name: string, value: string) => {
    const n = Number(value);
    if (value === '' || !(n >= 0)) throw new Error(`Fixture parameter ${name} must be a number ≥ 0; got "${value}" in ${url}.`);
    return n;
  };
  for (const [name, value] of new URLSearchParams(queryAt < 0 ? '' : rest.slice(queryAt + 1))) {
    switch (name) {
      case 'steps': options.steps = Math.floor(count(name, value)); break;
      case 'growth': options.growth = count(name, value); break;
      case 'eval-every': options.evalEvery = Math.max(1, Math.floor(count(name, value))); break;
      case 'step-ms': options.stepMs = count(name, value); break;
      case 'fail-after': options.failAfter = count(name, value); break;
      case 'latency': options.latency = count(name, value); break;
      case 'seed': options.seed = Math.floor(count(name, value)); break;
      case 'host': options.host = value; break;
      case 'runs': options.runs = value.split(',').map((r) => r.trim()).filter(Boolean); break;
      case 'mode':
        if (value !== 'ok' && value !== 'loading' && value !== 'error') throw new Error(`Fixture mode must be ok, loading or error; got "${value}" in ${url}.`);
        options.mode = value;
        break;
      default:
        throw new Error(`Unknown fixture parameter "${name}" in ${url}.`);
    }
  }
  return options;
}

/** FNV-1a, to turn names into seeds. */
function hashString(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** MurmurHash3's finaliser: a well-mixed 32-bit hash of a 32-bit input. */
function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A uniform number in (0, 1) from a 32-bit hash. */
const unit = (h: number): number => (h + 0.5) / 4294967296;

interface Spike {
  step: number;
  /** Relative jump in loss at the spike. */
  height: number;
  /** Steps for the jump to decay by a factor e. */
  width: number;
}

/** How long a spike is drawn for, in widths; beyond it the contribution is < 0.05 %. */
const SPIKE_REACH = 8;

/** One run's curve: floor + scale · (1 + step / knee)^−alpha, plus spikes, plus noise. */
class RunModel {
  readonly seed: number;
  readonly floor: number;
  readonly scale: number;
  readonly knee: number;
  readonly alpha: number;
  /** Wall ms per step. */
  readonly stepMs: number;
  /** A preemption: before `pauseStep`, wall times are `pauseMs` earlier. */
  readonly pauseStep: number;
  readonly pauseMs: number;
  private readonly spikes: Spike[] = [];
  private readonly nextSpike: () => number;
  private readonly spikeGap: number;
  private readonly spikeWidth: number;
  private maxSpikeWidth = 0;

  constructor(name: string, options: Omit<FixtureOptions, 'runs'>) {
    this.seed = hashString(name, options.seed);
    const draw = mulberry32(this.seed);
    this.floor = 1.75 + 0.35 * draw();
    this.scale = 7.5 + 1.5 * draw();
    this.alpha = 0.45 + 0.25 * draw();
    // The curve's shape follows the planned length, so long and short runs look alike.
    this.knee = Math.max(5, options.steps * (0.004 + 0.008 * draw()));
    const live = options.growth > 0;
    this.stepMs = live ? 1000 / options.growth : options.stepMs * (0.75 + 0.6 * draw());
    this.pauseStep = Math.floor(options.steps * (0.35 + 0.3 * draw()));
    this.pauseMs = live ? 0 : options.steps * this.stepMs * (0.15 + 0.15 * draw());
    this.nextSpike = mulberry32(this.seed ^ 0x5bd1e995);
    this.spikeGap = Math.max(20, options.steps / 3);
    this.spikeWidth = Math.max(2, options.steps * 0.002);
  }

  /** Spikes starting at or before `step`, generated on demand as a live run grows. */
  spikesUpTo(step: number): Spike[] {
    let last = this.spikes.length ? this.spikes[this.spikes.length - 1].step : Math.floor(this.spikeGap * 0.15);
    while (last <= step) {
      last += Math.ceil(-Math.log(1 - this.nextSpike()) * this.spikeGap) + 1;
      const spike = { step: last, height: 0.1 + 0.3 * this.nextSpike(), width: this.spikeWidth * (0.5 + 1.5 * this.nextSpike()) };
      this.maxSpikeWidth = Math.max(this.maxSpikeWidth, spike.width);
      this.spikes.push(spike);
    }
    return this.spikes;
  }

  /** Relative rise at `step` from the spikes before it; `started` counts the spikes at or before `step`. */
  spikeAt(step: number, spikes: Spike[], started: number): number {
    let rise = 0;
    for (let i = started - 1; i >= 0; i--) {
      const since = step - spikes[i].step;
      if (since > SPIKE_REACH * this.maxSpikeWidth) break;
      if (since < SPIKE_REACH * spikes[i].width) rise += spikes[i].height * Math.exp(-since / spikes[i].width);
    }
    return rise;
  }

  level(step: number): number {
    return this.floor + this.scale * Math.pow(1 + step / this.knee, -this.alpha);
  }
}

/** Step s's wall time: the last step at creation logs at `anchor`, earlier ones step back from it. */
function wallTime(run: RunModel, step: number, lastInitialStep: number, anchor: number): number {
  return anchor + (step - lastInitialStep) * run.stepMs - (step < run.pauseStep ? run.pauseMs : 0);
}

export class FixtureSource implements TelemetrySource {
  readonly id: string;
  readonly label: string;
  readonly options: Readonly<FixtureOptions>;
  private readonly models = new Map<string, RunModel>();
  private readonly createdAt = Date.now();

  constructor(options: Partial<FixtureOptions> = {}) {
    const steps = options.steps ?? DEFAULTS.steps;
    this.options = { ...DEFAULTS, evalEvery: Math.max(10, Math.round(steps / 40)), ...options };
    this.id = `fixture:${JSON.stringify(this.options)}`;
    this.label = `ClickHouse at ${this.options.host}`;
    const { runs, ...shared } = this.options;
    for (const run of runs) this.models.set(run, new RunModel(run, shared));
  }

  static fromUrl(url: string): FixtureSource {
    return new FixtureSource(fixtureOptionsFromUrl(url));
  }

  /** Highest step logged by now (−1 before the first). */
  lastStep(now = Date.now()): number {
    const grown = this.options.growth > 0 ? Math.floor(((now - this.createdAt) / 1000) * this.options.growth) : 0;
    return this.options.steps - 1 + grown;
  }

  async fetch(plan: FetchPlan, signal: AbortSignal): Promise<FetchResult> {
    await this.roundTrip(signal);
    const last = this.lastStep();
    const result: FetchResult = { tails: new Map(), views: [] };
    for (const tail of plan.tails) {
      const run = this.models.get(tail.run);
      const model = METRIC_MODELS[tail.metric];
      if (!run || !model) continue;
      const from = Math.max(0, Math.floor(tail.afterStep) + 1);
      result.tails.set(seriesId(tail), this.generate(run, model, tail.metric, from, last, plan.tailLimit));
    }
    for (const view of plan.views) {
      const run = this.models.get(view.run);
      const model = METRIC_MODELS[view.metric];
      const chunk = run && model ? this.generate(run, model, view.metric, Math.max(0, Math.ceil(view.fromStep)), Math.min(last, Math.floor(view.toStep))) : emptyChunk();
      result.views.push(reduceChunk(chunk, view.columns));
    }
    return result;
  }

  async rows(queries: RowQuery[], signal: AbortSignal): Promise<QueryRow[][]> {
    await this.roundTrip(signal);
    const context: FixtureContext = { runs: this.options.runs, lastStep: this.lastStep(), elapsed: (Date.now() - this.createdAt) / 1000, seed: this.options.seed };
    return queries.map((query) => fixtureRows.get(query.kind)?.(query.params, context) ?? []);
  }

  async describeRuns(runs: string[], signal: AbortSignal): Promise<RunInfo[]> {
    await this.roundTrip(signal);
    if (this.lastStep() < 0) return [];
    return runs.filter((run) => this.models.has(run)).map((run) => ({ run, metrics: [...FIXTURE_METRICS].sort() }));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** What a request to a server would do before it answers: wait, hang, or fail. */
  private async roundTrip(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.options.mode === 'loading') return never(signal);
    if (this.options.latency > 0) await sleep(this.options.latency, signal);
    if (this.options.mode === 'error' || Date.now() - this.createdAt >= this.options.failAfter * 1000) {
      // What a browser's fetch throws for an unreachable host, so the store words it as for a real server.
      throw new TypeError('Failed to fetch');
    }
  }

  private generate(run: RunModel, model: MetricModel, metric: string, from: number, to: number, limit = Infinity): SeriesChunk {
    const every = model.evalOnly ? this.options.evalEvery : 1;
    const first = Math.ceil(from / every) * every;
    const n = Math.min(limit, to >= first ? Math.floor((to - first) / every) + 1 : 0);
    const chunk: SeriesChunk = { steps: new Float64Array(n), times: new Float64Array(n), values: new Float64Array(n) };
    const spikes = run.spikesUpTo(to);
    const seriesSeed = hashString(metric, run.seed);
    const lastInitialStep = this.options.steps - 1;
    let started = 0;
    for (let i = 0; i < n; i++) {
      const step = first + i * every;
      while (started < spikes.length && spikes[started].step <= step) started++;
      // Two independent uniforms per step, from the step alone: Box–Muller makes them Gaussian.
      const h = mix(seriesSeed ^ Math.imul(step, 0x9e3779b1));
      const gauss = Math.sqrt(-2 * Math.log(unit(h))) * Math.cos(2 * Math.PI * unit(mix(h ^ 0x68e31da4)));
      const level = run.level(step) + model.offset;
      const value = level * (1 + model.spike * run.spikeAt(step, spikes, started) + model.noise * gauss);
      chunk.steps[i] = step;
      chunk.times[i] = Math.round(wallTime(run, step, lastInitialStep, this.createdAt));
      chunk.values[i] = Math.max(value, run.floor * 0.5);
    }
    return chunk;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A request that never answers, but still ends when its caller gives up on it. */
function never(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
