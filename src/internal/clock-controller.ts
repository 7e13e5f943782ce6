/**
 * Re-renders its host on a clock while the host is connected: data ages ("last
 * point 4s ago"), staleness and live/stale badges move with time even when no
 * data arrives. Released on disconnect like every other controller.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export class ClockController implements ReactiveController {
  private readonly host: ReactiveControllerHost;
  private readonly interval: number;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(host: ReactiveControllerHost, interval = 1000) {
    this.host = host;
    this.interval = interval;
    host.addController(this);
  }

  /** True while the clock ticks (teardown checks read it). */
  get running(): boolean {
    return this.timer !== undefined;
  }

  hostConnected(): void {
    this.timer ??= setInterval(() => this.host.requestUpdate(), this.interval);
  }

  hostDisconnected(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
