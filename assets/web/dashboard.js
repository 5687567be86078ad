// Touchpoint head-office dashboard: plain JavaScript, no build step.
//
// Everything shown comes from the head-office API (docs/api.md) with the API
// key the user signed in with, sent as "Authorization: Bearer <key>" on every
// call. The key lives in sessionStorage: it is gone when the tab closes.
// Data is put into the page with textContent only, never as HTML.
'use strict';

(function () {
  const KEY_STORAGE = 'touchpoint.apiKey';
  const COMMENTS_SHOWN = 20;
  const REFRESH_MS = 2 * 60 * 1000;
  const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

  const $ = (id) => document.getElementById(id);
  // loading and trendRequest count requests: only the newest one draws, and
  // signing out outdates every request still on its way.
  const state = { key: '', trendChart: null, refreshTimer: 0, loading: 0, trendRequest: 0, lastDayHour: [] };

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
    $('dashboard').hidden = true;
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
    $('dashboard').hidden = false;
    $('toolbar').hidden = false;
    $('foot').hidden = false;
    $('who').textContent = 'Key ' + key.slice(0, 8) + '…';
    $('who').title = 'Signed in with an API key; sign out to forget it in this tab';
    await loadAll();
  }

  function signOut(message) {
    sessionStorage.removeItem(KEY_STORAGE);
    state.key = '';
    state.loading++;
    state.trendRequest++;
    clearInterval(state.refreshTimer);
    state.refreshTimer = 0;
    if (state.trendChart) {
      state.trendChart.destroy();
      state.trendChart = null;
    }
    for (const id of ['stores-table', 'trend-table', 'devices-table', 'heatmap'])
      clear($(id).tBodies[0]);
    clear($('comments'));
    delete $('dashboard').dataset.loaded;
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
      const [overall, byStore, byTouchPoint, byDayHour, devices] = await Promise.all([
        getJson('/api/v1/summary' + query(p)),
        getJson('/api/v1/summary' + query(p, { group_by: 'store' })),
        getJson('/api/v1/summary' + query(p, { group_by: 'store,touch_point' })),
        getJson('/api/v1/summary' + query(p, { group_by: 'day,hour' })),
        getJson('/api/v1/devices'),
      ]);
      if (token !== state.loading) return; // a newer load took over
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
      $('foot').textContent = 'Figures from the head-office API (/api/v1), updated ' +
        localStamp(Date.now()) + '; days and hours are each store\'s local time.';
    } catch (e) {
      handleLoadError(e);
    }
    if (!state.refreshTimer && state.key) state.refreshTimer = setInterval(loadAll, REFRESH_MS);
  }

  function handleLoadError(e) {
    if (e instanceof ApiError && e.status === 401) {
      signOut(signInMessage(e));
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
      return a.store < b.store ? -1 : 1;
    });
    const body = $('stores-table').tBodies[0];
    clear(body);
    ranked.forEach((g, i) => {
      const tr = el('tr', { 'data-store': g.store });
      tr.appendChild(el('td', { class: 'rank' }, String(i + 1)));
      tr.appendChild(el('td', { class: 'name', 'data-field': 'store' }, g.store));
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
      for (const g of storeGroups) og.appendChild(el('option', { value: 'store:' + g.store }, g.store));
      select.appendChild(og);
    }
    if (tpGroups.length) {
      const og = el('optgroup', { label: 'Touch point' });
      for (const g of tpGroups)
        og.appendChild(el('option', { value: 'touch_point:' + g.touch_point }, g.store + ' · ' + g.touch_point));
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
          x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 10 } },
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
      tr.appendChild(el('td', {}, d.store));
      tr.appendChild(el('td', {}, d.touch_point));
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

  function renderComments(rows) {
    const list = $('comments');
    clear(list);
    for (const r of rows) {
      const li = el('li', { 'data-id': r.id, 'data-store': r.store });
      const meta = el('div', { class: 'meta' });
      meta.appendChild(el('span', { class: 'score ' + scoreClass(r), title: 'score on the ' + r.scale + ' scale' },
        r.scale === 'thumbs' ? (r.score ? 'thumbs up' : 'thumbs down') : r.score + ' of ' + scaleRange(r.scale)[1]));
      meta.appendChild(el('span', { class: 'where' }, r.store + ' · ' + r.touch_point));
      meta.appendChild(el('time', { dateTime: r.local_time }, r.local_time.slice(0, 16).replace('T', ' ')));
      li.appendChild(meta);
      li.appendChild(el('p', { class: 'text', lang: r.language || '' }, r.comment));
      list.appendChild(li);
    }
    $('comments-empty').hidden = rows.length > 0;
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
    $('period').addEventListener('change', () => loadAll());
    $('trend-scope').addEventListener('change', () => loadTrend().catch(handleLoadError));
    $('heatmap-metric').addEventListener('change', renderHeatmap);
    $('download-csv').addEventListener('click', downloadCsv);
    const saved = sessionStorage.getItem(KEY_STORAGE);
    if (saved) signIn(saved);
    else showSignIn('');
  }

  start();
})();
