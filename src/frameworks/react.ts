/**
 * trainwatch elements in React 19 TSX: `JSX.IntrinsicElements` gets every tag with its
 * properties and its events. Types only; add it once to a project:
 *
 *   import type {} from 'trainwatch/react';   // or "types": ["trainwatch/react"] in tsconfig
 *   import 'trainwatch/define';               // registers the tags before React renders them
 *
 *   <loss-chart run="r1" metric="loss,val_loss" xAxis="time" smoothing={0.8}
 *     ontrainwatch-state={(e) => console.log(e.detail.state)} />
 *
 * React 19 sets a prop as a property when the element has one (so `xAxis`, `logScale`,
 * `pollInterval` are the camelCase property names) and listens for `on<event name>`
 * props with the event's own name: `ontrainwatch-state`, `ontrainwatch-runs-change`.
 */
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { TrainwatchElementProperties, TrainwatchElementTagNameMap, TrainwatchEvents, TrainwatchTag } from './elements.js';

/** `ontrainwatch-state={(event) => …}`: React 19 calls addEventListener('trainwatch-state', …) with it. */
export type TrainwatchReactEventProps<T extends TrainwatchTag> = {
  [E in keyof TrainwatchEvents<T> & string as `on${E}`]?: (event: TrainwatchEvents<T>[E]) => void;
};

/** The props of one tag in TSX: React's own (key, ref, className, style, children…), the element's properties, its events. */
export type TrainwatchReactProps<T extends TrainwatchTag> = Omit<
  DetailedHTMLProps<HTMLAttributes<TrainwatchElementTagNameMap[T]>, TrainwatchElementTagNameMap[T]>,
  keyof TrainwatchElementProperties<T>
> &
  TrainwatchElementProperties<T> &
  TrainwatchReactEventProps<T>;

export type TrainwatchIntrinsicElements = { [T in TrainwatchTag]: TrainwatchReactProps<T> };

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements extends TrainwatchIntrinsicElements {}
  }
}
