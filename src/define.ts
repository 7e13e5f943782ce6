/** Registers every trainwatch tag (guarded: loading this twice is harmless) and re-exports the API. */
// The source first: elements inside it that upgrade after it find it at once.
import './elements/trainwatch-source/trainwatch-source.js';
import './elements/trainwatch-filters/trainwatch-filters.js';
import './elements/loss-chart/loss-chart.js';
import './elements/metric-chart/metric-chart.js';
import './elements/metric-detail/metric-detail.js';
import './elements/big-number/big-number.js';
import './elements/sample-viewer/sample-viewer.js';
import './elements/gpu-util/gpu-util.js';
import './elements/checkpoint-table/checkpoint-table.js';
import './elements/milestone-bar/milestone-bar.js';
import './elements/moe-tokens/moe-tokens.js';
import './elements/moe-heatmap/moe-heatmap.js';
import './elements/run-picker/run-picker.js';
import './elements/health-table/health-table.js';
import './elements/trainwatch-filters/host-picker.js';
import './elements/time-range/time-range.js';
import './elements/connection-status/connection-status.js';

export * from './index.js';
