import { defineElement } from '../../internal/define.js';
import { ConnectionStatus } from './connection-status.component.js';

export { ConnectionStatus };
defineElement('connection-status', ConnectionStatus);

declare global {
  interface HTMLElementTagNameMap {
    'connection-status': ConnectionStatus;
  }
}
