// The agent page: wires the socket, the audio and the DOM together, and
// exposes what happened on window.parley for tests and for curious users.
import { AudioEngine } from './audio.js';
import { floatToS16LE, levelDBFS, meterValue } from './pcm.js';
import { AgentSession, agentURL } from './session.js';
import { MAX_TURNS, render as renderWaterfall, renderTable } from './waterfall.js';

const $ = (id) => document.getElementById(id);
const ui = {
  connection: $('connection'), state: $('state'), level: $('level'), start: $('start'), stop: $('stop'),
  notice: $('notice'), log: $('log'), typeForm: $('type-form'), typeText: $('type-text'), typeSend: $('type-send'),
  waterfall: $('waterfall'), latencyRows: $('latency-rows'), latencyEmpty: $('latency-empty'),
  settings: $('settings'), settingsBox: $('settings-box'), settingsNote: $('settings-note'), engines: $('engines'),
  key: $('set-key'), voice: $('set-voice'), language: $('set-language'), instructions: $('set-instructions'),
};

const STATE_TEXT = {
  idle: 'Press Start to talk',
  connecting: 'Connecting…',
  listening: 'Listening',
  user_speaking: 'You’re speaking',
  thinking: 'Thinking…',
  speaking: 'Speaking',
  offline: 'Disconnected',
};

const store = {
  get: (k) => localStorage.getItem(`parley.${k}`) || '',
  set: (k, v) => (v ? localStorage.setItem(`parley.${k}`, v) : localStorage.removeItem(`parley.${k}`)),
};

// Test hooks: counters and the last of each thing, plain data only.
const parley = {
  connection: 'idle', state: 'idle', turn: 0, turns: 0, sessionId: '', keyFromFragment: false, keyLinkAsked: false,
  contextSampleRate: 0, outputSampleRate: 24000, startMessage: null,
  framesSent: 0, bytesSent: 0, framesDropped: 0, level: 0,
  chunksReceived: 0, bytesReceived: 0, chunksDropped: 0,
  samplesPlayed: 0, buffered: 0, playedMs: {}, playStarts: 0, underruns: 0,
  playbackReportsSent: 0, lastPlaybackReport: null,
  flushes: 0, lastFlush: null, stopPlaybackAt: 0,
  transcripts: [], responses: {}, interrupted: [], vadEvents: [],
  metrics: [], metricsLog: [], lastMetrics: null, waterfallTurns: [],
  textsSent: 0, errors: [], closes: [], connects: 0, sessions: 0,
};
window.parley = parley;

let session = null;
let audio = null;
let audioTurn = 0; // the turn the next binary frame belongs to
let stoppedTurn = 0; // audio of this turn and earlier is dropped (barge-in)
let endedTurn = 0;
let pendingTyped = null; // a typed message not yet tied to a turn
const entries = new Map(); // turn -> {user, agent}
const lastSent = new Map(); // turn -> played_ms last reported
let meter = 0;

// --- settings ---------------------------------------------------------------

// A link to /agent#key=… brings a key. It never silently replaces a
// different stored key (a link from someone else would swap the account the
// page speaks for): the user is asked, shown only the last four characters
// of each.
function keyFromFragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  const key = (params.get('key') || '').trim();
  if (!key) return;
  // The key must not stay in the address bar, the history or a bookmark.
  history.replaceState(null, '', location.pathname + location.search);
  const stored = store.get('apiKey');
  if (stored && stored !== key) {
    parley.keyLinkAsked = true;
    const replace = window.confirm(
      `This link carries an API key ending in …${key.slice(-4)}. ` +
      `The page already has a key ending in …${stored.slice(-4)}. Replace it with the link's key?`);
    if (!replace) {
      showNotice(`Kept your key ending in …${stored.slice(-4)}; the link's key was not saved.`);
      return;
    }
  }
  store.set('apiKey', key);
  parley.keyFromFragment = true;
}

function loadSettings() {
  ui.key.value = store.get('apiKey');
  ui.voice.value = store.get('voice');
  ui.language.value = store.get('language') || 'Auto';
  ui.instructions.value = store.get('instructions');
}

function startMessage() {
  const msg = { type: 'start', api_key: store.get('apiKey'), input_sample_rate: audio.sampleRate, language: store.get('language') || 'Auto' };
  const voice = store.get('voice').trim();
  // A saved voice id and a description share one field.
  if (/^voice_[\w-]+$/.test(voice)) msg.voice = voice;
  else if (voice) msg.voice_description = voice;
  const instructions = store.get('instructions').trim();
  if (instructions) msg.instructions = instructions;
  parley.startMessage = { ...msg, api_key: msg.api_key ? '(set)' : '' };
  return msg;
}

