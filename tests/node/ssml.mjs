// An SSML client written with the npm `ws` package, as a user would write
// it. The Go test (realtime/ssml_interop_test.go) runs it against a live
// Parley server:
//   node ssml.mjs URL KEY DICTIONARY_ID OUT_PREFIX
// It configures SSML, a pronunciation dictionary, speed and pitch, streams
// markup in pieces of three code points (tags, entities and attribute
// values split across messages), sends one malformed message on the way,
// and writes each generation's audio to OUT_PREFIX-N.pcm. It prints one
// JSON line with what it received.
import WebSocket from 'ws';
import { report } from './report.mjs';
import { writeFileSync } from 'node:fs';

const [url, key, dict, out] = process.argv.slice(2);
const before = '<speak>Grüße from Node: the <sub alias="World Wide Web Consortium">W3C</sub> says caf&#233; &amp; tea is fine. ';
const texts = [
  before + '</speak>',
  before + '<break time="700ms"/><prosody rate="slow" pitch="+2st">Code <say-as interpret-as="digits">4711</say-as></prosody>, ' +
    'and <lang xml:lang="fr-FR">bonjour</lang>, said <phoneme alphabet="ipa" ph="ˈpɑːli">Parley</phoneme>. 日本 ✓</speak>',
];

const ws = new WebSocket(url);
const result = { session_id: null, generations: [], errors: [], close: null };
let gen = null;
let pcm = [];

function sendPieces(text, inject) {
  gen = { audio_bytes: 0, chunks: 0, done: null, characters_sent: 0 };
  pcm = [];
  const cps = Array.from(text);
  for (let i = 0; i < cps.length; i += 3) {
    if (inject && i === 24) {
      // Malformed: refused with an error, nothing of it kept.
      ws.send(JSON.stringify({ type: 'text', text: '<prosody rate="warp">' }));
    }
    const piece = cps.slice(i, i + 3).join('');
    ws.send(JSON.stringify({ type: 'text', text: piece }));
    gen.characters_sent += Array.from(piece).length;
  }
  ws.send(JSON.stringify({ type: 'flush' }));
}

ws.on('open', () => {
  ws.send(JSON.stringify({
    type: 'config', api_key: key, language: 'English', text_type: 'ssml',
    pronunciation_dictionaries: [dict], speed: 1.1, pitch: 1,
  }));
});

ws.on('message', (data) => {
  const msg = JSON.parse(data.toString());
  switch (msg.type) {
    case 'config_ack':
      result.session_id = msg.session_id;
      sendPieces(texts[0], false);
      break;
    case 'audio': {
      const b = Buffer.from(msg.chunk, 'base64');
      pcm.push(b);
      gen.audio_bytes += b.length;
      gen.chunks++;
      break;
    }
    case 'done':
      gen.done = msg;
      writeFileSync(`${out}-${result.generations.length}.pcm`, Buffer.concat(pcm));
      result.generations.push(gen);
      if (result.generations.length < texts.length) sendPieces(texts[result.generations.length], true);
      else ws.close(1000, 'bye');
      break;
    case 'error':
      result.errors.push(msg);
      break;
  }
});

report(ws, result);
