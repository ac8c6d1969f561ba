// The playback jitter buffer, kept free of AudioWorklet globals so that
// Node can test it; playback-worklet.js drives it from the audio thread.

/**
 * @typedef {object} Report
 * @property {'played'|'started'|'flushed'} type
 * @property {number} turn
 * @property {number} frames frames of this turn's audio output so far
 * @property {number} total frames of audio output over all turns
 * @property {number} buffered frames still queued
 * @property {boolean} [drained] the turn's queue ran empty
 * @property {number} [dropped] frames discarded by a flush
 */

/**
 * Queues a turn's audio and renders it continuously. A turn starts only
 * once enough is buffered (startMs), or its audio is known to be complete,
 * or it has waited maxWaitMs; then it plays without gaps for as long as
 * data keeps up. An underrun outputs silence and playback resumes as soon
 * as data arrives. flush drops everything at once (barge-in).
 */
export class JitterBuffer {
  /**
   * @param {{sampleRate: number, startMs?: number, maxWaitMs?: number, reportMs?: number}} opts
   */
  constructor({ sampleRate, startMs = 120, maxWaitMs = 250, reportMs = 100 }) {
    this.startFrames = Math.round(sampleRate * startMs / 1000);
    this.maxWaitFrames = Math.round(sampleRate * maxWaitMs / 1000);
    this.reportFrames = Math.round(sampleRate * reportMs / 1000);
    /** @type {{turn: number, data: Float32Array, off: number}[]} */
    this.queue = [];
    this.buffered = 0;
    this.playing = false;
    this.waited = 0;
    this.sinceReport = 0;
    this.turn = 0; // the turn playing, or last played
    this.turnFrames = 0; // frames of this.turn output
    this.firstReportedTurn = 0; // the last turn whose first frames were reported
    this.total = 0;
    this.underruns = 0;
    /** @type {Set<number>} turns whose audio is complete */
    this.ended = new Set();
    /** @type {Report[]} */
    this.reports = [];
  }

  /**
   * @param {number} turn
   * @param {Float32Array} data at the output rate
   */
  push(turn, data) {
    if (data.length === 0) return;
    if (this.queue.length === 0 && turn !== this.turn) {
      // A new turn buffers up again before it starts.
      this.playing = false;
      this.waited = 0;
      for (const t of this.ended) if (t < turn) this.ended.delete(t);
    }
    this.queue.push({ turn, data, off: 0 });
    this.buffered += data.length;
  }

  /** Marks a turn's audio complete, so that a short one need not wait. */
  end(turn) {
    this.ended.add(turn);
  }

  /** Drops all queued audio; reports what the current turn played. */
  flush() {
    const dropped = this.buffered;
    this.queue = [];
    this.buffered = 0;
    this.playing = false;
    this.waited = 0;
    this.sinceReport = 0;
    this.report('flushed', { dropped });
  }

  /** Forgets every turn, silently: turn numbers restart in a new session. */
  reset() {
    this.queue = [];
    this.buffered = 0;
    this.playing = false;
    this.waited = 0;
    this.sinceReport = 0;
    this.turn = 0;
    this.turnFrames = 0;
    this.ended.clear();
    this.reports = [];
  }

  /**
   * Fills out with the next frames (silence where there is no audio).
   * @param {Float32Array} out
   */
  render(out) {
    const n = out.length;
    let i = 0;
    if (!this.playing && this.queue.length > 0) {
      const head = this.queue[0].turn;
      if (this.buffered >= this.startFrames || this.ended.has(head) || this.waited >= this.maxWaitFrames ||
        this.queue[this.queue.length - 1].turn !== head) {
        this.playing = true;
        if (head !== this.turn) {
          this.turn = head;
          this.turnFrames = 0;
        }
        this.report('started');
      } else {
        this.waited += n;
      }
    }
    if (this.playing && this.queue.length > 0) {
      while (i < n && this.queue.length > 0) {
        const c = this.queue[0];
        if (c.turn !== this.turn) {
          this.report('played', { drained: true });
          this.turn = c.turn;
          this.turnFrames = 0;
        }
        const take = Math.min(n - i, c.data.length - c.off);
        out.set(c.data.subarray(c.off, c.off + take), i);
        i += take;
        c.off += take;
        this.buffered -= take;
        this.turnFrames += take;
        this.total += take;
        this.sinceReport += take;
        if (c.off === c.data.length) this.queue.shift();
      }
      if (this.turnFrames > 0 && this.firstReportedTurn !== this.turn) {
        // The first frames of a turn are reported at once, not after the
        // usual interval: the server times "first audio played" from it.
        this.firstReportedTurn = this.turn;
        if (this.queue.length > 0 && this.sinceReport < this.reportFrames) this.report('played');
      }
      if (this.queue.length === 0) {
        // Silence from here on: an underrun unless the turn is complete;
        // playback goes on as soon as more of this turn arrives.
        if (!this.ended.has(this.turn)) this.underruns++;
        this.playing = !this.ended.has(this.turn);
        this.report('played', { drained: true });
      } else if (this.sinceReport >= this.reportFrames) {
        this.report('played');
      }
    }
    out.fill(0, i);
  }

  /** Takes the reports made since the last call. */
  takeReports() {
    const r = this.reports;
    this.reports = [];
    return r;
  }

  report(type, extra = {}) {
    this.sinceReport = 0;
    this.reports.push({ type, turn: this.turn, frames: this.turnFrames, total: this.total, buffered: this.buffered, ...extra });
  }
}
