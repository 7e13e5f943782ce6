import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { fn } from 'storybook/test';
import type { ZoomChangeDetail } from '../src/elements/metric-detail/metric-detail.component.js';
import '../src/elements/metric-detail/metric-detail.js';
import { MAD_SCALE, SPIKE_HALF_WINDOW, SPIKE_LIMIT } from '../src/elements/metric-detail/metric-detail.queries.js';
import type { DataStateDetail } from '../src/internal/trainwatch-element.js';
import { FixtureSource, registerFixtureRows } from '../src/sources/fixture-source.js';
import type { QueryParam, QueryRow, SeriesChunk } from '../src/sources/source.js';
import { renderElement } from './manifest.js';
import { BASELINE, FIXTURE_METRICS, FIXTURE_RUNS, fixture } from './fixtures.js';

type Theme = 'light' | 'dark';

/** The element's attributes, named as in HTML, plus spies for its events. */
interface MetricDetailArgs {
  run: string;
  metric: string;
  src: string;
  'x-axis': 'step' | 'time';
  from?: number;
  to?: number;
  host?: string;
  smoothing: number;
  'log-scale': boolean;
  'spike-threshold': number;
  'checkpoint-metric': string;
  'poll-interval'?: number;
  heading?: string;
  theme?: Theme;
  onTrainwatchState: (event: CustomEvent<DataStateDetail>) => void;
  onTrainwatchZoomChange: (event: CustomEvent<ZoomChangeDetail>) => void;
}

// ---- Fixture rows: what the element's SQL returns for the default fixture's curves ----

/** Every point of each default fixture run and metric (the element's line reads the same curves through its own fixture source). */
const curves = new Map<string, SeriesChunk>();
const source = new FixtureSource();
const views = FIXTURE_RUNS.flatMap((run) => FIXTURE_METRICS.map((metric) => ({ run, metric, fromStep: 0, toStep: Infinity, columns: 1e6 })));
void source.fetch({ tails: [], views, tailLimit: 1 }, new AbortController().signal).then((result) => {
  views.forEach((view, i) => curves.set(`${view.run}\u0000${view.metric}`, result.views[i]));
});

const CHECKPOINT_EVERY = 250;

/** The run whose stored rows went bad: a NaN and a later +Inf (the fixture's generated line stays finite; the statistics are of these rows). */
const DIVERGED = FIXTURE_RUNS[2];
const BAD_ROWS = new Map([
  [1432, NaN],
  [1610, Infinity],
]);

/** The points of the query's range, as the SQL's WHERE picks them (steps only: stories do not zoom the time axis). */
function pointsOf(params: Record<string, QueryParam>): Array<{ step: number; time: number; value: number }> {
  const curve = curves.get(`${params.run}\u0000${params.metric}`);
  if (!curve) return [];
  const from = Number(params.from_step);
  const to = Number(params.to_step);
  const out = [];
  for (let i = 0; i < curve.steps.length; i++) {
    const step = curve.steps[i];
    const value = params.run === DIVERGED && params.metric === 'loss' ? (BAD_ROWS.get(step) ?? curve.values[i]) : curve.values[i];
    if (step >= from && (to < 0 || step <= to)) out.push({ step, time: curve.times[i], value });
  }
  return out;
}

/** quantileExactInclusive, as ClickHouse computes it. */
function quantile(sorted: number[], p: number): number {
  const h = p * (sorted.length - 1) + 1;
  const n = Math.floor(h);
  if (n >= sorted.length) return sorted[sorted.length - 1];
  if (n < 1) return sorted[0];
  return sorted[n - 1] + (h - n) * (sorted[n] - sorted[n - 1]);
}

registerFixtureRows('metric-detail-stats', (params) => {
  const points = pointsOf(params);
  const sorted = points
    .map((p) => p.value)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const last = points[points.length - 1];
  const bad = points.find((p) => !Number.isFinite(p.value));
  return [
    {
      n: String(points.length),
      nan_n: String(points.filter((p) => Number.isNaN(p.value)).length),
      inf_n: String(points.filter((p) => Math.abs(p.value) === Infinity).length),
      finite_n: String(sorted.length),
      steps_n: String(points.length),
      lo: sorted[0] ?? 0,
      hi: sorted[sorted.length - 1] ?? 0,
      mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : null,
      q: [0.5, 0.9, 0.99].map((p) => (sorted.length ? quantile(sorted, p) : null)),
      last_v: last?.value ?? 0,
      last_text: String(last?.value ?? 0),
      first_step: String(points[0]?.step ?? 0),
      last_step: String(last?.step ?? 0),
      first_ms: String(points[0]?.time ?? 0),
      last_ms: String(last?.time ?? 0),
      // NULL when the range has no NaN/±Inf, as minIfOrNull answers.
      bad_step: bad ? String(bad.step) : null,
      bad_ms: bad ? String(bad.time) : null,
      bad_text: bad ? String(bad.value).replace('Infinity', 'inf').toLowerCase() : '0',
    },
  ];
});

