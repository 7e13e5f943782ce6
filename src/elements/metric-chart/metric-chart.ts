import { defineElement } from '../../internal/define.js';
import { MetricChart } from './metric-chart.component.js';

export { MetricChart };
defineElement('metric-chart', MetricChart);

declare global {
  interface HTMLElementTagNameMap {
    'metric-chart': MetricChart;
  }
}
