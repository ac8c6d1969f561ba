// A client of Parley's extensions of issue 12 written with the npm `ws`
// package, as a user would write it. The Go test
// (realtime/contexts_interop_test.go) runs it against a live server:
//   node contexts.mjs URL KEY MODE
// MODE is "json" or "binary". It asks for word timestamps and speaks two
// contexts at once: "story" streams text in pieces of 3 code points
// (words and multi-byte characters split across messages), "aside" a
// short sentence flushed first; then it clears "story" mid-way through a
// second generation and closes both contexts. It prints one JSON line:
// per context and generation the words received and whether each came
// before the audio it describes, the audio bytes and the done message,
// and the order in which contexts' audio arrived.
import WebSocket from 'ws';
import { report } from './report.mjs';

const [url, key, mode] = process.argv.slice(2);
const story = 'Dr. Smith paid $5 for the café in Zürich, and then he walked home. It was late.';
const aside = 'Meanwhile, the aside speaks first.';
const ws = new WebSocket(url);
const result = { session_id: null, contexts: {}, order: [], errors: [], cleared: [], closed: [], close: null, audio_context: 0 };
let current = null; // binary mode: the context of the next binary frames
let phase = 0;

// ctx is a context's generations so far, the last one in progress.
function ctx(id) {
  const gens = (result.contexts[id] ??= [gen()]);
  return gens[gens.length - 1];
}

function gen() {
  return { words: [], early: 0, late: 0, audio_bytes: 0, done: null };
}

function sendText(id, text, size) {
  const cps = Array.from(text);
  for (let i = 0; i < cps.length; i += size) {
    const piece = cps.slice(i, i + size).join('');
    ws.send(JSON.stringify({ type: 'text', text: piece, context_id: id }));
  }
}

function audio(id, bytes) {
  const c = ctx(id);
  c.audio_bytes += bytes;
  if (result.order[result.order.length - 1] !== id) result.order.push(id);
}

ws.on('open', () => {
  ws.send(JSON.stringify({ type: 'config', api_key: key, language: 'English', timestamps: 'word' }));
});

ws.on('message', (data, isBinary) => {
  if (isBinary) {
    audio(current ?? '', data.length);
    return;
  }
  const msg = JSON.parse(data.toString());
  switch (msg.type) {
    case 'config_ack':
      result.session_id = msg.session_id;
      if (mode === 'binary') ws.send(JSON.stringify({ type: 'binary_mode' }));
      else start();
      break;
    case 'binary_mode_ack':
      start();
      break;
    case 'audio_context':
      result.audio_context++;
      current = msg.context_id ?? '';
      break;
    case 'audio':
      audio(msg.context_id ?? '', Buffer.from(msg.chunk, 'base64').length);
      break;
    case 'timestamps': {
      const c = ctx(msg.context_id ?? '');
      const heardMS = (c.audio_bytes / 48) | 0;
      for (const w of msg.words) {
        c.words.push(w);
        if (w.start_ms >= heardMS - 1) c.early++;
        else c.late++;
      }
      break;
    }
    case 'done':
      ctx(msg.context_id ?? '').done = msg;
      result.contexts[msg.context_id ?? ''].push(gen());
      if (msg.context_id === 'story' && phase === 0) {
        phase = 1;
        // A second, long generation, cleared once its audio flows.
        sendText('story', 'This second part is long enough to be cleared before it ends. '.repeat(4), 40);
        ws.send(JSON.stringify({ type: 'flush', context_id: 'story' }));
      }
      break;
    case 'cleared':
      result.cleared.push(msg.context_id);
      ws.send(JSON.stringify({ type: 'close_context', context_id: 'story' }));
      ws.send(JSON.stringify({ type: 'close_context', context_id: 'aside' }));
      break;
    case 'context_closed':
      result.closed.push(msg.context_id);
      if (result.closed.length === 2) ws.close(1000, 'bye');
      break;
    case 'error':
      result.errors.push(msg);
      break;
  }
  if (phase === 1 && ctx('story').audio_bytes > 0) {
    phase = 2;
    ws.send(JSON.stringify({ type: 'clear', context_id: 'story' }));
  }
});

function start() {
  sendText('story', story, 3);
  sendText('aside', aside, 5);
  ws.send(JSON.stringify({ type: 'flush', context_id: 'aside' }));
  ws.send(JSON.stringify({ type: 'flush', context_id: 'story' }));
}

// Within the Go test's 90 s.
report(ws, result, 85000);
