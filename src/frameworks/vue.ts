/**
 * trainwatch elements in Vue 3 templates: Vue's `GlobalComponents` gets every tag with
 * its properties (`$props`) and events (`$emit`), as Vue's guide does for custom elements
 * not built with Vue, so `vue-tsc` checks them. Tell the compiler they are custom elements:
 *
 *   // vite.config.ts
 *   import { isTrainwatchTag } from 'trainwatch/vue';
 *   vue({ template: { compilerOptions: { isCustomElement: isTrainwatchTag } } })
 *
 *   // main.ts
 *   import 'trainwatch/define';
 *
 *   <loss-chart run="r1" x-axis="time" :smoothing="0.8" @trainwatch-state="(e) => log(e.detail.state)" />
 *
 * Vue sets a bound value as a property when the element has it (`:smoothing`, `:log-scale`
 * → `logScale`), else as an attribute.
 */
import type { EmitFn, HTMLAttributes, PublicProps } from 'vue';
import type { TrainwatchElementProperties, TrainwatchElementTagNameMap, TrainwatchEvents, TrainwatchTag } from './elements.js';

export { isTrainwatchTag, TRAINWATCH_TAGS } from './elements.js';

/** Vue's `$emit` shape for a tag's events: `(event: 'trainwatch-state', e: CustomEvent<DataStateDetail>) => void`. */
type TrainwatchEmit<T extends TrainwatchTag> = EmitFn<{ [E in keyof TrainwatchEvents<T>]: (event: TrainwatchEvents<T>[E]) => void }>;

/** A tag as a Vue component type: the element, with the props and emits its template may use. */
export type TrainwatchVueElement<T extends TrainwatchTag> = new () => TrainwatchElementTagNameMap[T] & {
  /** @deprecated Template type checking only: not a property of the element. */
  $props: Omit<HTMLAttributes, keyof TrainwatchElementProperties<T>> & TrainwatchElementProperties<T> & PublicProps;
  /** @deprecated Template type checking only: not a property of the element. */
  $emit: TrainwatchEmit<T>;
};

export type TrainwatchGlobalComponents = { [T in TrainwatchTag]: TrainwatchVueElement<T> };

declare module 'vue' {
  interface GlobalComponents extends TrainwatchGlobalComponents {}
}
