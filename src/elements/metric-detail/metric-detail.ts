import { defineElement } from '../../internal/define.js';
import { MetricDetail, type ZoomChangeDetail } from './metric-detail.component.js';

export { MetricDetail };
defineElement('metric-detail', MetricDetail);

declare global {
  interface HTMLElementTagNameMap {
    'metric-detail': MetricDetail;
  }
  interface GlobalEventHandlersEventMap {
    'trainwatch-zoom-change': CustomEvent<ZoomChangeDetail>;
  }
}
