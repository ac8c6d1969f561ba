// A plain murmr-style client written with the npm `ws` package, as a user
// would write it. The Go interop test runs it against a live Parley server:
//   node interop.mjs URL KEY json|binary
// It speaks two generations on one socket, streaming the text as small
// tokens, and prints one JSON line with what it received.
import WebSocket from 'ws';
import { report } from './report.mjs';

const [url, key, mode] = process.argv.slice(2);
const texts = [
  'Hello from Node. This sentence is streamed to Parley in small tokens, like an LLM would.',
  'And a second generation on the same socket.',
];

const ws = new WebSocket(url);
const result = { mode, session_id: null, binary_mode_ack: null, generations: [], errors: [], close: null };
let gen = null;

function sendTokens(text) {
  gen = { audio_bytes: 0, chunks: 0, json_chunks: 0, binary_chunks: 0, done: null };
  for (let i = 0; i < text.length; i += 3) {
    ws.send(JSON.stringify({ type: 'text', text: text.slice(i, i + 3) }));
  }
  ws.send(JSON.stringify({ type: 'flush' }));
}

ws.on('open', () => {
  ws.send(JSON.stringify({ type: 'config', api_key: key, voice_description: 'a calm female voice', language: 'English' }));
});

ws.on('message', (data, isBinary) => {
  if (isBinary) {
    gen.audio_bytes += data.length;
    gen.chunks++;
    gen.binary_chunks++;
    return;
  }
  const msg = JSON.parse(data.toString());
  switch (msg.type) {
    case 'config_ack':
      result.session_id = msg.session_id;
      if (mode === 'binary') ws.send(JSON.stringify({ type: 'binary_mode' }));
      else sendTokens(texts[0]);
      break;
    case 'binary_mode_ack':
      result.binary_mode_ack = msg;
      sendTokens(texts[0]);
      break;
    case 'audio':
      if (msg.sample_rate !== 24000 || msg.format !== 'pcm_s16le') result.errors.push('bad audio fields');
      gen.audio_bytes += Buffer.from(msg.chunk, 'base64').length;
      gen.chunks++;
      gen.json_chunks++;
      break;
    case 'done':
      gen.done = msg;
      result.generations.push(gen);
      if (result.generations.length < texts.length) sendTokens(texts[result.generations.length]);
      else ws.close(1000, 'bye');
      break;
    case 'error':
      result.errors.push(msg);
      break;
  }
});

report(ws, result);
