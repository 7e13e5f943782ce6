import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import { fn } from 'storybook/test';
import '../src/elements/big-number/big-number.js';
import '../src/elements/time-range/time-range.js';
import '../src/elements/trainwatch-filters/host-picker.js';
import '../src/elements/trainwatch-filters/trainwatch-filters.js';
import type { FiltersChangeDetail } from '../src/elements/trainwatch-filters/trainwatch-filters.component.js';
import { registerFixtureRows } from '../src/sources/fixture-source.js';
import type { QueryRow } from '../src/sources/source.js';
import { registerBigNumberFixture } from './big-number.fixture.js';
import { BASELINE, FIXTURE_RUNS, fixture } from './fixtures.js';
import { renderElement } from './manifest.js';

registerBigNumberFixture();

/** Hosts per fixture run, as the `<gpu-util>` stories have them. */
const HOSTS: Record<string, number> = { [FIXTURE_RUNS[0]]: 2, [FIXTURE_RUNS[1]]: 8, [FIXTURE_RUNS[2]]: 1 };

// What the `hosts` SQL gives: each host of the runs, by name, with its points in the window (one every 5 s per GPU).
registerFixtureRows('hosts', (params) => {
  const runs = params.runs as string[];
  const window = Number(params.window) || 3 * 3600;
  const count = Math.max(0, ...runs.map((run) => HOSTS[run] ?? 0));
  const rows: QueryRow[] = Array.from({ length: count }, (_, i) => ({ h: `node-${i}`, n: String(8 * Math.floor(window / 5)), last_ms: String(Date.now() - 800) }));
  return rows.sort((a, b) => String(a.h).localeCompare(String(b.h))).slice(0, Number(params.limit));
});

/** The element's attributes, named as in HTML, and a spy for its event. */
interface TrainwatchFiltersArgs {
  run?: string;
  host?: string;
  window?: string;
  'url-sync'?: boolean;
  'url-prefix'?: string;
  /** Where the elements inside read from (not an attribute of the filters). */
  src: string;
  onTrainwatchFiltersChange?: (event: CustomEvent<FiltersChangeDetail>) => void;
}

const meta = {
  title: 'Elements/trainwatch-filters',
  component: 'trainwatch-filters',
  parameters: {
    docs: {
      description: {
        component: `\`<trainwatch-filters>\` sets a run, a host and a time window once for a page or a section: none of the
elements in these stories has a \`run\` or \`window\` of its own. An element's own attribute wins; filters inside
other filters layer over them. The controls inside set it without script: a \`<time-range>\`, a \`<host-picker>\`
(and a \`<run-picker>\`) fire their events, the nearest filters take them, and every element follows. With
\`url-sync\` (and \`url-prefix="tw-"\` to keep clear of the page's own parameters) the filters live in the page URL,
so a link reproduces the view. It renders nothing itself (\`display: contents\`).`,
      },
    },
  },
  args: {
    run: BASELINE,
    window: '1h',
    src: fixture('default'),
    onTrainwatchFiltersChange: fn(),
  },
  argTypes: {
    src: { control: 'text', description: 'Where the elements inside read from: a ClickHouse URL, or `fixture:<scenario>` for generated data.' },
  },
  render: (args, context) => {
    const theme = context.globals.theme === 'dark' ? 'dark' : 'light';
    return renderElement('trainwatch-filters', args, context, {
      content: html`<div style="display: grid; gap: 12px">
        <div style="display: flex; flex-wrap: wrap; gap: 12px; align-items: center">
          <time-range theme=${theme}></time-range>
          <host-picker src=${args.src} theme=${theme}></host-picker>
        </div>
        <div style="display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 12px">
          <big-number src=${args.src} metric="loss" label="Training loss" direction="lower-is-better" theme=${theme}></big-number>
          <big-number src=${args.src} metric="tokens_per_s" label="Throughput" theme=${theme}></big-number>
          <big-number src=${args.src} run=${FIXTURE_RUNS[1]} metric="tokens_per_s" label=${`Throughput of ${FIXTURE_RUNS[1]} (its own run)`} theme=${theme}></big-number>
        </div>
      </div>`,
    });
  },
} satisfies Meta<TrainwatchFiltersArgs>;

export default meta;
type Story = StoryObj<TrainwatchFiltersArgs>;

/** One run and a window for every element inside; the third names its own run. Click a window or a host. */
export const Default: Story = {};

/** Two runs: every element shows a row per run. */
export const SeveralRuns: Story = {
  args: { run: `${FIXTURE_RUNS[0]},${FIXTURE_RUNS[1]}`, window: '6h' },
};

/** One host of the run's fleet chosen: the host picker shows it, and per-host elements read its rows only. */
export const OneHost: Story = {
  args: { run: FIXTURE_RUNS[1], host: 'node-3' },
};

/** A window that is not one (a hand-edited link): each element says so; the time range checks nothing. */
export const InvalidWindow: Story = {
  name: 'Error',
  args: { window: '1 week' },
};

/** No run yet: the elements say what to set. */
export const Empty: Story = {
  args: { run: '' },
};

/** Before the first answer. */
export const Loading: Story = {
  args: { src: fixture('loading') },
};
