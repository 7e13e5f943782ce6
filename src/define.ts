/** Registers every trainwatch tag (guarded: loading this twice is harmless) and re-exports the API. */
import './elements/loss-chart/loss-chart.js';
import './elements/run-picker/run-picker.js';
import './elements/time-range/time-range.js';
import './elements/connection-status/connection-status.js';

export * from './index.js';
