import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { fn } from 'storybook/test';
import type { DataStateDetail } from '../src/internal/trainwatch-element.js';
import type { GroupBy } from '../src/elements/metric-chart/metric-chart.queries.js';
import '../src/elements/metric-chart/metric-chart.js';
import { registerFixtureRows } from '../src/sources/fixture-source.js';
import type { QueryParam, QueryRow } from '../src/sources/source.js';
import { renderElement } from './manifest.js';
import { BASELINE, FIXTURE_RUNS, FIXTURE_SCENARIOS, fixture } from './fixtures.js';

type Theme = 'light' | 'dark';

/** The element's attributes, named as in HTML, plus a spy for its event. */
interface MetricChartArgs {
  run: string;
  metric: string;
  src: string;
  window: string;
  stat: string;
  'group-by': GroupBy;
  unit?: string;
  'log-scale': boolean;
  'poll-interval'?: number;
  heading?: string;
  theme?: Theme;
  onTrainwatchState: (event: CustomEvent<DataStateDetail>) => void;
}

// ---- Fixture rows: what the `metric-chart` query returns for generated telemetry ----

interface FixtureSeries {
  metric: string;
  host: string;
  unit: string;
  /** Value at `t` seconds into the last two hours, for a run seed in [0, 1). */
  at: (t: number, seed: number) => number;
}

const HOSTS = ['node-0', 'node-1', 'node-2', 'node-3'];
const HISTORY_S = 2 * 3600;
const wave = (t: number, period: number, phase = 0) => Math.sin((2 * Math.PI * t) / period + phase);
/** Deterministic noise in [-1, 1] from a time and a salt. */
const noise = (t: number, salt: number) => {
  const x = Math.sin(t * 12.9898 + salt * 78.233) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
};

const CATALOGUE: FixtureSeries[] = [
  { metric: 'tokens_per_s', host: '', unit: 'tok/s', at: (t, s) => 4.1e5 * (1 + 0.05 * s) * (1 + 0.02 * noise(t, 1)) * (t % 1800 < 40 ? 0.35 : 1) },
  { metric: 'batches_per_s', host: '', unit: 'batch/s', at: (t, s) => 3.1 * (1 + 0.05 * s) * (1 + 0.03 * noise(t, 2)) },
  ...Array.from({ length: 12 }, (_, layer): FixtureSeries => ({
    metric: `moe.layer.${layer}.null_ratio`,
    host: '',
    unit: '',
    at: (t, s) => Math.max(0, (0.08 + 0.02 * layer) * (1.3 - 0.5 * (t / HISTORY_S)) * (1 + 0.2 * s) + 0.01 * noise(t, layer + 10)),
  })),
  { metric: 'gsa.sparsity', host: '', unit: '', at: (t, s) => 0.72 + 0.1 * (t / HISTORY_S) + 0.01 * noise(t, 30) + 0.02 * s },
  { metric: 'gsa.topk_recall', host: '', unit: '', at: (t) => 0.8 + 0.12 * (1 - Math.exp(-t / 2400)) + 0.008 * noise(t, 31) },
  { metric: 'gsa.gate_mean', host: '', unit: '', at: (t, s) => 0.35 + 0.05 * wave(t, 3000) + 0.01 * noise(t, 32) - 0.03 * s },
  ...[1, 2, 4, 8].map((depth): FixtureSeries => ({
    metric: `recurrence.depth.${depth}.loss`,
    host: '',
    unit: '',
    at: (t, s) => (2.2 + 1.6 * Math.exp(-t / 1800)) * (1 - 0.05 * Math.log2(depth)) * (1 + 0.03 * s) + 0.02 * noise(t, depth + 40),
  })),
  ...(['min', 'mean', 'max'] as const).map((kind, i): FixtureSeries => ({
    metric: `mhc.gain_${kind}`,
    host: '',
    unit: '',
    at: (t) => 1 + (i - 1) * (0.15 + 0.05 * wave(t, 2500)) + 0.01 * noise(t, 50 + i),
  })),
  ...HOSTS.flatMap((host, h) => [
    ...['eth0', 'ib0'].flatMap((iface, k) =>
      (['sent', 'recv'] as const).map((dir, d): FixtureSeries => ({
        metric: `sys.net.${iface}.${dir}_bytes_per_s`,
        host,
        unit: 'B/s',
        at: (t) => (k ? 2.2e9 : 4e7) * (0.8 + 0.1 * d + 0.05 * h) * (1 + 0.1 * noise(t, 60 + h * 4 + k * 2 + d)) * (t % 1800 < 40 ? 3 : 1),
      })),
    ),
    { metric: 'sys.cpu_percent', host, unit: '%', at: (t: number) => Math.min(100, 35 + 8 * h + 6 * wave(t, 900, h) + 3 * noise(t, 70 + h)) },
  ]),
];

