/** trainwatch: element classes and the store, with no side effects (see ./define for the tags). */
export { LossChart, parseList, type DataState, type DataStateDetail } from './elements/loss-chart/loss-chart.component.js';
export { configure, storeFor, pageSource, registerTransport, type SourceConfig, type SourceFactory } from './store/registry.js';
export { TelemetryStore, type StoreOptions } from './store/store.js';
export { SeriesBuffer, DetailView, type SeriesStatus } from './store/series.js';
export { ClickHouseSource, type ClickHouseSourceOptions } from './sources/clickhouse-source.js';
export type { TelemetrySource, SeriesKey, SeriesChunk, TailRequest, ViewRequest, ViewChunk, FetchPlan, FetchResult, RunInfo } from './sources/source.js';
export { lttbIndices } from './decimate/lttb.js';
export { debiasedEma } from './decimate/ema.js';
export { defineElement } from './internal/define.js';
