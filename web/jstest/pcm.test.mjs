import assert from 'node:assert/strict';
import test from 'node:test';
import { floatToS16LE, LinearResampler, levelDBFS, meterValue, s16LEToFloat } from '../static/pcm.js';

test('floatToS16LE clamps and is little-endian', () => {
  const cases = [
    [0, 0], [1, 32767], [-1, -32768], [2, 32767], [-3, -32768], [0.5, 16384], [-0.5, -16384],
  ];
  const buf = floatToS16LE(Float32Array.from(cases.map((c) => c[0])));
  const view = new DataView(buf);
  cases.forEach(([, want], i) => assert.equal(view.getInt16(i * 2, true), want, `sample ${i}`));
  assert.equal(new Uint8Array(buf)[2], 0xff, 'low byte of 32767 first');
});

test('s16LEToFloat inverts floatToS16LE within 1.5 steps', () => {
  const x = Float32Array.from({ length: 100 }, (_, i) => Math.sin(i / 7) * 0.9);
  const y = s16LEToFloat(floatToS16LE(x));
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i] - y[i]) <= 1.5 / 32768, `sample ${i}`);
});

test('levels', () => {
  assert.equal(levelDBFS(new Float32Array(10)), -Infinity);
  assert.ok(Math.abs(levelDBFS(new Float32Array(10).fill(0.5)) - 20 * Math.log10(0.5)) < 1e-6);
  assert.equal(meterValue(-Infinity), 0);
  assert.equal(meterValue(-80), 0);
  assert.equal(meterValue(-30), 0.5);
  assert.equal(meterValue(3), 1);
});

function ramp(n) {
  return Float32Array.from({ length: n }, (_, i) => i / n);
}

for (const [inRate, outRate] of [[24000, 48000], [24000, 44100], [24000, 16000], [24000, 24000]]) {
  test(`resampler ${inRate} -> ${outRate}: chunking does not change the output`, () => {
    const x = ramp(2400);
    const whole = new LinearResampler(inRate, outRate).process(x);
    const r = new LinearResampler(inRate, outRate);
    const parts = [];
    for (const size of [1, 7, 128, 960, 1304]) {
      const start = parts.reduce((n, p) => n + p.inLen, 0);
      parts.push({ inLen: size, out: r.process(x.subarray(start, start + size)) });
    }
    const joined = Float32Array.from(parts.flatMap((p) => [...p.out]));
    assert.equal(joined.length, whole.length);
    for (let i = 0; i < whole.length; i++) assert.ok(Math.abs(joined[i] - whole[i]) < 1e-5, `sample ${i}`);
    // A ramp stays a ramp: every output lies on the line through the input.
    const step = inRate / outRate;
    for (let i = 0; i < whole.length; i++) assert.ok(Math.abs(whole[i] - (i * step) / 2400) < 1e-5, `ramp ${i}`);
    assert.ok(Math.abs(whole.length - (2400 * outRate) / inRate) <= 2, `length ${whole.length}`);
  });
}

test('resampler reset starts a new signal', () => {
  const r = new LinearResampler(24000, 44100);
  r.process(ramp(101));
  r.reset();
  const a = r.process(ramp(300));
  const b = new LinearResampler(24000, 44100).process(ramp(300));
  assert.deepEqual(a, b);
});
