import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import { ifDefined } from 'lit/directives/if-defined.js';
import { fn } from 'storybook/test';
import type { DataStateDetail } from '../src/internal/trainwatch-element.js';
import { SPARK_BUCKETS } from '../src/elements/big-number/big-number.queries.js';
import '../src/elements/big-number/big-number.js';
import { registerFixtureRows, type FixtureContext } from '../src/sources/fixture-source.js';
import type { QueryParam, QueryRow } from '../src/sources/source.js';
import { BASELINE, FIXTURE_RUNS, fixture } from './fixtures.js';

type Theme = 'light' | 'dark';

/** A run that stopped reporting 20 minutes ago (for the stale story). */
const PREEMPTED = 'gpt-124m-preempted';
/** A run whose loss went to NaN. */
const DIVERGED = 'gpt-124m-diverged';
/** Wall time of a step in the fixture (its default `stepMs`). */
const STEP_S = 0.45;

/** What each metric looks like in fixture data: a value per step, a unit, and how often it is logged. */
const MODELS: Record<string, { unit: string; every: number; value: (step: number, seed: number) => number }> = {
  tokens_per_s: { unit: 'tok/s', every: 1, value: (s, k) => 412_000 * (1 + 0.04 * Math.sin(s / 90 + k) + 0.02 * Math.sin(s * 1.7)) * (1 - 0.5 * Math.exp(-s / 30)) },
  tokens_total: { unit: 'tok', every: 1, value: (s) => (s + 1) * 524_288 },
  'data.bucket': { unit: '', every: 1, value: (s) => Math.min(3, 1 + Math.floor(s / 800)) },
  'checkpoint.saved': { unit: 'B', every: 250, value: (s) => 497e6 + (s % 1000) * 1000 },
  gpu_util: { unit: '%', every: 1, value: (s, k) => Math.min(100, 91 + 5 * Math.sin(s / 40 + k) - (s % 300 < 12 ? 35 : 0)) },
  loss: { unit: '', every: 1, value: (s, k) => 2.1 + 6 * Math.pow(1 + s / 30, -0.6) + 0.03 * Math.sin(s * 2.3 + k) },
};

const seedOf = (run: string) => [...run].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1000, 7) / 100;

/** The `big-number` row a run would give: the same shape as the SQL's. */
function bigNumberRow(run: string, params: Record<string, QueryParam>, context: FixtureContext): QueryRow | undefined {
  const model = MODELS[String(params.metric)];
  if (!model) return undefined;
  const seed = seedOf(run);
  const last = Math.floor(context.lastStep / model.every) * model.every;
  const endTime = run === PREEMPTED ? Date.now() - 20 * 60_000 : Date.now() - 800;
  const windowSteps = Number(params.window) > 0 ? Math.floor(Number(params.window) / STEP_S) : last;
  const from = Math.max(0, last - windowSteps);
  const steps: number[] = [];
  for (let s = Math.ceil(from / model.every) * model.every; s <= last; s += model.every) steps.push(s);
  const values = steps.map((s) => (run === DIVERGED && s === last ? NaN : model.value(s, seed)));
  const aggregate = String(params.aggregate);
  const reduce = (vs: number[]) =>
    aggregate === 'count' ? vs.length : aggregate === 'sum' ? vs.reduce((a, b) => a + b, 0) : aggregate === 'max' ? Math.max(...vs.filter(Number.isFinite)) : vs.reduce((a, b) => a + b, 0) / vs.length;
  const buckets = new Map<number, number[]>();
  steps.forEach((s, i) => {
    const b = Math.min(SPARK_BUCKETS - 1, Math.floor(((s - from) / Math.max(1, last - from + 1)) * SPARK_BUCKETS));
    buckets.set(b, [...(buckets.get(b) ?? []), values[i]]);
  });
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  const text = (v: number) => (Number.isNaN(v) ? 'nan' : String(v));
  const lastValue = values[values.length - 1];
  const value = aggregate === 'last' ? lastValue : reduce(values);
  return {
    run,
    last_value: finite(lastValue),
    last_text: text(lastValue),
    last_time: endTime,
    last_step: last,
    last_unit: model.unit,
    first_value: values[0],
    first_text: text(values[0]),
    n: values.length,
    agg_value: finite(value),
    agg_text: text(value),
    spark_x: [...buckets.keys()],
    spark_y: sparkValues([...buckets.values()], aggregate, reduce).map(finite),
  };
}

/** Bucket values as the SQL gives them: means for last/mean, running totals for count/sum. */
function sparkValues(buckets: number[][], aggregate: string, reduce: (vs: number[]) => number): number[] {
  const values = buckets.map((vs) => (aggregate === 'last' ? vs.reduce((a, b) => a + b, 0) / vs.length : reduce(vs)));
  if (aggregate !== 'count' && aggregate !== 'sum') return values;
  let total = 0;
  return values.map((v) => (total += v));
}

registerFixtureRows('big-number', (params, context) => {
  const runs = (params.runs as string[]).filter((run) => context.runs.includes(run) || run === PREEMPTED || run === DIVERGED);
  return runs.map((run) => bigNumberRow(run, params, context)).filter((row): row is QueryRow => row !== undefined);
});

/** The element's attributes, named as in HTML, plus a spy for its event. */
interface BigNumberArgs {
  run: string;
  metric: string;
  src: string;
  label?: string;
  unit?: string;
  decimals?: number;
  window?: string;
  aggregate: string;
  thresholds?: string;
  direction: string;
  'stale-after'?: string;
  'poll-interval'?: number;
  theme?: Theme;
  size?: string;
  onTrainwatchState: (event: CustomEvent<DataStateDetail>) => void;
}