/** The Hampel filter of the spikes SQL, on the fixture's points. */
registerFixtureRows('metric-detail-spikes', (params) => {
  const points = pointsOf(params).filter((p) => Number.isFinite(p.value));
  const median = (values: number[]) => quantile([...values].sort((a, b) => a - b), 0.5);
  const rows: QueryRow[] = [];
  points.forEach((p, i) => {
    const window = points.slice(Math.max(0, i - SPIKE_HALF_WINDOW), i + SPIKE_HALF_WINDOW + 1);
    const med = median(window.map((w) => w.value));
    const mad = median(window.map((w) => Math.abs(w.value - med)));
    const distance = Math.abs(p.value - med);
    if (distance > Number(params.k) * MAD_SCALE * mad && distance > 1e-12 * Math.abs(med)) {
      rows.push({
        spike_step: String(p.step),
        t_ms: String(p.time),
        v: p.value,
        med,
        mad,
        wlo: String(window[0].step),
        whi: String(window[window.length - 1].step),
        tlo: String(window[0].time),
        thi: String(window[window.length - 1].time),
        score: mad ? distance / (MAD_SCALE * mad) : null,
      });
    }
  });
  const found = String(rows.length);
  return rows
    .sort((a, b) => (b.score === null ? Infinity : Number(b.score)) - (a.score === null ? Infinity : Number(a.score)))
    .slice(0, SPIKE_LIMIT)
    .map((row) => ({ ...row, found }));
});

/** A checkpoint every 250 steps, saved when its step was logged. */
registerFixtureRows('metric-detail-checkpoints', (params) => {
  const loss = curves.get(`${params.run}\u0000loss`);
  if (!loss || params.metric !== 'checkpoint.saved') return [];
  const rows: QueryRow[] = [];
  for (let i = CHECKPOINT_EVERY; i < loss.steps.length; i += CHECKPOINT_EVERY) rows.push({ ckpt_step: String(loss.steps[i]), at_ms: String(loss.times[i]) });
  return rows;
});

// ---- Stories ----

const meta = {
  title: 'Elements/metric-detail',
  component: 'metric-detail',
  parameters: {
    docs: {
      description: {
        component: `\`<metric-detail>\` shows one metric of one run in depth: full width, zoomable to raw points, with
statistics of the visible range computed in ClickHouse, spikes (a Hampel filter) listed and circled, and the run's checkpoints
as dashed lines. A \`<loss-chart>\` or \`<metric-chart>\` with \`detail-href\` links each of its lines here.
Every story reads generated data from a \`fixture:\` source (\`stories/fixtures.ts\`), so none needs a server.`,
      },
    },
  },
  args: {
    run: BASELINE,
    metric: 'loss',
    src: fixture(),
    'x-axis': 'step',
    smoothing: 0,
    'log-scale': false,
    'spike-threshold': 6,
    'checkpoint-metric': 'checkpoint.saved',
    onTrainwatchState: fn(),
    onTrainwatchZoomChange: fn(),
  },
  argTypes: {
    run: { control: 'text', description: 'Run id.' },
    metric: { control: 'text', description: 'Metric name.' },
    src: { control: 'text', description: 'ClickHouse HTTP URL, or `fixture:<scenario>` for generated data.' },
    'x-axis': { control: 'inline-radio', options: ['step', 'time'], description: 'Step or wall clock.' },
    from: { control: 'number', description: 'Start of the zoomed range (a step, or epoch seconds on the time axis).' },
    to: { control: 'number', description: 'End of the zoomed range.' },
    host: { control: 'text', description: "Only this host's rows in the statistics and spikes." },
    smoothing: { control: { type: 'range', min: 0, max: 0.99, step: 0.01 }, description: 'Debiased EMA weight; 0 draws raw points only.' },
    'log-scale': { control: 'boolean', description: 'Logarithmic y axis.' },
    'spike-threshold': { control: { type: 'number', min: 1, step: 0.5 }, description: 'Robust z-score above which a point is a spike.' },
    'checkpoint-metric': { control: 'text', description: 'Metric whose steps are drawn as checkpoint lines.' },
    'poll-interval': { control: { type: 'number', min: 250, step: 250 }, description: 'Poll interval in ms (default 2000).' },
    heading: { control: 'text', description: 'Title (default: metric · run).' },
    theme: { control: 'inline-radio', options: ['light', 'dark'], description: 'Unset: follows the Theme toolbar.' },
  },
  render: (args, context) => renderElement('metric-detail', args, context),
} satisfies Meta<MetricDetailArgs>;

export default meta;
type Story = StoryObj<MetricDetailArgs>;

/** A run's training loss over 2,000 steps: statistics of everything, the loss spikes circled and listed, checkpoints every 250 steps. */
export const Default: Story = {};

/** Opened on a range (`from`/`to`, as a link from a chart would): the statistics are of steps 400–900 only. */
export const Zoomed: Story = {
  args: { from: 400, to: 900 },
};

/** A lower spike threshold: more points count as spikes. */
export const SensitiveSpikes: Story = {
  args: { 'spike-threshold': 3.5 },
};

/** Smoothed like TensorBoard, the raw line faint behind. */
export const Smoothed: Story = {
  args: { smoothing: 0.8, metric: 'loss_t+1' },
};

/** A run whose loss went NaN at step 1,432 (and +Inf later): "First NaN/Inf" under the statistics zooms there; a dashed line marks it. */
export const FirstNaN: Story = {
  name: 'First NaN/Inf',
  args: { run: DIVERGED },
};

/** Wall-clock x axis: the flat stretch is a preemption; checkpoint lines sit at their save times. */
export const TimeAxis: Story = {
  args: { 'x-axis': 'time' },
};

/** Before the first answer: the source never replies. */
export const Loading: Story = {
  args: { src: fixture('loading') },
};

/** A run the table does not have. */
export const Empty: Story = {
  args: { run: 'gpt-124m-typo' },
};

/** The server cannot be reached; the store keeps retrying with backoff. */
export const Unreachable: Story = {
  name: 'Error',
  args: { src: fixture('error') },
};

/** The dark theme, on a dark page. */
export const Dark: Story = {
  args: { theme: 'dark', from: 200, to: 1200 },
};