/** Reads a LIKE pattern as the SQL would: `%` any run, `_` one character, backslash escapes. */
function likeToRegExp(like: string): RegExp {
  let source = '';
  for (let i = 0; i < like.length; i++) {
    const c = like[i];
    if (c === '\\' && i + 1 < like.length) source += like[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '%') source += '.*';
    else if (c === '_') source += '.';
    else source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  return sorted[lo] + (sorted[Math.ceil(pos)] - sorted[lo]) * (pos - lo);
}

/** The 1-2-5 bucket width the SQL picks for a range and a bucket count. */
function bucketWidth(rangeMs: number, buckets: number): number {
  const raw = Math.max(1, rangeMs / buckets);
  const mag = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((m) => raw <= m * mag) ?? 10) * mag;
}

function metricChartRows(params: Record<string, QueryParam>, runsThatExist: readonly string[]): QueryRow[] {
  const patterns = (params.patterns as string[]).map((p) => likeToRegExp(String(p)));
  const matched = CATALOGUE.filter((s) => patterns.some((p) => p.test(s.metric)));
  const runs = (params.runs as string[]).filter((run) => runsThatExist.includes(run));
  if (!matched.length || !runs.length) return [];
  const now = Date.now();
  const window = Number(params.window) * 1000;
  const from = window ? Math.max(now - HISTORY_S * 1000, now - window) : now - HISTORY_S * 1000;
  const width = bucketWidth(now - from, Number(params.buckets));
  const across = Number(params.across) === 1;
  const rows: QueryRow[] = [];
  for (const [r, run] of runs.entries()) {
    const seed = r / runs.length;
    // One series per (metric, host), or fewer when grouped: the mean of what falls together.
    const groups = new Map<string, FixtureSeries[]>();
    for (const s of matched) {
      const key = `${Number(params.by_metric) ? s.metric : ''}\u0000${Number(params.by_host) ? s.host : ''}`;
      groups.set(key, [...(groups.get(key) ?? []), s]);
    }
    for (let t = Math.ceil(from / width) * width; t <= now; t += width) {
      const at = (HISTORY_S * 1000 - (now - t)) / 1000;
      const means = [...groups].map(([key, members]) => [key, members.reduce((sum, s) => sum + s.at(at, seed), 0) / members.length, members[0].unit] as const);
      const base = { run, t, last_ms: Math.min(now, t + width - 1), bucket_ms: width };
      if (across) {
        const sorted = means.map(([, v]) => v).sort((a, b) => a - b);
        const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
        const stats = [sorted[0], sorted[sorted.length - 1], ...[0.1, 0.5, 0.9, 0.99].map((q) => quantile(sorted, q))];
        rows.push({ ...base, m: '', h: '', n: sorted.length, mean, stats, unit_text: means[0][2] });
      } else {
        for (const [key, mean, unit] of means) {
          const [m, h] = key.split('\u0000');
          rows.push({ ...base, m, h, n: 1, mean, stats: [], unit_text: unit });
        }
      }
    }
  }
  return rows;
}

registerFixtureRows('metric-chart', (params, context) => metricChartRows(params, context.runs));

// ---- Stories ----

