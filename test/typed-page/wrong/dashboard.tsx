/** Wrong TSX uses of the trainwatch tags: every marked line must fail with its marker's error, no other line may. */
import type {} from 'trainwatch/react';

export const wrong = (
  <div>
    <loss-chart
      smoothing="0.6" // ✗ TS2322 Type 'string' is not assignable to type 'number'
      xAxis="steps" // ✗ TS2820 Type '"steps"' is not assignable to type 'XAxisMode
      ontrainwatch-state={(event) => event.detail.rows} // ✗ TS2339 Property 'rows' does not exist on type 'DataStateDetail'
    />
    <big-number aggregate="median" /> {/* ✗ TS2820 Type '"median"' is not assignable to type */}
    <time-range colour="red" /> {/* ✗ TS2322 Property 'colour' does not exist on type */}
    <run-picker ontrainwatch-runs-change={(event: CustomEvent<{ run: string }>) => event.detail.run} /> {/* ✗ TS2322 is not assignable to type */}
    <connection-status compact="yes" /> {/* ✗ TS2322 Type 'string' is not assignable to type 'boolean */}
  </div>
);
