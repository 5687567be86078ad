// The standards, journey and huddle views of the web dashboard in headless
// Chromium, against the server run_dashboard_test.sh seeded (after
// dashboard.spec.mjs). Environment as there, plus TP_CX_STATEMENT (the
// Auckland store's customer-experience statement) and TP_PDF_DIR.
//
// Every figure on a view is compared with the API's answer to the very
// request the page made, asked again by the test with the same key: levels,
// met / not met in words, headlines, counts, the 20-day strips, owners,
// reasons, comments, best and worst hours. The order (worst first, journey
// order, stores by share meeting the standard) and the weakest moment are
// worked out here independently. The huddle sheet prints to one A4 page
// holding the statement; a store key sees its own store only; a chain
// without responses and an API error are said in words.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run through run_dashboard_test.sh)`);
  return v;
};
const URL_ = env('TP_URL');
const HO_KEY = env('TP_HO_KEY');
const STORE_KEY = env('TP_STORE_KEY');
const STORE = env('TP_STORE');
const CX = env('TP_CX_STATEMENT');
const SHOTS = env('TP_SHOTS');
const PDF_DIR = env('TP_DOWNLOADS');

let step = '';
const log = (s) => {
  step = s;
  console.log('- ' + s);
};

// The test shares the key's rate limit with the page: a 429 is waited out
// (Retry-After), as the page does.
async function api(pathAndQuery, key, status = 200) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(URL_ + pathAndQuery, { headers: { Authorization: 'Bearer ' + key } });
    if (res.status === 429 && status !== 429 && attempt < 5) {
      await new Promise((r) => setTimeout(r, (Number(res.headers.get('Retry-After')) || 1) * 1000));
      continue;
    }
    assert.equal(res.status, status, `${pathAndQuery}: HTTP ${res.status}`);
    return res.json();
  }
}

const fmt = (v) => (v === null || v === undefined ? '—' : String(v));
const byName = (a, b) => String(a).localeCompare(String(b), 'en', { sensitivity: 'base', numeric: true });
const LEVEL_WORDS = { ad_hoc: 'Ad hoc', repeatable: 'Repeatable', systematic: 'Systematic', not_yet_measured: 'Not yet measured' };
const LEVEL_ORDER = ['ad_hoc', 'repeatable', 'systematic', 'not_yet_measured'];
const metWords = (met, none) => (met === true ? 'Met' : met === false ? 'Not met' : none);
const countWords = (n) => (n === 1 ? '1 response' : `${n} responses`);
const daysMetWords = (c) => (c.days_counted ? `${c.days_met} of ${c.days_counted} counted days met` : 'no counted days yet');
const standardWords = (t) => (t.scale ? `${t.headline_name} ≥ ${t.service_standard}` : 'No survey yet');

function localDay(zone, ms) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}
const addDays = (day, n) => new Date(Date.parse(day + 'T00:00:00Z') + n * 86400000).toISOString().slice(0, 10);

// --- The browser ---

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const problems = [];

// A refused key answers 401, which Chromium logs; the page waits out a 429
// (the test shares the key's rate limit). Those are expected.
async function openPage(viewport, expectedStatus = /status of (401|404|429)/) {
  const context = await browser.newContext({ viewport, locale: 'en-NZ' });
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  page.on('console', (m) => {
    if (m.type() === 'error' && !expectedStatus.test(m.text())) problems.push('console: ' + m.text());
    if (/Content Security Policy/i.test(m.text())) problems.push('CSP: ' + m.text());
  });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(URL_ + '/') && !u.startsWith('blob:') && !u.startsWith('data:'))
      problems.push('request outside the server: ' + u);
  });
  return { context, page };
}

async function signIn(page, key) {
  await page.goto(URL_ + '/');
  await page.fill('#api-key', key);
  await Promise.all([
    page.waitForFunction(() => document.querySelector('#dashboard').dataset.loaded),
    page.click('#sign-in-button'),
  ]);
}

// Goes to a view by its address (or by `action`, such as choosing a store)
// and waits until it has drawn; answers the API paths (with query) of the
// given endpoints as the page asked them.
async function show(page, hash, section, endpoints = [], action = null) {
  const before = await page.$eval(section, (s) => s.dataset.loaded || '');
  const asked = Promise.all(endpoints.map((e) => page.waitForResponse((r) => new URL(r.url()).pathname === e)));
  asked.catch(() => {}); // a view that never draws fails below, by name
  if (action) await action();
  else await page.evaluate((h) => { location.hash = h; }, hash);
  await page.waitForFunction(([sel, b]) => {
    const s = document.querySelector(sel);
    return s.dataset.loaded && s.dataset.loaded !== b;
  }, [section, before]);
  return (await asked).map((r) => {
    const u = new URL(r.url());
    return u.pathname + u.search;
  });
}

