import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { fn } from 'storybook/test';
import type { HealthSelectDetail } from '../src/elements/health-table/health-table.component.js';
import '../src/elements/health-table/health-table.js';
import { mulberry32 } from '../src/internal/random.js';
import type { DataStateDetail } from '../src/internal/trainwatch-element.js';
import { registerFixtureRows, type FixtureContext } from '../src/sources/fixture-source.js';
import type { QueryParam, QueryRow } from '../src/sources/source.js';
import { renderElement } from './manifest.js';
import { BASELINE, FIXTURE_RUNS, fixture } from './fixtures.js';

type Theme = 'light' | 'dark';

const HOUR = 3_600_000;

/**
 * A run's story over the days, by run: the baseline is healthy, the second
 * run slows down mid-week, the third diverges on the last two days. Each run
 * starts some days back (grey before).
 */
const PLOTS: Record<string, { start: number; health: (day: number, days: number) => number }> = {
  [FIXTURE_RUNS[0]]: { start: 6, health: () => 1 },
  [FIXTURE_RUNS[1]]: { start: 5, health: (d, n) => (d === n - 4 || d === n - 3 ? 0.55 : 0.95) },
  [FIXTURE_RUNS[2]]: { start: 4, health: (d, n) => (d >= n - 2 ? 0.1 : d === n - 3 ? 0.5 : 1) },
};

/** One check's score and measured value on a day of a given health (0..1). */
function checkResult(kind: string, target: number, health: number, draw: () => number): [score: number, value: number, extra: number | null] {
  const jitter = 0.97 + 0.06 * draw();
  switch (kind) {
    case 'target': {
      const mean = target * Math.min(1.2, health * jitter + (health >= 0.9 ? 0.1 : 0));
      return [Math.min(1, mean / target), mean, 24_000];
    }
    case 'improving':
      return health >= 0.9 ? [1, -0.01 * jitter, 2.4] : [Math.max(0, health - 0.1), 0.05 * (1 - health), 2.4];
    case 'recency':
      return health >= 0.9 ? [1, 2 * HOUR * jitter, null] : [Math.max(0, health), (12 - 6 * health) * HOUR, null];
    case 'finite':
      return health >= 0.5 ? [1, 0, 240_000] : [0, 180_000, 240_000];
    default:
      return health >= 0.3 ? [1, 4 * 60_000 * jitter, 0] : [0, 20 * HOUR, 2];
  }
}

/** The rows the `health` SQL would return for the fixture runs: one per run and day, same aliases. */
function healthRows(params: Record<string, QueryParam>, context: FixtureContext): QueryRow[] {
  const asked = params.runs as string[];
  const runs = (asked.length ? asked : context.runs).filter((r) => context.runs.includes(r) && PLOTS[r]);
  const days = (params.bounds as number[]).length - 2;
  const kinds = params.kinds as string[];
  const targets = params.targets as number[];
  const weights = params.weights as number[];
  return runs.flatMap((run) => {
    const draw = mulberry32([...run].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, context.seed));
    const plot = PLOTS[run];
    return Array.from({ length: days }, (_, d): QueryRow => {
      const idle = d < days - plot.start;
      const results = kinds.map((kind, j) => checkResult(kind, targets[j], plot.health(d, days), draw));
      const scores: (number | null)[] = idle ? kinds.map(() => null) : results.map((r) => r[0]);
      const known = scores.filter((s): s is number => s !== null);
      const mean = known.length ? scores.reduce<number>((a, s, j) => a + (s ?? 0) * weights[j], 0) / scores.reduce<number>((a, s, j) => a + (s === null ? 0 : weights[j]), 0) : null;
      const cell = known.length ? (params.combine === 'mean' ? mean : Math.min(...known)) : null;
      return {
        run,
        day: d + 1,
        last_ms: Date.now() - 60_000,
        scores,
        vals: idle ? kinds.map(() => null) : results.map((r) => r[1]),
        extra: idle ? kinds.map(() => null) : results.map((r) => r[2]),
        known,
        cell,
        worst: known.length ? scores.indexOf(Math.min(...known)) + 1 : 0,
      };
    });
  });
}

