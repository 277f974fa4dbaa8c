// custintel dashboard: a thin client of the REST API. The API key lives in sessionStorage
// (this tab only); every view is one or two GETs rendered with echarts. No framework.
'use strict';
(() => {
  const $ = (sel) => document.querySelector(sel);
  const page = $('#page');
  const charts = [];
  const fmt = (v, d = 0) => (v === null || v === undefined) ? 'n/a'
    : Number(v).toLocaleString('en-US', {maximumFractionDigits: d, minimumFractionDigits: d});
  const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));

  async function api(path) {
    const res = await fetch(path, {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('custintel_key')}});
    const body = await res.json().catch(() => ({}));
    if (res.status === 401) { signOut(); throw new Error(body.error ? body.error.message : 'signed out'); }
    if (!res.ok) throw new Error(body.error ? body.error.message : res.statusText);
    return body;
  }

  function chart(id, option) {
    const el = document.getElementById(id);
    if (!window.echarts || !el) { if (el) el.textContent = 'charts unavailable'; return; }
    const c = echarts.init(el, null, {renderer: 'canvas'});
    c.setOption(Object.assign({animation: false, grid: {left: 60, right: 20, top: 30, bottom: 40}, tooltip: {}}, option));
    charts.push(c);
  }

  function table(rows, cols) {
    return '<div class="scroll"><table><thead><tr>' + cols.map((c) => '<th>' + esc(c[0]) + '</th>').join('') +
      '</tr></thead><tbody>' + rows.map((r) => '<tr>' + cols.map((c) => '<td>' + c[1](r) + '</td>').join('') +
      '</tr>').join('') + '</tbody></table></div>';
  }

  const views = {
    async overview() {
      const s = await api('/v1/summary');
      const k = s.kpis;
      const change = {};
      for (const c of s.changes) change[c.metric] = c.change;
      const card = (label, value, metric) => '<div class="card"><div class="label">' + label + '</div><div class="value">' +
        value + '</div><div class="delta">' + (metric && change[metric] !== undefined && change[metric] !== null
          ? 'since last run: ' + (change[metric] >= 0 ? '+' : '') + fmt(change[metric], 2) : '&nbsp;') + '</div></div>';
      page.innerHTML = '<h1>Overview</h1><div class="cards">' +
        card('Customers', fmt(k.customers), 'customers') + card('High churn risk', fmt(k.high_risk), 'high_risk') +
        card('Avg lifetime value', fmt(k.avg_ltv, 2), 'avg_ltv') + card('Revenue at risk', fmt(k.revenue_at_risk, 0)) +
        card('Reviews', fmt(k.reviews), 'reviews') + card('Avg rating', fmt(k.avg_rating, 2), 'avg_rating') +
        card('Open tickets', fmt(k.open_tickets), 'open_tickets') + '</div>' +
        '<h2>Executive summary</h2><div class="panel" id="exec">' + esc(s.executive_summary.text || s.executive_summary.summary || '') +
        ' <span class="badge">' + esc(s.executive_summary.source || 'generated') + '</span></div>' +
        '<p class="delta">As of ' + esc(k.as_of) + (s.scope ? ' · account ' + esc(s.scope) : '') + '</p>';
    },
    async segments() {
      const {segments} = await api('/v1/segments');
      page.innerHTML = '<h1>Segments</h1><div id="seg-chart" class="chart"></div><div id="seg-list"></div>';
      chart('seg-chart', {
        legend: {top: 0}, xAxis: {type: 'category', data: segments.map((s) => s.name)},
        yAxis: [{type: 'value', name: 'customers'}, {type: 'value', name: 'lifetime value'}],
        series: [{name: 'customers', type: 'bar', data: segments.map((s) => s.size)},
                 {name: 'total lifetime value', type: 'bar', yAxisIndex: 1, data: segments.map((s) => s.total_ltv)}]});
      $('#seg-list').innerHTML = segments.map((s) => {
        const ins = s.insight;
        const text = ins ? (ins.insight || ins.text || ins.narrative || '') : s.name + ': ' + fmt(s.size) + ' customers (' +
          fmt(100 * s.share, 1) + '%), average lifetime value ' + fmt(s.avg_ltv, 2) + ', average churn risk ' + fmt(s.avg_churn_risk, 2) + '.';
        const score = ins && (ins.grounding_score ?? ins.groundedness);
        const badge = ins ? '<span class="badge ' + (score >= 0.8 ? 'good' : 'mixed') + '">grounded ' + fmt(score, 2) + '</span>'
          : '<span class="badge">facts only</span>';
        return '<div class="panel segment"><strong>' + esc(s.name) + '</strong> ' + badge + '<p>' + esc(text) + '</p></div>';
      }).join('');
    },
    async churn() {
      const c = await api('/v1/churn?top=20');
      page.innerHTML = '<h1>Churn</h1><div class="cards"><div class="card"><div class="label">Projected revenue at risk</div>' +
        '<div class="value">' + fmt(c.projected_revenue_at_risk, 0) + '</div></div></div>' +
        '<h2>Risk distribution</h2><div id="risk-chart" class="chart"></div><h2>Most at risk</h2>' +
        table(c.top, [['Customer', (r) => '<a class="row-link" data-id="' + esc(r.customer_id) + '">' + esc(r.customer_id) + '</a>'],
          ['Risk', (r) => fmt(r.churn_risk, 2)], ['Lifetime value', (r) => fmt(r.lifetime_value, 2)],
          ['Drivers', (r) => (r.drivers || []).slice(0, 3).map((d) => esc(d.feature)).join(', ')],
          ['Strategy', (r) => esc(r.strategy)]]);
      chart('risk-chart', {xAxis: {type: 'category', data: c.distribution.map((b) => b.band)}, yAxis: {type: 'value'},
        series: [{name: 'customers', type: 'bar', data: c.distribution.map((b) => b.customers)}]});
    },
    async sentiment() {
      const s = await api('/v1/sentiment?weeks=26');
      page.innerHTML = '<h1>Sentiment</h1><div id="trend-chart" class="chart"></div><h2>Themes</h2>' +
        table(s.themes, [['Theme', (t) => esc(t.name)], ['Mentions', (t) => fmt(t.mentions)],
          ['Polarity', (t) => '<span class="badge ' + ({positive: 'good', negative: 'bad', mixed: 'mixed'}[t.polarity] || '') + '">' + esc(t.polarity) + '</span>'],
          ['Avg sentiment', (t) => fmt(t.avg_sentiment, 2)]]);
      chart('trend-chart', {legend: {top: 0}, xAxis: {type: 'category', data: s.weeks.map((w) => w.week)},
        yAxis: [{type: 'value', name: 'sentiment', min: -1, max: 1}, {type: 'value', name: 'rating', min: 1, max: 5}],
        series: [{name: 'sentiment', type: 'line', data: s.weeks.map((w) => w.avg_sentiment)},
                 {name: 'rating', type: 'line', yAxisIndex: 1, data: s.weeks.map((w) => w.avg_rating)}]});
    },
    async cohorts() {
      const {cohorts} = await api('/v1/cohorts?max_months=12');
      const names = [...new Set(cohorts.map((c) => c.cohort))];
      page.innerHTML = '<h1>Cohorts</h1><h2>Retention</h2><div id="heat" class="chart"></div>' +
        '<h2>Revenue per customer</h2><div id="rev" class="chart"></div>';
      chart('heat', {tooltip: {position: 'top'}, grid: {left: 70, right: 20, top: 10, bottom: 60},
        xAxis: {type: 'category', data: [...Array(13).keys()], name: 'months since'},
        yAxis: {type: 'category', data: names},
        visualMap: {min: 0, max: 1, calculable: true, orient: 'horizontal', left: 'center', bottom: 0},
        series: [{type: 'heatmap', data: cohorts.map((c) => [c.months_since, names.indexOf(c.cohort), c.share_retained])}]});
      chart('rev', {legend: {type: 'scroll', top: 0}, xAxis: {type: 'category', data: [...Array(13).keys()]}, yAxis: {type: 'value'},
        series: names.slice(-8).map((n) => ({name: n, type: 'line',
          data: cohorts.filter((c) => c.cohort === n).map((c) => c.cumulative_revenue_per_customer)}))});
    },
    async customers() {
      page.innerHTML = '<h1>Customers</h1><form id="search"><input id="q" placeholder="search id, email, name">' +
        ' <button>Search</button></form><div id="list"></div><div id="detail"></div>';
      const load = async () => {
        const q = $('#q').value.trim();
        const r = await api('/v1/customers?limit=25' + (q ? '&q=' + encodeURIComponent(q) : ''));
        $('#list').innerHTML = '<p>' + fmt(r.total) + ' customers</p>' + table(r.customers, [
          ['Customer', (c) => '<a class="row-link" data-id="' + esc(c.customer_id) + '">' + esc(c.customer_id) + '</a>'],
          ['Name', (c) => esc([c.first_name, c.last_name].join(' '))], ['Account', (c) => esc(c.account_id)],
          ['Segment', (c) => esc(c.segment)], ['Risk', (c) => fmt(c.churn_risk, 2)], ['LTV', (c) => fmt(c.lifetime_value, 2)]]);
      };
      $('#search').addEventListener('submit', (e) => { e.preventDefault(); load().catch(showError); });
      await load();
    },
  };

  async function showCustomer(id) {
    location.hash = 'customers';
    await new Promise((r) => setTimeout(r, 0));
    const c = await api('/v1/customers/' + encodeURIComponent(id));
    const el = $('#detail') || page;
    const sc = c.scores || {};
    el.innerHTML = '<div class="panel" id="customer-detail"><h2>' + esc(c.first_name + ' ' + c.last_name) + ' (' + esc(c.customer_id) +
      ')</h2><p>' + esc(c.email) + ' · account ' + esc(c.account_id) + ' · ' + esc(sc.segment || '') + '</p>' +
      '<p>Churn risk ' + fmt(sc.churn_risk, 2) + ' · lifetime value ' + fmt(sc.lifetime_value, 2) + ' · predicted 12-month value ' +
      fmt(sc.predicted_clv, 2) + '</p><p>Drivers: ' + (c.drivers || []).map((d) => esc(d.feature)).join(', ') + '</p>' +
      (c.insights.account_summary ? '<p>' + esc(c.insights.account_summary.summary || '') + '</p>' : '') +
      '<h2>Recommendations</h2>' + table(c.recommendations, [['#', (r) => r.rank], ['Product', (r) => esc(r.product_name)],
        ['Why', (r) => esc(r.reason)]]) + '</div>';
  }

  function showError(e) { page.insertAdjacentHTML('beforeend', '<p class="error">' + esc(e.message) + '</p>'); }

  async function route() {
    if (!sessionStorage.getItem('custintel_key')) return;
    const name = (location.hash || '#overview').slice(1);
    const view = views[name] || views.overview;
    while (charts.length) charts.pop().dispose();
    document.querySelectorAll('#nav a').forEach((a) => a.classList.toggle('active', a.hash === '#' + name));
    page.innerHTML = '<p>Loading…</p>';
    try { await view(); page.dataset.loaded = name; } catch (e) { page.innerHTML = ''; showError(e); }
  }

  function signedIn(on) {
    $('#signin').hidden = on; page.hidden = !on; $('#nav').hidden = !on; $('#signout').hidden = !on;
  }

  function signOut() { sessionStorage.removeItem('custintel_key'); signedIn(false); }

  $('#signin-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    sessionStorage.setItem('custintel_key', $('#key').value.trim());
    $('#key').value = '';
    try { await api('/v1/summary'); signedIn(true); route(); }
    catch (err) { signOut(); $('#signin-error').textContent = err.message; }
  });
  $('#signout').addEventListener('click', signOut);
  page.addEventListener('click', (e) => {
    const a = e.target.closest('a.row-link');
    if (a) showCustomer(a.dataset.id).catch(showError);
  });
  window.addEventListener('hashchange', route);
  window.addEventListener('resize', () => charts.forEach((c) => c.resize()));
  if (sessionStorage.getItem('custintel_key')) { signedIn(true); route(); }
})();
