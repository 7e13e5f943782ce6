/**
 * A small page written against trainwatch's published types, as a user would write it:
 * `document.createElement` gives each tag's class, properties are checked against what
 * the element declares, and listeners get each event's typed detail.
 *
 * test/node/types.test.ts type-checks it (no errors allowed); test/browser/typed-page.test.ts
 * runs its esbuild bundle (`npm run build` → dist/typed-page/) against ClickHouse.
 */
import 'trainwatch/define';
import type { DataStateDetail, LossChart, RangeChangeDetail } from 'trainwatch';

export interface TypedPageOptions {
  /** ClickHouse HTTP URL, or a relay's as `relay+http://…`. */
  src: string;
  run: string;
}

export interface TypedPage {
  chart: LossChart;
  latest: HTMLElementTagNameMap['big-number'];
  range: HTMLElementTagNameMap['time-range'];
  /** Every `trainwatch-state` the chart announced, in order. */
  states: DataStateDetail[];
  /** Every window the range picker chose. */
  ranges: RangeChangeDetail[];
}

/** Puts a source, a time range, a loss chart and the latest loss into `root`. */
export function mountTypedPage(root: HTMLElement, { src, run }: TypedPageOptions): TypedPage {
  // Configured once: the elements inside read from it.
  const source = document.createElement('trainwatch-source');
  source.url = src;
  source.pollInterval = 500;

  const range = document.createElement('time-range');
  range.options = '15m,1h,all';
  range.value = 'all';

  const chart = document.createElement('loss-chart');
  chart.run = run;
  chart.metric = 'loss,val_loss';
  chart.xAxis = 'step';
  chart.smoothing = 0;
  chart.logScale = false;
  chart.heading = 'Loss';

  const latest = document.createElement('big-number');
  latest.run = run;
  latest.metric = 'loss';
  latest.aggregate = 'last';
  latest.direction = 'lower-is-better';
  latest.thresholds = '2,3';
  latest.window = range.value;

  const states: DataStateDetail[] = [];
  const ranges: RangeChangeDetail[] = [];
  chart.addEventListener('trainwatch-state', (event) => {
    states.push(event.detail);
  });
  range.addEventListener('trainwatch-range-change', (event) => {
    ranges.push(event.detail);
    latest.window = event.detail.window;
  });

  source.append(range, chart, latest);
  root.append(source);
  return { chart, latest, range, states, ranges };
}
