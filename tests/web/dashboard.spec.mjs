// The head-office web dashboard in headless Chromium (Debian's), driven by
// playwright-core. Run by run_dashboard_test.sh, which starts a seeded
// server and passes what it posted in the environment:
//   TP_URL, TP_HO_KEY, TP_STORE_KEY, TP_STORE, TP_TOTAL, TP_STORE_TOTAL,
//   TP_SILENT_DEVICE, TP_OTHER_TEXT (a comment from another store than
//   TP_STORE), TP_SHOTS (screenshot folder), TP_DOWNLOADS, CHROMIUM.
//
// What a user would notice: a wrong key refused in plain words; the stores
// ranked with exactly the API's figures, stores and touch points called by
// their names (table, trend choices, devices, comments); the silent device; the newest
// comments; a CSV with every response; a store key seeing nothing of other
// stores; the figures still there without Chart.js; nothing fetched from
// anywhere but the server, and no Content-Security-Policy violations.
import assert from 'node:assert/strict';
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
const TOTAL = Number(env('TP_TOTAL'));
const STORE_TOTAL = Number(env('TP_STORE_TOTAL'));
const SILENT_DEVICE = env('TP_SILENT_DEVICE');
const OTHER_TEXT = env('TP_OTHER_TEXT');
const SHOTS = env('TP_SHOTS');
const DOWNLOADS = env('TP_DOWNLOADS');

let step = '';
const log = (s) => {
  step = s;
  console.log('- ' + s);
};

// --- The API, read by the test itself ---

async function api(pathAndQuery, key) {
  const res = await fetch(URL_ + pathAndQuery, { headers: { Authorization: 'Bearer ' + key } });
  assert.equal(res.status, 200, `${pathAndQuery}: HTTP ${res.status}`);
  return res.json();
}

async function allResponses(query, key) {
  const rows = [];
  let cursor = '';
  for (;;) {
    const q = new URLSearchParams(query);
    q.set('limit', '1000');
    if (cursor) q.set('cursor', cursor);
    const page = await api('/api/v1/responses?' + q, key);
    rows.push(...page.responses);
    if (!page.has_more) return rows;
    cursor = page.next_cursor;
  }
}

const fmt = (v) => (v === null || v === undefined ? '—' : String(v));
const metric = (m) => (m && m.value !== undefined ? m.value : null);

// RFC 4180 records (quoted fields may hold commas, quotes and line breaks).
function csvRecords(text) {
  const records = [];
  let field = '', record = [], quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { record.push(field); field = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { record.push(field); records.push(record); record = []; field = ''; i++; }
    else field += c;
  }
  if (field || record.length) { record.push(field); records.push(record); }
  return records;
}

// --- The browser ---

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const problems = [];

async function openPage(viewport, { blockChartJs = false } = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true, locale: 'en-NZ' });
  const page = await context.newPage();
  page.on('console', (m) => {
    // A refused key answers 401, which Chromium logs; that one is expected.
    if (m.type() === 'error' && !/status of (401|404)/.test(m.text())) problems.push('console: ' + m.text());
    if (/Content Security Policy/i.test(m.text())) problems.push('CSP: ' + m.text());
  });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(URL_ + '/') && !u.startsWith('blob:') && !u.startsWith('data:'))
      problems.push('request outside the server: ' + u);
  });
  if (blockChartJs) await page.route('**/vendor/chart.js', (route) => route.fulfill({ status: 404, body: '' }));
  return { context, page };
}

async function signIn(page, key) {
  await page.fill('#api-key', key);
  await Promise.all([
    page.waitForFunction(() => document.querySelector('#dashboard').dataset.loaded),
    page.click('#sign-in-button'),
  ]);
}

const byName = (a, b) => a.localeCompare(b, 'en', { sensitivity: 'base', numeric: true });

// Every store row shows exactly the API's figures, ranked by the index,
// under the store's name.
async function checkStores(page, summary) {
  const rows = await page.$$eval('#stores-table tbody tr', (trs) => trs.map((tr) => ({
    store: tr.dataset.store,
    cells: Object.fromEntries([...tr.querySelectorAll('[data-field]')].map((td) => [
      td.dataset.field, (td.querySelector('.value') || td).textContent.trim()])),
  })));
  assert.equal(rows.length, summary.groups.length, 'one row per store');
  const expected = summary.groups.slice().sort((a, b) =>
    b.satisfaction_index - a.satisfaction_index || b.count - a.count || byName(a.store_name, b.store_name));
  assert.deepEqual(rows.map((r) => r.store), expected.map((g) => g.store), 'ranked by satisfaction index');
  for (const g of summary.groups) {
    const row = rows.find((r) => r.store === g.store);
    assert.ok(g.store_name, `the summary names store ${g.store}`);
    assert.deepEqual(row.cells, {
      store: g.store_name, count: fmt(g.count), satisfaction_index: fmt(g.satisfaction_index),
      csat: fmt(metric(g.csat)), nps: fmt(metric(g.nps)), ces: fmt(metric(g.ces)), thumbs_up: fmt(metric(g.thumbs_up)),
    }, `figures of store ${g.store}`);
  }
}

