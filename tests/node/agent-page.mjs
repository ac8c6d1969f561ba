// Drives Parley's agent page (/agent) in Debian's Chromium, as a user
// with a microphone would, and prints one JSON line with what the page
// recorded on window.parley. The Go tests run it against a fake agent
// (web/browser_test.go) and against the real server:
//
//   node agent-page.mjs --url http://127.0.0.1:PORT/agent#key=KEY \
//     --fake-audio speech.wav --screenshot out.png [--turns 1] \
//     [--type "some text" [--barge-in]] [--timeout 20000]
//
// It clicks Start; waits until each of the first --turns voice turns has a
// final transcript, its audio played out and a row in the latency
// waterfall; optionally types a message and, with --barge-in, waits for
// the server's stop_playback and samples the played-frame counter 100 ms
// and 600 ms after it; then takes a screenshot. Exit status 1 (with the
// JSON line) if a wait timed out or the page threw.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string' },
    screenshot: { type: 'string' },
    'fake-audio': { type: 'string' },
    turns: { type: 'string', default: '1' },
    type: { type: 'string' },
    'barge-in': { type: 'boolean', default: false },
    timeout: { type: 'string', default: '20000' },
    chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
  },
});
if (!opt.url) {
  console.error('usage: node agent-page.mjs --url URL [--fake-audio WAV] [--screenshot PNG] [--turns N] [--type TEXT [--barge-in]] [--timeout MS]');
  process.exit(2);
}
const timeout = Number(opt.timeout);
const turns = Number(opt.turns);
const began = Date.now();
const result = { ok: false, error: null, steps: [], console: [], pageErrors: [] };
const step = (name) => result.steps.push({ name, ms: Date.now() - began });

const args = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];
if (opt['fake-audio']) args.push(`--use-file-for-fake-audio-capture=${opt['fake-audio']}`);

// A fresh profile every run: no stored key, permission or cache leaks in.
const profile = mkdtempSync(join(tmpdir(), 'parley-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: opt.chromium, headless: true, args, viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') result.console.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => result.pageErrors.push(String(e)));
  page.setDefaultTimeout(timeout);

  await page.goto(opt.url);
  step('loaded');
  await page.getByRole('button', { name: 'Start' }).click();
  await page.waitForFunction(() => window.parley.connection === 'ready');
  step('ready');
  for (let turn = 1; turn <= turns; turn++) {
    await page.waitForFunction((t) => {
      const p = window.parley;
      return p.transcripts.some((x) => x.turn === t && x.final);
    }, turn);
    step(`turn ${turn} transcript`);
    await page.waitForFunction((t) => {
      const p = window.parley;
      return p.playedMs[t] > 0 && p.buffered === 0 && p.state === 'listening' && p.waterfallTurns.includes(t);
    }, turn);
    step(`turn ${turn} played`);
  }
  if (opt.type) {
    await page.getByRole('textbox', { name: /type a message/i }).fill(opt.type);
    await page.getByRole('button', { name: 'Send' }).click();
    step('typed');
  }
  if (opt['barge-in']) {
    await page.waitForFunction(() => window.parley.flushes >= 1 && window.parley.stopPlaybackAt > 0);
    result.bargeIn = await page.evaluate(async () => {
      const p = window.parley;
      const t0 = p.stopPlaybackAt;
      const until = (t) => new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));
      await until(t0 + 100);
      const at100 = p.samplesPlayed;
      await until(t0 + 600);
      return { flush: p.lastFlush, flushDelayMs: p.lastFlush.at - t0, samplesAt100: at100, samplesAt600: p.samplesPlayed };
    });
    step('barge-in');
  }
  result.dom = await page.evaluate(() => ({
    logText: document.getElementById('log').innerText,
    partials: [...document.querySelectorAll('#log .msg.user.partial')].length,
    stateText: document.getElementById('state').textContent,
    connectionText: document.getElementById('connection').textContent,
    waterfallSegments: Object.fromEntries(window.parley.waterfallTurns.map((t) => [t, document.querySelectorAll(`#waterfall rect.seg[data-turn="${t}"]`).length])),
    waterfallLabels: [...document.querySelectorAll('#waterfall text.ms, #waterfall text.total')].map((e) => e.textContent),
    locationHash: location.hash,
    storedKey: Boolean(localStorage.getItem('parley.apiKey')),
  }));
  result.parley = await page.evaluate(() => JSON.parse(JSON.stringify(window.parley)));
  if (opt.screenshot) {
    await page.screenshot({ path: opt.screenshot, fullPage: true });
    result.screenshot = opt.screenshot;
  }
  result.ok = result.pageErrors.length === 0;
  if (!result.ok) result.error = 'the page threw';
} catch (err) {
  result.error = String(err && err.message ? err.message.split('\n')[0] : err);
  if (context) {
    try {
      result.parley = await context.pages()[0].evaluate(() => JSON.parse(JSON.stringify(window.parley)));
    } catch { /* the page may be gone */ }
  }
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
}
result.elapsedMs = Date.now() - began;
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
