import { expect } from '@open-wc/testing';
import { cursorSync, groupSize, joinGroup, publishZoom, ZoomController, type GroupMember, type ZoomOptions, type ZoomRange } from './group-sync.js';

type Range = readonly [number, number] | undefined;

function member(axis: string): GroupMember & { got: Range[] } {
  const got: Range[] = [];
  return { got, axis: () => axis, applyZoom: (range) => got.push(range) };
}

/** A stand-in for a Lit host: the controller only needs addController. */
function controller(overrides: Partial<ZoomOptions> = {}) {
  const log = { changed: 0, said: [] as string[] };
  let group: string | undefined = overrides.group?.();
  let extent: ZoomRange | undefined = [0, 1000];
  const zoom = new ZoomController({ addController() {}, removeController() {}, requestUpdate() {}, updateComplete: Promise.resolve(true) }, {
    group: () => group,
    axis: () => 'step',
    extent: () => extent,
    minSpan: () => 4,
    describe: ([lo, hi]) => `steps ${lo} to ${hi}`,
    changed: () => log.changed++,
    announce: (message) => log.said.push(message),
    ...overrides,
  });
  return {
    zoom,
    log,
    setGroup: (g: string | undefined) => (group = g),
    setExtent: (e: ZoomRange | undefined) => (extent = e),
  };
}

const key = (k: string) => new KeyboardEvent('keydown', { key: k, cancelable: true });

describe('chart groups', () => {
  it('sends a zoom to the other members with the same axis kind, never back to the sender', () => {
    const a = member('step');
    const b = member('step');
    const c = member('time');
    const leave = [joinGroup('g1', a), joinGroup('g1', b), joinGroup('g1', c)];
    const outsider = member('step');
    const leaveOther = joinGroup('g2', outsider);
    publishZoom('g1', a, { axis: 'step', range: [10, 20] });
    expect(a.got).to.deep.equal([]);
    expect(b.got).to.deep.equal([[10, 20]]);
    expect(c.got).to.deep.equal([]);
    expect(outsider.got).to.deep.equal([]);
    publishZoom('g1', c, { axis: 'time', range: undefined });
    expect(a.got).to.deep.equal([]);
    expect(b.got).to.deep.equal([[10, 20]]);
    leave.forEach((l) => l());
    leaveOther();
    expect(groupSize('g1')).to.equal(0);
    expect(groupSize('g2')).to.equal(0);
  });

  it('forgets a member that left', () => {
    const a = member('step');
    const b = member('step');
    joinGroup('g3', a);
    const leaveB = joinGroup('g3', b);
    expect(groupSize('g3')).to.equal(2);
    leaveB();
    publishZoom('g3', a, { axis: 'step', range: [1, 2] });
    expect(b.got).to.deep.equal([]);
    expect(groupSize('g3')).to.equal(1);
  });

  it('keys the uPlot cursor sync by group and axis kind', () => {
    expect(cursorSync(undefined)).to.equal(undefined);
    expect(cursorSync('')).to.equal(undefined);
    expect(cursorSync('train', 'step')!.key).to.equal('trainwatch:train:step');
    expect(cursorSync('train', 'time')!.key).to.not.equal(cursorSync('train', 'step')!.key);
    const sync = cursorSync('train', 'step')!;
    expect(sync.scales).to.deep.equal(['x', null]);
    // The hover is shared; drags and double clicks zoom through the group channel instead.
    const pub = (type: string) => sync.filters!.pub!(type, undefined as never, 0, 0, 0, 0, 0);
    expect(['mousemove', 'mouseleave', 'mouseenter'].map(pub)).to.deep.equal([true, true, true]);
    expect(['mousedown', 'mouseup', 'dblclick'].map(pub)).to.deep.equal([false, false, false]);
  });
});

