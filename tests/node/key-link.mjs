// Opens links to Parley's agent page that carry API keys (/agent#key=…)
// in Debian's Chromium, one after the other in one profile, and prints one
// JSON line with what happened at each: the dialog the page showed (if
// any) and how the test answered it, the key stored afterwards, and what
// was left in the address bar. The Go test (web/keylink_test.go) checks it:
//
//   node key-link.mjs --url http://127.0.0.1:PORT/agent \
//     --step KEY1:none --step KEY1:none --step KEY2:accept --step KEY3:dismiss
//
// Each --step is KEY:ANSWER, ANSWER being what to do with a dialog
// (accept or dismiss; none expects no dialog, and a dialog is then
// dismissed and reported). Exit status 1 (with the JSON line) if a step
// failed to run or the page threw.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string' },
    step: { type: 'string', multiple: true, default: [] },
    timeout: { type: 'string', default: '20000' },
    chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
  },
});
if (!opt.url || opt.step.length === 0) {
  console.error('usage: node key-link.mjs --url URL --step KEY:accept|dismiss|none [--step ...]');
  process.exit(2);
}
const result = { ok: false, error: null, steps: [], console: [], pageErrors: [] };
const profile = mkdtempSync(join(tmpdir(), 'parley-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: opt.chromium, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(Number(opt.timeout));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') result.console.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => result.pageErrors.push(String(e)));
  let answer = 'none';
  let dialogs = [];
  page.on('dialog', async (d) => {
    dialogs.push({ type: d.type(), message: d.message(), answer });
    if (answer === 'accept') await d.accept();
    else await d.dismiss();
  });
  for (const s of opt.step) {
    const i = s.lastIndexOf(':');
    const key = s.slice(0, i);
    answer = s.slice(i + 1);
    dialogs = [];
    // A new document every time: the page reads the fragment when it loads.
    await page.goto('about:blank');
    await page.goto(`${opt.url}#key=${encodeURIComponent(key)}`);
    await page.waitForFunction(() => window.parley && window.parley.state === 'idle');
    result.steps.push({
      key, answer, dialogs,
      ...await page.evaluate(() => ({
        storedKey: localStorage.getItem('parley.apiKey'),
        locationHash: location.hash,
        settingsKey: document.getElementById('set-key').value,
        notice: document.getElementById('notice').hidden ? '' : document.getElementById('notice').textContent,
      })),
    });
  }
  result.ok = result.pageErrors.length === 0;
  if (!result.ok) result.error = 'the page threw';
} catch (err) {
  result.error = String(err && err.message ? err.message.split('\n')[0] : err);
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
