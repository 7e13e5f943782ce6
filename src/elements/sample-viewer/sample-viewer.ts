import { defineElement } from '../../internal/define.js';
import { SampleViewer } from './sample-viewer.component.js';

export { SampleViewer };
defineElement('sample-viewer', SampleViewer);

declare global {
  interface HTMLElementTagNameMap {
    'sample-viewer': SampleViewer;
  }
}
