/**
 * The same page as a React 19 component, checked against `trainwatch/react`: each tag
 * takes its properties (camelCase, set as properties by React 19) and `on<event name>`
 * listeners with typed events. test/browser/typed-page.test.ts renders it.
 */
import type {} from 'trainwatch/react';
import 'trainwatch/define';
import type { DataStateDetail, RunsChangeDetail } from 'trainwatch';
import { useState } from 'react';
import { createRoot, type Root } from 'react-dom/client';

export interface DashboardProps {
  src: string;
  runs: string[];
  onState?: (detail: DataStateDetail) => void;
}

export function Dashboard({ src, runs, onState }: DashboardProps) {
  const [shown, setShown] = useState(runs);
  const [window, setWindow] = useState('all');
  return (
    <trainwatch-source url={src} pollInterval={500}>
      <run-picker
        selected={shown.join(',')}
        ontrainwatch-runs-change={(event) => {
          const detail: RunsChangeDetail = event.detail;
          setShown(detail.runs);
        }}
      />
      <time-range value={window} options="15m,1h,all" ontrainwatch-range-change={(event) => setWindow(event.detail.window)} />
      <loss-chart
        className="loss"
        run={shown.join(',')}
        metric="loss,val_loss"
        xAxis="step"
        smoothing={0}
        logScale={false}
        heading="Loss (React)"
        ontrainwatch-state={(event) => onState?.(event.detail)}
      />
      <big-number run={shown[0]} metric="loss" window={window} aggregate="last" direction="lower-is-better" thresholds="2,3" />
      <connection-status compact />
    </trainwatch-source>
  );
}

/** Renders the dashboard into `root`; returns the React root (to unmount). */
export function renderDashboard(root: HTMLElement, props: DashboardProps): Root {
  const reactRoot = createRoot(root);
  reactRoot.render(<Dashboard {...props} />);
  return reactRoot;
}
