/** Registers every trainwatch tag (guarded: loading this twice is harmless) and re-exports the API. */
import './elements/loss-chart/loss-chart.js';

export * from './index.js';
