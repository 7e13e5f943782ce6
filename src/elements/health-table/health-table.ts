import { defineElement } from '../../internal/define.js';
import { HealthTable } from './health-table.component.js';
import type { HealthSelectDetail } from './health-table.model.js';

export { HealthTable };
defineElement('health-table', HealthTable);

declare global {
  interface HTMLElementTagNameMap {
    'health-table': HealthTable;
  }
  interface GlobalEventHandlersEventMap {
    'trainwatch-health-select': CustomEvent<HealthSelectDetail>;
  }
}
