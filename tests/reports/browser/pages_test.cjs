// notion-sim's HTML pages in headless Chromium: every page loads with no console error, its charts
// are drawn with a size, the figures on it are those of the result JSON, nothing overflows the
// page, and a screenshot of each is kept.
//   node pages_test.cjs PAGES_DIR SCREENSHOT_DIR CHROMIUM
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const [pagesDir, shotDir, executablePath] = process.argv.slice(2);
let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) {
    passed++;
  } else {
    failed++;
    console.log(`FAIL ${name}${detail === undefined ? '' : ': ' + detail}`);
  }
}
const readJson = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));

// Opens a page, collects what the console and the page said, and takes a full-page screenshot.
async function open(browser, file, shot) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  const response = await page.goto('file://' + file, { waitUntil: 'load' });
  check(`${shot}: loads`, response === null || response.ok(), file);
  check(`${shot}: no console errors`, problems.length === 0, problems.join('; '));
  // Nothing wider than the window: tables and charts fit the page.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(`${shot}: fits the page width`, overflow <= 0, `${overflow}px too wide`);
  // Every chart is drawn with a real size.
  const svgs = await page.$$eval('svg', (all) => all.map((s) => { const r = s.getBoundingClientRect(); return [r.width, r.height]; }));
  check(`${shot}: charts have a size`, svgs.every(([w, h]) => w > 200 && h > 50), JSON.stringify(svgs));
  await page.screenshot({ path: path.join(shotDir, shot + '.png'), fullPage: true });
  return page;
}

const cardValue = (page, id) =>
  page.$eval(`[data-card="${id}"]`, (e) => [Number(e.dataset.value), e.querySelector('.v').textContent]);

async function scenarioPage(browser, dir, result, pageName) {
  const shot = path.basename(dir) + '-' + result.scenario;
  const page = await open(browser, path.join(dir, pageName), shot);
  const m = result.metrics;
  const charts = await page.$$eval('figure[data-chart]', (f) => f.map((x) => x.dataset.chart));
  const svgCount = await page.$$eval('figure[data-chart] svg', (s) => s.length);
  check(`${shot}: one svg per chart`, svgCount === charts.length && charts.length > 0, `${svgCount} vs ${charts}`);
  // Charts that would be empty are left out, and those with data are there.
  check(`${shot}: outcomes chart`, charts.includes('outcomes') === (m.ops.started > 0));
  check(`${shot}: breakers chart only with breaker changes`, charts.includes('breakers') === (m.breakers.length > 0), charts);
  check(`${shot}: DLQ chart only with a DLQ`, charts.includes('dlq') === (m.dlq.depth_max > 0), charts);
  // The figures are the result's.
  const [ops, opsText] = await cardValue(page, 'operations');
  check(`${shot}: operations card = ops.started`, ops === m.ops.started && opsText.replace(/,/g, '') === String(m.ops.started), `${ops} ${opsText} vs ${m.ops.started}`);
  const [bad, badText] = await cardValue(page, 'http_429_5xx');
  check(`${shot}: 429/5xx card`, bad === m.responses.http_429 + m.responses.http_5xx &&
        badText.replace(/,/g, '') === `${m.responses.http_429} / ${m.responses.http_5xx}`, badText);
  const [succ] = await cardValue(page, 'succeeded');
  check(`${shot}: succeeded card = slo.success_ratio`, Math.abs(succ - m.slo.success_ratio) < 1e-12, `${succ} vs ${m.slo.success_ratio}`);
  const [answered] = await cardValue(page, 'answered');
  check(`${shot}: answered card = slo.answered_ratio`, Math.abs(answered - m.slo.answered_ratio) < 1e-12, `${answered} vs ${m.slo.answered_ratio}`);
  const violated = result.invariants.filter((i) => i.verdict === 'violated').length;
  const [inv] = await cardValue(page, 'invariants_violated');
  check(`${shot}: invariants card`, inv === violated, `${inv} vs ${violated}`);
  const rows = await page.$$eval('tr[data-invariant]', (r) => r.map((x) => [x.dataset.invariant, x.children[1].textContent]));
  check(`${shot}: invariant verdicts`, JSON.stringify(rows) === JSON.stringify(result.invariants.map((i) => [i.name, i.verdict])), JSON.stringify(rows));
  // The request budget is drawn where the result has one.
  if (charts.includes('requests')) {
    const budget = await page.$$eval('figure[data-chart="requests"] line.ref', (l) => l.length);
    check(`${shot}: request budget line`, budget === (result.rate_budget.requests > 0 ? 1 : 0), budget);
  }
  // The time axis ends where the work ends (rounded up to a bucket), not at the run's end.
  const end = Math.max(m.series.bucket_us, Math.min(m.end_us, Math.ceil(m.work_end_us / m.series.bucket_us) * m.series.bucket_us));
  const note = await page.$$eval('.note', (n) => n.map((x) => x.textContent).join('\n'));
  check(`${shot}: axis end said when the run idled on`, (end < m.end_us) === note.includes('The charts end where the work ended'), `${end} ${m.end_us}`);
  // A failed run says why at the top, and the charts mark when.
  const why = await page.$('#why');
  check(`${shot}: why-it-failed box iff failed`, (why !== null) === (result.verdict === 'fail'));
  if (why !== null) {
    const whyTop = (await why.boundingBox()).y;
    const firstChart = await page.$('figure[data-chart]');
    check(`${shot}: the box is above the charts`, firstChart === null || whyTop < (await firstChart.boundingBox()).y);
    const text = await why.textContent();
    for (const i of result.invariants.filter((x) => x.verdict === 'violated')) {
      check(`${shot}: box names ${i.name}`, text.includes(`invariant ${i.name}`), text);
    }
    const marks = await page.$$eval('g.violation', (g) => g.length);
    check(`${shot}: violations marked on every chart`, marks === violated * charts.length, `${marks}`);
  }
  await page.close();
}

