/**
 * The demo dashboard: every chart is a plain <loss-chart> tag sharing one
 * store, exactly as a wiki page would use them.
 */
import { configure } from '../src/index.js';
import '../src/define.js';
import type { LossChart } from '../src/index.js';

declare const __TRAINWATCH_DEMO__: { url: string; runs: string[] };

// `?src=` points the demo at another ClickHouse (or, later, a relay) without a rebuild.
const params = new URLSearchParams(location.search);
const url = params.get('src') ?? __TRAINWATCH_DEMO__.url;
const runs = params.get('runs')?.split(',').filter(Boolean) ?? __TRAINWATCH_DEMO__.runs;
configure({ url });
document.getElementById('source')!.textContent = `ClickHouse ${url} · runs ${runs.join(', ')}`;

interface Panel {
  heading: string;
  run: string;
  metric: string;
  wide?: boolean;
  logScale?: boolean;
}

const panels: Panel[] = [
  { heading: 'Loss · all runs', run: runs.join(','), metric: 'loss', wide: true },
  ...runs.map((run) => ({ heading: `${run} · loss, t+1, t+2, validation`, run, metric: 'loss,loss_t+1,loss_t+2,val_loss' })),
  { heading: 'Validation loss · all runs', run: runs.join(','), metric: 'val_loss' },
  { heading: 'Tokens / s', run: runs.join(','), metric: 'tokens_per_s' },
  { heading: 'GPU 0 utilization (mean over hosts)', run: runs.join(','), metric: 'sys.gpu.0.util_percent' },
];

const grid = document.getElementById('grid')!;
const charts: LossChart[] = panels.map((panel) => {
  const chart = document.createElement('loss-chart');
  chart.heading = panel.heading;
  chart.run = panel.run;
  chart.metric = panel.metric;
  if (panel.wide) chart.classList.add('wide');
  grid.append(chart);
  return chart;
});

const xAxis = document.getElementById('x-axis') as HTMLSelectElement;
const smoothing = document.getElementById('smoothing') as HTMLInputElement;
const log = document.getElementById('log') as HTMLInputElement;
const apply = () => {
  for (const chart of charts) {
    chart.xAxis = xAxis.value as LossChart['xAxis'];
    chart.smoothing = Number(smoothing.value);
    chart.logScale = log.checked;
  }
};
xAxis.addEventListener('change', apply);
smoothing.addEventListener('input', apply);
log.addEventListener('change', apply);