ui.settings.addEventListener('submit', (e) => {
  e.preventDefault();
  store.set('apiKey', ui.key.value.trim());
  store.set('voice', ui.voice.value.trim());
  store.set('language', ui.language.value === 'Auto' ? '' : ui.language.value);
  store.set('instructions', ui.instructions.value.trim());
  if (session) {
    session.restart();
    ui.settingsNote.textContent = 'Saved and applied: reconnected with the new settings.';
  } else {
    ui.settingsNote.textContent = 'Saved. The settings apply when you press Start.';
  }
});

// --- status -----------------------------------------------------------------

function showState(state) {
  parley.state = state;
  ui.state.dataset.state = state;
  ui.state.textContent = STATE_TEXT[state] || state;
}

function showNotice(text) {
  ui.notice.textContent = text;
  ui.notice.hidden = !text;
}

function showConnection(s) {
  parley.connection = s.status;
  ui.connection.dataset.status = s.status;
  let text;
  switch (s.status) {
    case 'connecting':
      text = s.attempt ? `Reconnecting (attempt ${s.attempt})…` : 'Connecting…';
      parley.connects++;
      if (!s.attempt) showState('connecting');
      break;
    case 'open':
      text = 'Connected, starting…';
      break;
    case 'ready':
      text = 'Connected';
      break;
    case 'reconnecting':
      text = `Connection lost${s.code ? ` (${s.code})` : ''}. Reconnecting in ${Math.round(s.delayMs / 1000)} s…`;
      parley.closes.push({ code: s.code, reason: s.reason });
      break;
    case 'failed':
      text = 'Authentication failed: check the API key in Settings.';
      parley.closes.push({ code: s.code, reason: s.reason });
      break;
    default:
      text = 'Not connected';
      if (s.code !== undefined) parley.closes.push({ code: s.code, reason: s.reason });
  }
  ui.connection.textContent = text;
  if (s.status === 'reconnecting' || s.status === 'closed' || s.status === 'failed') {
    // Audio from a session that is gone must not play on.
    if (audio) audio.flush();
    setTyping(false);
    showState(s.status === 'reconnecting' ? 'connecting' : 'offline');
  }
  if (s.status === 'ready') setTyping(true);
  if ((s.status === 'closed' || s.status === 'failed') && session) stopAll(false);
}

function setTyping(on) {
  ui.typeText.disabled = !on;
  ui.typeSend.disabled = !on;
}

// --- the conversation log ----------------------------------------------------

function entry(turn, who) {
  let e = entries.get(turn);
  if (!e) {
    e = { user: null, agent: null };
    entries.set(turn, e);
    parley.turns = entries.size;
  }
  if (e[who]) return e[who];
  let li;
  if (who === 'user' && pendingTyped) {
    li = pendingTyped;
    pendingTyped = null;
  } else {
    li = document.createElement('li');
    li.className = `msg ${who}`;
    const name = document.createElement('span');
    name.className = 'who';
    name.textContent = who === 'user' ? 'You' : 'Agent';
    const text = document.createElement('p');
    text.className = 'text';
    li.append(name, text);
  }
  li.dataset.turn = String(turn);
  e[who] = li;
  // Keep turn order, and within a turn the user before the agent.
  const before = who === 'user' && e.agent ? e.agent : [...ui.log.children].find((c) => c !== li && Number(c.dataset.turn) > turn);
  ui.log.insertBefore(li, before || null);
  li.scrollIntoView({ block: 'end' });
  return li;
}

function setText(li, text) {
  li.querySelector('.text').textContent = text;
}

function onTranscript(m) {
  const li = entry(m.turn, 'user');
  setText(li, m.text);
  li.classList.toggle('partial', !m.final);
  li.classList.toggle('final', Boolean(m.final));
  parley.transcripts.push({ turn: m.turn, text: m.text, final: Boolean(m.final) });
  if (parley.transcripts.length > 50) parley.transcripts.shift();
}

function onResponse(m) {
  // A typed message gets its turn from the answer to it.
  if (pendingTyped) entry(m.turn, 'user');
  const li = entry(m.turn, 'agent');
  parley.responses[m.turn] = (parley.responses[m.turn] || '') + m.delta;
  setText(li, parley.responses[m.turn]);
  li.classList.add('streaming');
}