// A figure against the standard as the page shows it.
const againstOf = (root) => {
  if (!root) return null;
  const part = (name) => {
    const e = root.querySelector(`[data-part="${name}"]`);
    return e ? e.textContent.trim() : null;
  };
  const v = root.querySelector('.verdict');
  return { headline: part('headline'), count: part('count'), met: v.dataset.met, words: v.querySelector('.words').textContent };
};

function expectAgainst(shown, headline, count, met, noneWords, what) {
  assert.deepEqual(shown, {
    headline: count > 0 && headline !== null ? fmt(headline) : null,
    count: countWords(count),
    met: count > 0 ? (met === true ? 'met' : met === false ? 'not-met' : 'none') : 'none',
    words: count > 0 ? metWords(met, noneWords) : noneWords,
  }, what);
}

// The strip: 20 cells, oldest left; the window's days (newest first in the
// API) read right to left, cells without a counted day before them.
function expectStrip(cells, c, what) {
  const size = c.window_days || 20;
  const days = c.window.slice(0, size).reverse();
  assert.equal(cells.length, size, `${what}: ${size} cells`);
  const expected = [...Array(size - days.length).fill('none'), ...days.map((d) => (d.met ? 'met' : 'not-met'))];
  assert.deepEqual(cells, expected, `${what}: the strip`);
}

// --- The views, read out of the page ---

const readStandards = (page) => page.evaluate(() => {
  const text = (e) => (e ? e.textContent.trim() : null);
  const against = (root) => {
    const part = (n) => text(root.querySelector(`[data-part="${n}"]`));
    const v = root.querySelector('.verdict');
    return { headline: part('headline'), count: part('count'), met: v.dataset.met, words: text(v.querySelector('.words')) };
  };
  return {
    levels: [...document.querySelectorAll('#level-counts .level-count')].map((e) => ({ level: e.dataset.level, text: text(e) })),
    levelLine: text(document.querySelector('#level-counts')),
    chainEmpty: document.querySelector('#chain-empty').hidden ? null : text(document.querySelector('#chain-empty')),
    stores: [...document.querySelectorAll('#store-standards-table tbody tr')].map((tr) => ({
      store: tr.dataset.store, name: text(tr.querySelector('[data-field="store"]')),
      meeting: text(tr.querySelector('[data-field="meeting"]')), share: text(tr.querySelector('[data-field="share"] .value')),
    })),
    rows: [...document.querySelectorAll('#standards-table tbody tr')].map((tr) => {
      const owner = tr.querySelector('[data-field="owner"]');
      const mail = owner.querySelector('a');
      return {
        store: tr.dataset.store, key: tr.dataset.touchPoint,
        storeName: text(tr.querySelector('[data-field="store"]')), name: text(tr.querySelector('[data-field="touch_point"]')),
        standard: text(tr.querySelector('[data-field="standard"]')),
        period: against(tr.querySelector('[data-field="period"]')),
        level: tr.querySelector('[data-field="consistency"] .level').dataset.level,
        levelWords: text(tr.querySelector('[data-field="consistency"] .level')),
        daysMet: text(tr.querySelector('[data-field="consistency"] [data-part="days-met"]')),
        strip: [...tr.querySelectorAll('[data-field="strip"] .cell')].map((c) => c.dataset.cell),
        stripLabel: tr.querySelector('[data-field="strip"]').getAttribute('aria-label'),
        ownerName: text(owner.querySelector('.owner-name')), ownerMail: mail ? mail.getAttribute('href') : null,
        ownerText: text(owner),
      };
    }),
  };
});

function worstFirst(a, b) {
  const la = LEVEL_ORDER.indexOf(a.consistency.level), lb = LEVEL_ORDER.indexOf(b.consistency.level);
  if (la !== lb) return la - lb;
  const share = (c) => (c.days_counted ? c.days_met / c.days_counted : Infinity);
  return share(a.consistency) - share(b.consistency) || byName(a.store_name, b.store_name) ||
    byName(a.touch_point_name, b.touch_point_name);
}

