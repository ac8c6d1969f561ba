// Plays the agent's voice from a jitter buffer on the audio thread and
// tells the page how much of each turn has actually been output.
import { JitterBuffer } from './jitter.js';

class PlaybackProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.jb = new JitterBuffer({ sampleRate, ...(options.processorOptions || {}) });
    this.epoch = 0;
    this.port.onmessage = (e) => {
      const m = e.data;
      switch (m.type) {
        case 'chunk':
          this.jb.push(m.turn, m.samples);
          break;
        case 'end':
          this.jb.end(m.turn);
          break;
        case 'reset':
          this.jb.reset();
          this.epoch = m.epoch;
          break;
        case 'flush':
          this.jb.flush();
          this.post();
          break;
      }
    };
  }

  post() {
    for (const r of this.jb.takeReports()) this.port.postMessage({ ...r, underruns: this.jb.underruns, epoch: this.epoch });
  }

  process(_inputs, outputs) {
    const out = outputs[0];
    this.jb.render(out[0]);
    for (let c = 1; c < out.length; c++) out[c].set(out[0]);
    this.post();
    return true;
  }
}

registerProcessor('parley-playback', PlaybackProcessor);