function onResponseDone(m) {
  const li = entry(m.turn, 'agent');
  if (typeof m.text === 'string' && m.text) {
    parley.responses[m.turn] = m.text;
    if (!li.classList.contains('interrupted')) setText(li, m.text);
  }
  li.classList.remove('streaming');
}

function onInterrupted(m) {
  const li = entry(m.turn, 'agent');
  const full = parley.responses[m.turn] || '';
  const heard = m.heard_text || '';
  const text = li.querySelector('.text');
  const h = document.createElement('span');
  h.className = 'heard';
  h.textContent = heard;
  const rest = document.createElement('span');
  rest.className = 'unheard';
  rest.textContent = full.startsWith(heard) ? full.slice(heard.length) : '';
  const mark = document.createElement('span');
  mark.className = 'mark';
  mark.textContent = ' — interrupted';
  text.replaceChildren(h, rest, mark);
  li.classList.add('interrupted');
  li.classList.remove('streaming');
  parley.interrupted.push({ turn: m.turn, heard_text: heard });
}

ui.typeForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const text = ui.typeText.value.trim();
  if (!text || !session) return;
  if (!session.send({ type: 'text', text })) {
    showNotice('Not connected: the message was not sent.');
    return;
  }
  parley.textsSent++;
  const li = document.createElement('li');
  li.className = 'msg user final typed';
  const name = document.createElement('span');
  name.className = 'who';
  name.textContent = 'You (typed)';
  const p = document.createElement('p');
  p.className = 'text';
  p.textContent = text;
  li.append(name, p);
  ui.log.append(li);
  li.scrollIntoView({ block: 'end' });
  pendingTyped = li;
  ui.typeText.value = '';
});

// --- latency ------------------------------------------------------------------

function drawWaterfall() {
  const rows = parley.metrics;
  const chart = ui.waterfall.parentElement;
  chart.hidden = rows.length === 0;
  ui.latencyEmpty.hidden = rows.length > 0;
  const width = Math.max(320, Math.floor(chart.clientWidth || 560));
  renderWaterfall(ui.waterfall, rows, width);
  renderTable(ui.latencyRows, rows);
  parley.waterfallTurns = rows.map((m) => m.turn);
}

function onMetrics(m) {
  parley.lastMetrics = m;
  parley.metricsLog.push(m);
  if (parley.metricsLog.length > 1000) parley.metricsLog.shift();
  const row = { ...m, session: parley.sessionId };
  parley.metrics = parley.metrics.filter((r) => r.turn !== m.turn || r.session !== row.session).concat([row]).slice(-MAX_TURNS);
  drawWaterfall();
}

window.addEventListener('resize', () => drawWaterfall());

// --- audio ----------------------------------------------------------------------

function onFrame(frame) {
  meter = Math.max(meterValue(levelDBFS(frame)), meter * 0.85);
  ui.level.value = meter;
  parley.level = meter;
  if (!session || !session.ready) return;
  const buf = floatToS16LE(frame);
  if (session.sendAudio(buf)) {
    parley.framesSent++;
    parley.bytesSent += buf.byteLength;
  } else {
    parley.framesDropped++;
  }
}

function onPlayback(r) {
  const rate = audio ? audio.sampleRate : 0;
  if (!rate) return;
  parley.samplesPlayed = r.total;
  parley.buffered = r.buffered;
  parley.underruns = r.underruns;
  if (r.turn <= 0) return;
  const ms = Math.round(r.frames / rate * 1000);
  parley.playedMs[r.turn] = ms;
  if (r.type === 'started') parley.playStarts++;
  if (r.type === 'flushed') {
    parley.flushes++;
    parley.lastFlush = { turn: r.turn, frames: r.frames, dropped: r.dropped, total: r.total, at: performance.now() };
  }
  // Report progress (~every 100 ms while playing), the end of a turn's
  // audio, and where a flush stopped it, so the server knows what was heard.
  if (ms > (lastSent.get(r.turn) ?? 0) || r.type === 'flushed') {
    lastSent.set(r.turn, ms);
    const msg = { type: 'playback', turn: r.turn, played_ms: ms };
    if (session && session.send(msg)) {
      parley.playbackReportsSent++;
      parley.lastPlaybackReport = msg;
    }
  }
}

