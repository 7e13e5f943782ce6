import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { fn } from 'storybook/test';
import type { DataStateDetail } from '../src/internal/trainwatch-element.js';
import '../src/elements/gpu-util/gpu-util.js';
import { registerFixtureRows } from '../src/sources/fixture-source.js';
import type { QueryParam, QueryRow } from '../src/sources/source.js';
import { renderElement } from './manifest.js';
import { BASELINE, FIXTURE_RUNS, fixture } from './fixtures.js';

type Theme = 'light' | 'dark';

// ---------------------------------------------------------------------------
// Fixture rows: what the element's SQL would return for a plausible fleet.
// Each fixture run has its own fleet; samples every 5 s up to now, so a story
// stays live as time passes. Utilization is ~92 %, with a checkpoint every 20
// minutes (every GPU near 0 for a minute), a data-loader stall on the first
// host, and one slow GPU (the straggler).
// ---------------------------------------------------------------------------

const FLEETS: Record<string, { hosts: number; gpus: number }> = {
  [FIXTURE_RUNS[0]]: { hosts: 2, gpus: 8 },
  [FIXTURE_RUNS[1]]: { hosts: 8, gpus: 8 },
  [FIXTURE_RUNS[2]]: { hosts: 1, gpus: 4 },
};
const SAMPLE_MS = 5000;
/** How long the fixture runs have been reporting. */
const HISTORY_MS = 3 * 3600_000;
const NICE_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200].map((s) => s * 1000);

interface FixtureSeries {
  host: string;
  device: number;
  rank: number;
  value: (t: number) => number;
}