describe('ZoomController', () => {
  it('zooms in around the centre, pans by a tenth, zooms out and resets with the keys', () => {
    const { zoom, log } = controller();
    expect(zoom.handleKey(key('+'))).to.equal(true);
    expect(zoom.zoom).to.deep.equal([250, 750]);
    zoom.handleKey(key('='));
    expect(zoom.zoom).to.deep.equal([375, 625]);
    zoom.handleKey(key('ArrowRight'));
    expect(zoom.zoom).to.deep.equal([400, 650]);
    zoom.handleKey(key('ArrowLeft'));
    zoom.handleKey(key('ArrowLeft'));
    expect(zoom.zoom).to.deep.equal([350, 600]);
    zoom.handleKey(key('-'));
    expect(zoom.zoom).to.deep.equal([225, 725]);
    zoom.handleKey(key('0'));
    expect(zoom.zoom).to.equal(undefined);
    expect(log.said).to.deep.equal([
      'Zoomed to steps 250 to 750.',
      'Zoomed to steps 375 to 625.',
      'Zoomed to steps 400 to 650.',
      'Zoomed to steps 375 to 625.',
      'Zoomed to steps 350 to 600.',
      'Zoomed to steps 225 to 725.',
      'Zoom reset: showing everything.',
    ]);
    expect(log.changed).to.equal(7);
  });

  it('keeps panning and zooming out within the data, and leaves other keys alone', () => {
    const { zoom } = controller();
    zoom.set([0, 100]);
    const left = key('ArrowLeft');
    expect(zoom.handleKey(left)).to.equal(true);
    expect(left.defaultPrevented).to.equal(true);
    expect(zoom.zoom).to.deep.equal([0, 100]);
    zoom.set([850, 990]);
    zoom.handleKey(key('ArrowRight'));
    expect(zoom.zoom).to.deep.equal([860, 1000]);
    zoom.handleKey(key('-'));
    expect(zoom.zoom).to.deep.equal([720, 1000]);
    zoom.handleKey(key('-'));
    zoom.handleKey(key('-'));
    expect(zoom.zoom).to.equal(undefined);
    // Not zoomed: arrows, Escape and Home are the page's.
    for (const k of ['ArrowLeft', 'ArrowRight', 'Escape', 'Home', 'a']) {
      const event = key(k);
      expect(zoom.handleKey(event), k).to.equal(false);
      expect(event.defaultPrevented, k).to.equal(false);
    }
    expect(zoom.handleKey(new KeyboardEvent('keydown', { key: '+', ctrlKey: true }))).to.equal(false);
  });

  it('stops zooming in at the narrowest span', () => {
    const { zoom, setExtent } = controller();
    setExtent([0, 10]);
    zoom.handleKey(key('+'));
    expect(zoom.zoom).to.deep.equal([2.5, 7.5]);
    zoom.handleKey(key('+'));
    expect(zoom.zoom).to.deep.equal([3, 7]);
    zoom.handleKey(key('+'));
    expect(zoom.zoom).to.deep.equal([3, 7]);
  });

  it('does nothing without data', () => {
    const { zoom, setExtent } = controller();
    setExtent(undefined);
    expect(zoom.handleKey(key('+'))).to.equal(false);
    expect(zoom.zoom).to.equal(undefined);
  });

  it('joins its group on connect, follows the group without echoing, and leaves on disconnect', () => {
    const a = controller({ group: () => 'gz' });
    const b = controller({ group: () => 'gz' });
    const other = controller({ group: () => 'gz-other' });
    const alone = controller();
    for (const c of [a, b, other, alone]) c.zoom.hostConnected();
    expect(groupSize('gz')).to.equal(2);
    a.zoom.set([100, 200]);
    expect(b.zoom.zoom).to.deep.equal([100, 200]);
    expect(other.zoom.zoom).to.equal(undefined);
    expect(alone.zoom.zoom).to.equal(undefined);
    // The follower fetched and redrew, but did not announce what it did not do.
    expect(b.log.changed).to.equal(1);
    expect(b.log.said).to.deep.equal([]);
    b.zoom.handleKey(key('0'));
    expect(a.zoom.zoom).to.equal(undefined);
    b.zoom.hostDisconnected();
    expect(groupSize('gz')).to.equal(1);
    a.zoom.set([1, 2]);
    expect(b.zoom.zoom).to.equal(undefined);
    // A group set later is joined at the next update.
    alone.setGroup('gz');
    alone.zoom.hostUpdated();
    a.zoom.set([3, 4]);
    expect(alone.zoom.zoom).to.deep.equal([3, 4]);
    for (const c of [a, other, alone]) c.zoom.hostDisconnected();
    expect(groupSize('gz')).to.equal(0);
  });
});