function onAudio(buf) {
  parley.chunksReceived++;
  parley.bytesReceived += buf.byteLength;
  if (!audio || audioTurn <= stoppedTurn) {
    parley.chunksDropped++;
    return;
  }
  audio.play(audioTurn, buf, parley.outputSampleRate);
}

function setAudioTurn(turn) {
  if (turn <= audioTurn) return;
  endAudioTurn();
  audioTurn = turn;
}

function endAudioTurn() {
  if (audioTurn > endedTurn && audio) {
    audio.endTurn(audioTurn);
    endedTurn = audioTurn;
  }
}

// Turn numbers start again in every session (a reconnect, new settings):
// what is shown stays, but nothing of it may be taken for a new turn.
function newSession() {
  if (audio) audio.reset();
  audioTurn = stoppedTurn = endedTurn = 0;
  lastSent.clear();
  parley.playedMs = {};
  pendingTyped = null;
  if (entries.size > 0) {
    for (const li of ui.log.children) delete li.dataset.turn;
    const li = document.createElement('li');
    li.className = 'msg system';
    li.textContent = 'New session';
    ui.log.append(li);
  }
  entries.clear();
  parley.turns = 0;
  parley.sessions++;
}

// --- messages ----------------------------------------------------------------------

function onMessage(m) {
  switch (m.type) {
    case 'ready':
      newSession();
      parley.sessionId = m.session_id || '';
      parley.outputSampleRate = m.output_sample_rate || 24000;
      ui.engines.textContent = ['vad', 'stt', 'llm'].filter((k) => m[k]).map((k) => `${k.toUpperCase()}: ${m[k]}`).join(' · ');
      showState('listening');
      showNotice('');
      break;
    case 'state':
      parley.turn = m.turn || parley.turn;
      if (m.state === 'speaking') setAudioTurn(m.turn);
      else if (parley.state === 'speaking') endAudioTurn();
      showState(m.state);
      break;
    case 'vad':
      parley.vadEvents.push(m.event);
      if (parley.vadEvents.length > 50) parley.vadEvents.shift();
      break;
    case 'transcript':
      onTranscript(m);
      break;
    case 'response':
      setAudioTurn(m.turn);
      onResponse(m);
      break;
    case 'response_done':
      onResponseDone(m);
      break;
    case 'stop_playback':
      parley.stopPlaybackAt = performance.now();
      stoppedTurn = Math.max(stoppedTurn, m.turn || audioTurn);
      if (audio) audio.flush();
      break;
    case 'interrupted':
      onInterrupted(m);
      break;
    case 'metrics':
      onMetrics(m);
      break;
    case 'error':
      parley.errors.push({ message: m.message, code: m.code });
      showNotice(`Server error: ${m.message}${m.code ? ` (${m.code})` : ''}`);
      break;
  }
}

// --- start and stop --------------------------------------------------------------------

async function start() {
  showNotice('');
  if (!store.get('apiKey')) {
    showNotice('Paste an API key in Settings first.');
    ui.settingsBox.open = true;
    ui.key.focus();
    return;
  }
  ui.start.disabled = true;
  showState('connecting');
  audio = new AudioEngine({ onFrame, onPlayback });
  try {
    const { micError } = await audio.start();
    if (micError) showNotice(`Microphone unavailable (${micError.message || micError.name}): you can still type.`);
  } catch (err) {
    showNotice(`Audio could not start: ${err.message || err}`);
    await stopAll(false);
    return;
  }
  parley.contextSampleRate = audio.sampleRate;
  const s = new AgentSession({
    url: agentURL(location.href), start: startMessage, onMessage, onAudio,
    // A stopped session's last words (its close) are not news.
    onStatus: (st) => session === s && showConnection(st),
  });
  session = s;
  s.connect();
  ui.stop.disabled = false;
}

async function stopAll(closeSession = true) {
  const s = session;
  const a = audio;
  session = null;
  audio = null;
  if (s && closeSession) {
    s.close();
    parley.connection = 'closed';
    ui.connection.dataset.status = 'closed';
    ui.connection.textContent = 'Not connected';
  }
  ui.stop.disabled = true;
  ui.start.disabled = false;
  setTyping(false);
  meter = 0;
  ui.level.value = 0;
  if (a) await a.stop();
  showState(closeSession ? 'idle' : 'offline');
}

ui.start.addEventListener('click', () => start());
ui.stop.addEventListener('click', () => stopAll(true));

keyFromFragment();
loadSettings();
showState('idle');
drawWaterfall();
