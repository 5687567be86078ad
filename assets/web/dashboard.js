// Touchpoint head-office dashboard: plain JavaScript, no build step.
//
// Everything shown comes from the head-office API (docs/api.md) with the API
// key the user signed in with, sent as "Authorization: Bearer <key>" on every
// call. The key lives in sessionStorage: it is gone when the tab closes.
// Data is put into the page with textContent only, never as HTML.
//
// Four views, chosen by the address's fragment so that each can be
// bookmarked and reloaded in the same tab: #overview (the default),
// #standards, #journey?store=ID and #huddle?store=ID (a printable A4 sheet).
'use strict';

(function () {
  const KEY_STORAGE = 'touchpoint.apiKey';
  const COMMENTS_SHOWN = 20;
  const REFRESH_MS = 2 * 60 * 1000;
  const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

  const $ = (id) => document.getElementById(id);
  // loading and trendRequest count requests: only the newest one draws, and
  // signing out outdates every request still on its way.
  // viewLoading does the same for the standards, journey and huddle views.
  const state = {
    key: '', trendChart: null, refreshTimer: 0, loading: 0, trendRequest: 0, lastDayHour: [],
    viewLoading: 0, view: 'overview', store: '',
    stores: [], storeById: new Map(), tpByKey: new Map(),
  };

  // --- The API ---

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // One call with the key; 429 is waited out (Retry-After) a few times.
  async function call(path) {
    for (let attempt = 0; ; attempt++) {
      let res;
      try {
        res = await fetch(path, {
          headers: { Authorization: 'Bearer ' + state.key },
          cache: 'no-store',
          credentials: 'omit',
        });
      } catch (e) {
        throw new ApiError(0, 'network', 'The server could not be reached.');
      }
      if (res.ok) return res;
      if (res.status === 429 && attempt < 4) {
        const wait = Number(res.headers.get('Retry-After')) || 1;
        await sleep(Math.min(wait, 10) * 1000);
        continue;
      }
      let code = 'http_' + res.status;
      let message = 'The server answered ' + res.status + '.';
      try {
        const body = await res.json();
        if (body && body.error) {
          code = body.error.code || code;
          message = body.error.message || message;
        }
      } catch (e) {
        // not a JSON error; keep the status
      }
      throw new ApiError(res.status, code, message);
    }
  }

  async function getJson(path) {
    return (await call(path)).json();
  }

  // --- Periods and formatting ---

  function dayString(date) {
    const y = date.getFullYear();
    const m = String(date.getMonth() + 1).padStart(2, '0');
    const d = String(date.getDate()).padStart(2, '0');
    return y + '-' + m + '-' + d;
  }

  // The period as filter parameters. Only `from`: a store ahead of the
  // browser's time zone may already be on tomorrow's local day.
  function periodParams() {
    const v = $('period').value;
    const p = new URLSearchParams();
    if (v !== 'all') {
      const from = new Date();
      from.setDate(from.getDate() - (Number(v) - 1));
      p.set('from', dayString(from));
    }
    return p;
  }

  function query(params, extra) {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(extra || {})) p.set(k, v);
    const s = p.toString();
    return s ? '?' + s : '';
  }

  // Figures are shown exactly as the API gives them (it rounds to 2 decimals).
  function fmt(v) {
    return v === null || v === undefined ? '—' : String(v);
  }

  function metric(m) {
    return m && m.value !== null && m.value !== undefined ? m.value : null;
  }

  function timeAgo(ms, now) {
    if (!ms) return 'never';
    const s = Math.max(0, Math.round((now - ms) / 1000));
    if (s < 90) return s + ' s ago';
    const m = Math.round(s / 60);
    if (m < 90) return m + ' min ago';
    const h = Math.round(m / 60);
    if (h < 48) return h + ' h ago';
    return Math.round(h / 24) + ' days ago';
  }

  function localStamp(ms) {
    const d = new Date(ms);
    return dayString(d) + ' ' + String(d.getHours()).padStart(2, '0') + ':' +
      String(d.getMinutes()).padStart(2, '0');
  }

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k.includes('-')) e.setAttribute(k, v); // data-*, aria-*
      else e[k] = v;
    }
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  // Red (0) through amber to green (100), light enough for dark text.
  function indexColour(index) {
    const hue = Math.max(0, Math.min(100, index)) * 1.2;
    return 'hsl(' + hue.toFixed(0) + ', 70%, 78%)';
  }

  function countColour(count, max) {
    const t = max > 0 ? count / max : 0;
    return 'hsl(212, 80%, ' + (95 - t * 35).toFixed(0) + '%)';
  }

  function setStatus(text, isError) {
    const s = $('status');
    s.textContent = text || '';
    s.hidden = !text;
    s.classList.toggle('error', !!isError);
  }

  // --- Sign in and out ---

  function showSignIn(message) {
    for (const v of VIEWS) sectionOf(v).hidden = true;
    $('views').hidden = true;
    $('toolbar').hidden = true;
    $('foot').hidden = true;
    $('sign-in').hidden = false;
    const err = $('sign-in-error');
    err.textContent = message || '';
    err.hidden = !message;
    $('api-key').value = '';
    $('api-key').focus();
  }

  function signInMessage(e) {
    if (e.code === 'invalid_api_key' || e.code === 'missing_api_key')
      return 'That API key was not accepted. Check it and try again (head-office and store keys start with "tpk_").';
    if (e.code === 'api_key_revoked') return 'That API key has been revoked. Ask head office for a new one.';
    if (e.code === 'network') return 'The server could not be reached. Check the connection and try again.';
    if (e.code === 'rate_limited') return 'Too many attempts; wait a moment and try again.';
    return 'Signing in failed: ' + e.message;
  }

  async function signIn(key) {
    state.key = key;
    const button = $('sign-in-button');
    button.disabled = true;
    try {
      await getJson('/api/v1/summary'); // any head-office call proves the key
    } catch (e) {
      state.key = '';
      sessionStorage.removeItem(KEY_STORAGE);
      showSignIn(signInMessage(e));
      return;
    } finally {
      button.disabled = false;
    }
    sessionStorage.setItem(KEY_STORAGE, key);
    $('sign-in').hidden = true;
    $('toolbar').hidden = false;
    $('views').hidden = false;
    $('foot').hidden = false;
    $('who').textContent = 'Key ' + key.slice(0, 8) + '…';
    $('who').title = 'Signed in with an API key; sign out to forget it in this tab';
    if (!state.refreshTimer) state.refreshTimer = setInterval(loadView, REFRESH_MS);
    await loadView();
  }

  function signOut(message) {
    sessionStorage.removeItem(KEY_STORAGE);
    state.key = '';
    state.loading++;
    state.trendRequest++;
    state.viewLoading++;
    clearInterval(state.refreshTimer);
    state.refreshTimer = 0;
    if (state.trendChart) {
      state.trendChart.destroy();
      state.trendChart = null;
    }
    for (const id of ['stores-table', 'trend-table', 'devices-table', 'heatmap'])
      clear($(id).tBodies[0]);
    clear($('comments'));
    clearViews();
    setStores(null);
    state.store = '';
    clear($('trend-scope'));
    $('trend-scope').appendChild(el('option', { value: '' }, 'All stores'));
    setStatus('');
    showSignIn(message);
  }

  // --- Loading ---

  async function loadAll() {
    const token = ++state.loading;
    const p = periodParams();
    setStatus('Loading…');
    try {
      const [overall, byStore, byTouchPoint, byDayHour, devices, stores] = await Promise.all([
        getJson('/api/v1/summary' + query(p)),
        getJson('/api/v1/summary' + query(p, { group_by: 'store' })),
        getJson('/api/v1/summary' + query(p, { group_by: 'store,touch_point' })),
        getJson('/api/v1/summary' + query(p, { group_by: 'day,hour' })),
        getJson('/api/v1/devices'),
        getJson('/api/v1/stores'),
      ]);
      if (token !== state.loading) return; // a newer load took over
      setStores(stores);
      renderKpis(overall.groups[0], devices);
      renderStores(byStore.groups);
      fillTrendScopes(byStore.groups, byTouchPoint.groups);
      state.lastDayHour = byDayHour.groups;
      renderHeatmap();
      renderDevices(devices);
      await Promise.all([loadTrend(), loadComments()]);
      if (token !== state.loading) return;
      setStatus('');
      $('dashboard').dataset.loaded = String(Date.now());
      setFoot();
    } catch (e) {
      if (token === state.loading) handleLoadError(e);
    }
  }

  function setFoot() {
    $('foot').textContent = 'Figures from the head-office API (/api/v1), updated ' +
      localStamp(Date.now()) + '; days and hours are each store\'s local time.';
  }

  function handleLoadError(e) {
    if (e instanceof ApiError && e.status === 401) {
      signOut(signInMessage(e));
      return;
    }
    if (state.view !== 'overview') {
      viewStatus(state.view + '-status', 'Could not download: ' + e.message, true);
      return;
    }
    setStatus('Could not load the figures: ' + e.message, true);
  }

  // --- Panels ---

  function renderKpis(all, devices) {
    all = all || {};
    $('kpi-count').textContent = fmt(all.count || 0);
    $('kpi-index').textContent = fmt(all.satisfaction_index);
    $('kpi-csat').textContent = metric(all.csat) === null ? '—' : fmt(metric(all.csat)) + ' %';
    $('kpi-nps').textContent = fmt(metric(all.nps));
    const silent = devices.devices.filter((d) => d.silent).length;
    const k = $('kpi-silent');
    k.textContent = String(silent);
    k.classList.toggle('alert', silent > 0);
  }

  function renderStores(groups) {
    const ranked = groups.slice().sort((a, b) => {
      const ai = a.satisfaction_index, bi = b.satisfaction_index;
      if (ai === null && bi !== null) return 1;
      if (bi === null && ai !== null) return -1;
      if (ai !== bi) return bi - ai;
      if (a.count !== b.count) return b.count - a.count;
      return compareText(groupStoreName(a), groupStoreName(b)) || (a.store < b.store ? -1 : 1);
    });
    const body = $('stores-table').tBodies[0];
    clear(body);
    ranked.forEach((g, i) => {
      const tr = el('tr', { 'data-store': g.store });
      tr.appendChild(el('td', { class: 'rank' }, String(i + 1)));
      tr.appendChild(el('td', { class: 'name', 'data-field': 'store', title: 'Store id: ' + g.store }, groupStoreName(g)));
      tr.appendChild(el('td', { class: 'num', 'data-field': 'count' }, fmt(g.count)));
      const si = el('td', { class: 'num', 'data-field': 'satisfaction_index' });
      const inner = el('div', { class: 'index' });
      const bar = el('span', { class: 'bar', 'aria-hidden': 'true' });
      if (g.satisfaction_index !== null) {
        bar.style.width = Math.max(0, Math.min(100, g.satisfaction_index)) + '%';
        bar.style.background = indexColour(g.satisfaction_index);
      }
      const barTrack = el('span', { class: 'bar-track' });
      barTrack.appendChild(bar);
      inner.appendChild(barTrack);
      inner.appendChild(el('span', { class: 'value' }, fmt(g.satisfaction_index)));
      si.appendChild(inner);
      tr.appendChild(si);
      tr.appendChild(el('td', { class: 'num', 'data-field': 'csat' }, fmt(metric(g.csat))));
      const nps = el('td', { class: 'num', 'data-field': 'nps' }, fmt(metric(g.nps)));
      if (g.nps && g.nps.small_sample) {
        nps.classList.add('small-sample');
        nps.title = 'Fewer than 30 NPS responses (' + g.nps.count + ')';
      }
      tr.appendChild(nps);
      tr.appendChild(el('td', { class: 'num', 'data-field': 'ces' }, fmt(metric(g.ces))));
      tr.appendChild(el('td', { class: 'num', 'data-field': 'thumbs_up' }, fmt(metric(g.thumbs_up))));
      body.appendChild(tr);
    });
    $('stores-empty').hidden = ranked.length > 0;
    $('stores-table').hidden = ranked.length === 0;
  }

  function fillTrendScopes(storeGroups, tpGroups) {
    const select = $('trend-scope');
    const keep = select.value;
    clear(select);
    select.appendChild(el('option', { value: '' }, 'All stores'));
    if (storeGroups.length) {
      const og = el('optgroup', { label: 'Store' });
      const named = storeGroups.slice().sort((a, b) => compareText(groupStoreName(a), groupStoreName(b)));
      for (const g of named) og.appendChild(el('option', { value: 'store:' + g.store }, groupStoreName(g)));
      select.appendChild(og);
    }
    if (tpGroups.length) {
      const og = el('optgroup', { label: 'Touch point' });
      const named = tpGroups.slice().sort((a, b) =>
        compareText(groupStoreName(a), groupStoreName(b)) || compareText(groupTouchPointName(a), groupTouchPointName(b)));
      for (const g of named)
        og.appendChild(el('option', { value: 'touch_point:' + g.touch_point },
          groupStoreName(g) + ' · ' + groupTouchPointName(g)));
      select.appendChild(og);
    }
    select.value = keep;
    if (select.value !== keep) select.value = '';
  }

  // Every day from the first to the last with data, so gaps show as gaps.
  function daysBetween(first, last) {
    const out = [];
    const d = new Date(first + 'T00:00:00Z');
    const end = new Date(last + 'T00:00:00Z');
    while (d <= end && out.length < 4000) {
      out.push(d.toISOString().slice(0, 10));
      d.setUTCDate(d.getUTCDate() + 1);
    }
    return out;
  }

  async function loadTrend() {
    const mine = ++state.trendRequest;
    const scope = $('trend-scope').value;
    const extra = { group_by: 'day' };
    if (scope) {
      const colon = scope.indexOf(':');
      extra[scope.slice(0, colon)] = scope.slice(colon + 1);
    }
    const summary = await getJson('/api/v1/summary' + query(periodParams(), extra));
    if (mine === state.trendRequest) renderTrend(summary.groups);
  }

  function renderTrend(groups) {
    const body = $('trend-table').tBodies[0];
    clear(body);
    for (const g of groups.slice().reverse()) {
      const tr = el('tr', { 'data-day': g.day });
      tr.appendChild(el('td', {}, g.day));
      tr.appendChild(el('td', { class: 'num' }, fmt(g.count)));
      tr.appendChild(el('td', { class: 'num' }, fmt(g.satisfaction_index)));
      tr.appendChild(el('td', { class: 'num' }, fmt(metric(g.csat))));
      tr.appendChild(el('td', { class: 'num' }, fmt(metric(g.nps))));
      body.appendChild(tr);
    }
    $('trend-empty').hidden = groups.length > 0;
    const hasChart = typeof window.Chart === 'function';
    $('trend-chart-box').hidden = !hasChart || groups.length === 0;
    if (!hasChart) {
      $('trend-details').open = true;
      return;
    }
    const byDay = new Map(groups.map((g) => [g.day, g]));
    const days = groups.length ? daysBetween(groups[0].day, groups[groups.length - 1].day) : [];
    const index = days.map((d) => (byDay.has(d) ? byDay.get(d).satisfaction_index : null));
    const counts = days.map((d) => (byDay.has(d) ? byDay.get(d).count : 0));
    const csat = days.map((d) => (byDay.has(d) ? metric(byDay.get(d).csat) : null));
    const data = {
      labels: days,
      datasets: [
        { type: 'line', label: 'Satisfaction index', data: index, yAxisID: 'y',
          borderColor: '#1f6feb', backgroundColor: '#1f6feb', borderWidth: 2.5,
          pointRadius: 3, pointStyle: 'circle', tension: 0.25, spanGaps: false, order: 1 },
        { type: 'line', label: 'CSAT %', data: csat, yAxisID: 'y', hidden: csat.every((v) => v === null),
          borderColor: '#2da44e', backgroundColor: '#2da44e', borderWidth: 2, borderDash: [6, 4],
          pointRadius: 2, pointStyle: 'circle', tension: 0.25, spanGaps: false, order: 2 },
        { type: 'bar', label: 'Responses', data: counts, yAxisID: 'count',
          backgroundColor: 'rgba(140, 149, 159, 0.35)', borderRadius: 3, pointStyle: 'rect', order: 3 },
      ],
    };
    if (state.trendChart) {
      state.trendChart.data = data;
      state.trendChart.update('none');
      return;
    }
    state.trendChart = new window.Chart($('trend-chart'), {
      data,
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        plugins: { legend: { position: 'bottom', labels: { usePointStyle: true, boxWidth: 10 } } },
        scales: {
          y: { min: 0, max: 100, title: { display: true, text: 'Index / %' } },
          count: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false },
                   title: { display: true, text: 'Responses' }, ticks: { precision: 0 } },
          x: { ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 16, maxTicksLimit: 7 } },
        },
      },
    });
  }

  // Weekday and hour cells summed from the day-and-hour summary; the index
  // of a cell is its groups' indices weighted by their counts.
  function renderHeatmap() {
    const cells = WEEKDAYS.map(() => Array.from({ length: 24 }, () => ({ count: 0, weighted: 0, scored: 0 })));
    for (const g of state.lastDayHour) {
      const wd = (new Date(g.day + 'T00:00:00Z').getUTCDay() + 6) % 7; // Monday first
      const c = cells[wd][g.hour];
      c.count += g.count;
      if (g.satisfaction_index !== null) {
        c.weighted += g.satisfaction_index * g.count;
        c.scored += g.count;
      }
    }
    const metricName = $('heatmap-metric').value;
    let maxCount = 0, firstHour = 24, lastHour = -1;
    for (const row of cells)
      row.forEach((c, h) => {
        maxCount = Math.max(maxCount, c.count);
        if (c.count) {
          firstHour = Math.min(firstHour, h);
          lastHour = Math.max(lastHour, h);
        }
      });
    // The hours with any response, at least 08-17 (a shop's day), so the
    // cells stay wide enough to read.
    firstHour = Math.min(firstHour, 8);
    lastHour = Math.max(lastHour, 17);
    const hours = [];
    for (let h = firstHour; h <= lastHour; h++) hours.push(h);

    const table = $('heatmap');
    clear(table.tHead);
    clear(table.tBodies[0]);
    const head = el('tr');
    head.appendChild(el('th', { scope: 'col', class: 'corner' }, ''));
    for (const h of hours) head.appendChild(el('th', { scope: 'col' }, String(h).padStart(2, '0') + ':00'));
    table.tHead.appendChild(head);
    cells.forEach((row, wd) => {
      const tr = el('tr');
      tr.appendChild(el('th', { scope: 'row' }, WEEKDAYS[wd]));
      hours.forEach((h) => {
        const c = row[h];
        const index = c.scored ? Math.round((c.weighted / c.scored) * 10) / 10 : null;
        const td = el('td', { 'data-weekday': WEEKDAYS[wd], 'data-hour': String(h) });
        if (c.count === 0) {
          td.className = 'none';
          td.title = WEEKDAYS[wd] + ' ' + String(h).padStart(2, '0') + ':00 — no responses';
        } else {
          td.textContent = metricName === 'count' ? String(c.count) : index === null ? '—' : String(Math.round(index));
          td.style.background = metricName === 'count' ? countColour(c.count, maxCount) : index === null ? '' : indexColour(index);
          td.title = WEEKDAYS[wd] + ' ' + String(h).padStart(2, '0') + ':00 — ' + c.count +
            ' responses, satisfaction index ' + fmt(index);
        }
        tr.appendChild(td);
      });
      table.tBodies[0].appendChild(tr);
    });

    const legend = $('heatmap-legend');
    clear(legend);
    legend.appendChild(el('span', { class: 'legend-label' },
      metricName === 'count' ? 'Responses per hour slot:' : 'Satisfaction index (0–100):'));
    const steps = metricName === 'count'
      ? [0, 0.25, 0.5, 0.75, 1].map((t) => Math.round(t * maxCount)).filter((v, i, a) => a.indexOf(v) === i)
      : [0, 25, 50, 75, 100];
    for (const v of steps) {
      const sw = el('span', { class: 'swatch' }, String(v));
      sw.style.background = metricName === 'count' ? countColour(v, maxCount) : indexColour(v);
      legend.appendChild(sw);
    }
    legend.appendChild(el('span', { class: 'swatch none' }, 'none'));
    legend.appendChild(el('span', { class: 'legend-note' }, 'Local hour of each store; hover a cell for its count.'));
  }

  function renderDevices(answer) {
    const now = answer.server_utc_ms || Date.now();
    const silent = answer.devices.filter((d) => d.silent)
      .sort((a, b) => (a.last_seen_utc_ms || 0) - (b.last_seen_utc_ms || 0));
    const body = $('devices-table').tBodies[0];
    clear(body);
    for (const d of silent) {
      const tr = el('tr', { 'data-device': d.id, 'data-store': d.store });
      const name = el('td', { class: 'name' });
      name.appendChild(el('span', { class: 'dot', 'aria-hidden': 'true' }));
      name.appendChild(document.createTextNode(d.name));
      tr.appendChild(name);
      tr.appendChild(el('td', {}, storeName(d.store)));
      tr.appendChild(el('td', {}, touchPointName(d.touch_point)));
      const seen = el('td', {}, timeAgo(d.last_seen_utc_ms, now));
      if (d.last_seen_utc_ms) seen.title = localStamp(d.last_seen_utc_ms);
      tr.appendChild(seen);
      body.appendChild(tr);
    }
    const active = answer.devices.filter((d) => !d.revoked_utc_ms).length;
    const minutes = Math.round((answer.silent_after_open_ms || 0) / 60000);
    $('devices-note').textContent = silent.length + ' of ' + active + ' active devices silent: nothing heard, ' +
      'not even a heartbeat, for ' + (minutes >= 1 ? minutes + ' minutes' : Math.round((answer.silent_after_open_ms || 0) / 1000) + ' seconds') +
      ' of opening hours.';
    $('devices-table').hidden = silent.length === 0;
    $('devices-empty').hidden = silent.length > 0;
  }

  // Responses come oldest first, a page at a time; the newest comments are
  // found by reading a short recent window first and widening it only when
  // it holds too few.
  async function loadComments() {
    const token = state.loading;
    const v = $('period').value;
    const periodDays = v === 'all' ? Infinity : Number(v);
    const windows = [2, 7, 30, 90, 365].filter((d) => d < periodDays);
    windows.push(periodDays);
    let found = [];
    for (const days of windows) {
      const p = new URLSearchParams();
      if (days !== Infinity) {
        const from = new Date();
        from.setDate(from.getDate() - (days - 1));
        p.set('from', dayString(from));
      }
      p.set('limit', '1000');
      found = [];
      let cursor = '';
      for (let page = 0; page < 50; page++) {
        const q = new URLSearchParams(p);
        if (cursor) q.set('cursor', cursor);
        const answer = await getJson('/api/v1/responses?' + q.toString());
        for (const r of answer.responses) if (r.comment) found.push(r);
        if (!answer.has_more) break;
        cursor = answer.next_cursor;
      }
      if (found.length >= COMMENTS_SHOWN) break;
    }
    if (token !== state.loading) return; // signed out, or a newer load took over
    found.sort((a, b) => b.utc_ms - a.utc_ms);
    renderComments(found.slice(0, COMMENTS_SHOWN));
  }

  function scaleRange(scale) {
    const ranges = { smiley4: [1, 4], smiley5: [1, 5], nps: [0, 10], ces7: [1, 7], thumbs: [0, 1] };
    return ranges[scale] || [0, 1];
  }

  // Where the score sits on its scale (the satisfaction index's reading:
  // the top of every scale is best).
  function scoreClass(r) {
    const [lo, hi] = scaleRange(r.scale);
    const t = hi > lo ? (r.score - lo) / (hi - lo) : 0;
    return t >= 0.66 ? 'good' : t >= 0.34 ? 'mid' : 'poor';
  }

  function scoreWords(r) {
    return r.scale === 'thumbs' ? (r.score ? 'thumbs up' : 'thumbs down') : r.score + ' of ' + scaleRange(r.scale)[1];
  }

  function renderComments(rows) {
    const list = $('comments');
    clear(list);
    for (const r of rows) {
      const li = el('li', { 'data-id': r.id, 'data-store': r.store });
      const meta = el('div', { class: 'meta' });
      meta.appendChild(el('span', { class: 'score ' + scoreClass(r), title: 'score on the ' + r.scale + ' scale' },
        scoreWords(r)));
      meta.appendChild(el('span', { class: 'where' },
        (r.store_name || storeName(r.store)) + ' · ' + (r.touch_point_name || touchPointName(r.touch_point))));
      meta.appendChild(el('time', { dateTime: r.local_time }, r.local_time.slice(0, 16).replace('T', ' ')));
      li.appendChild(meta);
      li.appendChild(el('p', { class: 'text', lang: r.language || '' }, r.comment));
      list.appendChild(li);
    }
    $('comments-empty').hidden = rows.length > 0;
  }

  // --- Stores and their names ---

  function setStores(answer) {
    state.stores = (answer && answer.stores) || [];
    state.storeById = new Map(state.stores.map((s) => [s.id, s]));
    state.tpByKey = new Map();
    for (const s of state.stores) for (const t of s.touch_points || []) state.tpByKey.set(t.key, t);
  }

  function compareText(a, b) {
    return String(a || '').localeCompare(String(b || ''), 'en', { sensitivity: 'base', numeric: true });
  }

  const storeName = (id) => (state.storeById.get(id) || {}).name || id;
  const touchPointName = (key) => (state.tpByKey.get(key) || {}).name || key;
  // A summary group carries its names when grouped by store / touch point.
  const groupStoreName = (g) => g.store_name || storeName(g.store);
  const groupTouchPointName = (g) => g.touch_point_name || touchPointName(g.touch_point);

  // --- Views ---

  const VIEWS = ['overview', 'standards', 'journey', 'huddle'];
  const TITLES = {
    overview: 'Touchpoint — head office',
    standards: 'Service standards — Touchpoint',
    journey: 'Customer journey — Touchpoint',
    huddle: 'Huddle sheet — Touchpoint',
  };
  const sectionOf = (view) => $(view === 'overview' ? 'dashboard' : view + '-view');

  // "#huddle?store=akl" -> { view: 'huddle', store: 'akl' }
  function route() {
    const h = location.hash.replace(/^#/, '');
    const q = h.indexOf('?');
    const name = q < 0 ? h : h.slice(0, q);
    const params = new URLSearchParams(q < 0 ? '' : h.slice(q + 1));
    return { view: VIEWS.includes(name) ? name : 'overview', store: params.get('store') || '' };
  }

  function showView(view) {
    state.view = view;
    for (const v of VIEWS) sectionOf(v).hidden = v !== view;
    for (const a of document.querySelectorAll('#views a')) {
      if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    $('period-field').hidden = view === 'huddle'; // the huddle is always yesterday
    document.body.dataset.view = view;
    document.title = TITLES[view];
  }

  function loadView() {
    if (!state.key) return Promise.resolve();
    const r = route();
    showView(r.view);
    if (r.view === 'standards') return loadStandards();
    if (r.view === 'journey') return loadJourney(r.store);
    if (r.view === 'huddle') return loadHuddle(r.store);
    return loadAll();
  }

  // The journey and huddle links follow the store last chosen.
  function rememberStore(id) {
    state.store = id;
    const q = id ? '?store=' + encodeURIComponent(id) : '';
    document.querySelector('#views a[data-view="journey"]').href = '#journey' + q;
    document.querySelector('#views a[data-view="huddle"]').href = '#huddle' + q;
    $('journey-huddle').href = '#huddle' + q;
  }

  function clearViews() {
    for (const id of ['store-standards-table', 'standards-table', 'huddle-table']) clear($(id).tBodies[0]);
    for (const id of ['level-counts', 'journey', 'journey-store', 'huddle-store', 'huddle-comments']) clear($(id));
    for (const id of ['journey-cx', 'journey-note', 'chain-note', 'standards-period', 'huddle-store-name',
      'huddle-day', 'huddle-cx', 'huddle-summary', 'huddle-foot']) $(id).textContent = '';
    for (const id of ['standards-body', 'journey-body', 'huddle-sheet']) $(id).hidden = true;
    for (const v of VIEWS) delete sectionOf(v).dataset.loaded;
    for (const id of ['standards-status', 'journey-status', 'huddle-status']) viewStatus(id, '');
    rememberStore('');
  }

  function viewStatus(id, text, isError) {
    const s = $(id);
    s.textContent = text || '';
    s.hidden = !text;
    s.classList.toggle('error', !!isError);
  }

  // A failed view load: a refused key signs out, anything else is said in
  // plain words with the API's own message and code.
  function viewFailed(statusId, what, e) {
    if (e instanceof ApiError && e.status === 401) {
      signOut(signInMessage(e));
      return;
    }
    const code = e instanceof ApiError && e.code && e.code !== 'network' ? ' (' + e.code + ')' : '';
    viewStatus(statusId, 'Could not load ' + what + ': ' + e.message + code, true);
  }

  // --- Days in a store's time zone ---

  function localDay(zone, ms) {
    try {
      const parts = {};
      for (const p of new Intl.DateTimeFormat('en-CA', {
        timeZone: zone || 'UTC', year: 'numeric', month: '2-digit', day: '2-digit',
      }).formatToParts(new Date(ms))) parts[p.type] = p.value;
      return parts.year + '-' + parts.month + '-' + parts.day;
    } catch (e) {
      return new Date(ms).toISOString().slice(0, 10); // an unknown zone: UTC
    }
  }

  function addDays(day, n) {
    const d = new Date(day + 'T00:00:00Z');
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }

  function longDay(day) {
    return new Date(day + 'T12:00:00Z').toLocaleDateString('en-NZ', {
      weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC',
    });
  }

  // The period of the standards views: the chosen number of days up to the
  // latest "today" among the stores (the standards cover at most 366 days,
  // so "all time" is the last 366).
  function standardsParams(nowMs) {
    const v = $('period').value;
    const days = v === 'all' ? 366 : Number(v);
    let today = '';
    for (const s of state.stores) {
      const d = localDay(s.time_zone, nowMs);
      if (d > today) today = d;
    }
    if (!today) today = dayString(new Date());
    return new URLSearchParams({ from: addDays(today, -(days - 1)) });
  }

  function periodWords(entries) {
    if (!entries.length) return '';
    let from = entries[0].from, to = entries[0].to;
    for (const t of entries) {
      if (t.from && t.from < from) from = t.from;
      if (t.to && t.to > to) to = t.to;
    }
    return from && to ? 'Period ' + from + ' to ' + to + ' (each store\'s local days).' : '';
  }

  // --- Standards: words and marks shared by the views ---

  const LEVELS = {
    ad_hoc: { order: 0, words: 'Ad hoc' },
    repeatable: { order: 1, words: 'Repeatable' },
    systematic: { order: 2, words: 'Systematic' },
    not_yet_measured: { order: 3, words: 'Not yet measured' },
  };
  const levelOf = (t) => (t.consistency && LEVELS[t.consistency.level] ? t.consistency.level : 'not_yet_measured');

  function shareMet(c) {
    return c && c.days_counted > 0 ? c.days_met / c.days_counted : null;
  }

  // Ad hoc first, then repeatable, systematic, not yet measured; within a
  // level the lowest share of counted days met first.
  function worstFirst(a, b) {
    const la = LEVELS[levelOf(a)].order, lb = LEVELS[levelOf(b)].order;
    if (la !== lb) return la - lb;
    const sa = shareMet(a.consistency), sb = shareMet(b.consistency);
    if (sa !== sb) {
      if (sa === null) return 1;
      if (sb === null) return -1;
      return sa - sb;
    }
    return compareText(a.store_name, b.store_name) || compareText(a.touch_point_name, b.touch_point_name) ||
      (a.touch_point < b.touch_point ? -1 : 1);
  }

  function levelBadge(t) {
    const level = levelOf(t);
    return el('span', { class: 'level level-' + level, 'data-level': level }, LEVELS[level].words);
  }

  function daysMetWords(c) {
    if (!c || !c.days_counted) return 'no counted days yet';
    return c.days_met + ' of ' + c.days_counted + ' counted days met';
  }

  // Met / not met in words, with a mark and a colour beside them.
  function verdict(met, noneWords) {
    const kind = met === true ? 'met' : met === false ? 'not-met' : 'none';
    const v = el('span', { class: 'verdict ' + kind, 'data-met': kind });
    if (met !== null && met !== undefined)
      v.appendChild(el('span', { class: 'mark', 'aria-hidden': 'true' }, met ? '✓' : '✗'));
    v.appendChild(el('span', { class: 'words' }, met === true ? 'Met' : met === false ? 'Not met' : noneWords || 'No responses'));
    return v;
  }

  function standardWords(t) {
    if (!t.scale) return 'No survey yet';
    return t.headline_name + ' ≥ ' + fmt(t.service_standard);
  }

  // A figure against the standard: "81.5 CSAT · 412 responses  ✗ Not met".
  function headlineLine(field, headline, name, count, met, noneWords) {
    const line = el('div', { class: 'against', 'data-field': field });
    const main = el('span', { class: 'against-main' });
    if (count > 0 && headline !== null && headline !== undefined) {
      main.appendChild(el('span', { class: 'figure', 'data-part': 'headline' }, fmt(headline)));
      main.appendChild(el('span', { class: 'unit' }, name || ''));
    }
    main.appendChild(verdict(count > 0 ? met : null, noneWords));
    line.appendChild(main);
    line.appendChild(el('span', { class: 'count muted', 'data-part': 'count' },
      count === 1 ? '1 response' : fmt(count || 0) + ' responses'));
    return line;
  }

  function ownerNode(owner) {
    const box = el('span', { class: 'owner' });
    if (!owner || (!owner.name && !owner.email)) {
      box.appendChild(el('span', { class: 'muted' }, 'No owner named'));
      return box;
    }
    if (owner.name) box.appendChild(el('span', { class: 'owner-name' }, owner.name));
    if (owner.email) {
      if (/^[^\s?&#/]+@[^\s?&#/]+$/.test(owner.email))
        box.appendChild(el('a', { href: 'mailto:' + owner.email, class: 'owner-email' }, owner.email));
      else box.appendChild(el('span', { class: 'owner-email' }, owner.email));
    }
    return box;
  }

  // The last 20 counted days, oldest left; the window lists only counted
  // days (newest first), so the cells before them say there were not enough.
  function consistencyStrip(c) {
    const size = (c && c.window_days) || 20;
    const days = ((c && c.window) || []).slice(0, size).reverse();
    const strip = el('span', { class: 'strip', role: 'img', 'data-field': 'strip' });
    let met = 0, notMet = 0;
    for (let i = 0; i < size - days.length; i++) {
      strip.appendChild(el('span', { class: 'cell none', 'data-cell': 'none', title: 'not enough responses: no counted day' }));
    }
    for (const d of days) {
      if (d.met) met++;
      else notMet++;
      strip.appendChild(el('span', {
        class: 'cell ' + (d.met ? 'met' : 'not-met'), 'data-cell': d.met ? 'met' : 'not-met',
        title: d.day + ': ' + (d.met ? 'met' : 'not met'),
      }, d.met ? '✓' : '✗'));
    }
    strip.setAttribute('aria-label', 'Last ' + size + ' counted days, oldest first: ' + met + ' met, ' + notMet +
      ' not met, ' + (size - days.length) + ' without enough responses');
    return strip;
  }

  // --- The standards view ---

  async function loadStandards() {
    const token = ++state.viewLoading;
    viewStatus('standards-status', 'Loading the standards…');
    try {
      const stores = await getJson('/api/v1/stores');
      if (token !== state.viewLoading) return;
      setStores(stores);
      const answer = await getJson('/api/v1/standards?' + standardsParams(stores.server_utc_ms));
      if (token !== state.viewLoading) return;
      renderStandards(answer.touch_points || []);
      viewStatus('standards-status', '');
      $('standards-body').hidden = false;
      $('standards-view').dataset.loaded = String(Date.now());
      setFoot();
    } catch (e) {
      if (token === state.viewLoading) {
        $('standards-body').hidden = true; // no stale figures under the error
        viewFailed('standards-status', 'the standards', e);
      }
    }
  }

  function renderStandards(entries) {
    $('standards-period').textContent = periodWords(entries);

    // The chain at a glance: touch points per level, best level first.
    const counts = { systematic: 0, repeatable: 0, ad_hoc: 0, not_yet_measured: 0 };
    for (const t of entries) counts[levelOf(t)]++;
    const line = $('level-counts');
    clear(line);
    Object.keys(counts).forEach((level, i) => {
      if (i) line.appendChild(el('span', { class: 'sep', 'aria-hidden': 'true' }, ' · '));
      const item = el('span', { class: 'level-count', 'data-level': level });
      item.appendChild(el('span', { class: 'n' }, String(counts[level])));
      item.appendChild(document.createTextNode(' '));
      item.appendChild(el('span', { class: 'level level-' + level }, LEVELS[level].words));
      line.appendChild(item);
    });
    const responses = entries.reduce((n, t) => n + ((t.period && t.period.count) || 0), 0);
    const storeCount = new Set(entries.map((t) => t.store)).size;
    $('chain-note').textContent = entries.length + (entries.length === 1 ? ' touch point' : ' touch points') + ' in ' +
      storeCount + (storeCount === 1 ? ' store' : ' stores') + '; ' + responses +
      (responses === 1 ? ' response' : ' responses') + ' in the period. Levels look at the last 20 counted days before today.';
    const chainEmpty = $('chain-empty');
    chainEmpty.hidden = entries.length > 0 && responses > 0;
    chainEmpty.textContent = entries.length === 0
      ? 'No touch points yet: create them with touchpoint-server admin create-touch-point.'
      : 'No responses yet in this period.';

    renderStoreStandards(entries);

    const body = $('standards-table').tBodies[0];
    clear(body);
    for (const t of entries.slice().sort(worstFirst)) {
      const tr = el('tr', { 'data-store': t.store, 'data-touch-point': t.touch_point, 'data-level': levelOf(t) });
      tr.appendChild(el('td', { class: 'name', 'data-field': 'store' }, t.store_name || t.store));
      tr.appendChild(el('td', { 'data-field': 'touch_point' }, t.touch_point_name || t.touch_point));
      tr.appendChild(el('td', { 'data-field': 'standard' }, standardWords(t)));
      const period = t.period || {};
      const pc = el('td');
      pc.appendChild(headlineLine('period', period.headline, t.headline_name, period.count || 0, period.met,
        'No responses yet'));
      tr.appendChild(pc);
      const lc = el('td', { 'data-field': 'consistency' });
      lc.appendChild(levelBadge(t));
      lc.appendChild(el('div', { class: 'muted small', 'data-part': 'days-met' }, daysMetWords(t.consistency)));
      tr.appendChild(lc);
      const sc = el('td');
      sc.appendChild(consistencyStrip(t.consistency));
      tr.appendChild(sc);
      const oc = el('td', { 'data-field': 'owner' });
      oc.appendChild(ownerNode(t.owner));
      tr.appendChild(oc);
      body.appendChild(tr);
    }
    $('standards-table').hidden = entries.length === 0;
    $('standards-empty').hidden = entries.length > 0;
  }

  // Stores ranked by the share of their touch points whose period met the
  // standard (a touch point without responses does not meet it).
  function renderStoreStandards(entries) {
    const byStore = new Map();
    for (const s of state.stores) byStore.set(s.id, { id: s.id, name: s.name || s.id, met: 0, total: 0 });
    for (const t of entries) {
      if (!byStore.has(t.store)) byStore.set(t.store, { id: t.store, name: t.store_name || t.store, met: 0, total: 0 });
      const s = byStore.get(t.store);
      s.total++;
      if (t.period && t.period.met === true) s.met++;
    }
    const share = (s) => (s.total ? s.met / s.total : null);
    const ranked = [...byStore.values()].sort((a, b) => {
      const sa = share(a), sb = share(b);
      if (sa !== sb) {
        if (sa === null) return 1;
        if (sb === null) return -1;
        return sb - sa;
      }
      return compareText(a.name, b.name);
    });
    const body = $('store-standards-table').tBodies[0];
    clear(body);
    ranked.forEach((s, i) => {
      const tr = el('tr', { 'data-store': s.id });
      tr.appendChild(el('td', { class: 'rank' }, String(i + 1)));
      tr.appendChild(el('td', { class: 'name', 'data-field': 'store', title: 'Store id: ' + s.id }, s.name));
      tr.appendChild(el('td', { class: 'num', 'data-field': 'meeting' },
        s.total ? s.met + ' of ' + s.total + (s.total === 1 ? ' touch point' : ' touch points') : 'no touch points'));
      const sc = el('td', { class: 'num', 'data-field': 'share' });
      const inner = el('div', { class: 'index' });
      const track = el('span', { class: 'bar-track', 'aria-hidden': 'true' });
      const bar = el('span', { class: 'bar' });
      const v = share(s);
      if (v !== null) {
        bar.style.width = Math.round(v * 100) + '%';
        bar.style.background = indexColour(v * 100);
      }
      track.appendChild(bar);
      inner.appendChild(track);
      inner.appendChild(el('span', { class: 'value' }, v === null ? '—' : Math.round(v * 100) + ' %'));
      sc.appendChild(inner);
      tr.appendChild(sc);
      body.appendChild(tr);
    });
    $('store-standards-table').hidden = ranked.length === 0;
    $('store-standards-empty').hidden = ranked.length > 0;
  }

  // --- Choosing a store (journey and huddle) ---

  // Fills the select and answers the store to show: the one in the address,
  // else the one last chosen, else the first by name. A store the key may
  // not see (or that does not exist) is said so, never guessed.
  function pickStore(selectId, wanted) {
    const select = $(selectId);
    clear(select);
    const stores = state.stores.slice().sort((a, b) => compareText(a.name, b.name));
    for (const s of stores) select.appendChild(el('option', { value: s.id }, s.name || s.id));
    if (wanted && !state.storeById.has(wanted)) return { missing: wanted };
    const id = wanted || (state.storeById.has(state.store) ? state.store : stores.length ? stores[0].id : '');
    select.value = id;
    select.disabled = stores.length < 2;
    rememberStore(id);
    return { store: state.storeById.get(id) || null };
  }

  function noStoreWords(pick) {
    return pick.missing
      ? 'There is no store "' + pick.missing + '" that this key may see; choose one of the stores above.'
      : 'No stores yet: create one with touchpoint-server admin create-store.';
  }

  // --- The journey view ---

  async function loadJourney(wanted) {
    const token = ++state.viewLoading;
    viewStatus('journey-status', 'Loading the journey…');
    try {
      const stores = await getJson('/api/v1/stores');
      if (token !== state.viewLoading) return;
      setStores(stores);
      const pick = pickStore('journey-store', wanted);
      if (!pick.store) {
        $('journey-body').hidden = true;
        viewStatus('journey-status', noStoreWords(pick), !!pick.missing);
        $('journey-view').dataset.loaded = String(Date.now());
        return;
      }
      const p = standardsParams(stores.server_utc_ms);
      p.set('store', pick.store.id);
      const h = new URLSearchParams(p);
      h.set('limit', '3');
      const [standards, highlights] = await Promise.all([
        getJson('/api/v1/standards?' + p),
        getJson('/api/v1/highlights?' + h),
      ]);
      if (token !== state.viewLoading) return;
      renderJourney(pick.store, standards.touch_points || [], highlights.touch_points || []);
      viewStatus('journey-status', '');
      $('journey-body').hidden = false;
      $('journey-view').dataset.loaded = String(Date.now());
      setFoot();
    } catch (e) {
      if (token === state.viewLoading) {
        $('journey-body').hidden = true; // no stale figures under the error
        viewFailed('journey-status', 'the journey', e);
      }
    }
  }

  // Scales' headlines differ in range (NPS -100..100, CES 1..7): a shortfall
  // is compared as a share of its scale's range.
  function headlineRange(scale) {
    return scale === 'nps' ? 200 : scale === 'ces7' ? 6 : 100;
  }

  // The weakest moment: a touch point whose period missed its standard
  // before one that met it, and among those the furthest below its standard
  // (or, when all met it, the one with the least to spare). Touch points
  // without responses in the period are not judged.
  function weakestOf(entries) {
    let weakest = null, worst = null;
    for (const t of entries) {
      const p = t.period || {};
      if (!p.count || p.headline === null || p.headline === undefined || p.met === null || p.met === undefined) continue;
      const key = [p.met ? 1 : 0, (p.headline - t.service_standard) / headlineRange(t.scale)];
      if (!worst || key[0] < worst[0] || (key[0] === worst[0] && key[1] < worst[1])) {
        worst = key;
        weakest = t;
      }
    }
    return weakest;
  }

  function todayOf(t) {
    const days = t.days || [];
    const last = days.length ? days[days.length - 1] : null;
    return last && last.day === t.to ? last : null;
  }

  function renderJourney(store, entries, highlights) {
    $('journey-cx').textContent = store.cx_statement ? '“' + store.cx_statement + '”' : '';
    $('journey-cx').hidden = !store.cx_statement;
    const hl = new Map(highlights.map((h) => [h.touch_point, h]));
    // Journey order: placed touch points by position, the unplaced (0) last.
    const ordered = entries.slice().sort((a, b) => {
      const pa = a.journey_position || 0, pb = b.journey_position || 0;
      if ((pa === 0) !== (pb === 0)) return pa === 0 ? 1 : -1;
      return pa - pb || (a.touch_point < b.touch_point ? -1 : 1);
    });
    const weakest = weakestOf(ordered);
    $('journey-note').textContent = (periodWords(entries) + ' ' +
      (weakest ? 'The weakest moment is marked: the touch point furthest below its standard in the period.'
        : ordered.length ? 'No touch point has responses in the period yet.' : '')).trim();

    const list = $('journey');
    clear(list);
    ordered.forEach((t, i) => {
      const li = el('li', { class: 'step', 'data-store': t.store, 'data-touch-point': t.touch_point });
      if (i) li.appendChild(el('span', { class: 'arrow', 'aria-hidden': 'true' }, '→'));
      const card = el('article', { class: 'moment' + (t === weakest ? ' weakest' : '') });
      if (t === weakest) {
        card.dataset.weakest = 'true';
        card.appendChild(el('p', { class: 'weakest-flag' }, 'Weakest moment'));
      }
      const head = el('header', { class: 'moment-head' });
      head.appendChild(el('span', { class: 'position', 'data-field': 'position' },
        t.journey_position ? String(t.journey_position) : 'Not placed'));
      head.appendChild(el('h3', { 'data-field': 'touch_point' }, t.touch_point_name || t.touch_point));
      card.appendChild(head);
      card.appendChild(el('p', { class: 'standard muted small', 'data-field': 'standard' }, 'Standard: ' + standardWords(t)));

      const today = todayOf(t);
      const todaySection = el('section', { class: 'figure-block' });
      todaySection.appendChild(el('h4', {}, 'Today' + (today ? ' (' + today.day + ')' : '')));
      if (today && today.count > 0 && today.headline !== null) {
        const met = today.met !== null && today.met !== undefined ? today.met
          : today.headline >= today.service_standard - 1e-9;
        todaySection.appendChild(headlineLine('today', today.headline, t.headline_name, today.count, met));
      } else {
        todaySection.appendChild(headlineLine('today', null, t.headline_name, 0, null, 'No responses yet today'));
      }
      card.appendChild(todaySection);

      const period = t.period || {};
      const periodSection = el('section', { class: 'figure-block' });
      periodSection.appendChild(el('h4', {}, 'This period'));
      periodSection.appendChild(headlineLine('period', period.headline, t.headline_name, period.count || 0, period.met,
        'No responses yet'));
      card.appendChild(periodSection);

      const cons = el('section', { class: 'figure-block', 'data-field': 'consistency' });
      cons.appendChild(el('h4', {}, 'Consistency'));
      const levelLine = el('div', { class: 'level-line' });
      levelLine.appendChild(levelBadge(t));
      levelLine.appendChild(el('span', { class: 'muted small', 'data-part': 'days-met' }, daysMetWords(t.consistency)));
      cons.appendChild(levelLine);
      cons.appendChild(consistencyStrip(t.consistency));
      card.appendChild(cons);

      const h = hl.get(t.touch_point) || { top_reasons: [], comments: [] };
      const reasons = el('section', { class: 'figure-block', 'data-field': 'reasons' });
      reasons.appendChild(el('h4', {}, 'Top reasons'));
      if (h.top_reasons && h.top_reasons.length) {
        const ol = el('ol', { class: 'reasons' });
        for (const r of h.top_reasons) {
          const item = el('li', { 'data-reason': r.id });
          item.appendChild(el('span', { class: 'label' }, r.label || r.id));
          item.appendChild(el('span', { class: 'n' }, String(r.count)));
          ol.appendChild(item);
        }
        reasons.appendChild(ol);
      } else {
        reasons.appendChild(el('p', { class: 'empty small' }, 'No reasons given in this period.'));
      }
      card.appendChild(reasons);

      const comments = el('section', { class: 'figure-block', 'data-field': 'comments' });
      comments.appendChild(el('h4', {}, 'Newest comments'));
      if (h.comments && h.comments.length) {
        const ol = el('ol', { class: 'comments compact' });
        for (const c of h.comments) {
          const item = el('li', { 'data-id': c.id });
          const meta = el('div', { class: 'meta' });
          meta.appendChild(el('span', { class: 'score ' + scoreClass(c), title: 'score on the ' + c.scale + ' scale' },
            scoreWords(c)));
          meta.appendChild(el('time', { dateTime: c.local_time }, (c.local_time || '').slice(0, 16).replace('T', ' ')));
          item.appendChild(meta);
          item.appendChild(el('p', { class: 'text' }, c.comment));
          ol.appendChild(item);
        }
        comments.appendChild(ol);
      } else {
        comments.appendChild(el('p', { class: 'empty small' }, 'No comments in this period.'));
      }
      card.appendChild(comments);

      const owner = el('footer', { class: 'moment-owner', 'data-field': 'owner' });
      owner.appendChild(el('span', { class: 'muted small' }, 'Owner '));
      owner.appendChild(ownerNode(t.owner));
      card.appendChild(owner);
      li.appendChild(card);
      list.appendChild(li);
    });
    $('journey-empty').hidden = ordered.length > 0;
  }

  // --- The huddle sheet ---

  const HUDDLE_MIN_HOUR_COUNT = 5; // as the kiosk's huddle view
  const HUDDLE_COMMENTS = 6; // enough to talk about, few enough for one page

  // Best and worst hour of one touch point from a touch_point,hour summary:
  // its own scale's headline, hours with at least 5 counted responses only;
  // ties go to more responses, then the earlier hour.
  function bestAndWorstHour(groups, t) {
    let best = null, worst = null;
    for (const g of groups) {
      if (g.touch_point !== t.touch_point) continue;
      const s = g.scales && t.scale ? g.scales[t.scale] : null;
      if (!s || s.headline === null || s.headline === undefined || s.count < HUDDLE_MIN_HOUR_COUNT) continue;
      const f = { hour: g.hour, count: s.count, headline: s.headline };
      if (!best || f.headline > best.headline || (f.headline === best.headline && f.count > best.count)) best = f;
      if (!worst || f.headline < worst.headline || (f.headline === worst.headline && f.count > worst.count)) worst = f;
    }
    return { best, worst };
  }

  function hourNode(f, name, field) {
    if (!f) return el('span', { class: 'muted', 'data-field': field }, 'No hour with 5 responses');
    const box = el('span', { class: 'hour', 'data-field': field, 'data-hour': String(f.hour) });
    const hh = (h) => String(h).padStart(2, '0') + ':00';
    box.appendChild(el('strong', { class: 'hour-span' }, hh(f.hour) + '–' + hh((f.hour + 1) % 24)));
    const figures = el('span', { class: 'hour-figures' });
    figures.appendChild(el('span', { 'data-part': 'headline' }, fmt(f.headline) + ' ' + (name || '')));
    figures.appendChild(el('span', { class: 'muted' }, f.count + ' responses'));
    box.appendChild(figures);
    return box;
  }

  async function loadHuddle(wanted) {
    const token = ++state.viewLoading;
    viewStatus('huddle-status', 'Loading the huddle sheet…');
    try {
      const stores = await getJson('/api/v1/stores');
      if (token !== state.viewLoading) return;
      setStores(stores);
      const pick = pickStore('huddle-store', wanted);
      if (!pick.store) {
        $('huddle-sheet').hidden = true;
        viewStatus('huddle-status', noStoreWords(pick), !!pick.missing);
        $('huddle-view').dataset.loaded = String(Date.now());
        return;
      }
      const store = pick.store;
      // Yesterday in the store's own time zone, by the server's clock.
      const yesterday = addDays(localDay(store.time_zone, stores.server_utc_ms || Date.now()), -1);
      const p = new URLSearchParams({ store: store.id, from: yesterday, to: yesterday });
      const hours = new URLSearchParams(p);
      hours.set('group_by', 'touch_point,hour');
      const h = new URLSearchParams(p);
      h.set('limit', '3');
      const [standards, byHour, highlights] = await Promise.all([
        getJson('/api/v1/standards?' + p),
        getJson('/api/v1/summary?' + hours),
        getJson('/api/v1/highlights?' + h),
      ]);
      if (token !== state.viewLoading) return;
      renderHuddle(store, yesterday, standards.touch_points || [], byHour.groups || [], highlights.touch_points || []);
      viewStatus('huddle-status', '');
      $('huddle-sheet').hidden = false;
      $('huddle-view').dataset.loaded = String(Date.now());
      setFoot();
    } catch (e) {
      if (token === state.viewLoading) {
        $('huddle-sheet').hidden = true; // no stale figures under the error
        viewFailed('huddle-status', 'the huddle sheet', e);
      }
    }
  }

  function renderHuddle(store, yesterday, entries, hourGroups, highlights) {
    $('huddle-store-name').textContent = store.name || store.id;
    $('huddle-day').textContent = 'Yesterday, ' + longDay(yesterday);
    $('huddle-day').dataset.day = yesterday;
    $('huddle-cx').textContent = store.cx_statement || 'No customer-experience statement yet.';
    $('huddle-cx').classList.toggle('missing', !store.cx_statement);
    const hl = new Map(highlights.map((x) => [x.touch_point, x]));
    const judged = entries.filter((t) => t.period && t.period.count > 0 && t.period.met !== null);
    const met = judged.filter((t) => t.period.met === true).length;
    $('huddle-summary').textContent = !entries.length ? ''
      : !judged.length ? 'No responses yesterday.'
      : met + ' of ' + entries.length + (entries.length === 1 ? ' touch point' : ' touch points') +
        ' met the standard yesterday' + (judged.length < entries.length
          ? ' (' + (entries.length - judged.length) + ' without responses).' : '.');

    const body = $('huddle-table').tBodies[0];
    clear(body);
    for (const t of entries) {
      const tr = el('tr', { 'data-store': t.store, 'data-touch-point': t.touch_point });
      const name = el('th', { scope: 'row', 'data-field': 'touch_point' });
      name.appendChild(el('span', { class: 'tp-name' }, t.touch_point_name || t.touch_point));
      if (t.owner && t.owner.name) name.appendChild(el('span', { class: 'muted small tp-owner' }, t.owner.name));
      tr.appendChild(name);
      tr.appendChild(el('td', { 'data-field': 'standard' }, standardWords(t)));
      const day = (t.days || [])[0];
      const y = el('td');
      const period = t.period || {};
      if (day && day.open === false && !period.count) {
        const closed = el('div', { class: 'against', 'data-field': 'yesterday' });
        closed.appendChild(verdict(null, 'Closed'));
        y.appendChild(closed);
      } else {
        y.appendChild(headlineLine('yesterday', period.headline, t.headline_name, period.count || 0, period.met,
          'No responses'));
      }
      tr.appendChild(y);
      const bw = bestAndWorstHour(hourGroups, t);
      const best = el('td');
      best.appendChild(hourNode(bw.best, t.headline_name, 'best_hour'));
      tr.appendChild(best);
      const worst = el('td');
      worst.appendChild(hourNode(bw.worst, t.headline_name, 'worst_hour'));
      tr.appendChild(worst);
      const reasons = el('td', { 'data-field': 'reasons', class: 'wrap' });
      const top = (hl.get(t.touch_point) || {}).top_reasons || [];
      if (top.length) {
        const ol = el('ol', { class: 'reasons inline' });
        for (const r of top) {
          const item = el('li', { 'data-reason': r.id });
          item.appendChild(el('span', { class: 'label' }, r.label || r.id));
          item.appendChild(el('span', { class: 'n' }, String(r.count)));
          ol.appendChild(item);
        }
        reasons.appendChild(ol);
      } else {
        reasons.appendChild(el('span', { class: 'muted' }, 'None given'));
      }
      tr.appendChild(reasons);
      const cons = el('td', { 'data-field': 'consistency' });
      cons.appendChild(levelBadge(t));
      cons.appendChild(el('div', { class: 'muted small', 'data-part': 'days-met' }, daysMetWords(t.consistency)));
      tr.appendChild(cons);
      body.appendChild(tr);
    }
    $('huddle-table').hidden = entries.length === 0;
    $('huddle-empty').hidden = entries.length > 0;

    // What customers said yesterday: the newest few over the store.
    const said = [];
    for (const t of entries)
      for (const c of ((hl.get(t.touch_point) || {}).comments || [])) said.push({ ...c, where: t.touch_point_name || t.touch_point });
    said.sort((a, b) => (a.local_time < b.local_time ? 1 : a.local_time > b.local_time ? -1 : 0));
    const list = $('huddle-comments');
    clear(list);
    for (const c of said.slice(0, HUDDLE_COMMENTS)) {
      const li = el('li', { 'data-id': c.id });
      const meta = el('div', { class: 'meta' });
      meta.appendChild(el('span', { class: 'score ' + scoreClass(c) }, scoreWords(c)));
      meta.appendChild(el('span', { class: 'where' }, c.where));
      meta.appendChild(el('time', { dateTime: c.local_time }, (c.local_time || '').slice(11, 16)));
      li.appendChild(meta);
      li.appendChild(el('p', { class: 'text' }, c.comment));
      list.appendChild(li);
    }
    $('huddle-said').hidden = said.length === 0;

    // One A4 page: a store with many touch points is printed smaller. The
    // estimate is of the printed sheet's height in CSS pixels (the page
    // holds about 1030 between its margins): the fixed parts, then a row
    // per touch point.
    const estimate = 470 + 64 * entries.length + (said.length ? 40 + 28 * Math.ceil(Math.min(said.length, HUDDLE_COMMENTS) / 2) : 0);
    $('huddle-sheet').style.setProperty('--print-zoom', String(Math.min(1, Math.floor((1000 / estimate) * 100) / 100)));
    $('huddle-foot').textContent = 'Touchpoint head office · printed ' + localStamp(Date.now()) + ' · days and hours in ' +
      (store.time_zone || 'UTC') + ' · figures exclude misuse-flagged responses.';
  }

  // --- CSV ---

  // A plain link cannot carry the Authorization header: fetch the export and
  // hand the browser a Blob to save.
  async function downloadCsv() {
    const button = $('download-csv');
    button.disabled = true;
    const old = button.textContent;
    button.textContent = 'Preparing…';
    try {
      const res = await call('/api/v1/export' + query(periodParams(), { format: 'csv' }));
      const blob = await res.blob();
      const url = URL.createObjectURL(blob);
      const a = el('a', { href: url, download: 'touchpoint-responses-' + dayString(new Date()) + '.csv' });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (e) {
      handleLoadError(e);
    } finally {
      button.disabled = false;
      button.textContent = old;
    }
  }

  // --- Wiring ---

  function start() {
    if (typeof window.Chart !== 'function') $('no-charts').hidden = false;
    $('sign-in-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const key = $('api-key').value.trim();
      if (key) signIn(key);
    });
    $('sign-out').addEventListener('click', () => signOut(''));
    $('period').addEventListener('change', () => loadView());
    window.addEventListener('hashchange', () => loadView());
    for (const id of ['journey-store', 'huddle-store']) {
      $(id).addEventListener('change', (ev) => {
        location.hash = '#' + state.view + '?store=' + encodeURIComponent(ev.target.value);
      });
    }
    $('huddle-print').addEventListener('click', () => window.print());
    $('trend-scope').addEventListener('change', () => loadTrend().catch(handleLoadError));
    $('heatmap-metric').addEventListener('change', renderHeatmap);
    $('download-csv').addEventListener('click', downloadCsv);
    const saved = sessionStorage.getItem(KEY_STORAGE);
    if (saved) signIn(saved);
    else showSignIn('');
  }

  start();
})();