async function checkComments(page, key) {
  const rows = (await allResponses({}, key)).filter((r) => r.comment);
  rows.sort((a, b) => b.utc_ms - a.utc_ms);
  const shown = await page.$$eval('#comments li', (lis) => lis.map((li) => ({
    id: li.dataset.id, store: li.dataset.store, text: li.querySelector('.text').textContent,
    where: li.querySelector('.where').textContent })));
  assert.ok(shown.length > 0, 'some comments are shown');
  assert.deepEqual(shown.map((c) => c.id), rows.slice(0, 20).map((r) => r.id), 'the newest comments, newest first');
  assert.deepEqual(shown.map((c) => c.text), rows.slice(0, 20).map((r) => r.comment));
  assert.ok(rows.every((r) => r.store_name && r.touch_point_name), 'responses carry names');
  assert.deepEqual(shown.map((c) => c.where), rows.slice(0, 20).map((r) => `${r.store_name} · ${r.touch_point_name}`),
    'store and touch point names');
  return shown;
}

async function downloadCsv(page, name) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
  assert.match(download.suggestedFilename(), /^touchpoint-responses-\d{4}-\d\d-\d\d\.csv$/);
  fs.mkdirSync(DOWNLOADS, { recursive: true });
  const file = path.join(DOWNLOADS, name);
  await download.saveAs(file);
  const records = csvRecords(fs.readFileSync(file, 'utf8'));
  assert.equal(records[0].join(','), 'id,store,touch_point,device_id,survey_id,survey_version,question_id,scale,score,reasons,comment,language,utc_ms,local_time,local_day,local_hour,sequence,misuse,clock_suspect,received_utc_ms,store_name,touch_point_name');
  return records.slice(1);
}

