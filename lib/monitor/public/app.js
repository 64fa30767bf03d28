// alphalab dashboard page: reads /api/v1 with the token as a Bearer header; logs over the websocket.
// The token comes from ?token= on the first load, is kept in sessionStorage and removed from the address bar.
'use strict';
(function () {
  const q = new URLSearchParams(location.search);
  if (q.get('token')) {
    sessionStorage.setItem('alphalab-token', q.get('token'));
    history.replaceState(null, '', location.pathname);
  }
  const TOKEN = sessionStorage.getItem('alphalab-token') || '';
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (k === 'class') e.className = v; else e.setAttribute(k, v);
    for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(k === null || k === undefined ? '—' : String(k)));
    return e;
  };
  const fmt = (x, d = 4) => (x === null || x === undefined || Number.isNaN(x) ? '—' : typeof x === 'number' ? (Number.isInteger(x) ? String(x) : x.toFixed(d)) : String(x));
  const pct = (x) => (x === null || x === undefined ? '—' : `${(100 * x).toFixed(1)} %`);
  const ago = (iso) => (iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '—');

  async function api(path, method = 'GET', body) {
    const r = await fetch(`/api/v1/${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const j = await r.json();
    if (!r.ok) throw new Error(j.error || `HTTP ${r.status}`);
    return j;
  }

  function card(id, title, pill, pillClass, rows, big) {
    const dl = el('dl');
    for (const [k, v] of rows) dl.append(el('dt', {}, k), el('dd', {}, v));
    return el('div', { class: 'card', id: `card-${id}` }, el('h3', {}, title, el('span', { class: `pill ${pillClass}`, 'data-testid': `state-${id}` }, pill)), ...(big !== undefined ? [el('div', { class: 'big', 'data-testid': `big-${id}` }, big)] : []), dl);
  }
  const unavailable = (s) => (s.reason.startsWith('locked') ? ['running (store locked by its writer)', 'ok'] : ['not running', 'off']);
  // a section read from the last good snapshot of a store now locked by its writer says how old it is
  const staleRow = (x) => (x.stale ? [['snapshot', `last good read, ${Math.round(x.stale.ageS)} s old (store locked by its writer)`]] : []);

  function renderStatus(s) {
    const cards = [];
    const f = s.fleet;
    cards.push(f.available ? card('fleet', 'Model fleet', f.degraded ? 'degraded' : `tier ${f.tierIndex}`, f.degraded ? 'warn' : 'ok', [['successes', f.successes], ['OOMs (total)', f.totalOoms], ['OOMs in a row', f.consecutiveOoms], ['tier changes', f.tierChanges], ['last error', f.lastError ? f.lastError.message.slice(0, 40) : 'none'], ['updated', ago(f.updatedAt)]], f.model) : card('fleet', 'Model fleet', 'not running', 'off', [['', f.reason]]));
    const o = s.orchestrator;
    if (o.available) {
      const running = o.jobs.some((j) => j.lastStatus === 'running');
      const rows = o.jobs.map((j) => [j.job, `${j.lastStatus || 'never'} · ${j.runs} runs, ${j.failures} failed · next ${j.nextRun ? ago(j.nextRun) : 'not scheduled'}`]);
      if (o.vram) rows.push(['VRAM', o.vram.usedMib !== null ? `${o.vram.usedMib}/${o.vram.totalMib} MiB` : o.vram.status]);
      cards.push(card('orchestrator', 'Orchestrator', running ? 'running' : 'not running', running ? 'ok' : 'off', [...(rows.length ? rows : [['jobs', 'none recorded']]), ...staleRow(o)]));
    } else { const [p, c] = unavailable(o); cards.push(card('orchestrator', 'Orchestrator', p, c, [['', o.reason]])); }
    const r = s.research;
    if (r.available) {
      const running = r.lastRun && r.lastRun.status === 'running';
      cards.push(card('research', 'Research loop', running ? 'running' : 'not running', running ? 'ok' : 'off', [['runs', r.runs], ['last run', r.lastRun ? `${r.lastRun.status}: ${r.lastRun.stopReason || ''}` : 'none'], ['validated', r.byStatus.validated || 0], ['success rate', pct(r.successRate)], ['24 h hypotheses', r.last24h.hypotheses], ['24 h validated', r.last24h.validated], ...staleRow(r)], r.hypotheses));
      const subs = Object.entries(r.submissions).map(([k, v]) => `${v} ${k}`).join(', ') || 'none';
      cards.push(card('miners', 'Miners and BRAIN', `${s.requests} queued`, s.requests ? 'warn' : 'off', [['trials', r.trials], ['hopeful', r.hopeful], ['passing local gates', r.hopefulPassing], ['submissions', subs], ['24 h trials', r.last24h.trials], ['24 h submissions', r.last24h.submissions]], r.trials));
    } else { const [p, c] = unavailable(r); cards.push(card('research', 'Research loop', p, c, [['', r.reason]])); }
    const js = s.trader.journals;
    if (!js.length) cards.push(card('trader', 'Trader', 'not running', 'off', [['', 'no trading journal in data/trade']]));
    for (const j of js) {
      if (!j.available) { const [p, c] = unavailable(j); cards.push(card(`trader-${j.path.split('/').pop()}`, 'Trader', p, c, [['', j.reason]])); continue; }
      const stopped = j.stop ? `STOP (${j.stop.flatten ? 'flatten' : 'halt'})` : j.state;
      cards.push(card(`trader-${j.name}`, `Trader · ${j.name} · ${j.mode.toUpperCase()}`, stopped, j.stop || j.state === 'HALTED' ? 'bad' : j.state === 'REDUCING' ? 'warn' : 'ok', [['strategy', j.strategy], ['venue', j.venue], ['cash', fmt(j.cash)], ['open positions', j.positions], ['closed trades', j.trades], ['orders', j.orders], ['last risk event', j.lastRiskEvent ? `${j.lastRiskEvent.kind}: ${j.lastRiskEvent.detail}`.slice(0, 50) : 'none'], ...staleRow(j)], fmt(j.realizedPnl)));
    }
    $('cards').replaceChildren(...cards);
    $('btn-resume').disabled = !s.trader.paused; $('btn-pause').disabled = s.trader.paused;
    $('updated').textContent = `updated ${ago(s.at)}${s.trader.paused ? ' · loop PAUSED' : ''}`;
  }

  // one color per mode in every chart: paper blue, live orange
  const COLOR = { paper: '#1f77b4', live: '#ff7f0e', unknown: '#7f7f7f' };
  const layout = (extra) => ({ margin: { l: 50, r: 10, t: 10, b: 35 }, paper_bgcolor: '#fff', plot_bgcolor: '#fff', showlegend: true, legend: { orientation: 'h' }, ...extra });
  function renderProfit(p, pos) {
    const traces = [], hist = [];
    for (const [mode, f] of [['paper', p.paper], ['live', p.live]]) {
      if (f.trades) traces.push({ type: 'scatter', mode: 'lines', name: `${mode} (${f.journals} journal${f.journals === 1 ? '' : 's'})`, line: { color: COLOR[mode] }, x: f.cumulative.map((_, i) => i + 1), y: f.cumulative });
      if (f.trades) hist.push({ type: 'histogram', name: mode, x: f.pnls, opacity: 0.6, marker: { color: COLOR[mode] } });
    }
    Plotly.react('equity', traces, layout({ xaxis: { title: { text: 'closed trade #' } }, yaxis: { title: { text: 'cumulative PnL' } } }), { displayModeBar: false, responsive: true });
    Plotly.react('pnl', hist, layout({ barmode: 'overlay', xaxis: { title: { text: 'trade PnL' } } }), { displayModeBar: false, responsive: true });
    const bars = pos.journals.filter((j) => j.positions.length).map((j) => ({ type: 'bar', name: `${j.journal} (${j.mode})`, marker: { color: COLOR[j.mode] || COLOR.unknown }, x: j.positions.map((x) => x.symbol), y: j.positions.map((x) => x.qty) }));
    Plotly.react('positions', bars, layout({ yaxis: { title: { text: 'quantity (signed)' } } }), { displayModeBar: false, responsive: true });
    const t = $('profit');
    t.replaceChildren(el('tr', {}, el('th', {}, ''), el('th', {}, 'PAPER'), el('th', {}, 'LIVE')));
    for (const [k, fn] of [['journals', (f) => f.journals], ['closed trades', (f) => f.trades], ['PnL (net)', (f) => fmt(f.pnl)], ['fees', (f) => fmt(f.fees)], ['funding', (f) => fmt(f.funding)], ['win rate', (f) => pct(f.winRate)],
      ['open positions', (f) => f.openPositions], ['unrealized', (f) => fmt(f.unrealized)], ['unmarked positions', (f) => f.unmarked], ['total (realized + unrealized)', (f) => fmt(f.total)], ['marked at', (f) => (f.markedAt ? ago(f.markedAt) : '—')]])
      t.append(el('tr', {}, el('td', {}, k), el('td', { class: 'num', 'data-testid': `paper-${k}` }, fn(p.paper)), el('td', { class: 'num', 'data-testid': `live-${k}` }, fn(p.live))));
    for (const u of p.unavailable) t.append(el('tr', {}, el('td', { colspan: '3', class: 'muted' }, `${u.journal}: ${u.reason}`)));
    for (const x of p.stale) t.append(el('tr', {}, el('td', { colspan: '3', class: 'stale', 'data-testid': `stale-${x.journal}` }, `${x.journal}: last good read ${ago(x.stale.readAt)}, ${Math.round(x.stale.ageS)} s old (store locked by its writer)`)));
    const pt = $('position-table');
    pt.replaceChildren(el('tr', {}, ...['journal', 'mode', 'symbol', 'qty', 'entry', 'mark', 'unrealized', ''].map((c) => el('th', {}, c))));
    for (const q of p.positions) {
      const b = el('button', { class: 'small', 'data-forceexit': q.symbol, 'data-journal': q.journal }, 'Force exit');
      pt.append(el('tr', {}, el('td', {}, q.journal), el('td', {}, q.mode.toUpperCase()), el('td', {}, q.symbol), el('td', { class: 'num' }, fmt(q.qty, 6)), el('td', { class: 'num' }, fmt(q.entryPrice)), el('td', { class: 'num' }, fmt(q.mark)), el('td', { class: 'num' }, fmt(q.unrealized, 6)), el('td', {}, b)));
    }
    if (!p.positions.length) pt.append(el('tr', {}, el('td', { class: 'muted' }, 'no open position')));
  }

  function renderScatter(sc) {
    const a = sc.alphas;
    Plotly.react('scatter-alphas', a.length ? [{ type: 'scatter', mode: 'markers', name: 'hopeful alphas', x: a.map((p) => p.turnover), y: a.map((p) => p.sharpe), text: a.map((p) => `${p.id}${p.fitness !== null ? ` fitness ${p.fitness}` : ''}`), marker: { size: a.map((p) => 8 + 6 * Math.max(0, p.fitness || 0)), color: a.map((p) => (p.localPass ? '#2ca02c' : '#7f7f7f')) } }] : [],
      layout({ showlegend: false, xaxis: { title: { text: 'turnover (fraction per day)' } }, yaxis: { title: { text: 'Sharpe (local)' } } }), { displayModeBar: false, responsive: true });
    const traces = ['paper', 'live'].map((mode) => { const ps = sc.positions.filter((p) => p.mode === mode); return { type: 'scatter', mode: 'markers+text', name: mode, textposition: 'top center', x: ps.map((p) => p.notional), y: ps.map((p) => p.ret), text: ps.map((p) => p.symbol), marker: { size: 10, color: COLOR[mode] } }; }).filter((t) => t.x.length);
    Plotly.react('scatter-positions', traces, layout({ xaxis: { title: { text: 'notional at the mark' } }, yaxis: { title: { text: 'return since entry' }, tickformat: '.1%' } }), { displayModeBar: false, responsive: true });
  }

  function renderTimeline(tl) {
    const t = $('timeline');
    t.replaceChildren(el('tr', {}, ...['time (UTC)', 'source', 'event', 'detail'].map((c) => el('th', {}, c))));
    for (const e of tl.events) t.append(el('tr', { class: `lvl-${e.level}`, 'data-source': e.source }, el('td', {}, `${e.time.replace('T', ' ').slice(0, 19)}${e.clock === 'bar' ? ' (bar)' : ''}`), el('td', {}, e.journal ? `${e.source} · ${e.journal}` : e.source), el('td', {}, e.kind), el('td', {}, e.detail)));
    if (!tl.events.length) t.append(el('tr', {}, el('td', { class: 'muted' }, 'no events in the stores')));
    $('timeline-note').textContent = [...tl.stale.map((x) => `${x.store}: last good read, ${Math.round(x.stale.ageS)} s old (locked)`), ...tl.unavailable.map((x) => `${x.store}: ${x.reason}`)].join(' · ');
  }

  function renderRequests(r) {
    const t = $('requests');
    t.replaceChildren(el('tr', {}, ...['queued (UTC)', 'kind', 'parameters', 'state', 'job', 'detail'].map((c) => el('th', {}, c))));
    for (const q of r.requests) t.append(el('tr', { 'data-request': q.id, class: q.state === 'failed' ? 'lvl-error' : q.state === 'interrupted' ? 'lvl-warn' : '' }, el('td', {}, q.at.replace('T', ' ').slice(0, 19)), el('td', {}, q.kind), el('td', {}, JSON.stringify(q.params)), el('td', { 'data-testid': `request-state-${q.id}` }, q.state), el('td', {}, q.jobId || '—'), el('td', {}, q.error || (q.result ? JSON.stringify(q.result).slice(0, 80) : ''))));
    if (!r.requests.length) t.append(el('tr', {}, el('td', { class: 'muted' }, 'no request yet')));
  }

  async function renderAlphas() {
    const params = new URLSearchParams({ kind: $('alpha-kind').value, limit: '50' });
    for (const [k, id] of [['status', 'alpha-status'], ['text', 'alpha-text'], ['minSharpe', 'alpha-sharpe']]) if ($(id).value) params.set(k, $(id).value);
    const a = await api(`alphas?${params}`);
    const t = $('alphas');
    if (!a.available) return t.replaceChildren(el('tr', {}, el('td', {}, `not available: ${a.reason}`)));
    const cols = a.rows.length ? Object.keys(a.rows[0]) : ['none'];
    t.replaceChildren(el('tr', {}, ...cols.map((c) => el('th', {}, c))), ...a.rows.map((r) => el('tr', {}, ...cols.map((c) => el('td', { class: typeof r[c] === 'number' ? 'num' : '' }, fmt(r[c], 3))))));
    if (!a.rows.length) t.append(el('tr', {}, el('td', { class: 'muted' }, 'no rows')));
  }

  const seenComponents = new Set();
  function logLine(e) {
    if (!seenComponents.has(e.component)) { seenComponents.add(e.component); $('log-component').append(el('option', {}, e.component)); }
    const pre = $('logs');
    pre.append(el('span', { class: `lvl-${e.level}` }, `${e.time ? new Date(e.time).toISOString().slice(11, 19) : '--:--:--'} ${e.level.padEnd(5)} [${e.component}] ${e.msg}\n`));
    while (pre.childNodes.length > 1000) pre.firstChild.remove();
    pre.scrollTop = pre.scrollHeight;
  }
  let ws = null;
  async function reloadLogs() {
    const f = { component: $('log-component').value, level: $('log-level').value };
    const p = new URLSearchParams({ limit: '200' });
    if (f.component) p.set('component', f.component);
    if (f.level) p.set('level', f.level);
    const l = await api(`logs?${p}`);
    $('logs').replaceChildren();
    l.events.forEach(logLine);
    if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: 'filter', ...f }));
  }
  function connect() {
    ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/ws`, [`bearer.${TOKEN}`]);
    ws.onopen = () => { $('conn').textContent = 'logs: live'; $('conn').className = 'pill ok'; ws.send(JSON.stringify({ type: 'filter', component: $('log-component').value, level: $('log-level').value })); };
    ws.onmessage = (m) => { const x = JSON.parse(m.data); if (x.type === 'log') logLine(x.event); };
    ws.onclose = () => { $('conn').textContent = 'logs: disconnected (retrying)'; $('conn').className = 'pill bad'; setTimeout(connect, 3000); };
  }

  async function refresh() {
    try {
      const [s, p, pos, sc, tl, rq] = await Promise.all([api('status'), api('profit'), api('positions'), api('scatter'), api('timeline?limit=200'), api('requests?limit=50')]);
      renderStatus(s);
      renderProfit(p, pos);
      renderScatter(sc);
      renderTimeline(tl);
      renderRequests(rq);
    } catch (err) {
      $('updated').textContent = `error: ${err.message}`;
    }
  }

  for (const b of document.querySelectorAll('button[data-control]')) {
    b.addEventListener('click', async () => {
      const c = b.dataset.control;
      if (c === 'stop' && !confirm('Emergency stop: write the kill switch (STOP file) of every trading journal? Running traders go HALTED at their next bar.')) return;
      try {
        const params = {};
        if ((c === 'generate' || c === 'mine') && $('req-iterations').value) params.iterations = Number($('req-iterations').value);
        if (c === 'submit' && $('req-limit').value) params.limit = Number($('req-limit').value);
        const out = c === 'clear' ? await api('controls/stop', 'POST', { clear: true }) : await api(`controls/${c}`, 'POST', params);
        $('control-result').textContent = `${c}: ${out.note ? out.note : 'done'}${out.stopped ? ` (${out.stopped.map((x) => `${x.journal}: ${x.action}`).join(', ')})` : ''}`;
      } catch (err) {
        $('control-result').textContent = `${c} failed: ${err.message}`;
      }
      await refresh();
    });
  }
  $('position-table').addEventListener('click', async (ev) => {
    const b = ev.target.closest('button[data-forceexit]');
    if (!b) return;
    const { forceexit: symbol, journal } = b.dataset;
    if (!confirm(`Force exit ${symbol} in ${journal}? The engine closes it at its next bar with a market order.`)) return;
    try {
      const out = await api('forceexit', 'POST', { symbol, journal });
      $('control-result').textContent = `force exit ${symbol} (${journal}): queued ${out.queued.map((q) => q.request.id).join(', ')}; ${out.note}`;
    } catch (err) {
      $('control-result').textContent = `force exit failed: ${err.message}`;
    }
    await refresh();
  });
  for (const id of ['alpha-kind', 'alpha-status', 'alpha-text', 'alpha-sharpe']) $(id).addEventListener('change', () => renderAlphas().catch((e) => ($('alphas').textContent = e.message)));
  for (const id of ['log-component', 'log-level']) $(id).addEventListener('change', () => reloadLogs());

  if (!TOKEN) { $('updated').textContent = 'no token: open the URL printed by `alphalab dashboard`'; return; }
  refresh().then(() => { document.body.dataset.ready = '1'; });
  renderAlphas().catch((e) => ($('alphas').textContent = e.message));
  reloadLogs().then(connect);
  setInterval(refresh, 5000);
})();