async function checkStandards(page, key, expectStores) {
  const [asked] = await show(page, '#standards', '#standards-view', ['/api/v1/standards']);
  const answer = await api(asked, key);
  const stores = await api('/api/v1/stores', key);
  const entries = answer.touch_points;
  const shown = await readStandards(page);
  assert.deepEqual([...new Set(entries.map((t) => t.store))].sort(), expectStores, 'the stores of the answer');

  // Worst first, every touch point of the answer.
  assert.deepEqual(shown.rows.map((r) => r.key), entries.slice().sort(worstFirst).map((t) => t.touch_point), 'worst first');
  for (const t of entries) {
    const r = shown.rows.find((x) => x.key === t.touch_point);
    const what = t.touch_point;
    assert.equal(r.storeName, t.store_name, `${what}: store name`);
    assert.equal(r.name, t.touch_point_name, `${what}: name`);
    assert.equal(r.standard, standardWords(t), `${what}: standard`);
    expectAgainst(r.period, t.period.headline, t.period.count, t.period.met, 'No responses yet', `${what}: the period`);
    assert.equal(r.level, t.consistency.level, `${what}: level`);
    assert.equal(r.levelWords, LEVEL_WORDS[t.consistency.level], `${what}: level in words`);
    assert.equal(r.daysMet, daysMetWords(t.consistency), `${what}: days met`);
    expectStrip(r.strip, t.consistency, what);
    assert.match(r.stripLabel, /^Last 20 counted days, oldest first: \d+ met, \d+ not met, \d+ without enough responses$/);
    if (t.owner && t.owner.name) {
      assert.equal(r.ownerName, t.owner.name, `${what}: owner`);
      assert.equal(r.ownerMail, 'mailto:' + t.owner.email, `${what}: owner's e-mail`);
    } else {
      assert.equal(r.ownerText, 'No owner named', `${what}: no owner`);
    }
  }

  // The chain at a glance.
  const count = (level) => entries.filter((t) => t.consistency.level === level).length;
  assert.equal(shown.levelLine, ['systematic', 'repeatable', 'ad_hoc', 'not_yet_measured']
    .map((l) => `${count(l)} ${LEVEL_WORDS[l]}`).join(' · '), 'touch points per level');
  const ranked = stores.stores.map((s) => {
    const mine = entries.filter((t) => t.store === s.id);
    return { store: s.id, name: s.name, met: mine.filter((t) => t.period.met === true).length, total: mine.length };
  }).sort((a, b) => (b.total ? b.met / b.total : -1) - (a.total ? a.met / a.total : -1) || byName(a.name, b.name));
  assert.deepEqual(shown.stores, ranked.map((s) => ({
    store: s.store, name: s.name,
    meeting: s.total ? `${s.met} of ${s.total} ${s.total === 1 ? 'touch point' : 'touch points'}` : 'no touch points',
    share: s.total ? `${Math.round((s.met / s.total) * 100)} %` : '—',
  })), 'stores ranked by the share of touch points meeting the standard, by name');
  assert.equal(shown.chainEmpty, null, 'no "no responses" note when there are responses');
  return { entries, shown };
}

const readJourney = (page) => page.evaluate(() => {
  const text = (e) => (e ? e.textContent.trim() : null);
  const against = (root) => {
    if (!root) return null;
    const part = (n) => text(root.querySelector(`[data-part="${n}"]`));
    const v = root.querySelector('.verdict');
    return { headline: part('headline'), count: part('count'), met: v.dataset.met, words: text(v.querySelector('.words')) };
  };
  return {
    store: document.querySelector('#journey-store').value,
    options: [...document.querySelectorAll('#journey-store option')].map((o) => o.value),
    cx: text(document.querySelector('#journey-cx')),
    arrows: document.querySelectorAll('#journey .arrow').length,
    cards: [...document.querySelectorAll('#journey li.step')].map((li) => {
      const card = li.querySelector('.moment');
      const box = card.getBoundingClientRect();
      return {
        key: li.dataset.touchPoint, left: box.left, top: box.top,
        weakest: card.dataset.weakest === 'true', flag: text(card.querySelector('.weakest-flag')),
        position: text(card.querySelector('[data-field="position"]')),
        name: text(card.querySelector('[data-field="touch_point"]')),
        today: against(card.querySelector('[data-field="today"]')),
        period: against(card.querySelector('[data-field="period"]')),
        level: card.querySelector('[data-field="consistency"] .level').dataset.level,
        levelWords: text(card.querySelector('[data-field="consistency"] .level')),
        strip: [...card.querySelectorAll('[data-field="strip"] .cell')].map((c) => c.dataset.cell),
        reasons: [...card.querySelectorAll('[data-field="reasons"] li')].map((li) => ({ id: li.dataset.reason, text: text(li) })),
        comments: [...card.querySelectorAll('[data-field="comments"] li')].map((li) => ({ id: li.dataset.id, text: text(li.querySelector('.text')) })),
        owner: text(card.querySelector('[data-field="owner"] .owner-name')),
      };
    }),
  };
});

