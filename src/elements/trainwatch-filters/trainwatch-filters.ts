import { defineElement } from '../../internal/define.js';
import { TrainwatchFilters } from './trainwatch-filters.component.js';

export { TrainwatchFilters };
defineElement('trainwatch-filters', TrainwatchFilters);

declare global {
  interface HTMLElementTagNameMap {
    'trainwatch-filters': TrainwatchFilters;
  }
}
