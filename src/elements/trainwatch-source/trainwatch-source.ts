import { defineElement } from '../../internal/define.js';
import { TrainwatchSource } from './trainwatch-source.component.js';

export { TrainwatchSource };
defineElement('trainwatch-source', TrainwatchSource);

declare global {
  interface HTMLElementTagNameMap {
    'trainwatch-source': TrainwatchSource;
  }
}