// The weakest moment, worked out here: missed before met, then the furthest
// below its standard as a share of its scale's range.
function expectedWeakest(entries) {
  const range = (s) => (s === 'nps' ? 200 : s === 'ces7' ? 6 : 100);
  const judged = entries.filter((t) => t.period.count > 0 && t.period.met !== null);
  judged.sort((a, b) => (a.period.met ? 1 : 0) - (b.period.met ? 1 : 0) ||
    (a.period.headline - a.service_standard) / range(a.scale) - (b.period.headline - b.service_standard) / range(b.scale));
  return judged.length ? judged[0].touch_point : null;
}

async function checkJourney(page, key, store, hash = `#journey?store=${store}`, action = null) {
  const [askedStandards, askedHighlights] = await show(page, hash, '#journey-view',
    ['/api/v1/standards', '/api/v1/highlights'], action);
  assert.equal(new URL(URL_ + askedStandards).searchParams.get('store'), store);
  const answer = await api(askedStandards, key);
  const highlights = await api(askedHighlights, key);
  const stores = await api('/api/v1/stores', key);
  const s = stores.stores.find((x) => x.id === store);
  const shown = await readJourney(page);
  assert.equal(shown.store, store, 'the chosen store');
  assert.equal(shown.cx, s.cx_statement ? `“${s.cx_statement}”` : '', 'the statement');
  // Journey order as GET /api/v1/stores gives it, left to right.
  assert.deepEqual(shown.cards.map((c) => c.key), s.touch_points.map((t) => t.key), 'journey order');
  for (let i = 1; i < shown.cards.length; i++) {
    assert.ok(shown.cards[i].left > shown.cards[i - 1].left, 'left to right');
    assert.equal(Math.round(shown.cards[i].top), Math.round(shown.cards[0].top), 'in one row');
  }
  assert.equal(shown.arrows, Math.max(0, shown.cards.length - 1), 'arrows between the cards');
  const weakest = expectedWeakest(answer.touch_points);
  assert.deepEqual(shown.cards.filter((c) => c.weakest).map((c) => c.key), weakest ? [weakest] : [], 'the weakest moment');
  for (const c of shown.cards) assert.equal(c.flag, c.weakest ? 'Weakest moment' : null);
  for (const t of answer.touch_points) {
    const c = shown.cards.find((x) => x.key === t.touch_point);
    const what = `${store}/${t.touch_point}`;
    assert.equal(c.name, t.touch_point_name, `${what}: name`);
    assert.equal(c.position, t.journey_position ? String(t.journey_position) : 'Not placed', `${what}: position`);
    const today = t.days[t.days.length - 1];
    assert.equal(today.day, t.to, `${what}: the last day is the period's last`);
    const todayMet = today.met !== null ? today.met : today.headline !== null ? today.headline >= today.service_standard : null;
    expectAgainst(c.today, today.headline, today.count, todayMet, 'No responses yet today', `${what}: today`);
    expectAgainst(c.period, t.period.headline, t.period.count, t.period.met, 'No responses yet', `${what}: the period`);
    assert.equal(c.level, t.consistency.level, `${what}: level`);
    assert.equal(c.levelWords, LEVEL_WORDS[t.consistency.level]);
    expectStrip(c.strip, t.consistency, what);
    const h = highlights.touch_points.find((x) => x.touch_point === t.touch_point);
    assert.ok(h, `${what}: highlights`);
    assert.deepEqual(c.reasons, h.top_reasons.map((r) => ({ id: r.id, text: r.label + r.count })), `${what}: top reasons`);
    assert.deepEqual(c.comments, h.comments.map((x) => ({ id: x.id, text: x.comment })), `${what}: newest comments`);
    assert.equal(c.owner, t.owner && t.owner.name ? t.owner.name : null, `${what}: owner`);
  }
  return { answer, highlights, shown };
}