const meta = {
  title: 'Elements/metric-chart',
  component: 'metric-chart',
  parameters: {
    docs: {
      description: {
        component: `\`<metric-chart>\` draws any metric, or every metric matching a pattern (\`moe.layer.*.null_ratio\`,
\`sys.net.*_bytes_per_s\`), over wall time: one line per series, or statistics across series (\`stat="p50,p90,max"\`).
Every story reads generated data from a \`fixture:\` source (\`stories/fixtures.ts\`), so none needs a server.
Scenarios: ${Object.keys(FIXTURE_SCENARIOS).join(', ')}.`,
      },
    },
  },
  args: {
    run: BASELINE,
    metric: 'tokens_per_s',
    src: fixture(),
    window: 'all',
    stat: '',
    'group-by': 'metric',
    'log-scale': false,
    onTrainwatchState: fn(),
  },
  argTypes: {
    run: { control: 'text', description: 'Run id, or several separated by commas.' },
    metric: { control: 'text', description: 'Metric names or patterns with `*`, comma-separated.' },
    src: { control: 'text', description: 'ClickHouse HTTP URL, or `fixture:<scenario>` for generated data.' },
    window: { control: 'text', description: '`15m`, `1h`, `7d`… back from the newest point, or `all`.' },
    stat: { control: 'text', description: 'Statistics across series per bucket: mean, min, max, p10, p50, p90, p99.' },
    'group-by': { control: 'inline-radio', options: ['metric', 'host', 'none'], description: 'What makes one series.' },
    unit: { control: 'text', description: "Unit override (default: the table's unit column)." },
    'log-scale': { control: 'boolean', description: 'Logarithmic y axis.' },
    'poll-interval': { control: { type: 'number', min: 250, step: 250 }, description: 'Poll interval in ms (default 2000).' },
    heading: { control: 'text', description: 'Title above the chart (default: the metric attribute).' },
    theme: { control: 'inline-radio', options: ['light', 'dark'], description: 'Unset: follows the Theme toolbar.' },
  },
  render: (args, context) => renderElement('metric-chart', args, context),
} satisfies Meta<MetricChartArgs>;

export default meta;
type Story = StoryObj<MetricChartArgs>;

/** Tokens per second of one run over the last two hours; the dips are checkpoint saves. */
export const Default: Story = {};

/** Polled every second: new buckets arrive at the right edge. */
export const Live: Story = {
  args: { src: fixture('live'), window: '15m', 'poll-interval': 1000 },
};

/** NULL ratio of every MoE layer: one line per layer, named by the layer number. */
export const NullRatioPerLayer: Story = {
  args: { metric: 'moe.layer.*.null_ratio', heading: 'NULL ratio per MoE layer' },
};

/** The same twelve layers as p50 / p90 / max across layers per bucket. */
export const NullRatioStats: Story = {
  args: { metric: 'moe.layer.*.null_ratio', stat: 'p50,p90,max', heading: 'NULL ratio across MoE layers' },
};

/** GSA statistics: `gsa.*`. */
export const GsaStats: Story = {
  args: { metric: 'gsa.*', heading: 'GSA' },
};

/** Loss per recurrence depth, on a log axis. */
export const RecurrenceDepths: Story = {
  args: { metric: 'recurrence.depth.*.loss', 'log-scale': true, heading: 'Loss per recurrence depth' },
};

/** mHC gains: min / mean / max. */
export const MhcGains: Story = {
  args: { metric: 'mhc.gain_*', heading: 'mHC gain' },
};

/** Network throughput per interface and host over the last 15 minutes, in bytes per second. */
export const NetworkPerHost: Story = {
  args: { metric: 'sys.net.ib0.*_bytes_per_s', window: '15m', heading: 'InfiniBand traffic' },
};

/** CPU % per host, every metric averaged per host. */
export const CpuByHost: Story = {
  args: { metric: 'sys.cpu_percent', 'group-by': 'host', heading: 'CPU' },
};

/** Three runs: a colour per run, a dash per series. */
export const MultipleRuns: Story = {
  args: { run: FIXTURE_RUNS.join(','), metric: 'tokens_per_s,batches_per_s', window: '30m' },
};

/** A pattern nothing in the run matches: the element says so. */
export const Empty: Story = {
  args: { metric: 'moe.layer.*.dead_experts' },
};

/** No run chosen yet. */
export const NoRun: Story = {
  args: { run: '' },
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

/** An invalid attribute: a message in the card, never an exception. */
export const InvalidWindow: Story = {
  args: { window: 'yesterday' },
};

/** The dark theme, on a dark page. */
export const Dark: Story = {
  args: { theme: 'dark', metric: 'moe.layer.*.null_ratio', stat: 'p10,p50,p90,max' },
};