registerFixtureRows('health', healthRows);

/** The element's attributes, named as in HTML, plus spies for its events. */
interface HealthTableArgs {
  run?: string;
  src: string;
  days?: number;
  timezone?: string;
  checks?: string;
  rows?: 'runs' | 'checks';
  combine?: 'min' | 'mean';
  href?: string;
  heading?: string;
  'poll-interval'?: number;
  theme?: Theme;
  onTrainwatchHealthSelect: (event: CustomEvent<HealthSelectDetail>) => void;
  onTrainwatchState: (event: CustomEvent<DataStateDetail>) => void;
}

const meta = {
  title: 'Elements/health-table',
  component: 'health-table',
  parameters: {
    docs: {
      description: {
        component: `\`<health-table>\` is the rollup above the dashboards: a row per run, a column per day, each cell a 0–1 figure of
merit (green ≥ 0.70, yellow 0.30–0.70, red below, grey hatched for no data) from declared checks, with the breakdown on hover and
keyboard focus. With \`href\` a cell links down to the view that explains it. Stories read generated rows from a \`fixture:\` source.`,
      },
    },
  },
  args: {
    run: FIXTURE_RUNS.join(','),
    src: fixture(),
    onTrainwatchHealthSelect: fn(),
    onTrainwatchState: fn(),
  },
  argTypes: {
    run: { control: 'text', description: 'Run ids, comma-separated; empty: every run that reported.' },
    src: { control: 'text', description: 'ClickHouse HTTP URL, or `fixture:<scenario>?…` for generated data.' },
    days: { control: { type: 'number', min: 1, max: 90 }, description: 'Days shown, ending today (default 7).' },
    timezone: { control: 'text', description: 'IANA time zone of the days (default UTC).' },
    checks: { control: 'text', description: 'The checks as JSON (default: the data contract’s six).' },
    rows: { control: 'inline-radio', options: ['runs', 'checks'], description: '`checks`: one row per check of one run.' },
    combine: { control: 'inline-radio', options: ['min', 'mean'], description: 'Lowest check, or weighted mean.' },
    href: { control: 'text', description: 'Link template: {run} {day} {from} {to} {check} {metric} {score}.' },
    heading: { control: 'text' },
    'poll-interval': { control: { type: 'number', min: 250, step: 250 } },
    theme: { control: 'inline-radio', options: ['light', 'dark'], description: 'Unset: follows the Theme toolbar.' },
  },
  render: (args, context) => renderElement('health-table', args, context),
} satisfies Meta<HealthTableArgs>;

export default meta;
type Story = StoryObj<HealthTableArgs>;

/** Three runs over the last week: one healthy, one slowing down mid-week, one that diverged two days ago. */
export const Default: Story = {};

/** Every cell links down to a dashboard filtered to the run and the day; the event still fires. */
export const WithLinks: Story = {
  args: { href: '#/run/{run}?from={from}&to={to}&metric={metric}' },
};

/** One run, one row per check: which figure of merit went red. */
export const ByCheck: Story = {
  args: { run: FIXTURE_RUNS[2], rows: 'checks' },
};

/** Custom checks: throughput against a target and no NaN in the loss, weighted. */
export const CustomChecks: Story = {
  args: {
    combine: 'mean',
    checks: JSON.stringify([
      { id: 'tput', label: 'Throughput', kind: 'target', metric: 'tokens_per_s', target: 5e6, unit: 'tok/s', weight: 2 },
      { id: 'nan', label: 'No NaN', kind: 'finite', metric: 'loss*' },
    ]),
  },
};

/** A longer window: a month. */
export const Month: Story = {
  args: { days: 30, run: BASELINE },
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

/** Checks the element cannot use: a clear message, no request. */
export const InvalidChecks: Story = {
  args: { checks: '[{"id": "tput", "kind": "target", "metric": "tokens_per_s"}]' },
};

/** The dark theme, on a dark page. */
export const Dark: Story = {
  args: { theme: 'dark' },
};