const readHuddle = (page) => page.evaluate(() => {
  const text = (e) => (e ? e.textContent.trim() : null);
  const against = (root) => {
    const part = (n) => text(root.querySelector(`[data-part="${n}"]`));
    const v = root.querySelector('.verdict');
    return { headline: part('headline'), count: part('count'), met: v.dataset.met, words: text(v.querySelector('.words')) };
  };
  const hour = (e) => (e && e.dataset.hour !== undefined
    ? { hour: Number(e.dataset.hour), headline: text(e.querySelector('[data-part="headline"]')) } : text(e));
  return {
    store: text(document.querySelector('#huddle-store-name')),
    day: document.querySelector('#huddle-day').dataset.day,
    cx: text(document.querySelector('#huddle-cx')),
    summary: text(document.querySelector('#huddle-summary')),
    said: document.querySelector('#huddle-said').hidden ? []
      : [...document.querySelectorAll('#huddle-comments li')].map((li) => ({ id: li.dataset.id, text: text(li.querySelector('.text')) })),
    rows: [...document.querySelectorAll('#huddle-table tbody tr')].map((tr) => ({
      key: tr.dataset.touchPoint,
      name: text(tr.querySelector('[data-field="touch_point"] .tp-name')),
      standard: text(tr.querySelector('[data-field="standard"]')),
      yesterday: against(tr.querySelector('[data-field="yesterday"]')),
      best: hour(tr.querySelector('[data-field="best_hour"]')),
      worst: hour(tr.querySelector('[data-field="worst_hour"]')),
      reasons: [...tr.querySelectorAll('[data-field="reasons"] li')].map((li) => ({ id: li.dataset.reason, text: text(li) })),
      level: tr.querySelector('[data-field="consistency"] .level').dataset.level,
      levelWords: text(tr.querySelector('[data-field="consistency"] .level')),
    })),
  };
});

// Best and worst hour from the summary, as the kiosk's huddle picks them.
function hoursOf(groups, t) {
  let best = null, worst = null;
  for (const g of groups.filter((x) => x.touch_point === t.touch_point).sort((a, b) => a.hour - b.hour)) {
    const s = g.scales[t.scale];
    if (!s || s.count < 5 || s.headline === null) continue;
    if (!best || s.headline > best.headline || (s.headline === best.headline && s.count > best.count)) best = { hour: g.hour, headline: s.headline, count: s.count };
    if (!worst || s.headline < worst.headline || (s.headline === worst.headline && s.count > worst.count)) worst = { hour: g.hour, headline: s.headline, count: s.count };
  }
  return { best, worst };
}

async function checkHuddle(page, key, store) {
  const [askedStandards, askedSummary, askedHighlights] = await show(page, `#huddle?store=${store}`, '#huddle-view',
    ['/api/v1/standards', '/api/v1/summary', '/api/v1/highlights']);
  const stores = await api('/api/v1/stores', key);
  const s = stores.stores.find((x) => x.id === store);
  const yesterday = addDays(localDay(s.time_zone, stores.server_utc_ms), -1);
  for (const asked of [askedStandards, askedSummary, askedHighlights]) {
    const q = new URL(URL_ + asked).searchParams;
    assert.equal(q.get('store'), store, asked);
    assert.equal(q.get('from'), yesterday, `${asked}: yesterday in ${s.time_zone}`);
    assert.equal(q.get('to'), yesterday, asked);
  }
  assert.equal(new URL(URL_ + askedSummary).searchParams.get('group_by'), 'touch_point,hour');
  const answer = await api(askedStandards, key);
  const hours = await api(askedSummary, key);
  const highlights = await api(askedHighlights, key);
  const shown = await readHuddle(page);
  assert.equal(shown.store, s.name);
  assert.equal(shown.day, yesterday);
  assert.equal(shown.cx, s.cx_statement, 'the statement');
  assert.deepEqual(shown.rows.map((r) => r.key), s.touch_points.map((t) => t.key), 'journey order');
  const met = answer.touch_points.filter((t) => t.period.met === true).length;
  assert.match(shown.summary, new RegExp(`^${met} of ${answer.touch_points.length} touch points met the standard yesterday`));
  for (const t of answer.touch_points) {
    const r = shown.rows.find((x) => x.key === t.touch_point);
    const what = `huddle ${t.touch_point}`;
    assert.equal(r.name, t.touch_point_name);
    assert.equal(r.standard, standardWords(t));
    expectAgainst(r.yesterday, t.period.headline, t.period.count, t.period.met, 'No responses', `${what}: yesterday`);
    const { best, worst } = hoursOf(hours.groups, t);
    assert.deepEqual(r.best, best ? { hour: best.hour, headline: `${best.headline} ${t.headline_name}` } : 'No hour with 5 responses', `${what}: best hour`);
    assert.deepEqual(r.worst, worst ? { hour: worst.hour, headline: `${worst.headline} ${t.headline_name}` } : 'No hour with 5 responses', `${what}: worst hour`);
    const h = highlights.touch_points.find((x) => x.touch_point === t.touch_point);
    assert.deepEqual(r.reasons, h.top_reasons.map((x) => ({ id: x.id, text: `${x.label}${x.count}` })), `${what}: top reasons`);
    assert.equal(r.level, t.consistency.level, `${what}: level`);
    assert.equal(r.levelWords, LEVEL_WORDS[t.consistency.level]);
  }
  // What customers said yesterday: the newest six over the store.
  const said = highlights.touch_points.flatMap((h) => h.comments)
    .sort((a, b) => (a.local_time < b.local_time ? 1 : a.local_time > b.local_time ? -1 : 0)).slice(0, 6);
  assert.deepEqual(shown.said, said.map((c) => ({ id: c.id, text: c.comment })), 'yesterday\'s comments, newest first');
  return { answer, hours, shown };
}

