import { defineElement } from '../../internal/define.js';
import { LossChart } from './loss-chart.component.js';

export { LossChart };
defineElement('loss-chart', LossChart);

declare global {
  interface HTMLElementTagNameMap {
    'loss-chart': LossChart;
  }
}
