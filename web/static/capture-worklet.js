// Cuts the microphone signal into fixed frames (20 ms by default) on the
// audio thread and posts them to the page, which converts and sends them.

class CaptureProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const ms = (options.processorOptions && options.processorOptions.frameMs) || 20;
    this.size = Math.round(sampleRate * ms / 1000);
    this.frame = new Float32Array(this.size);
    this.n = 0;
  }

  process(inputs) {
    const chans = inputs[0];
    if (!chans || chans.length === 0) return true;
    const len = chans[0].length;
    for (let i = 0; i < len; i++) {
      // A stereo microphone is mixed down: the server wants mono.
      let v = 0;
      for (let c = 0; c < chans.length; c++) v += chans[c][i];
      this.frame[this.n++] = v / chans.length;
      if (this.n === this.size) {
        this.port.postMessage(this.frame, [this.frame.buffer]);
        this.frame = new Float32Array(this.size);
        this.n = 0;
      }
    }
    return true;
  }
}

registerProcessor('parley-capture', CaptureProcessor);
