/**
 * What the framework bindings (`trainwatch/react`, `trainwatch/vue`) are built from,
 * derived from the element classes so they cannot drift from them:
 *
 * - a tag's properties are its class's public reactive properties, the ones in Lit's
 *   `static properties` (which also make the attributes), less internal `state: true`
 *   entries, each typed as the class declares it;
 * - a tag's events are the names listed below, typed by `GlobalEventHandlersEventMap`,
 *   where each element declares the detail of what it dispatches.
 *
 * test/node/types.test.ts checks this against custom-elements.json (the JSDoc `@fires`
 * and `@attr` of every element) and proves the types reject wrong use.
 */
import type { BigNumber } from '../elements/big-number/big-number.js';
import type { CheckpointTable } from '../elements/checkpoint-table/checkpoint-table.js';
import type { ConnectionStatus } from '../elements/connection-status/connection-status.js';
import type { GpuUtil } from '../elements/gpu-util/gpu-util.js';
import type { LossChart } from '../elements/loss-chart/loss-chart.js';
import type { MetricChart } from '../elements/metric-chart/metric-chart.js';
import type { MetricDetail } from '../elements/metric-detail/metric-detail.js';
import type { MilestoneBar } from '../elements/milestone-bar/milestone-bar.js';
import type { MoeHeatmap } from '../elements/moe-heatmap/moe-heatmap.js';
import type { MoeTokens } from '../elements/moe-tokens/moe-tokens.js';
import type { RunPicker } from '../elements/run-picker/run-picker.js';
import type { SampleViewer } from '../elements/sample-viewer/sample-viewer.js';
import type { TimeRange } from '../elements/time-range/time-range.js';
import type { HealthTable } from '../elements/health-table/health-table.js';
import type { HostPicker } from '../elements/trainwatch-filters/host-picker.js';
import type { TrainwatchFilters } from '../elements/trainwatch-filters/trainwatch-filters.js';
import type { TrainwatchSource } from '../elements/trainwatch-source/trainwatch-source.js';

/** Every trainwatch tag and the class `trainwatch/define` registers under it. */
export interface TrainwatchElementClasses {
  'trainwatch-source': typeof TrainwatchSource;
  'trainwatch-filters': typeof TrainwatchFilters;
  'host-picker': typeof HostPicker;
  'health-table': typeof HealthTable;
  'loss-chart': typeof LossChart;
  'metric-chart': typeof MetricChart;
  'metric-detail': typeof MetricDetail;
  'big-number': typeof BigNumber;
  'sample-viewer': typeof SampleViewer;
  'gpu-util': typeof GpuUtil;
  'checkpoint-table': typeof CheckpointTable;
  'milestone-bar': typeof MilestoneBar;
  'moe-tokens': typeof MoeTokens;
  'moe-heatmap': typeof MoeHeatmap;
  'run-picker': typeof RunPicker;
  'time-range': typeof TimeRange;
  'connection-status': typeof ConnectionStatus;
}

export type TrainwatchTag = keyof TrainwatchElementClasses;

/** The element a tag creates: the same as `HTMLElementTagNameMap[tag]`. */
export type TrainwatchElementTagNameMap = { [T in TrainwatchTag]: InstanceType<TrainwatchElementClasses[T]> };

/** The events each element dispatches (bubbling and composed), by the name they are dispatched under. */
export interface TrainwatchEventNames {
  'trainwatch-source': never;
  'trainwatch-filters': 'trainwatch-filters-change';
  'host-picker': 'trainwatch-state' | 'trainwatch-host-change';
  'health-table': 'trainwatch-state' | 'trainwatch-health-select';
  'loss-chart': 'trainwatch-state' | 'trainwatch-open-detail';
  'metric-chart': 'trainwatch-state' | 'trainwatch-open-detail';
  'metric-detail': 'trainwatch-state' | 'trainwatch-zoom-change';
  'big-number': 'trainwatch-state';
  'sample-viewer': 'trainwatch-state';
  'gpu-util': 'trainwatch-state';
  'checkpoint-table': 'trainwatch-state' | 'trainwatch-checkpoint-select';
  'milestone-bar': 'trainwatch-state';
  'moe-tokens': 'trainwatch-state' | 'trainwatch-step-change';
  'moe-heatmap': 'trainwatch-state' | 'trainwatch-step-change';
  'run-picker': 'trainwatch-state' | 'trainwatch-runs-change';
  'time-range': 'trainwatch-range-change';
  'connection-status': never;
}

/** A tag's events and their types (`CustomEvent<Detail>`), e.g. `TrainwatchEvents<'run-picker'>['trainwatch-runs-change']`. */
export type TrainwatchEvents<T extends TrainwatchTag> = {
  [E in TrainwatchEventNames[T] & keyof GlobalEventHandlersEventMap]: GlobalEventHandlersEventMap[E];
};

/** Names of a class's public reactive properties: its `static properties` without internal state. */
type PublicReactiveProperties<C> = C extends { properties: infer P }
  ? { [K in keyof P]: P[K] extends { state: unknown } ? never : K }[keyof P]
  : never;

/**
 * What a page may set on a tag, as properties (or, where the framework sets attributes,
 * through the attribute of the same property): e.g. `{ run?: string; xAxis?: 'step' | 'time' | 'relative'; … }`.
 */
export type TrainwatchElementProperties<T extends TrainwatchTag> = {
  [K in PublicReactiveProperties<TrainwatchElementClasses[T]> & keyof TrainwatchElementTagNameMap[T]]?: TrainwatchElementTagNameMap[T][K];
};

/** Every tag, for `compilerOptions.isCustomElement` and the like. */
export const TRAINWATCH_TAGS = [
  'trainwatch-source',
  'trainwatch-filters',
  'host-picker',
  'health-table',
  'loss-chart',
  'metric-chart',
  'metric-detail',
  'big-number',
  'sample-viewer',
  'gpu-util',
  'checkpoint-table',
  'milestone-bar',
  'moe-tokens',
  'moe-heatmap',
  'run-picker',
  'time-range',
  'connection-status',
] as const satisfies readonly TrainwatchTag[];

/** True for the trainwatch tags: `isCustomElement: isTrainwatchTag` in Vue's compiler options. */
export function isTrainwatchTag(tag: string): tag is TrainwatchTag {
  return (TRAINWATCH_TAGS as readonly string[]).includes(tag);
}

// Compile-time checks: the list above names every tag, and each class is what
// HTMLElementTagNameMap (declared next to each defineElement call) says the tag creates.
type Missing = Exclude<TrainwatchTag, (typeof TRAINWATCH_TAGS)[number]>;
type Mismatched = { [T in TrainwatchTag]: TrainwatchElementTagNameMap[T] extends HTMLElementTagNameMap[T] ? never : T }[TrainwatchTag];
type Unknown = Exclude<TrainwatchEventNames[TrainwatchTag], keyof GlobalEventHandlersEventMap>;
export type TrainwatchTypeChecks = [Missing, Mismatched, Unknown] extends [never, never, never] ? true : { missing: Missing; mismatched: Mismatched; unknownEvents: Unknown };
true satisfies TrainwatchTypeChecks;
