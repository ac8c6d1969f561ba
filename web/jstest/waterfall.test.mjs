import assert from 'node:assert/strict';
import test from 'node:test';
import { fmtMs, layout, niceMax, STAGES } from '../static/waterfall.js';

test('niceMax', () => {
  const cases = [[0, 100], [1, 1], [90, 100], [101, 200], [480, 500], [501, 1000], [1999, 2000], [2001, 5000]];
  for (const [v, want] of cases) assert.equal(niceMax(v), want, `niceMax(${v})`);
});

test('fmtMs', () => {
  assert.equal(fmtMs(12.4), '12 ms');
  assert.equal(fmtMs(12500), '12.5 s');
});

test('stages follow one another on a shared scale', () => {
  const rows = [
    { turn: 1, speech_end_to_transcript_ms: 100, transcript_to_first_token_ms: 200, first_token_to_first_audio_ms: 300, first_audio_to_played_ms: 150, speech_end_to_played_ms: 750 },
    { turn: 2, transcript_to_first_token_ms: 400, first_token_to_first_audio_ms: 100, first_audio_to_played_ms: null, interrupted: true },
  ];
  const L = layout(rows, { width: 634, labelWidth: 64 }); // a 500 px plot
  assert.equal(L.max, 1000);
  const [a, b] = L.bars;
  assert.equal(a.segments.length, STAGES.length);
  let x = 64;
  for (const s of a.segments) {
    assert.ok(Math.abs(s.x - x) < 1e-9, 'each stage starts where the last ended');
    assert.ok(Math.abs(s.w - s.ms / 2) < 1e-9, '500 px for 1000 ms');
    x += s.w;
  }
  assert.equal(a.total, 750);
  assert.equal(b.segments.length, 2, 'missing stages are left out');
  assert.equal(b.segments[0].x, 64);
  assert.equal(b.total, 500);
  assert.equal(b.interrupted, true);
  assert.ok(b.y > a.y);
  assert.equal(L.ticks.at(-1).ms, 1000);
});
