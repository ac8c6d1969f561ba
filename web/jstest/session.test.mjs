import assert from 'node:assert/strict';
import test from 'node:test';
import { AgentSession, agentURL, backoffMs, MAX_BUFFERED_BYTES } from '../static/session.js';

test('backoff doubles from 1 s to 30 s', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 40].map(backoffMs), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
});

test('agentURL sits beside the page', () => {
  const cases = [
    ['http://localhost:8080/agent#key=pk_1', 'ws://localhost:8080/v1/agent'],
    ['https://voice.example/agent?x=1', 'wss://voice.example/v1/agent'],
    ['https://example.org/parley/agent', 'wss://example.org/parley/v1/agent'],
  ];
  for (const [page, want] of cases) assert.equal(agentURL(page), want);
});

// FakeWS records what the session does to its sockets.
class FakeWS {
  static all = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    this.bufferedAmount = 0;
    this.closedWith = null;
    FakeWS.all.push(this);
  }
  send(d) { this.sent.push(d); }
  close(code) { this.closedWith = code; this.readyState = 2; }
  open() { this.readyState = 1; this.onopen(); }
  message(data) { this.onmessage({ data }); }
  drop(code) { this.readyState = 3; this.onclose({ code, reason: '' }); }
}

function fakeTimers() {
  const t = { pending: [], setTimeout(fn, ms) { const h = { fn, ms }; t.pending.push(h); return h; }, clearTimeout(h) { t.pending = t.pending.filter((x) => x !== h); } };
  t.fire = () => { const h = t.pending.shift(); h.fn(); return h.ms; };
  return t;
}

function newSession() {
  FakeWS.all = [];
  const timers = fakeTimers();
  const log = { statuses: [], messages: [], audio: [] };
  const s = new AgentSession({
    url: 'ws://x/v1/agent', WebSocketImpl: FakeWS, timers,
    start: () => ({ type: 'start', input_sample_rate: 48000 }),
    onMessage: (m) => log.messages.push(m), onAudio: (b) => log.audio.push(b), onStatus: (st) => log.statuses.push(st),
  });
  return { s, timers, log };
}

test('sends start on open and is ready after ready', () => {
  const { s, log } = newSession();
  s.connect();
  const ws = FakeWS.all[0];
  assert.equal(ws.binaryType, 'arraybuffer');
  assert.equal(s.send({ type: 'text', text: 'early' }), false, 'nothing before ready');
  ws.open();
  assert.deepEqual(JSON.parse(ws.sent[0]), { type: 'start', input_sample_rate: 48000 });
  ws.message('{"type":"ready","session_id":"s1","output_sample_rate":24000}');
  assert.equal(s.ready, true);
  assert.equal(log.messages[0].session_id, 's1');
  ws.message(new ArrayBuffer(4));
  assert.equal(log.audio.length, 1);
  ws.message('not json');
  assert.equal(log.messages.length, 1);
  assert.deepEqual(log.statuses.map((x) => x.status), ['connecting', 'open', 'ready']);
});

test('reconnects with backoff after an unexpected close, not after a normal one', () => {
  const cases = [
    { code: 1006, reconnects: true },
    { code: 1001, reconnects: true },
    { code: 4005, reconnects: true },
    { code: 1000, reconnects: false, status: 'closed' },
    { code: 4002, reconnects: false, status: 'failed' },
  ];
  for (const c of cases) {
    const { s, timers, log } = newSession();
    s.connect();
    FakeWS.all[0].open();
    FakeWS.all[0].drop(c.code);
    assert.equal(timers.pending.length > 0, c.reconnects, `code ${c.code}`);
    if (!c.reconnects) {
      assert.equal(log.statuses.at(-1).status, c.status);
      continue;
    }
    // Each failed attempt waits twice as long, up to 30 s.
    const waits = [];
    for (let i = 0; i < 7; i++) {
      waits.push(timers.fire());
      FakeWS.all.at(-1).drop(1006);
    }
    assert.deepEqual(waits, [1000, 2000, 4000, 8000, 16000, 30000, 30000], `code ${c.code}`);
    // A session that gets ready starts over at 1 s.
    timers.fire();
    const ws = FakeWS.all.at(-1);
    ws.open();
    ws.message('{"type":"ready"}');
    ws.drop(1006);
    assert.equal(timers.pending[0].ms, 1000);
    assert.equal(log.statuses.filter((x) => x.status === 'reconnecting').length, 9);
  }
});

test('close sends stop, closes normally and cancels a pending reconnect', () => {
  const { s, timers } = newSession();
  s.connect();
  const ws = FakeWS.all[0];
  ws.open();
  ws.message('{"type":"ready"}');
  s.close();
  assert.deepEqual(JSON.parse(ws.sent.at(-1)), { type: 'stop' });
  assert.equal(ws.closedWith, 1000);
  ws.drop(1006); // whatever code the close ends with, the session is over
  assert.equal(timers.pending.length, 0);

  const b = newSession();
  b.s.connect();
  FakeWS.all[0].drop(1006);
  assert.equal(b.timers.pending.length, 1);
  b.s.close();
  assert.equal(b.timers.pending.length, 0);
});

test('restart replaces the socket without a reconnect', () => {
  const { s, timers, log } = newSession();
  s.connect();
  const old = FakeWS.all[0];
  old.open();
  s.restart();
  assert.equal(old.closedWith, 1000);
  old.drop(1000);
  assert.equal(FakeWS.all.length, 2);
  assert.equal(timers.pending.length, 0);
  assert.ok(!log.statuses.some((x) => x.status === 'closed'));
});

test('audio is dropped when the socket is backed up', () => {
  const { s } = newSession();
  s.connect();
  const ws = FakeWS.all[0];
  ws.open();
  ws.message('{"type":"ready"}');
  assert.equal(s.sendAudio(new ArrayBuffer(10)), true);
  ws.bufferedAmount = MAX_BUFFERED_BYTES + 1;
  assert.equal(s.sendAudio(new ArrayBuffer(10)), false);
  assert.equal(s.dropped, 1);
  assert.equal(ws.sent.length, 2); // start and one frame
});