/** A well-mixed number in [0, 1) from integers, so every sample is a pure function of its time. */
function noise(...parts: number[]): number {
  let h = 0x9e3779b1;
  for (const p of parts) h = Math.imul(h ^ (p | 0), 0x85ebca6b) ^ (h >>> 13);
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

function fleetSeries(run: string, pattern: string): FixtureSeries[] {
  const fleet = FLEETS[run];
  if (!fleet) return [];
  const checkpoint = (t: number) => t % 1_200_000 < 60_000;
  if (pattern === 'sys.cpu\\_percent') {
    return Array.from({ length: fleet.hosts }, (_, h) => ({
      host: `node-${h}`,
      device: 65535,
      rank: 0,
      value: (t) => (checkpoint(t) ? 4 + 4 * noise(h, t) : 35 + 20 * noise(h, t / SAMPLE_MS)),
    }));
  }
  if (pattern !== 'sys.gpu.%.util\\_percent') return [];
  return Array.from({ length: fleet.hosts * fleet.gpus }, (_, i) => {
    const h = Math.floor(i / fleet.gpus);
    const straggler = i === fleet.gpus + 5 || (fleet.hosts === 1 && i === 2);
    return {
      host: `node-${h}`,
      device: i % fleet.gpus,
      rank: i,
      value: (t) => {
        if (checkpoint(t)) return 2 * noise(i, t);
        const stall = h === 0 && t % 3_600_000 > 2_400_000 && t % 3_600_000 < 2_640_000;
        const level = straggler ? 66 : stall ? 28 : 93;
        return Math.min(100, Math.max(0, level + 10 * (noise(i, t / SAMPLE_MS) - 0.5)));
      },
    };
  });
}

/** The window's samples, epoch ms, oldest first: multiples of 5 s up to now. */
function sampleTimes(params: Record<string, QueryParam>): number[] {
  const hi = Math.floor(Date.now() / SAMPLE_MS) * SAMPLE_MS;
  const window = Number(params.window) * 1000;
  const lo = hi - Math.min(window || HISTORY_MS, HISTORY_MS);
  const times: number[] = [];
  for (let t = lo; t <= hi; t += SAMPLE_MS) times.push(t);
  return times;
}

registerFixtureRows('gpu-util-grid', (params) => {
  const series = fleetSeries(String(params.run), String(params.pattern));
  const times = sampleTimes(params);
  if (!series.length) return [];
  const [lo, hi] = [times[0], times[times.length - 1]];
  const raw = Math.max(Math.floor((hi - lo) / (Number(params.buckets) - 1)) + 1, 1.5 * SAMPLE_MS);
  const w = NICE_MS.find((x) => x >= raw) ?? raw;
  const rows: QueryRow[] = [];
  for (const s of series) {
    const buckets = new Map<number, number[]>();
    for (const t of times) {
      const bt = Math.floor(t / w) * w;
      if (!buckets.has(bt)) buckets.set(bt, []);
      buckets.get(bt)!.push(s.value(t));
    }
    for (const [bt, values] of buckets) {
      rows.push({ h: s.host, d: s.device, bt: String(bt), v: values.reduce((a, b) => a + b, 0) / values.length, n: String(values.length), first_bt: String(Math.floor(lo / w) * w), last_bt: String(Math.floor(hi / w) * w), bucket_ms: String(w) });
    }
  }
  return rows;
});

registerFixtureRows('gpu-util-idle', (params) => {
  const times = sampleTimes(params);
  const threshold = Number(params.threshold);
  return fleetSeries(String(params.run), String(params.pattern)).map((s) => {
    const values = times.map((t) => s.value(t));
    return {
      h: s.host,
      d: s.device,
      r: String(s.rank),
      samples: String(values.length),
      mean: values.reduce((a, b) => a + b, 0) / values.length,
      covered_s: (values.length * SAMPLE_MS) / 1000,
      idle_s: (values.filter((v) => v < threshold).length * SAMPLE_MS) / 1000,
    };
  });
});

registerFixtureRows('gpu-util-probe', (params) => {
  const known = String(params.run) in FLEETS;
  return [{ n: known ? '120000' : '0', matched: known && fleetSeries(String(params.run), String(params.pattern)).length ? '2000' : '0' }];
});

// ---------------------------------------------------------------------------

/** The element's attributes, named as in HTML, plus a spy for its event. */
interface GpuUtilArgs {
  run: string;
  metric: string;
  src: string;
  window: string;
  'idle-threshold': number;
  'straggler-gap': number;
  'poll-interval'?: number;
  heading?: string;
  theme?: Theme;
  onTrainwatchState: (event: CustomEvent<DataStateDetail>) => void;
}

const meta = {
  title: 'Elements/gpu-util',
  component: 'gpu-util',
  parameters: {
    docs: {
      description: {
        component: `\`<gpu-util>\` is a utilization heatmap: one row per (host, GPU), one column per time bucket, coloured by the
bucket's mean utilization, with the fleet mean under it and a summary of mean, idle time (time below \`idle-threshold\`)
and stragglers (GPUs more than \`straggler-gap\` points under the median). With \`metric="sys.cpu_percent"\` it shows
hosts' CPU instead. Stories read generated data from a \`fixture:\` source: samples every 5 s, a checkpoint every
20 minutes, a data-loader stall on node-0 and one slow GPU.`,
      },
    },
  },
  args: {
    run: BASELINE,
    metric: 'sys.gpu.*.util_percent',
    src: fixture(),
    window: '1h',
    'idle-threshold': 10,
    'straggler-gap': 15,
    onTrainwatchState: fn(),
  },
  argTypes: {
    run: { control: 'text', description: 'Run id (given several, the first is shown).' },
    metric: { control: 'text', description: 'Metric name or pattern; `*` matches any characters.' },
    src: { control: 'text', description: 'ClickHouse HTTP URL, or `fixture:<scenario>` for generated data.' },
    window: { control: 'text', description: 'Window back from the newest point: 15m, 1h, 24h, all.' },
    'idle-threshold': { control: { type: 'range', min: 0, max: 100, step: 1 }, description: 'A sample below this % counts as idle.' },
    'straggler-gap': { control: { type: 'range', min: 0, max: 50, step: 1 }, description: 'Points under the median GPU mean that make a straggler.' },
    'poll-interval': { control: { type: 'number', min: 250, step: 250 }, description: 'Poll interval in ms (default 2000).' },
    heading: { control: 'text', description: 'Title (default "GPU utilization").' },
    theme: { control: 'inline-radio', options: ['light', 'dark'], description: 'Unset: follows the Theme toolbar.' },
  },
  render: (args, context) => renderElement('gpu-util', args, context, { style: 'max-width: 900px' }),
} satisfies Meta<GpuUtilArgs>;

export default meta;
type Story = StoryObj<GpuUtilArgs>;

/** Two hosts × 8 GPUs over the last hour: a checkpoint pause, a loader stall on node-0, node-1 · GPU 5 lagging. */
export const Default: Story = {};

/** Live: the newest column fills in as samples arrive (polled every second). */
export const Live: Story = {
  args: { src: fixture('live'), 'poll-interval': 1000, window: '15m' },
};

/** Before the first answer: the source never replies. */
export const Loading: Story = {
  args: { src: fixture('loading') },
};

/** A run the table does not have. */
export const Empty: Story = {
  args: { run: 'gpt-124m-typo' },
};

/** A run without the asked metric: the element says the pattern matched nothing. */
export const NoMatchingMetric: Story = {
  args: { metric: 'sys.tpu.*.util_percent' },
};

/** The server cannot be reached; the store keeps retrying with backoff. */
export const Unreachable: Story = {
  name: 'Error',
  args: { src: fixture('error') },
};

/** Host CPU instead of GPUs: `sys.cpu_percent`, one row per host. */
export const CpuIdleTime: Story = {
  args: { metric: 'sys.cpu_percent', 'idle-threshold': 20 },
};

/** 8 hosts × 8 GPUs: rows get thinner, the tooltip names them. */
export const SixtyFourGpus: Story = {
  args: { run: FIXTURE_RUNS[1], window: '3h' },
};

/** The whole run, and a stricter idea of idle and of a straggler. */
export const StrictThresholds: Story = {
  args: { window: 'all', 'idle-threshold': 50, 'straggler-gap': 5 },
};

/** Several runs given: the first is shown, and the header says so. */
export const SeveralRuns: Story = {
  args: { run: [FIXTURE_RUNS[2], ...FIXTURE_RUNS.slice(0, 2)].join(','), window: '30m' },
};

/** The dark theme, on a dark page. */
export const Dark: Story = {
  args: { theme: 'dark' },
};
