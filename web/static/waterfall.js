// The per-turn latency waterfall: each turn is a row whose stages follow
// one another from the end of the user's speech to the first audio heard.

export const STAGES = [
  { key: 'speech_end_to_transcript_ms', name: 'Speech end → transcript', short: 'STT' },
  { key: 'transcript_to_first_token_ms', name: 'Transcript → first LLM token', short: 'LLM' },
  { key: 'first_token_to_first_audio_ms', name: 'First token → first TTS audio', short: 'TTS' },
  { key: 'first_audio_to_played_ms', name: 'First audio → first played', short: 'Play' },
];

/** Turns kept in the chart. */
export const MAX_TURNS = 10;

const SVG = 'http://www.w3.org/2000/svg';

/**
 * Rounds a maximum up to a round axis end (1, 2 or 5 times a power of ten).
 * @param {number} v
 */
export function niceMax(v) {
  if (!(v > 0)) return 100;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** A stage's duration, or 0 when the server did not measure it. */
function ms(m, key) {
  const v = m[key];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

/**
 * Lays out rows of metrics messages: geometry only, no DOM.
 * @param {object[]} rows metrics messages, oldest first
 * @param {{width: number, rowHeight?: number, labelWidth?: number, axisHeight?: number}} opts
 */
export function layout(rows, { width, rowHeight = 26, labelWidth = 64, axisHeight = 22 }) {
  const totals = rows.map((m) => {
    const sum = STAGES.reduce((s, st) => s + ms(m, st.key), 0);
    return Math.max(sum, ms(m, 'speech_end_to_played_ms'));
  });
  const max = niceMax(Math.max(0, ...totals));
  const plot = width - labelWidth - 70; // room for the total on the right
  const scale = plot / max;
  const bars = rows.map((m, r) => {
    let at = 0;
    const segments = [];
    for (const [i, st] of STAGES.entries()) {
      const v = ms(m, st.key);
      if (v === 0) continue;
      segments.push({ stage: i, key: st.key, ms: v, x: labelWidth + at * scale, w: Math.max(1, v * scale) });
      at += v;
    }
    return {
      turn: m.turn, y: r * rowHeight, height: rowHeight - 8, segments,
      total: totals[r], totalX: labelWidth + at * scale + 6, interrupted: Boolean(m.interrupted),
    };
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => ({ ms: max * f, x: labelWidth + plot * f }));
  return { width, height: rows.length * rowHeight + axisHeight, max, bars, ticks, axisY: rows.length * rowHeight };
}

/** Formats a duration for a label. */
export function fmtMs(v) {
  return v >= 10000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
}

function el(name, attrs, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * Draws rows into an <svg>, replacing what was there.
 * @param {SVGSVGElement} svg
 * @param {object[]} rows metrics messages, oldest first
 * @param {number} width
 */
export function render(svg, rows, width) {
  const L = layout(rows, { width });
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${L.width} ${L.height}`);
  svg.setAttribute('width', String(L.width));
  svg.setAttribute('height', String(L.height));
  for (const t of L.ticks) {
    svg.append(el('line', { class: 'tick', x1: t.x, x2: t.x, y1: 0, y2: L.axisY }));
    svg.append(el('text', { class: 'axis', x: t.x, y: L.axisY + 15, 'text-anchor': 'middle' }, fmtMs(t.ms)));
  }
  for (const b of L.bars) {
    const g = el('g', { class: 'turn', 'data-turn': b.turn });
    const desc = b.segments.map((s) => `${STAGES[s.stage].short} ${fmtMs(s.ms)}`).join(', ');
    g.append(el('title', {}, `Turn ${b.turn}: ${desc}; total ${fmtMs(b.total)}${b.interrupted ? ' (interrupted)' : ''}`));
    g.append(el('text', { class: 'label', x: 0, y: b.y + b.height / 2 + 4 }, `Turn ${b.turn}`));
    for (const s of b.segments) {
      const r = el('rect', {
        class: `seg stage${s.stage}`, 'data-turn': b.turn, 'data-stage': STAGES[s.stage].short,
        x: s.x.toFixed(1), y: b.y, width: s.w.toFixed(1), height: b.height, rx: 2,
      });
      r.append(el('title', {}, `${STAGES[s.stage].name}: ${fmtMs(s.ms)}`));
      g.append(r);
      // A label only where it fits; the title always carries the number.
      if (s.w >= 44) {
        g.append(el('text', { class: 'ms', x: s.x + s.w / 2, y: b.y + b.height / 2 + 4, 'text-anchor': 'middle' }, fmtMs(s.ms)));
      }
    }
    g.append(el('text', { class: 'total', x: b.totalX, y: b.y + b.height / 2 + 4 }, fmtMs(b.total) + (b.interrupted ? ' ✂' : '')));
    svg.append(g);
  }
}

/**
 * Fills a <tbody> with the same rows, for screen readers and copying.
 * @param {HTMLTableSectionElement} tbody
 * @param {object[]} rows
 */
export function renderTable(tbody, rows) {
  tbody.replaceChildren();
  for (const m of rows) {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = `${m.turn}${m.interrupted ? ' (interrupted)' : ''}`;
    tr.append(th);
    for (const key of [...STAGES.map((s) => s.key), 'speech_end_to_played_ms']) {
      const td = document.createElement('td');
      td.textContent = ms(m, key) ? fmtMs(ms(m, key)) : '–';
      tr.append(td);
    }
    tbody.append(tr);
  }
}
