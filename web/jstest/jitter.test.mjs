import assert from 'node:assert/strict';
import test from 'node:test';
import { JitterBuffer } from '../static/jitter.js';

const RATE = 48000;
const Q = 128; // an AudioWorklet render quantum

function chunk(ms, value = 0.5) {
  return new Float32Array(Math.round(RATE * ms / 1000)).fill(value);
}

// render runs n quanta and returns the output and the reports.
function render(jb, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const q = new Float32Array(Q).fill(9); // stale garbage the buffer must overwrite
    jb.render(q);
    out.push(...q);
  }
  return { out: Float32Array.from(out), reports: jb.takeReports() };
}

const nonzero = (a) => a.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0);

test('waits for startMs of audio before playing a turn', () => {
  const cases = [
    { name: 'one 40 ms chunk waits', chunks: 1, plays: false },
    { name: 'two 40 ms chunks wait', chunks: 2, plays: false },
    { name: 'three 40 ms chunks start', chunks: 3, plays: true },
  ];
  for (const c of cases) {
    const jb = new JitterBuffer({ sampleRate: RATE, startMs: 120 });
    for (let i = 0; i < c.chunks; i++) jb.push(1, chunk(40));
    const { out, reports } = render(jb, 4);
    assert.equal(nonzero(out) > 0, c.plays, c.name);
    assert.equal(reports.some((r) => r.type === 'started'), c.plays, c.name);
    if (!c.plays) assert.equal(nonzero(out), 0, `${c.name}: silence, not garbage`);
  }
});

test('a complete short turn or a long wait starts below the threshold', () => {
  const ended = new JitterBuffer({ sampleRate: RATE, startMs: 120 });
  ended.push(1, chunk(30));
  ended.end(1);
  assert.equal(nonzero(render(ended, 1).out), Q);

  const waited = new JitterBuffer({ sampleRate: RATE, startMs: 120, maxWaitMs: 50 });
  waited.push(1, chunk(30));
  const quantaFor50ms = Math.ceil(RATE * 0.05 / Q);
  assert.equal(nonzero(render(waited, quantaFor50ms).out), 0);
  assert.ok(nonzero(render(waited, 1).out) > 0);
});

test('plays every frame once, in order, and reports the turn played', () => {
  const jb = new JitterBuffer({ sampleRate: RATE, startMs: 60, reportMs: 100 });
  const a = Float32Array.from({ length: 3000 }, (_, i) => (i + 1) / 10000);
  jb.push(7, a.slice(0, 1000));
  jb.push(7, a.slice(1000, 2000));
  jb.push(7, a.slice(2000));
  jb.end(7);
  const { out, reports } = render(jb, 30);
  const played = out.filter((v) => v !== 0);
  assert.deepEqual(played, a);
  const last = reports.at(-1);
  assert.equal(last.turn, 7);
  assert.equal(last.frames, 3000);
  assert.equal(last.total, 3000);
  assert.equal(last.drained, true);
  assert.equal(jb.underruns, 0);
});

test('reports progress about every reportMs while playing', () => {
  const jb = new JitterBuffer({ sampleRate: RATE, startMs: 0, reportMs: 100 });
  jb.push(1, chunk(1000));
  const quanta = Math.floor(RATE * 0.5 / Q); // 500 ms
  const { reports } = render(jb, quanta);
  const played = reports.filter((r) => r.type === 'played');
  assert.ok(played.length >= 4 && played.length <= 5, `${played.length} reports in 500 ms`);
  for (let i = 1; i < played.length; i++) assert.ok(played[i].frames > played[i - 1].frames);
});

test('an underrun outputs silence and resumes when data arrives', () => {
  const jb = new JitterBuffer({ sampleRate: RATE, startMs: 40 });
  jb.push(1, chunk(50));
  let r = render(jb, 30); // 80 ms: runs dry after 50
  assert.equal(nonzero(r.out), chunk(50).length);
  assert.equal(jb.underruns, 1);
  assert.ok(r.reports.some((x) => x.drained), 'a drained report at the underrun');
  r = render(jb, 5);
  assert.equal(r.reports.length, 0, 'no reports while silent');
  jb.push(1, chunk(10)); // below startMs, but the turn is already playing
  r = render(jb, 1);
  assert.equal(nonzero(r.out), Q);
});

test('a new turn buffers again', () => {
  const jb = new JitterBuffer({ sampleRate: RATE, startMs: 100 });
  jb.push(1, chunk(100));
  jb.end(1);
  render(jb, 50);
  jb.push(2, chunk(40));
  const { out } = render(jb, 2);
  assert.equal(nonzero(out), 0);
});

test('flush drops everything at once and reports where the turn stopped', () => {
  const jb = new JitterBuffer({ sampleRate: RATE, startMs: 0 });
  jb.push(3, chunk(1000));
  render(jb, 10);
  jb.takeReports();
  jb.flush();
  const [f] = jb.takeReports();
  assert.equal(f.type, 'flushed');
  assert.equal(f.turn, 3);
  assert.equal(f.frames, 10 * Q);
  assert.equal(f.dropped, chunk(1000).length - 10 * Q);
  const { out, reports } = render(jb, 10);
  assert.equal(nonzero(out), 0);
  assert.equal(reports.length, 0);
  assert.equal(jb.total, 10 * Q);
});

test('reset forgets turns: a new session may reuse turn numbers', () => {
  const jb = new JitterBuffer({ sampleRate: RATE, startMs: 0 });
  jb.push(1, chunk(100));
  jb.end(1);
  render(jb, 10);
  jb.reset();
  assert.equal(jb.takeReports().length, 0, 'silently');
  jb.push(1, chunk(100));
  const { reports } = render(jb, 1);
  assert.equal(reports[0].type, 'started');
  assert.equal(reports[0].frames, 0, 'turn 1 of the new session counts from zero');
  assert.equal(jb.turnFrames, Q);
  assert.equal(jb.total, 10 * Q + Q, 'the total over all turns goes on');
});

test('the first frames of each turn are reported at once', () => {
  const jb = new JitterBuffer({ sampleRate: RATE, startMs: 0 });
  jb.push(1, chunk(500));
  let { reports } = render(jb, 1);
  const first = reports.find((r) => r.type === 'played');
  assert.ok(first, 'a played report in the first quantum');
  assert.equal(first.turn, 1);
  assert.equal(first.frames, Q);
  ({ reports } = render(jb, 2));
  assert.equal(reports.filter((r) => r.type === 'played').length, 0, 'then only every reportMs');
  jb.push(2, chunk(500));
  ({ reports } = render(jb, 190)); // through the end of turn 1 and into turn 2
  assert.ok(reports.some((r) => r.type === 'played' && r.turn === 2 && r.frames <= Q), 'turn 2 reported from its first quantum');
});