try {
  fs.mkdirSync(SHOTS, { recursive: true });

  log('the page loads and asks for a key');
  const { context, page } = await openPage({ width: 1280, height: 800 });
  const first = await page.goto(URL_ + '/');
  assert.equal(first.status(), 200);
  assert.match(first.headers()['content-security-policy'], /default-src 'none'/);
  await page.waitForSelector('#sign-in-form', { state: 'visible' });
  assert.equal(await page.isVisible('#dashboard'), false);

  log('a wrong key is refused in plain words');
  await page.fill('#api-key', 'tpk_this-is-not-a-key');
  await page.click('#sign-in-button');
  await page.waitForSelector('#sign-in-error', { state: 'visible' });
  assert.match(await page.textContent('#sign-in-error'), /not accepted/);
  assert.equal(await page.isVisible('#dashboard'), false);
  await page.screenshot({ path: path.join(SHOTS, 'web-sign-in-1280x800.png') });

  log('the head-office key shows every store, ranked, with the API\'s figures');
  const storeSummaryUrl = page.waitForResponse((r) => /\/api\/v1\/summary\?(.*&)?group_by=store$/.test(r.url()));
  await signIn(page, HO_KEY);
  // The same query the page made, asked by the test itself.
  const asked = new URL((await storeSummaryUrl).url());
  const byStore = await api(asked.pathname + asked.search, HO_KEY);
  assert.ok(byStore.groups.length >= 2, 'several stores in the summary');
  await checkStores(page, byStore);
  const overall = await api('/api/v1/summary' + asked.search.replace(/&?group_by=store/, ''), HO_KEY);
  assert.equal(overall.groups[0].count, TOTAL, 'the summary counts every posted response');
  assert.equal(await page.textContent('#kpi-count'), String(TOTAL));
  assert.equal(await page.textContent('#kpi-index'), fmt(overall.groups[0].satisfaction_index));
  assert.equal(await page.evaluate(() => sessionStorage.getItem('touchpoint.apiKey')), HO_KEY);

  log('the trend chart is drawn by Chart.js, per store and per touch point');
  assert.equal(await page.evaluate(() => typeof window.Chart), 'function');
  const labels = await page.evaluate(() => window.Chart.getChart(document.getElementById('trend-chart')).data.labels.length);
  assert.ok(labels >= 7, `the trend has days (${labels})`);
  const scopeNames = await page.$$eval('#trend-scope option', (os) => os.map((o) => [o.value, o.textContent]));
  const byTp = await api('/api/v1/summary' + asked.search.replace('group_by=store', 'group_by=store,touch_point'), HO_KEY);
  for (const g of byStore.groups) assert.ok(scopeNames.some(([v, t]) => v === 'store:' + g.store && t === g.store_name), g.store);
  for (const g of byTp.groups)
    assert.ok(scopeNames.some(([v, t]) => v === 'touch_point:' + g.touch_point && t === `${g.store_name} · ${g.touch_point_name}`), g.touch_point);
  const byDay = await api('/api/v1/summary' + asked.search.replace('group_by=store', 'group_by=day') + '&touch_point=akl-helpdesk', HO_KEY);
  await Promise.all([
    page.waitForResponse((r) => r.url().includes('touch_point=akl-helpdesk')),
    page.selectOption('#trend-scope', 'touch_point:akl-helpdesk'),
  ]);
  // The response arrives before the table is redrawn, and the store-wide
  // table may have as many days: wait for the touch point's own figures.
  const newest = byDay.groups[byDay.groups.length - 1];
  const expectedFirst = [newest.day, fmt(newest.count), fmt(newest.satisfaction_index), fmt(metric(newest.csat)), fmt(metric(newest.nps))];
  const firstRow = () => page.$eval('#trend-table tbody tr', (tr) => [...tr.children].map((td) => td.textContent));
  try {
    await page.waitForFunction(([n, want]) => {
      const rows = document.querySelectorAll('#trend-table tbody tr');
      return rows.length === n && [...rows[0].children].map((td) => td.textContent).join('\u0001') === want;
    }, [byDay.groups.length, expectedFirst.join('\u0001')], { timeout: 5000 });
  } catch (e) {
    // Fall through: the assertion below says what the table shows instead.
  }
  assert.equal(await page.$$eval('#trend-table tbody tr', (trs) => trs.length), byDay.groups.length);
  assert.deepEqual(await firstRow(), expectedFirst);
  await Promise.all([
    page.waitForResponse((r) => r.url().includes('group_by=day') && !r.url().includes('touch_point')),
    page.selectOption('#trend-scope', ''),
  ]);

  log('the heat map adds up to every response');
  await page.selectOption('#heatmap-metric', 'count');
  const cellSum = await page.$$eval('#heatmap tbody td', (tds) => tds.reduce((s, td) => s + (Number(td.textContent) || 0), 0));
  assert.equal(cellSum, TOTAL);
  await page.selectOption('#heatmap-metric', 'index');
  assert.ok(await page.$$eval('#heatmap tbody td:not(.none)', (tds) => tds.every((td) => /^\d+$/.test(td.textContent))), 'numbers in every filled cell');
  assert.ok((await page.textContent('#heatmap-legend')).includes('Satisfaction index'));

  log('the silent device is listed');
  const silent = await api('/api/v1/devices?silent=true', HO_KEY);
  assert.deepEqual(silent.devices.map((d) => d.name), [SILENT_DEVICE]);
  const silentShown = await page.$$eval('#devices-table tbody tr', (trs) => trs.map((tr) => [...tr.children].slice(0, 3).map((td) => td.textContent.trim())));
  const names = await api('/api/v1/stores', HO_KEY);
  const silentStore = names.stores.find((s) => s.id === silent.devices[0].store);
  const silentTp = silentStore.touch_points.find((t) => t.key === silent.devices[0].touch_point);
  assert.deepEqual(silentShown, [[SILENT_DEVICE, silentStore.name, silentTp.name]], 'the device, its store and touch point by name');
  assert.equal(await page.textContent('#kpi-silent'), '1');

  log('recent comments, newest first');
  const comments = await checkComments(page, HO_KEY);
  assert.ok(comments.some((c) => c.store !== STORE), 'head office sees other stores\' comments');

  log('screenshots');
  await page.screenshot({ path: path.join(SHOTS, 'web-dashboard-1280x800.png') });
  await page.screenshot({ path: path.join(SHOTS, 'web-dashboard-full-1280.png'), fullPage: true });
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.waitForTimeout(300); // the chart follows its box
  await page.screenshot({ path: path.join(SHOTS, 'web-dashboard-1920x1080.png') });
  await page.setViewportSize({ width: 1280, height: 800 });

  log('the CSV download holds every response');
  const rows = await downloadCsv(page, 'head-office.csv');
  assert.equal(rows.length, TOTAL);
  assert.equal(new Set(rows.map((r) => r[0])).size, TOTAL, 'distinct ids');

  log('signing out forgets the key');
  await page.click('#sign-out');
  await page.waitForSelector('#sign-in-form', { state: 'visible' });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('touchpoint.apiKey')), null);

  log('a store key sees its own store only');
  await signIn(page, STORE_KEY);
  const own = await api('/api/v1/summary?group_by=store', STORE_KEY);
  assert.deepEqual(own.groups.map((g) => g.store), [STORE]);
  await checkStores(page, own);
  assert.equal(await page.textContent('#kpi-count'), String(STORE_TOTAL));
  const stores = await page.$$eval('[data-store]', (els) => [...new Set(els.map((e) => e.dataset.store))]);
  assert.deepEqual(stores, [STORE], 'nothing of another store on the page');
  const scopes = await page.$$eval('#trend-scope option', (os) => os.map((o) => o.value));
  assert.ok(scopes.every((v) => v === '' || v === 'store:' + STORE || v.startsWith('touch_point:' + STORE + '-')), scopes.join(' '));
  const shown = await checkComments(page, STORE_KEY);
  assert.ok(shown.every((c) => c.store === STORE));
  const text = await page.textContent('body');
  assert.ok(!text.includes(OTHER_TEXT), 'another store\'s comment is not on the page');
  assert.ok(!text.includes(SILENT_DEVICE), 'another store\'s silent device is not on the page');
  assert.equal(await page.isVisible('#devices-empty'), true);
  const storeRows = await downloadCsv(page, 'store.csv');
  assert.equal(storeRows.length, STORE_TOTAL);
  assert.ok(storeRows.every((r) => r[1] === STORE), 'the store key\'s CSV holds its store only');
  await context.close();

  log('answers still on their way when the key changes are not drawn');
  {
    const slow = await openPage({ width: 1280, height: 800 });
    const held = [];
    const isHeld = (u) => {
      const url = new URL(u);
      return url.pathname === '/api/v1/responses' || url.searchParams.get('group_by') === 'day';
    };
    await slow.page.route('**/api/v1/**', (route) => {
      const req = route.request();
      if (req.headers()['authorization'] === 'Bearer ' + HO_KEY && isHeld(req.url())) held.push(route);
      else route.continue();
    });
    await slow.page.goto(URL_ + '/');
    await slow.page.fill('#api-key', HO_KEY);
    await slow.page.click('#sign-in-button');
    for (let i = 0; i < 200 && held.length < 2; i++) await slow.page.waitForTimeout(25);
    assert.ok(held.length >= 2, `the head-office trend and comments are held (${held.length})`);
    await slow.page.click('#sign-out');
    await slow.page.waitForSelector('#sign-in-form', { state: 'visible' });
    await signIn(slow.page, STORE_KEY);
    for (const route of held) await route.continue();
    // Let the released answers arrive (and, were they drawn, be drawn).
    await slow.page.waitForLoadState('networkidle');
    await slow.page.waitForTimeout(300);
    const stale = await slow.page.$$eval('#comments li', (lis) => lis.map((li) => li.dataset.store));
    assert.ok(stale.length > 0 && stale.every((s) => s === STORE), 'only the store\'s own comments: ' + stale.join(' '));
    const ownDays = await api('/api/v1/summary' + asked.search.replace('group_by=store', 'group_by=day'), STORE_KEY);
    const trendRows = await slow.page.$$eval('#trend-table tbody tr', (trs) => trs.map((tr) => tr.children[1].textContent));
    assert.deepEqual(trendRows, ownDays.groups.slice().reverse().map((g) => fmt(g.count)), 'the trend is the store\'s own');
    await slow.context.close();
  }

  log('without Chart.js the figures are still there, as tables');
  const bare = await openPage({ width: 1280, height: 800 }, { blockChartJs: true });
  await bare.page.goto(URL_ + '/');
  await signIn(bare.page, HO_KEY);
  assert.equal(await bare.page.isVisible('#no-charts'), true);
  assert.equal(await bare.page.isVisible('#trend-chart-box'), false);
  assert.ok((await bare.page.$$('#trend-table tbody tr')).length >= 7);
  await checkStores(bare.page, byStore);
  await bare.page.screenshot({ path: path.join(DOWNLOADS, 'without-chart-js.png'), fullPage: true });
  await bare.context.close();

  assert.deepEqual(problems, [], 'no console errors, CSP violations or outside requests');
  console.log('dashboard.spec: all checks passed');
} catch (e) {
  console.error(`dashboard.spec: failed at "${step}":\n`, e);
  if (problems.length) console.error('browser problems:\n ' + problems.join('\n '));
  process.exitCode = 1;
} finally {
  await browser.close();
}