// --- The run ---

try {
  fs.mkdirSync(SHOTS, { recursive: true });
  fs.mkdirSync(PDF_DIR, { recursive: true });
  const { context, page } = await openPage({ width: 1280, height: 800 });

  log('the head-office key: the standards view, worst first, with the API\'s figures');
  await signIn(page, HO_KEY);
  const { entries } = await checkStandards(page, HO_KEY, ['akl', 'chc', 'wlg']);
  // The seeded history puts these touch points at known levels.
  const levelOf = (k) => entries.find((t) => t.touch_point === k).consistency.level;
  assert.equal(levelOf('akl-entrance'), 'systematic', '19 of the last 20 counted days met');
  assert.equal(levelOf('wlg-fitting'), 'repeatable', '15 of 20');
  assert.equal(levelOf('chc-checkout'), 'ad_hoc', '8 of 20');
  assert.equal(levelOf('chc-cafe'), 'not_yet_measured', 'no responses');
  const fitting = entries.find((t) => t.touch_point === 'wlg-fitting').consistency;
  assert.deepEqual([fitting.days_met, fitting.days_counted, fitting.window.length], [15, 20, 20]);
  const cafe = entries.find((t) => t.touch_point === 'chc-cafe');
  assert.deepEqual(cafe.period, { count: 0, headline: null, met: null });
  await page.screenshot({ path: path.join(SHOTS, 'web-standards-1280x800.png') });
  await page.screenshot({ path: path.join(SHOTS, 'web-standards-full-1280.png'), fullPage: true });

  log('the journey view: a store\'s touch points left to right, the weakest marked');
  const akl = await checkJourney(page, HO_KEY, 'akl');
  assert.equal(akl.shown.cards.length, 3);
  assert.ok(akl.shown.cards.some((c) => c.comments.some((x) => x.text === 'No trolleys by the entrance this morning')),
    'the entrance\'s newest comment');
  await page.screenshot({ path: path.join(SHOTS, 'web-journey-1280x800.png') });
  log('choosing another store; an unplaced touch point comes last, one without responses says so');
  {
    const chc = await checkJourney(page, HO_KEY, 'chc', null, () => page.selectOption('#journey-store', 'chc'));
    assert.equal(await page.evaluate(() => location.hash), '#journey?store=chc');
    assert.deepEqual(chc.shown.cards.map((c) => c.key), ['chc-checkout', 'chc-cafe', 'chc-restroom']);
    const cafeCard = chc.shown.cards.find((c) => c.key === 'chc-cafe');
    assert.equal(cafeCard.period.words, 'No responses yet');
    assert.equal(cafeCard.levelWords, 'Not yet measured');
    assert.equal(chc.shown.cards[2].position, 'Not placed');
  }

  log('the huddle sheet: yesterday against the standard, best and worst hour');
  const huddle = await checkHuddle(page, HO_KEY, 'akl');
  const entrance = huddle.shown.rows.find((r) => r.key === 'akl-entrance');
  // make_history.mjs: a met day has 09 and 12 all good (100), 16 four of five (80).
  assert.deepEqual([entrance.best.hour, entrance.worst.hour], [9, 16], 'the entrance\'s best and worst hour');
  assert.equal(entrance.yesterday.words, 'Met');
  assert.ok(huddle.shown.said.some((c) => c.text === 'Greeted at the door straight away'), 'yesterday\'s comment');
  await page.screenshot({ path: path.join(SHOTS, 'web-huddle-1280x800.png') });

  log('the huddle sheet prints to one A4 page holding the statement');
  const pdf = path.join(PDF_DIR, 'huddle-akl.pdf');
  await page.pdf({ path: pdf, format: 'A4' });
  const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
  assert.match(info, /^Pages:\s+1$/m, 'one page');
  assert.match(info, /^Page size:.*\(A4\)$/m, 'A4');
  const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  assert.ok(text.includes(CX), 'the statement on the printed page');
  assert.ok(text.includes('Auckland Central') && text.includes('Entrance') && text.includes('Checkout 1'), 'store and touch points');
  assert.ok(!text.includes('Sign out') && !text.includes('Overview'), 'no navigation on paper');
  // The printed page itself, at 96 dpi, for the README.
  execFileSync('pdftoppm', ['-png', '-r', '96', '-singlefile', pdf, path.join(SHOTS, 'web-huddle-print-a4')]);
  await context.close();

  log('a store key: its own store only, on every view');
  {
    const { context: sc, page: sp } = await openPage({ width: 1280, height: 800 });
    await signIn(sp, STORE_KEY);
    await checkStandards(sp, STORE_KEY, [STORE]);
    const own = await checkJourney(sp, STORE_KEY, STORE, '#journey');
    assert.deepEqual(own.shown.options, [STORE], 'one store to choose');
    await checkHuddle(sp, STORE_KEY, STORE);
    const stores = await sp.$$eval('[data-store]', (els) => [...new Set(els.map((e) => e.dataset.store))]);
    assert.deepEqual(stores, [STORE], 'nothing of another store on the page');
    await api('/api/v1/standards?store=wlg', STORE_KEY, 403);
    log('a store key asking for another store\'s huddle is told so');
    await show(sp, '#huddle?store=wlg', '#huddle-view');
    assert.equal(await sp.isVisible('#huddle-sheet'), false);
    assert.match(await sp.textContent('#huddle-status'), /There is no store "wlg" that this key may see/);
    assert.ok(!(await sp.textContent('body')).includes('Wellington'), 'no other store\'s name');
    await sc.close();
  }

  log('a chain without responses, and an API error, are said in words');
  {
    const { context: ec, page: ep } = await openPage({ width: 1280, height: 800 }, /status of (401|404|429|503)/);
    await signIn(ep, HO_KEY);
    const real = await api('/api/v1/standards', HO_KEY);
    const quiet = real.touch_points.map((t) => ({
      ...t, period: { count: 0, headline: null, met: null },
      days: t.days.map((d) => ({ ...d, count: 0, headline: null, counted: false, met: null })),
      consistency: { ...t.consistency, level: 'not_yet_measured', days_counted: 0, days_met: 0, window: [] },
    }));
    let mode = 'quiet';
    let release = null;
    await ep.route('**/api/v1/{standards,highlights,summary}*', async (route) => {
      const u = new URL(route.request().url());
      if (mode === 'hold' && u.pathname === '/api/v1/standards') {
        await new Promise((resolve) => { release = resolve; });
        return route.continue();
      }
      if (mode === 'error' && u.pathname === '/api/v1/standards')
        return route.fulfill({ status: 503, contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'storage_unavailable', message: 'The database is not answering.' } }) });
      if (mode !== 'quiet') return route.continue();
      const body = u.pathname === '/api/v1/standards' ? { from: null, to: null, touch_points: quiet, server_utc_ms: Date.now() }
        : u.pathname === '/api/v1/highlights' ? { touch_points: quiet.map((t) => ({ store: t.store, touch_point: t.touch_point, top_reasons: [], comments: [] })) }
        : { group_by: ['touch_point', 'hour'], groups: [] };
      return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
    });
    await show(ep, '#standards', '#standards-view');
    const shown = await readStandards(ep);
    assert.equal(shown.chainEmpty, 'No responses yet in this period.');
    assert.equal(shown.levelLine, `0 Systematic · 0 Repeatable · 0 Ad hoc · ${quiet.length} Not yet measured`);
    assert.ok(shown.rows.every((r) => r.period.words === 'No responses yet' && r.strip.every((c) => c === 'none')));
    assert.ok(shown.stores.every((s) => s.share === '0 %'));
    await show(ep, '#journey?store=akl', '#journey-view');
    const j = await readJourney(ep);
    assert.ok(j.cards.every((c) => c.today.words === 'No responses yet today' && !c.weakest));
    await show(ep, '#huddle?store=akl', '#huddle-view');
    assert.equal(await ep.textContent('#huddle-summary'), 'No responses yesterday.');
    assert.ok((await readHuddle(ep)).rows.every((r) => r.best === 'No hour with 5 responses'));

    mode = 'hold';
    await show(ep, '#overview', '#dashboard');
    await ep.evaluate(() => { location.hash = '#standards'; });
    await ep.waitForFunction(() => !document.querySelector('#standards-status').hidden);
    assert.equal(await ep.textContent('#standards-status'), 'Loading the standards…', 'a loading state');
    while (!release) await ep.waitForTimeout(20);
    mode = 'real';
    release();
    await ep.waitForFunction(() => document.querySelector('#standards-status').hidden);

    mode = 'error';
    await show(ep, '#overview', '#dashboard');
    await ep.evaluate(() => { location.hash = '#standards'; });
    await ep.waitForFunction(() => /Could not load/.test(document.querySelector('#standards-status').textContent));
    assert.equal(await ep.textContent('#standards-status'),
      'Could not load the standards: The database is not answering. (storage_unavailable)');
    assert.equal(await ep.isVisible('#standards-status.error'), true);
    await ec.close();
  }

  log('a store with 18 touch points still prints its huddle sheet on one page');
  {
    const { context: bc, page: bp } = await openPage({ width: 1280, height: 800 });
    const N = 18;
    // Every answer about the store holds each of its touch points six times.
    const base = (await api('/api/v1/stores', HO_KEY)).stores.find((s) => s.id === STORE).touch_points.map((t) => t.key);
    const copies = (key) => Array.from({ length: N }, (_, i) => i).filter((i) => base[i % base.length] === key);
    await bp.route('**/api/v1/{stores,standards,highlights,summary}*', async (route) => {
      const u = new URL(route.request().url());
      const real = await api(u.pathname + u.search, HO_KEY);
      if (u.pathname === '/api/v1/stores') {
        for (const s of real.stores.filter((x) => x.id === STORE))
          s.touch_points = Array.from({ length: N }, (_, i) => s.touch_points[i % base.length])
            .map((t, i) => ({ ...t, key: `${t.key}-${i}`, name: `${t.name} ${i}` }));
      } else if (u.searchParams.get('store') === STORE) {
        const list = u.pathname === '/api/v1/summary' ? 'groups' : 'touch_points';
        real[list] = real[list].flatMap((t) => copies(t.touch_point).map((i) => ({ ...t, touch_point: `${t.touch_point}-${i}`,
          ...(t.touch_point_name ? { touch_point_name: `${t.touch_point_name} ${i}` } : {}) })));
      }
      return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(real) });
    });
    await signIn(bp, HO_KEY);
    await show(bp, `#huddle?store=${STORE}`, '#huddle-view');
    assert.equal(await bp.$$eval('#huddle-table tbody tr', (trs) => trs.length), N);
    assert.equal(await bp.$$eval('#huddle-table [data-field="best_hour"][data-hour]', (e) => e.length), N / base.length,
      'every copy of the entrance has its best hour');
    const big = path.join(PDF_DIR, 'huddle-18.pdf');
    await bp.pdf({ path: big, format: 'A4' });
    assert.match(execFileSync('pdfinfo', [big], { encoding: 'utf8' }), /^Pages:\s+1$/m, 'one page');
    const bigText = execFileSync('pdftotext', [big, '-'], { encoding: 'utf8' });
    assert.ok(bigText.includes(CX) && bigText.includes(`Checkout 1 ${N - 1}`), 'the statement and the last touch point');
    await bc.close();
  }

  assert.deepEqual(problems, [], 'no console errors, CSP violations or outside requests');
  console.log('views.spec: all checks passed');
} catch (e) {
  console.error(`views.spec: failed at "${step}":\n`, e);
  if (problems.length) console.error('browser problems:\n ' + problems.join('\n '));
  process.exitCode = 1;
} finally {
  await browser.close();
}
