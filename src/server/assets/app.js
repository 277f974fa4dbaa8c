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

  async function api(path, body) {
    const init = {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('custintel_key')}};
    if (body !== undefined) {
      init.method = 'POST';
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    const out = await res.json().catch(() => ({}));
    if (res.status === 401) { signOut(); throw new Error(out.error ? out.error.message : 'signed out'); }
    if (!res.ok) throw new Error(out.error ? out.error.message : res.statusText);
    return out;
  }

  function chart(id, option) {
    const el = document.getElementById(id);
    if (!window.echarts || !el) { if (el) el.textContent = 'charts unavailable'; return; }
    const c = echarts.init(el, null, {renderer: 'canvas'});
    c.setOption(Object.assign({animation: false, grid: {left: 60, right: 20, top: 30, bottom: 40}, tooltip: {}}, option));
    charts.push(c);
    return c;
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
      // Amounts in the data's currency (kpis.currency), never a dollar sign the data did not give.
      const inCurrency = k.currency ? ' (' + esc(k.currency) + ')' : '';
      const change = {};
      for (const c of s.changes) change[c.metric] = c.change;
      const card = (label, value, metric) => '<div class="card"><div class="label">' + label + '</div><div class="value">' +
        value + '</div><div class="delta">' + (metric && change[metric] !== undefined && change[metric] !== null
          ? 'since last run: ' + (change[metric] >= 0 ? '+' : '') + fmt(change[metric], 2) : '&nbsp;') + '</div></div>';
      page.innerHTML = '<h1>Overview</h1><div class="cards">' +
        card('Customers', fmt(k.customers), 'customers') + card('At risk (saveable)', fmt(k.high_risk), 'high_risk') +
        card('Value at stake (at risk)' + inCurrency, fmt(k.value_at_stake, 0), 'value_at_stake') +
        card('Lapsed', fmt(k.lapsed), 'lapsed') +
        card('Avg lifetime value' + inCurrency, fmt(k.avg_ltv, 2), 'avg_ltv') +
        card('Revenue at risk' + inCurrency, fmt(k.revenue_at_risk, 0)) +
        card('Reviews', fmt(k.reviews), 'reviews') + card('Avg rating', fmt(k.avg_rating, 2), 'avg_rating') +
        card('Open tickets', fmt(k.open_tickets), 'open_tickets') + '</div>' +
        '<h2>Executive summary</h2><div class="panel" id="exec">' + esc(s.executive_summary.text || s.executive_summary.summary || '') +
        ' <span class="badge">' + esc(s.executive_summary.source || 'generated') + '</span></div>' +
        '<p class="delta">As of ' + esc(k.as_of) + (s.scope ? ' · account ' + esc(s.scope) : '') + '</p>' + askBox();
      bindAsk();
    },
    async segments() {
      const {segments} = await api('/v1/segments');
      page.innerHTML = '<h1>Segments</h1><div id="seg-chart" class="chart"></div><div id="seg-list"></div>';
      chart('seg-chart', {
        legend: {top: 0}, grid: {left: 60, right: 80, top: 40, bottom: 40},
        xAxis: {type: 'category', data: segments.map((s) => s.name)},
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
      const st = (name) => c.statuses[name] || {customers: 0};
      const card = (label, value) => '<div class="card"><div class="label">' + label + '</div><div class="value">' + value + '</div></div>';
      const who = (r) => '<a class="row-link" data-id="' + esc(r.customer_id) + '">' + esc(r.customer_id) + '</a>';
      page.innerHTML = '<h1>Churn</h1><div class="cards">' + card('Active', fmt(st('active').customers)) +
        card('New', fmt(st('new').customers)) + card('At risk (saveable)', fmt(st('at_risk').customers)) +
        card('Value at stake', fmt(st('at_risk').value_at_stake, 0)) + card('Lapsed', fmt(st('lapsed').customers)) +
        card('Projected revenue at risk', fmt(c.projected_revenue_at_risk, 0)) + '</div>' +
        '<h2>Risk distribution</h2><div id="risk-chart" class="chart"></div><h2>At risk, most value at stake first</h2>' +
        table(c.top, [['Customer', who], ['Value at stake', (r) => fmt(r.value_at_stake, 2)], ['Risk', (r) => fmt(r.churn_risk, 2)],
          ['Drivers', (r) => esc(r.drivers_text)], ['Lifetime value', (r) => fmt(r.lifetime_value, 2)],
          ['Strategy', (r) => esc(r.strategy)]]) +
        '<h2>Lapsed (win-back, not retention)</h2>' +
        table(c.lapsed, [['Customer', who], ['Lifetime value', (r) => fmt(r.lifetime_value, 2)], ['Risk', (r) => fmt(r.churn_risk, 2)],
          ['Drivers', (r) => esc(r.drivers_text)]]);
      chart('risk-chart', {xAxis: {type: 'category', data: c.distribution.map((b) => b.band)}, yAxis: {type: 'value'},
        series: [{name: 'customers', type: 'bar', data: c.distribution.map((b) => b.customers)}]});
    },
    async sentiment() {
      const s = await api('/v1/sentiment?weeks=26');
      page.innerHTML = '<h1>Sentiment</h1><div id="trend-chart" class="chart"></div><h2>Themes</h2>' +
        table(s.themes, [['Theme', (t) => esc(t.name)], ['Mentions', (t) => fmt(t.mentions)],
          ['Polarity', (t) => '<span class="badge ' + ({positive: 'good', negative: 'bad', mixed: 'mixed'}[t.polarity] || '') + '">' + esc(t.polarity) + '</span>'],
          ['Avg sentiment', (t) => fmt(t.avg_sentiment, 2)]]);
      chart('trend-chart', {legend: {top: 0}, grid: {left: 60, right: 60, top: 40, bottom: 40}, xAxis: {type: 'category', data: s.weeks.map((w) => w.week)},
        yAxis: [{type: 'value', name: 'sentiment', min: -1, max: 1}, {type: 'value', name: 'rating', min: 1, max: 5}],
        series: [{name: 'sentiment', type: 'line', data: s.weeks.map((w) => w.avg_sentiment)},
                 {name: 'rating', type: 'line', yAxisIndex: 1, data: s.weeks.map((w) => w.avg_rating)}]});
    },
    async cohorts() {
      const {cohorts} = await api('/v1/cohorts?max_months=12');
      const names = [...new Set(cohorts.map((c) => c.cohort))];
      // One row per cohort: the heatmap grows with the number of cohorts so labels stay legible.
      page.innerHTML = '<h1>Cohorts</h1><h2>Retention</h2><div id="heat" class="chart" style="height:' +
        Math.max(320, 18 * names.length + 110) + 'px"></div>' +
        '<h2>Revenue per customer</h2><div id="rev" class="chart"></div>';
      chart('heat', {tooltip: {position: 'top'}, grid: {left: 70, right: 20, top: 10, bottom: 90},
        xAxis: {type: 'category', data: [...Array(13).keys()], name: 'months since first order', nameLocation: 'middle', nameGap: 28},
        yAxis: {type: 'category', data: names},
        visualMap: {min: 0, max: 1, calculable: true, orient: 'horizontal', left: 'center', bottom: 0},
        series: [{type: 'heatmap', data: cohorts.map((c) => [c.months_since, names.indexOf(c.cohort), c.share_retained])}]});
      chart('rev', {legend: {type: 'scroll', top: 0}, xAxis: {type: 'category', data: [...Array(13).keys()]}, yAxis: {type: 'value'},
        series: names.slice(-8).map((n) => {
          const data = Array(13).fill(null);  // indexed by months since, whatever rows are missing
          for (const c of cohorts) if (c.cohort === n && c.months_since >= 0 && c.months_since < 13) data[c.months_since] = c.cumulative_revenue_per_customer;
          return {name: n, type: 'line', connectNulls: true, data};
        })});
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

  // Ask: a question in words, answered by POST /v1/ask (the semantic model, scoped to the key);
  // the answer's `chart` says how to show its rows: number | bar | line | table | none.
  let askChart = null;
  let askSeq = 0;
  function askBox() {
    return '<h2>Ask</h2><form id="ask-form" class="ask"><input id="ask-q" maxlength="2000" autocomplete="off" ' +
      'placeholder="e.g. how many customers are there, revenue by month"> <button type="submit">Ask</button></form>' +
      '<div id="ask-result" class="panel" hidden></div>';
  }
  function bindAsk() {
    $('#ask-form').addEventListener('submit', (e) => { e.preventDefault(); askQuestion($('#ask-q').value.trim()); });
    $('#ask-result').addEventListener('click', (e) => {
      const b = e.target.closest('button.suggestion');
      if (b) { $('#ask-q').value = b.dataset.q; askQuestion(b.dataset.q); }
    });
  }
  function disposeAskChart() {
    if (!askChart) return;
    const i = charts.indexOf(askChart);
    if (i >= 0) charts.splice(i, 1);
    askChart.dispose();
    askChart = null;
  }
  async function askQuestion(question) {
    const el = $('#ask-result');
    if (!el || !question) return;
    const seq = ++askSeq;
    disposeAskChart();
    el.hidden = false;
    el.dataset.state = 'loading';
    el.innerHTML = '<p>Thinking…</p>';
    let a;
    try { a = await api('/v1/ask', {question}); } catch (err) {
      if (seq !== askSeq || !el.isConnected) return;
      el.innerHTML = '<p class="error">' + esc(err.message) + '</p>';
      el.dataset.answered = 'false'; el.dataset.chart = 'none'; el.dataset.state = 'done';
      return;
    }
    if (seq !== askSeq || !el.isConnected) return;  // a newer question, or the page changed
    renderAnswer(el, a);
  }
  const askNum = (v) => (typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && !isNaN(Number(v))));
  const askFmt = (v) => askNum(v) ? Number(v).toLocaleString('en-US', {maximumFractionDigits: 2}) : esc(v ?? 'n/a');
  function renderAnswer(el, a) {
    const cols = a.columns || [];
    const rows = a.rows || [];
    let kind = a.answered ? (a.chart || 'table') : 'none';
    let html = '<p class="ask-text">' + esc(a.answer_text || '') + '</p>';
    if (kind === 'number' && rows.length && rows[0].length) {
      html += '<div class="ask-number">' + askFmt(rows[0][rows[0].length - 1]) + '</div>';
    } else if ((kind === 'bar' || kind === 'line') && rows.length && cols.length >= 2) {
      html += '<div id="ask-chart" class="chart"></div>';
    } else if (kind !== 'none' && rows.length) {
      kind = 'table';
    } else if (kind !== 'none') {
      kind = 'none';
    }
    if (kind === 'table' || kind === 'bar' || kind === 'line') {
      html += '<details' + (kind === 'table' ? ' open' : '') + '><summary>' + fmt(rows.length) + ' rows' +
        (a.truncated ? ' (truncated)' : '') + '</summary>' +
        table(rows, cols.map((c, i) => [c, (r) => askFmt(r[i])])) + '</details>';
    }
    if (!a.answered) {
      if (a.reason && !(a.answer_text || '').includes(a.reason)) html += '<p class="delta">' + esc(a.reason) + '</p>';
      const sugg = (a.suggestions || []).map((s) => typeof s === 'string' ? s : (s.question || s.text || ''))
        .filter(Boolean);
      if (sugg.length) {
        html += '<p>Try:</p><div class="suggestions">' +
          sugg.map((s) => '<button type="button" class="suggestion" data-q="' + esc(s) + '">' + esc(s) + '</button>').join('') + '</div>';
      }
    }
    if (a.sql) html += '<details class="ask-sql"><summary>SQL</summary><pre>' + esc(a.sql) + '</pre></details>';
    el.innerHTML = html;
    if (kind === 'bar' || kind === 'line') {
      // x: the first column; one series per other numeric column.
      const series = cols.slice(1).map((c, j) => ({name: c, type: kind, data: rows.map((r) => r[j + 1])}))
        .filter((s) => s.data.some(askNum));
      askChart = chart('ask-chart', {legend: {top: 0}, xAxis: {type: 'category', data: rows.map((r) => String(r[0] ?? ''))},
        yAxis: {type: 'value'}, series: series.map((s) => Object.assign(s, {data: s.data.map((v) => askNum(v) ? Number(v) : null)}))}) || null;
    }
    el.dataset.answered = String(!!a.answered);
    el.dataset.chart = kind;
    el.dataset.state = 'done';
  }

  // The customer asked for last: a detail that arrives after another was asked for, or after the
  // user left the customers page, is dropped (a first request writes the customer's texts and
  // may take seconds; it must never overwrite the page the user went on to).
  let detailRequest = 0;
  async function showCustomer(id) {
    const request = ++detailRequest;
    if (location.hash !== '#customers') {
      // From another page (churn): let the customers page render first, or it would replace the detail.
      location.hash = 'customers';
      for (let i = 0; i < 200 && page.dataset.loaded !== 'customers'; i++) await new Promise((r) => setTimeout(r, 50));
    }
    const c = await api('/v1/customers/' + encodeURIComponent(id));
    const el = $('#detail');
    if (request !== detailRequest || !el) return;
    const sc = c.scores || {};
    el.innerHTML = '<div class="panel" id="customer-detail"><h2>' + esc(c.first_name + ' ' + c.last_name) + ' (' + esc(c.customer_id) +
      ')</h2><p>' + esc(c.email) + ' · account ' + esc(c.account_id) + ' · ' + esc(sc.segment || '') + '</p>' +
      '<p>Churn risk ' + fmt(sc.churn_risk, 2) + ' · lifetime value ' + fmt(sc.lifetime_value, 2) + ' · predicted 12-month value ' +
      fmt(sc.predicted_clv, 2) + '</p><p>Drivers: ' + esc(c.drivers_text || 'none raising the risk') + '</p>' +
      (c.insights.account_summary ? '<p>' + esc(c.insights.account_summary.summary || '') + '</p>' : '') +
      (c.insights.retention_strategy ? '<p><strong>Retention strategy:</strong> ' +
        esc(c.insights.retention_strategy.strategy || '') + '</p>' : '') +
      (c.insights.notification ? '<p><strong>Next message</strong> (' + esc(c.insights.notification.send_weekday || '') + ' ' +
        esc(String(c.insights.notification.send_hour ?? '')) + ':00): ' + esc(c.insights.notification.message || '') + '</p>' : '') +
      ((c.insights.personal_recommendations || []).length ? '<h2>Next best actions</h2>' +
        table(c.insights.personal_recommendations, [['Type', (r) => esc(r.rec_type)], ['Action', (r) => esc(r.title)],
          ['Why', (r) => esc(r.description)], ['Priority', (r) => r.priority]]) : '') +
      '<h2>Recommendations</h2>' + table(c.recommendations, [['#', (r) => r.rank], ['Product', (r) => esc(r.product_name)],
        ['Why', (r) => esc(r.reason)]]) + '</div>';
  }

  function showError(e) { page.insertAdjacentHTML('beforeend', '<p class="error">' + esc(e.message) + '</p>'); }

  async function route() {
    if (!sessionStorage.getItem('custintel_key')) return;
    const name = (location.hash || '#overview').slice(1);
    const view = views[name] || views.overview;
    askChart = null;
    while (charts.length) charts.pop().dispose();
    delete page.dataset.loaded;
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
