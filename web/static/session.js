// The /v1/agent WebSocket: the start handshake, sending audio with a
// bound on what may queue up, and reconnecting with backoff.

/** Close codes after which reconnecting cannot help. */
export const CLOSE_NORMAL = 1000;
export const CLOSE_AUTH_FAILED = 4002;

/** Bytes the socket may hold unsent before microphone frames are dropped. */
export const MAX_BUFFERED_BYTES = 64 * 1024;

/**
 * The wait before reconnect attempt n (0-based): 1 s doubling to 30 s.
 * @param {number} attempt
 */
export function backoffMs(attempt) {
  return Math.min(30000, 1000 * 2 ** Math.min(attempt, 15));
}

/**
 * The agent endpoint for a page at pageURL: v1/agent beside the page, so
 * that a server behind a path prefix works too.
 * @param {string} pageURL
 */
export function agentURL(pageURL) {
  const u = new URL('v1/agent', pageURL);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.hash = '';
  u.search = '';
  return u.toString();
}

/**
 * @typedef {object} Status
 * @property {'connecting'|'open'|'ready'|'reconnecting'|'closed'|'failed'} status
 * @property {number} [attempt] reconnect attempts so far
 * @property {number} [delayMs] wait before the next attempt
 * @property {number} [code] close code
 * @property {string} [reason] close reason
 */

/**
 * @typedef {object} SessionOptions
 * @property {string} url
 * @property {() => object} start builds the start message (read at every connect, so new settings apply)
 * @property {(msg: object) => void} onMessage a JSON message from the server
 * @property {(buf: ArrayBuffer) => void} onAudio a binary frame
 * @property {(s: Status) => void} onStatus
 * @property {typeof WebSocket} [WebSocketImpl]
 * @property {{setTimeout: Function, clearTimeout: Function}} [timers]
 */

export class AgentSession {
  /** @param {SessionOptions} opts */
  constructor(opts) {
    this.opts = opts;
    this.WS = opts.WebSocketImpl || globalThis.WebSocket;
    this.timers = opts.timers || globalThis;
    this.ws = null;
    this.attempt = 0;
    this.timer = null;
    this.wanted = false;
    this.isReady = false;
    this.dropped = 0;
  }

  /** Connects now, and keeps reconnecting until close. */
  connect() {
    this.wanted = true;
    this.attempt = 0;
    this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.open();
  }

  open() {
    this.isReady = false;
    this.opts.onStatus({ status: 'connecting', attempt: this.attempt });
    const ws = new this.WS(this.opts.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      ws.send(JSON.stringify(this.opts.start()));
      this.opts.onStatus({ status: 'open' });
    };
    ws.onmessage = (e) => {
      if (typeof e.data !== 'string') {
        this.opts.onAudio(e.data);
        return;
      }
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      if (msg.type === 'ready') {
        this.isReady = true;
        this.attempt = 0;
        this.opts.onStatus({ status: 'ready' });
      }
      this.opts.onMessage(msg);
    };
    ws.onclose = (e) => this.closed(ws, e.code, e.reason);
  }

  closed(ws, code, reason) {
    if (ws !== this.ws) return;
    this.ws = null;
    this.isReady = false;
    if (!this.wanted || code === CLOSE_NORMAL) {
      this.wanted = false;
      this.opts.onStatus({ status: 'closed', code, reason });
      return;
    }
    if (code === CLOSE_AUTH_FAILED) {
      this.wanted = false;
      this.opts.onStatus({ status: 'failed', code, reason });
      return;
    }
    const delayMs = backoffMs(this.attempt);
    this.attempt++;
    this.opts.onStatus({ status: 'reconnecting', attempt: this.attempt, delayMs, code, reason });
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      if (this.wanted) this.open();
    }, delayMs);
  }

  /** Whether the server has answered start. */
  get ready() {
    return this.isReady && this.ws !== null && this.ws.readyState === 1;
  }

  /**
   * Sends a JSON message if the session is ready.
   * @returns {boolean} whether it was sent
   */
  send(msg) {
    if (!this.ready) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  /**
   * Sends a binary audio frame, dropping it when the socket is not ready
   * or already holds too much: late microphone audio is worth less than
   * current audio, and a stalled network must not grow memory.
   * @param {ArrayBuffer} buf
   * @returns {boolean} whether it was sent
   */
  sendAudio(buf) {
    if (!this.ready) return false;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.dropped++;
      return false;
    }
    this.ws.send(buf);
    return true;
  }

  /**
   * Replaces the connection with a new one now (new settings), without
   * the old one's close counting as a loss.
   */
  restart() {
    const ws = this.ws;
    this.ws = null;
    if (ws) this.hangUp(ws);
    this.connect();
  }

  hangUp(ws) {
    if (ws.readyState === 1) ws.send(JSON.stringify({ type: 'stop' }));
    if (ws.readyState <= 1) ws.close(CLOSE_NORMAL, 'stop');
  }

  /** Ends the session for good: stop, then a normal close. */
  close() {
    this.wanted = false;
    this.timers.clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    if (!ws) {
      this.opts.onStatus({ status: 'closed', code: CLOSE_NORMAL, reason: 'stop' });
      return;
    }
    this.hangUp(ws);
  }
}
