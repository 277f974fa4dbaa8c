// Browser test of the dashboard (issue 8 item 7, issue 9): the real `custintel serve` with one
// generated tenant, driven by headless Chromium through playwright-core from the deps cache.
//   CUSTINTEL_BIN        the custintel binary (set by CMake)
//   CUSTINTEL_DEPS       the deps cache holding playwright-core-1.65.1 (scripts/deps.sh)
//   CUSTINTEL_ARTIFACTS  where screenshots go (default ./artifacts/browser)
//   CUSTINTEL_CHROMIUM   the browser (default /usr/bin/chromium)
// Every wait is bounded; the server and the browser are always stopped, also on failure.
import {execFileSync, spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {pathToFileURL} from 'node:url';

const BIN = process.env.CUSTINTEL_BIN;
const DEPS = process.env.CUSTINTEL_DEPS || path.join(os.homedir(), '.cache', 'custintel');
const ARTIFACTS = process.env.CUSTINTEL_ARTIFACTS || path.resolve('artifacts', 'browser');
const CHROMIUM = process.env.CUSTINTEL_CHROMIUM || '/usr/bin/chromium';
const PAGES = ['overview', 'segments', 'churn', 'sentiment', 'cohorts', 'customers'];
const CHART_PAGES = ['segments', 'churn', 'sentiment', 'cohorts'];
const WAIT_MS = 20000;
const TOTAL_MS = 240000;

let server = null;
let browser = null;
let tmp = null;
const failures = [];

function log(...a) { console.log('[browser-test]', ...a); }
function check(cond, what) {
  if (cond) log('ok:', what);
  else { failures.push(what); console.error('[browser-test] FAIL:', what); }
}
function cli(args, timeout = 120000) {
  return execFileSync(BIN, args, {encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe']});
}
function sqlColumn(db, sql) {
  return cli(['sql', '--csv', '--db', db, sql]).trim().split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
}

async function cleanup() {
  if (browser) { const b = browser; browser = null; await Promise.race([b.close(), sleep(10000)]).catch(() => {}); }
  if (server && server.exitCode === null && server.signalCode === null) {
    const s = server;
    s.kill('SIGTERM');
    const exited = await Promise.race([new Promise((r) => s.once('exit', () => r(true))), sleep(10000).then(() => false)]);
    if (!exited) s.kill('SIGKILL');
  }
  server = null;
}
function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

function startServer(dataDir, config) {
  return new Promise((resolve, reject) => {
    const errLog = fs.openSync(path.join(dataDir, 'serve.log'), 'w');
    server = spawn(BIN, ['serve', '--data-dir', dataDir, '--config', config, '--port', '0'],
      {stdio: ['ignore', 'pipe', errLog]});
    let out = '';
    const timer = setTimeout(() => reject(new Error('serve did not print its address within 60 s: ' + out)), 60000);
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    server.once('exit', (code) => { clearTimeout(timer); reject(new Error('serve exited with ' + code)); });
  });
}

// A page that records console errors, uncaught exceptions, failed requests and HTTP errors.
async function watchedPage(context, label) {
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`${label}: console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`${label}: page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`${label}: request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`${label}: HTTP ${r.status()} ${r.url()}`); });
  return {page, problems};
}

async function signIn(page, base, key) {
  await page.goto(base + '/', {waitUntil: 'load', timeout: WAIT_MS});
  await page.fill('#key', key);
  await page.click('#signin-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#page').dataset.loaded === 'overview', null, {timeout: WAIT_MS});
}

async function visit(page, name) {
  await page.evaluate((n) => { location.hash = n === 'overview' ? 'segments' : 'overview'; }, name);
  await page.waitForFunction((n) => document.querySelector('#page').dataset.loaded === (n === 'overview' ? 'segments' : 'overview'),
    name, {timeout: WAIT_MS});
  await page.evaluate((n) => { location.hash = n; }, name);
  await page.waitForFunction((n) => document.querySelector('#page').dataset.loaded === n, name, {timeout: WAIT_MS});
}

async function renderedCharts(page) {
  return page.evaluate(() => [...document.querySelectorAll('#page .chart')].filter((el) => {
    const c = el.querySelector('canvas, svg');
    return c && c.getBoundingClientRect().width > 0 && c.getBoundingClientRect().height > 0;
  }).length);
}

async function ask(page, question) {
  await page.fill('#ask-q', question);
  await page.click('#ask-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#ask-result')?.dataset.state === 'done', null, {timeout: WAIT_MS});
}

async function main() {
  if (!BIN || !fs.existsSync(BIN)) throw new Error('CUSTINTEL_BIN not set or missing: ' + BIN);
  const pw = await import(pathToFileURL(path.join(DEPS, 'playwright-core-1.65.1', 'index.mjs')).href);
  fs.mkdirSync(ARTIFACTS, {recursive: true});
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'custintel-browser-'));
  const dataDir = path.join(tmp, 'data');
  const shop = path.join(tmp, 'shop');
  const config = path.join(tmp, 'custintel.toml');
  fs.mkdirSync(dataDir);
  fs.writeFileSync(config, '[tiers.unlimited]\nrequests_per_second = 1000000\nburst = 1000000\nai_calls_per_day = 1000000\n');

  // One tenant from a small generated shop, an admin key and an account key.
  const db = path.join(dataDir, 'tenants', 'acme.duckdb');
  cli(['gen-data', '--customers', '1000', '--seed', '7', '--out', shop]);
  cli(['tenants', 'create', 'acme', '--tier', 'unlimited', '--data-dir', dataDir, '--config', config]);
  cli(['ingest', '--db', db, '--dir', shop], 300000);
  cli(['run', '--db', db], 300000);
  const account = sqlColumn(db, 'SELECT account_id FROM silver.customers GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1')[0];
  const accountCustomers = new Set(sqlColumn(db, `SELECT customer_id FROM silver.customers WHERE account_id = '${account}'`));
  const totalCustomers = Number(sqlColumn(db, 'SELECT count(*) FROM silver.customers')[0]);
  const key = (role, ...extra) => cli(['keys', 'create', '--data-dir', dataDir, '--config', config, '--tenant', 'acme',
    '--role', role, ...extra]).trim();
  const adminKey = key('admin');
  const accountKey = key('account', '--scope', 'account_id=' + account);
  log(`tenant acme: ${totalCustomers} customers; account ${account} has ${accountCustomers.size}`);

  const port = await startServer(dataDir, config);
  const base = `http://127.0.0.1:${port}`;
  log('serving at', base);

  const profile = path.join(tmp, 'chromium-profile');
  const context = await pw.chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, timeout: 60000, viewport: {width: 1280, height: 900},
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  browser = context;
  // Only loopback: anything else is refused and reported.
  await context.route((url) => !['127.0.0.1', 'localhost'].includes(url.hostname) && url.protocol !== 'data:',
    (route) => { failures.push('non-loopback request: ' + route.request().url()); return route.abort(); });

  // Admin: every page loads, charts render, the Ask box answers.
  {
    const {page, problems} = await watchedPage(context, 'admin');
    await signIn(page, base, adminKey);
    for (const name of PAGES) {
      await visit(page, name);
      await page.waitForTimeout(300);  // let echarts paint
      await page.screenshot({path: path.join(ARTIFACTS, `admin-${name}.png`), fullPage: true});
      const text = await page.textContent('#page');
      check(!/class="error"/.test(await page.innerHTML('#page')), `admin ${name}: no error shown (${text.slice(0, 120)})`);
      if (CHART_PAGES.includes(name)) check(await renderedCharts(page) > 0, `admin ${name}: a chart rendered`);
    }
    // From the churn page's most-at-risk table: the customers page opens with that customer's detail.
    await visit(page, 'churn');
    const topDrivers = (await page.textContent('#page table tbody tr td:nth-child(4)')).trim();
    check(/ \(.+\)/.test(topDrivers) && !topDrivers.includes('_'),
      `the churn table names the top customer's drivers in words (${topDrivers})`);
    const atRisk = (await page.textContent('#page table tbody a.row-link')).trim();
    await page.click('#page table tbody a.row-link');
    await page.waitForFunction((id) => document.querySelector('#page').dataset.loaded === 'customers' &&
      (document.querySelector('#customer-detail h2')?.textContent || '').includes(id), atRisk, {timeout: WAIT_MS});
    check(true, `churn row ${atRisk} opens its detail on the customers page`);
    const riskDetail = await page.textContent('#customer-detail');
    check(riskDetail.includes('Retention strategy') && riskDetail.includes('Next best actions'),
      `at-risk customer ${atRisk} shows the insights step's retention strategy and next best actions`);
    // The customers page is showing: open one customer's detail.
    // The detail of the customer clicked (the churn row's detail is still showing until it comes).
    const clicked = (await page.textContent('#list a.row-link')).trim();
    await page.click('#list a.row-link');
    await page.waitForFunction((id) => (document.querySelector('#customer-detail h2')?.textContent || '').includes(id),
      clicked, {timeout: WAIT_MS});
    await page.screenshot({path: path.join(ARTIFACTS, 'admin-customer-detail.png'), fullPage: true});
    check((await page.textContent('#customer-detail')).includes('Recommendations'), 'admin customer detail opens');
    await visit(page, 'overview');
    const overviewText = await page.textContent('#page');
    check(overviewText.includes('At risk (saveable)') && overviewText.includes('Lapsed'),
      'the overview shows the at-risk (saveable) and the lapsed customers apart');
    await ask(page, 'how many customers are there');
    await page.screenshot({path: path.join(ARTIFACTS, 'admin-ask-number.png'), fullPage: true});
    const res = await page.evaluate(() => {
      const el = document.querySelector('#ask-result');
      return {chart: el.dataset.chart, answered: el.dataset.answered, text: el.textContent,
        value: el.querySelector('.ask-number')?.textContent || ''};
    });
    log('ask answer:', JSON.stringify(res));
    check(res.answered === 'true' && res.chart === 'number', 'ask "how many customers are there" is answered with a number');
    check(Number(res.value.replace(/[^0-9.-]/g, '')) === totalCustomers, `ask number is ${totalCustomers} (got "${res.value}")`);
    await ask(page, 'revenue by month');
    await page.screenshot({path: path.join(ARTIFACTS, 'admin-ask-chart.png'), fullPage: true});
    const r2 = await page.evaluate(() => ({chart: document.querySelector('#ask-result').dataset.chart,
      answered: document.querySelector('#ask-result').dataset.answered}));
    log('ask "revenue by month":', JSON.stringify(r2));
    if (['bar', 'line'].includes(r2.chart)) check(await renderedCharts(page) > 0, `ask ${r2.chart} chart rendered`);
    await ask(page, 'what is the meaning of life');
    await page.screenshot({path: path.join(ARTIFACTS, 'admin-ask-unanswered.png'), fullPage: true});
    const r3 = await page.evaluate(() => ({answered: document.querySelector('#ask-result').dataset.answered,
      text: document.querySelector('#ask-result').textContent}));
    log('ask unanswerable:', JSON.stringify(r3).slice(0, 300));
    check(r3.answered === 'false' && r3.text.length > 0, 'an unanswerable question says so');
    for (const p of problems) failures.push(p);
    check(problems.length === 0, 'admin: no console errors and no failed requests');
    await page.close();
  }

  // A phone: every page fits the screen's width (no sideways scrolling) and charts still render.
  {
    const {page, problems} = await watchedPage(context, 'phone');
    await page.setViewportSize({width: 390, height: 844});
    await signIn(page, base, adminKey);
    for (const name of PAGES) {
      await visit(page, name);
      await page.waitForTimeout(300);
      await page.screenshot({path: path.join(ARTIFACTS, `phone-${name}.png`), fullPage: true});
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(overflow <= 1, `phone ${name}: fits the width (overflows by ${overflow}px)`);
      if (CHART_PAGES.includes(name)) check(await renderedCharts(page) > 0, `phone ${name}: a chart rendered`);
    }
    for (const p of problems) failures.push(p);
    check(problems.length === 0, 'phone: no console errors and no failed requests');
    await page.close();
  }

  // Account key: only its account's customers.
  {
    const {page, problems} = await watchedPage(context, 'account');
    await signIn(page, base, accountKey);
    await page.screenshot({path: path.join(ARTIFACTS, 'account-overview.png'), fullPage: true});
    const overview = await page.textContent('#page');
    check(overview.includes(account), 'account overview names its account');
    for (const name of PAGES.slice(1)) {
      await visit(page, name);
      await page.waitForTimeout(300);
      await page.screenshot({path: path.join(ARTIFACTS, `account-${name}.png`), fullPage: true});
    }
    const rows = await page.evaluate(() => [...document.querySelectorAll('#list tbody tr')].map((tr) =>
      ({id: tr.cells[0].textContent.trim(), account: tr.cells[2].textContent.trim()})));
    check(rows.length > 0, `account customers page lists customers (${rows.length})`);
    check(rows.every((r) => r.account === account && accountCustomers.has(r.id)), 'account customers page shows only its account');
    const total = await page.textContent('#list p');
    check(Number(total.replace(/[^0-9]/g, '')) === accountCustomers.size, `account total is ${accountCustomers.size} (${total})`);
    await visit(page, 'overview');
    await ask(page, 'how many customers are there');
    await page.screenshot({path: path.join(ARTIFACTS, 'account-ask-number.png'), fullPage: true});
    const v = await page.evaluate(() => document.querySelector('#ask-result .ask-number')?.textContent || '');
    check(Number(v.replace(/[^0-9.-]/g, '')) === accountCustomers.size, `account ask counts only its customers (${v})`);
    for (const p of problems) failures.push(p);
    check(problems.length === 0, 'account: no console errors and no failed requests');
    await page.close();
  }
}

const watchdog = setTimeout(() => {
  console.error('[browser-test] FAIL: overall timeout');
  cleanup().finally(() => process.exit(1));
}, TOTAL_MS);
let code = 0;
try {
  await main();
} catch (e) {
  failures.push('exception: ' + (e.stack || e.message));
  console.error('[browser-test] FAIL:', e.stack || e.message);
} finally {
  await cleanup();
  clearTimeout(watchdog);
  if (failures.length) {
    if (tmp) {
      const logPath = path.join(tmp, 'data', 'serve.log');
      if (fs.existsSync(logPath)) console.error('--- serve.log (tail) ---\n' + fs.readFileSync(logPath, 'utf8').slice(-3000));
    }
    console.error(`[browser-test] ${failures.length} failure(s):\n  ` + failures.join('\n  '));
    code = 1;
  } else {
    log('all checks passed; screenshots in', ARTIFACTS);
  }
  if (tmp) fs.rmSync(tmp, {recursive: true, force: true});
}
process.exit(code);
