/**
 * Wrong uses of the typed page's API: each marked line must fail to type-check with the
 * error named in its marker (`// ✗ TSxxxx fragment of the message`); no other line may.
 * test/node/types.test.ts compares tsc's errors with the markers.
 */
import 'trainwatch/define';

const chart = document.createElement('loss-chart');
chart.smoothing = '0.6'; // ✗ TS2322 Type 'string' is not assignable to type 'number'
chart.xAxis = 'steps'; // ✗ TS2820 Type '"steps"' is not assignable to type 'XAxisMode
chart.smothing = 0.6; // ✗ TS2551 Property 'smothing' does not exist on type 'LossChart'
chart.addEventListener('trainwatch-state', (event) => event.detail.runs); // ✗ TS2339 Property 'runs' does not exist on type 'DataStateDetail'

const picker = document.createElement('run-picker');
picker.addEventListener('trainwatch-runs-change', (event) => {
  const first: number = event.detail.runs[0]; // ✗ TS2322 Type 'string' is not assignable to type 'number'
  return first;
});

const big = document.createElement('big-number');
big.aggregate = 'median'; // ✗ TS2820 Type '"median"' is not assignable to type
big.thresholds = [70, 90]; // ✗ TS2322 Type 'number[]' is not assignable to type 'string'

const source = document.createElement('trainwatch-source');
source.pollInterval = '500'; // ✗ TS2322 Type 'string' is not assignable to type 'number'

// A tag trainwatch does not define is a plain HTMLElement: no chart properties on it.
document.createElement('loss-charts').smoothing = 0; // ✗ TS2339 Property 'smoothing' does not exist on type 'HTMLElement'