const meta = {
  title: 'Elements/big-number',
  component: 'big-number',
  parameters: {
    docs: {
      description: {
        component: `\`<big-number>\` shows the latest value of a metric in large type, with its unit, a sparkline of the recent
window, the change over it and the data age. \`thresholds\` colour it green / yellow / red (a value exactly at a
threshold counts on the better side); stale data is grey; NaN/Inf are shown as such, in red. \`aggregate\` shows a
count, sum, max or mean over the window instead. Every story reads generated data from a \`fixture:\` source.`,
      },
    },
  },
  args: {
    run: BASELINE,
    metric: 'tokens_per_s',
    src: fixture(),
    aggregate: 'last',
    direction: 'higher-is-better',
    onTrainwatchState: fn(),
  },
  argTypes: {
    run: { control: 'text', description: 'Run id, or several separated by commas (a row per run).' },
    metric: { control: 'select', options: Object.keys(MODELS), description: 'Metric name.' },
    src: { control: 'text', description: 'ClickHouse HTTP URL, or `fixture:<scenario>` for generated data.' },
    label: { control: 'text', description: 'Title (default: the metric name).' },
    unit: { control: 'text', description: "Unit (default: the table's unit column)." },
    decimals: { control: { type: 'number', min: 0, max: 10 }, description: 'Fixed decimals, unscaled.' },
    window: { control: 'text', description: 'Sparkline / change / aggregate window: 15m (default), 1h, all…' },
    aggregate: { control: 'inline-radio', options: ['last', 'count', 'sum', 'max', 'mean'] },
    thresholds: { control: 'text', description: 'One or two numbers, e.g. "70,90".' },
    direction: { control: 'inline-radio', options: ['higher-is-better', 'lower-is-better'] },
    'stale-after': { control: 'text', description: 'Grey out after this long without a point (default 5m).' },
    'poll-interval': { control: { type: 'number', min: 250, step: 250 } },
    theme: { control: 'inline-radio', options: ['light', 'dark'] },
    size: { control: 'text', description: '--trainwatch-big-number-size', table: { category: 'CSS' } },
    onTrainwatchState: { name: 'trainwatch-state', table: { category: 'Events' } },
  },
  render: (args, { globals }) => {
    const theme: Theme = args.theme ?? (globals.theme === 'dark' ? 'dark' : 'light');
    return html`<big-number
      style="max-width: 320px; ${args.size ? `--trainwatch-big-number-size: ${args.size}` : ''}"
      run=${args.run}
      metric=${args.metric}
      src=${args.src}
      label=${ifDefined(args.label || undefined)}
      unit=${ifDefined(args.unit)}
      decimals=${ifDefined(args.decimals)}
      window=${ifDefined(args.window || undefined)}
      aggregate=${args.aggregate}
      thresholds=${ifDefined(args.thresholds || undefined)}
      direction=${args.direction}
      stale-after=${ifDefined(args['stale-after'] || undefined)}
      poll-interval=${ifDefined(args['poll-interval'])}
      theme=${theme}
      @trainwatch-state=${args.onTrainwatchState}
    ></big-number>`;
  },
} satisfies Meta<BigNumberArgs>;

export default meta;
type Story = StoryObj<BigNumberArgs>;

/** Tokens per second of one run, over the last 15 minutes. */
export const Default: Story = {};

/** A run in progress: the value, sparkline and age move every second. */
export const Live: Story = {
  args: { src: fixture('live'), 'poll-interval': 1000, metric: 'tokens_total', label: 'Tokens processed' },
};

/** Green / yellow / red by thresholds: GPU utilisation below 70 % is red. */
export const Thresholds: Story = {
  args: { metric: 'gpu_util', thresholds: '70,90', label: 'GPU utilisation' },
};

/** Lower is better: the loss is green under 2.5, red above 3. */
export const LowerIsBetter: Story = {
  args: { metric: 'loss', thresholds: '2.5,3', direction: 'lower-is-better', label: 'Training loss' },
};

/** The loss went to NaN: shown as NaN, in red. */
export const Diverged: Story = {
  args: { run: DIVERGED, metric: 'loss', thresholds: '2.5,3', direction: 'lower-is-better' },
};

/** No point for 20 minutes: the value is grey and the age says stale. */
export const Stale: Story = {
  args: { run: PREEMPTED, thresholds: '300000,400000' },
};

/** The curriculum bucket, a small integer. */
export const CurrentBucket: Story = {
  args: { metric: 'data.bucket', label: 'Data bucket', decimals: 0 },
};

/** Checkpoints saved so far: `aggregate="count"` counts every point unless a window is set. */
export const CheckpointCount: Story = {
  args: { metric: 'checkpoint.saved', aggregate: 'count', label: 'Checkpoints', unit: 'ckpt' },
};

/** Several runs: a row each, in the run's colour. */
export const SeveralRuns: Story = {
  args: { run: FIXTURE_RUNS.join(','), thresholds: '300000,400000' },
};

/** A bigger number through the CSS custom property. */
export const Large: Story = {
  args: { size: '48px', metric: 'tokens_total', label: 'Tokens processed' },
};

/** A run the table does not have. */
export const Empty: Story = {
  args: { run: 'gpt-124m-typo' },
};

/** Before the first answer: the source never replies. */
export const Loading: Story = {
  args: { src: fixture('loading') },
};

/** The server cannot be reached. */
export const Unreachable: Story = {
  name: 'Error',
  args: { src: fixture('error') },
};

/** An attribute that makes no sense is explained in the card. */
export const InvalidThresholds: Story = {
  args: { thresholds: 'high,90' },
};

/** The dark theme. */
export const Dark: Story = {
  args: { theme: 'dark', metric: 'gpu_util', thresholds: '70,90', label: 'GPU utilisation' },
};
