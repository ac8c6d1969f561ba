// PCM helpers shared by the page and its worklets. Pure functions and
// classes with no DOM, so that Node can test them as they are.

/**
 * Converts float samples in [-1, 1] to signed 16-bit little-endian PCM,
 * clamping out-of-range values rather than letting them wrap.
 * @param {Float32Array} samples
 * @returns {ArrayBuffer}
 */
export function floatToS16LE(samples) {
  const buf = new ArrayBuffer(samples.length * 2);
  const view = new DataView(buf);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.max(-1, Math.min(1, samples[i]));
    view.setInt16(i * 2, v < 0 ? Math.round(v * 32768) : Math.round(v * 32767), true);
  }
  return buf;
}

/**
 * Converts signed 16-bit little-endian PCM to float samples in [-1, 1).
 * @param {ArrayBuffer} buf an even number of bytes
 * @returns {Float32Array}
 */
export function s16LEToFloat(buf) {
  const view = new DataView(buf);
  const out = new Float32Array(buf.byteLength >> 1);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true) / 32768;
  return out;
}

/**
 * The RMS level of samples in dBFS (-Infinity for silence).
 * @param {Float32Array} samples
 */
export function levelDBFS(samples) {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  return samples.length ? 10 * Math.log10(sum / samples.length) : -Infinity;
}

/**
 * Maps a dBFS level to [0, 1] for a meter: -60 dBFS and below is empty.
 * @param {number} db
 */
export function meterValue(db) {
  return Number.isFinite(db) ? Math.max(0, Math.min(1, (db + 60) / 60)) : 0;
}

/**
 * A streaming linear-interpolation resampler. Chunk boundaries are
 * invisible: the fractional read position and the last sample carry over,
 * so resampling chunk by chunk gives the same samples as resampling the
 * whole signal at once. Linear interpolation is enough for the case it
 * serves, 24 kHz speech raised to a 44.1 or 48 kHz output.
 */
export class LinearResampler {
  /**
   * @param {number} inRate
   * @param {number} outRate
   */
  constructor(inRate, outRate) {
    this.inRate = inRate;
    this.outRate = outRate;
    this.step = inRate / outRate;
    this.reset();
  }

  /** Starts a new, unrelated signal. */
  reset() {
    // pos is the next output's position in input samples, relative to the
    // next chunk's first sample; -1 < pos < 0 lies between prev and it.
    this.pos = 0;
    this.prev = 0;
  }

  /**
   * @param {Float32Array} input
   * @returns {Float32Array}
   */
  process(input) {
    const n = input.length;
    if (n === 0) return new Float32Array(0);
    if (this.step === 1) return input.slice();
    const last = n - 1;
    const count = this.pos > last ? 0 : Math.floor((last - this.pos) / this.step) + 1;
    const out = new Float32Array(count);
    let t = this.pos;
    for (let k = 0; k < count; k++, t = this.pos + (k * this.step)) {
      const i = Math.floor(t);
      const frac = t - i;
      const a = i < 0 ? this.prev : input[i];
      const b = frac === 0 ? a : input[i + 1];
      out[k] = a + (b - a) * frac;
    }
    this.pos = this.pos + count * this.step - n;
    this.prev = input[last];
    return out;
  }
}