(async () => {
  const browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
  try {
    // The library: index.html and every scenario's page.
    const lib = path.join(pagesDir, 'library');
    const results = readJson(path.join(lib, 'results.json')).results;
    const index = await open(browser, path.join(lib, 'index.html'), 'index');
    const rows = await index.$$eval('tr[data-scenario]', (r) => r.map((x) => ({
      scenario: x.dataset.scenario, verdict: x.dataset.verdict, ops: Number(x.querySelector('[data-ops]').dataset.ops),
      href: x.querySelector('a').getAttribute('href') })));
    check('index: a row per scenario', rows.length === results.length, `${rows.length} vs ${results.length}`);
    for (const r of results) {
      const row = rows.find((x) => x.scenario === r.scenario);
      check(`index: ${r.scenario} row`, row && row.verdict === r.verdict && row.ops === r.metrics.ops.started, JSON.stringify(row));
      if (!row) continue;
      check(`index: ${r.scenario} link`, fs.existsSync(path.join(lib, row.href)), row.href);
      await scenarioPage(browser, lib, r, row.href);
    }
    const heading = await index.textContent('h1');
    check('index: heading counts', heading.includes(`${results.length} scenarios`), heading);
    await index.close();

    // A failing run.
    const failing = path.join(pagesDir, 'failing');
    const broken = readJson(path.join(pagesDir, 'fixture', 'failing', 'storm_broken.result.json'));
    await scenarioPage(browser, failing, broken, 'storm_broken.html');
    const failIndex = await open(browser, path.join(failing, 'index.html'), 'failing-index');
    check('failing index: says 1 failed', (await failIndex.textContent('h1')).includes('1 FAILED'));
    await failIndex.close();

    // Profile A against profile B.
    const cmp = await open(browser, path.join(pagesDir, 'compare.html'), 'compare');
    const overlays = await cmp.$$eval('figure[data-chart]', (f) => f.map((x) => x.querySelectorAll('path').length));
    check('compare: overlaid charts, two lines each', overlays.length >= 4 && overlays.every((n) => n === 2), JSON.stringify(overlays));
    const deltas = await cmp.$$eval('tr[data-metric]', (r) => r.map((x) => [...x.children].map((c) => c.textContent)));
    check('compare: delta table', deltas.length >= 20, deltas.length);
    const md = fs.readFileSync(path.join(pagesDir, 'compare.md'), 'utf8');
    for (const [name, a, b] of deltas) {
      const line = md.split('\n').find((l) => l.startsWith(`| ${name} |`));
      check(`compare: ${name} as in the Markdown`, line !== undefined && line.includes(`| ${a} | ${b} |`), line);
    }
    await cmp.close();

    // The sweep: frontier charts with error bars, a heat map per objective, a table that fits.
    const sweepJson = readJson(path.join(pagesDir, 'sweep', 'sweep.json'));
    const sw = await open(browser, path.join(pagesDir, 'sweep', 'sweep.html'), 'sweep');
    const cells = await sw.$$eval('svg[data-heatmap] g.cell', (c) => c.length);
    const objectives = sweepJson.spec ? sweepJson.spec.objectives.length : 2;
    check('sweep: a heat map cell per configuration and objective', cells === 9 * Math.min(objectives, 3), cells);
    const points = await sw.$$eval('figure[data-chart="frontier"] g.pt', (p) => p.length);
    check('sweep: a point per configuration on each frontier chart', points > 0 && points % 9 === 0, points);
    const tags = await sw.$$eval('figure[data-chart="frontier"] g.pt text', (t) => t.map((x) => x.textContent));
    check('sweep: points numbered as in the table', tags.slice(0, 9).join(',') === '1,2,3,4,5,6,7,8,9', tags.join(','));
    const table = await sw.$eval('table.sweep', (t) => [t.scrollWidth, t.parentElement.clientWidth]);
    check('sweep: the table fits the page', table[0] <= table[1], JSON.stringify(table));
    const tableRows = await sw.$$eval('tr[data-config]', (r) => r.length);
    check('sweep: a table row per configuration', tableRows === 9, tableRows);
    await sw.close();
  } finally {
    await browser.close();
  }
  console.log(`browser: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
})().catch((e) => { console.error(e); process.exit(1); });
