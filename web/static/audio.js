// The page's audio: one AudioContext, a capture worklet fed by the
// microphone and a playback worklet that plays the agent's voice.
import { LinearResampler, s16LEToFloat } from './pcm.js';

/** Constraints that let the browser cancel the agent's own voice. */
export const micConstraints = {
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
};

/**
 * @typedef {object} AudioHandlers
 * @property {(frame: Float32Array) => void} onFrame a 20 ms microphone frame
 * @property {(report: object) => void} onPlayback a report from the jitter buffer
 */

export class AudioEngine {
  /** @param {AudioHandlers} handlers */
  constructor(handlers) {
    this.handlers = handlers;
    this.ctx = null;
    this.stream = null;
    this.nodes = [];
    this.player = null;
    this.resampler = null;
    this.turn = 0;
    this.carry = null; // an odd byte left over from the last binary frame
    this.epoch = 0; // counts resets, so that reports about old turns are known
  }

  /** The AudioContext's rate: the rate of capture and of playback. */
  get sampleRate() {
    return this.ctx ? this.ctx.sampleRate : 0;
  }

  /**
   * Starts the context and playback, then the microphone. Call it from a
   * user gesture. A microphone that cannot be opened is reported, not
   * thrown: typing still works without one.
   * @returns {Promise<{micError: Error|null}>}
   */
  async start() {
    this.ctx = new AudioContext({ latencyHint: 'interactive' });
    await this.ctx.resume();
    const base = new URL('.', import.meta.url);
    await Promise.all([
      this.ctx.audioWorklet.addModule(new URL('capture-worklet.js', base)),
      this.ctx.audioWorklet.addModule(new URL('playback-worklet.js', base)),
    ]);
    this.player = new AudioWorkletNode(this.ctx, 'parley-playback', { numberOfInputs: 0, outputChannelCount: [1] });
    this.player.port.onmessage = (e) => {
      if (e.data.epoch === this.epoch) this.handlers.onPlayback(e.data);
    };
    this.player.connect(this.ctx.destination);
    this.nodes.push(this.player);
    try {
      this.stream = await navigator.mediaDevices.getUserMedia(micConstraints);
    } catch (err) {
      return { micError: err };
    }
    const src = this.ctx.createMediaStreamSource(this.stream);
    const cap = new AudioWorkletNode(this.ctx, 'parley-capture', { numberOfOutputs: 1, outputChannelCount: [1] });
    cap.port.onmessage = (e) => this.handlers.onFrame(e.data);
    // The capture node outputs silence; connecting it keeps it pulled.
    const mute = new GainNode(this.ctx, { gain: 0 });
    src.connect(cap).connect(mute).connect(this.ctx.destination);
    this.nodes.push(src, cap, mute);
    return { micError: null };
  }

  /**
   * Queues one binary frame of the agent's voice (s16le mono at inRate)
   * for a turn.
   * @param {number} turn
   * @param {ArrayBuffer} buf
   * @param {number} inRate
   */
  play(turn, buf, inRate) {
    if (!this.player) return;
    if (turn !== this.turn || !this.resampler || this.resampler.inRate !== inRate) {
      this.turn = turn;
      this.resampler = new LinearResampler(inRate, this.ctx.sampleRate);
      this.carry = null;
    }
    let bytes = new Uint8Array(buf);
    if (this.carry !== null) {
      const joined = new Uint8Array(bytes.length + 1);
      joined[0] = this.carry;
      joined.set(bytes, 1);
      bytes = joined;
      this.carry = null;
    }
    if (bytes.length % 2 === 1) {
      this.carry = bytes[bytes.length - 1];
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    const pcm = s16LEToFloat(bytes.slice().buffer);
    const samples = this.resampler.process(pcm);
    this.player.port.postMessage({ type: 'chunk', turn, samples }, [samples.buffer]);
  }

  /** Tells the player that a turn's audio is complete. */
  endTurn(turn) {
    if (this.player) this.player.port.postMessage({ type: 'end', turn });
  }

  /** Drops all audio queued for playback at once. */
  flush() {
    if (this.player) this.player.port.postMessage({ type: 'flush' });
    if (this.resampler) this.resampler.reset();
  }

  /** Drops all audio and forgets turn numbers (a new session). */
  reset() {
    this.epoch++;
    if (this.player) this.player.port.postMessage({ type: 'reset', epoch: this.epoch });
    this.turn = 0;
    this.resampler = null;
    this.carry = null;
  }

  /** Releases the microphone and the context. */
  async stop() {
    if (this.stream) for (const t of this.stream.getTracks()) t.stop();
    for (const n of this.nodes) n.disconnect();
    const ctx = this.ctx;
    this.stream = null;
    this.nodes = [];
    this.player = null;
    this.ctx = null;
    this.resampler = null;
    if (ctx) await ctx.close();
  }
}
