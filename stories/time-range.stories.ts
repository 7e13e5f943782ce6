import type { Meta, StoryObj } from '@storybook/web-components-vite';
import '../src/elements/time-range/time-range.js';
import type { RangeChangeDetail } from '../src/elements/time-range/time-range.component.js';
import { renderElement } from './manifest.js';

/** The element's attributes, named as in HTML, plus a spy for its event. */
interface TimeRangeArgs {
  value?: string;
  options?: string;
  theme?: 'light' | 'dark';
  onTrainwatchRangeChange?: (event: CustomEvent<RangeChangeDetail>) => void;
}

const meta = {
  title: 'Elements/time-range',
  component: 'time-range',
  parameters: {
    docs: {
      description: {
        component: `\`<time-range>\` is the window selector of a dashboard: a radio group (arrow keys move the choice) that
fires \`trainwatch-range-change\` with \`{ window, seconds }\` (\`all\` is 0 seconds). It reads no data: the page passes
\`detail.window\` on to the \`window\` of its time-based elements (\`<metric-chart>\`, \`<big-number>\`, \`<gpu-util>\`),
whose windows count back from the runs' newest point. Click a choice to see the event in the Actions panel.`,
      },
    },
  },
  // The attributes first in the table; the event's action comes from the manifest.
  argTypes: {
    value: { control: 'text' },
    options: { control: 'text' },
  },
  render: (args, context) => renderElement('time-range', args, context),
} satisfies Meta<TimeRangeArgs>;

export default meta;
type Story = StoryObj<TimeRangeArgs>;

/** The default choices, one hour selected. */
export const Default: Story = {};

/** The whole of the runs selected. */
export const All: Story = {
  args: { value: 'all' },
};

/** Choices of the page's own: a short-run dashboard. */
export const CustomOptions: Story = {
  args: { options: '5m,15m,30m,1h', value: '15m' },
};

/** The dark theme, on a dark page. */
export const Dark: Story = {
  args: { theme: 'dark', value: '6h' },
};
