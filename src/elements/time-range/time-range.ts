import { defineElement } from '../../internal/define.js';
import { TimeRange } from './time-range.component.js';

export { TimeRange };
defineElement('time-range', TimeRange);

declare global {
  interface HTMLElementTagNameMap {
    'time-range': TimeRange;
  }
}
