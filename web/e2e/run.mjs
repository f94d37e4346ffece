// Browser tests of the web UI against a running chaindock server with the demo database.
//
//   CHAINDOCK_URL=http://127.0.0.1:8090 SCREENSHOT_DIR=/tmp/shots node web/e2e/run.mjs
//
// Drives Debian's /usr/bin/chromium (no browser download) through playwright-core. Every scenario runs
// even if one before it failed; the last line is "N passed, N failed" and the exit code is non-zero on
// any failure. CHROMIUM overrides the browser path.

import { mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE = (process.env.CHAINDOCK_URL ?? 'http://127.0.0.1:8090').replace(/\/$/, '');
const SHOTS = process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'chaindock-shots');
const BROWSER = process.env.CHROMIUM ?? '/usr/bin/chromium';
const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS ?? 15000);

const ACCOUNTS = {
  analyst: ['analyst', 'chaindock-analyst'],
  gwm: ['gwm', 'chaindock-gwm'],
};
const GWM = '91130606120551720G'; // 长城汽车股份有限公司
const BOE = '91110105634657709B'; // 京东方科技集团股份有限公司
// A chain whose breakpoints differ between Hebei and BTH (data/README.md: Hebei lacks automotive-chips'
// neighbour ecu, BTH has it).
const CHAIN = 'automotive';

class Failure extends Error {}
function expect(cond, message) {
  if (!cond) throw new Failure(message);
}

// ---- helpers ------------------------------------------------------------------------------------------

/** A valid GB 32100-2015 credit code: the first 17 characters and the check character. */
function creditCode(first17) {
  const alpha = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const sum = [...first17].reduce((a, c, i) => a + alpha.indexOf(c) * w[i], 0);
  return first17 + alpha[(31 - (sum % 31)) % 31];
}

async function login(page, who) {
  const [user, pass] = ACCOUNTS[who];
  await page.goto(`${BASE}/#/login`);
  await page.getByTestId('login-username').waitFor({ timeout: TIMEOUT });
  await page.getByTestId('login-username').fill(user);
  await page.getByTestId('login-password').fill(pass);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('header').waitFor({ timeout: TIMEOUT });
  const name = await page.getByTestId('user-name').textContent();
  expect(name === user, `after logging in as ${user} the header shows ${JSON.stringify(name)}`);
}

async function logout(page) {
  await page.getByTestId('logout').click();
  await page.getByTestId('page-login').waitFor({ timeout: TIMEOUT });
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

async function apiTotal(page, query = '') {
  return page.evaluate(async (q) => {
    const r = await fetch(`/api/enterprises?limit=1${q}`, { credentials: 'same-origin' });
    if (!r.ok) throw new Error(`GET /api/enterprises: ${r.status}`);
    return (await r.json()).total;
  }, query);
}

/** The panorama's link statuses as drawn: { linkId: status } from the chart's option. */
async function drawnStatuses(page) {
  return page.evaluate(() => {
    const c = window.__chaindock?.charts?.chain;
    if (!c) return null;
    const s = c.getOption().series.find((x) => x.id === 'nodes');
    return Object.fromEntries((s?.data ?? []).map((d) => [d.link, d.status]));
  });
}

// ---- scenarios ----------------------------------------------------------------------------------------

const scenarios = [];
const scenario = (name, fn) => scenarios.push({ name, fn });

scenario('a wrong password shows the API message', async (page) => {
  await page.goto(`${BASE}/#/login`);
  await page.getByTestId('login-username').fill('analyst');
  await page.getByTestId('login-password').fill('not-the-password');
  await page.getByTestId('login-submit').click();
  const msg = page.getByTestId('login-error');
  await page.waitForFunction(() => document.querySelector('[data-testid=login-error]')?.textContent?.trim(), null, { timeout: TIMEOUT });
  const text = (await msg.textContent()).trim();
  expect(text.length > 0, 'no error message after a wrong password');
  expect(await page.getByTestId('header').count() === 0, 'a wrong password got past the login page');
  await shot(page, '01-login-error');
});

scenario('analyst: dashboard map draws the three provinces with city boundaries', async (page) => {
  await login(page, 'analyst');
  await page.goto(`${BASE}/#/`);
  await page.getByTestId('kpis').waitFor({ timeout: TIMEOUT });
  await page.waitForFunction(() => !!window.__chaindock?.charts?.map, null, { timeout: TIMEOUT });
  const m = await page.evaluate(() => {
    const chart = window.__chaindock.charts.map;
    const opt = chart.getOption();
    const reg = window.__chaindock.getMap('bth');
    const features = reg?.geoJSON?.features ?? reg?.geoJson?.features ?? [];
    const mapSeries = opt.series.find((s) => s.type === 'map');
    const points = opt.series.filter((s) => s.type === 'scatter').reduce((a, s) => a + (s.data?.length ?? 0), 0);
    // Geo → pixel only works when the map's regions were built from the data: Baoding, Tianjin.
    const px = chart.convertToPixel({ geoIndex: 0 }, [115.46, 38.87]);
    const px2 = chart.convertToPixel({ geoIndex: 0 }, [117.2, 39.08]);
    const geoModel = chart.getModel().getComponent('geo');
    const regions = geoModel?.coordinateSystem?.regions?.map((r) => r.name) ?? [];
    return {
      geoMap: opt.geo?.[0]?.map,
      features: features.map((f) => f.properties?.name),
      regions,
      mapData: (mapSeries?.data ?? []).map((d) => [d.name, d.value]),
      points,
      px,
      px2,
      w: chart.getWidth(),
      h: chart.getHeight(),
    };
  });
  expect(m.geoMap === 'bth', `the map's geo component uses ${m.geoMap}, not bth`);
  for (const n of ['北京市', '天津市', '石家庄市', '唐山市', '保定市', '张家口市', '承德市', '沧州市', '廊坊市', '衡水市', '邯郸市', '邢台市', '秦皇岛市']) {
    expect(m.features.includes(n), `the registered map has no region ${n} (has ${m.features.join(',')})`);
    expect(m.regions.includes(n), `the geo component drew no region ${n}`);
  }
  expect(m.mapData.length >= 13, `the map series has ${m.mapData.length} regions of data`);
  expect(m.mapData.some(([, v]) => v > 0), 'no city has a non-zero enterprise count on the map');
  expect(m.points > 0, 'no enterprise point on the map');
  for (const p of [m.px, m.px2]) {
    expect(Array.isArray(p) && p.every(Number.isFinite) && p[0] > 0 && p[0] < m.w && p[1] > 0 && p[1] < m.h, `a BTH coordinate is not inside the drawn map: ${JSON.stringify(p)}`);
  }
  // The canvas really has pixels of the shaded regions (not just an empty white box).
  const painted = await page.evaluate(() => {
    const cv = document.querySelector('[data-testid=map] canvas');
    const ctx = cv.getContext('2d');
    const d = ctx.getImageData(0, 0, cv.width, cv.height).data;
    let coloured = 0;
    for (let i = 0; i < d.length; i += 4 * 97) if (d[i + 3] > 0 && !(d[i] > 245 && d[i + 1] > 245 && d[i + 2] > 245)) coloured++;
    return coloured / (d.length / (4 * 97));
  });
  expect(painted > 0.1, `the map canvas is almost blank (${(painted * 100).toFixed(1)}% painted)`);
  const chainsRows = await page.locator('[data-testid=chains-table] tbody tr').count();
  expect(chainsRows >= 1, 'the per-chain table is empty');
  await page.waitForTimeout(300);
  await shot(page, '02-dashboard');
});

scenario('analyst: chain panorama statuses change between Hebei and BTH', async (page) => {
  await page.goto(`${BASE}/#/chains/${CHAIN}?scope=hebei`);
  await page.waitForSelector('[data-testid=panorama-chart][data-scope=hebei]:not([data-loading])', { timeout: TIMEOUT });
  const hebei = await drawnStatuses(page);
  expect(hebei && Object.keys(hebei).length > 5, `the panorama drew no links: ${JSON.stringify(hebei)}`);
  const hebeiBp = Object.keys(hebei).filter((k) => hebei[k] === 'breakpoint');
  expect(hebeiBp.length > 0, `no breakpoint drawn for ${CHAIN} in Hebei: ${JSON.stringify(hebei)}`);
  const listed = await page.locator('[data-testid=breakpoints] li').count();
  expect(listed === hebeiBp.length, `the breakpoint list has ${listed} items, the drawing ${hebeiBp.length}`);
  await shot(page, '03-chain-hebei');

  // Open a link's side panel from the drawing itself.
  const target = hebeiBp[0];
  const pos = await page.evaluate((id) => {
    const c = window.__chaindock.charts.chain;
    const s = c.getOption().series.find((x) => x.id === 'nodes');
    const d = s.data.find((x) => x.link === id);
    const [x, y] = c.convertToPixel({ xAxisIndex: 0, yAxisIndex: 0 }, d.value);
    const r = c.getDom().getBoundingClientRect();
    return { x: r.left + x, y: r.top + y };
  }, target);
  await page.mouse.click(pos.x, pos.y);
  await page.waitForSelector(`[data-testid=link-panel].open[data-link="${target}"]`, { timeout: TIMEOUT });
  const status = await page.getByTestId('panel-status').textContent();
  expect(status.trim().length > 0, 'the side panel shows no status');
  expect(await page.getByTestId('panel-capacity').count() === 1, 'the side panel has no capacity/demand block');
  await page.waitForTimeout(300);
  await shot(page, '04-chain-panel');
  await page.getByTestId('panel-close').click();

  await page.getByTestId('scope-bth').click();
  await page.waitForSelector('[data-testid=panorama-chart][data-scope=bth]:not([data-loading])', { timeout: TIMEOUT });
  expect(page.url().includes('scope=bth'), `the URL did not follow the scope: ${page.url()}`);
  const bth = await drawnStatuses(page);
  const changed = Object.keys(hebei).filter((k) => hebei[k] !== bth[k]);
  expect(changed.length > 0, 'switching from Hebei to BTH changed no link status');
  expect(bth[target] !== 'breakpoint', `${target} is still a breakpoint in BTH`);
  const bthListed = await page.locator('[data-testid=breakpoints] li').count();
  const bthBp = Object.keys(bth).filter((k) => bth[k] === 'breakpoint').length;
  expect(bthListed === bthBp, `BTH: the breakpoint list has ${bthListed} items, the drawing ${bthBp}`);
  await shot(page, '05-chain-bth');
});

scenario('analyst: importing a CSV with a bad row reports it and writes nothing', async (page) => {
  const dir = mkdtempSync(join(tmpdir(), 'chaindock-e2e-'));
  const good = creditCode('91130200E2E00001X'.slice(0, 17));
  const goodName = `唐山市端到端测试有限公司${Date.now() % 100000}`;
  const bad = '91130200DMP0000090'; // a wrong check character (data/samples/bad)
  const file = join(dir, 'enterprises.csv');
  writeFileSync(
    file,
    'credit_code,name,aliases,region,lng,lat,industry,above_scale,leading,specialised,illustrative\n' +
      `${good},${goodName},,130203,,,3130,1,0,0,1\n` +
      `${bad},唐山市错误校验码测试有限公司,,130203,,,3130,1,0,0,1\n`,
  );
  try {
    await page.goto(`${BASE}/#/registry`);
    await page.waitForSelector('[data-testid=registry-total][data-total]', { timeout: TIMEOUT });
    const before = Number(await page.getByTestId('registry-total').getAttribute('data-total'));
    expect(before === (await apiTotal(page)), 'the registry page and the API disagree on the count');

    await page.goto(`${BASE}/#/import`);
    await page.getByTestId('import-files').setInputFiles(file);
    await page.getByTestId('import-check').click();
    await page.getByTestId('import-errors').waitFor({ timeout: TIMEOUT });
    const rows = await page.$$eval('[data-testid=import-errors] tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent.trim())));
    const hit = rows.find((r) => r[1] === '3' && /credit|信用代码/i.test(r[2]));
    expect(hit, `no error for row 3, column credit_code in ${JSON.stringify(rows)}`);
    expect(rows.every((r) => r[0].includes('enterprises.csv')), `an error row does not name the file: ${JSON.stringify(rows)}`);
    expect(await page.getByTestId('import-confirm').count() === 0, 'a Confirm button is offered although there are errors');
    await shot(page, '06-import-errors');

    const after = await apiTotal(page);
    expect(after === before, `the registry count changed from ${before} to ${after}`);
    const found = await apiTotal(page, `&q=${encodeURIComponent(goodName)}`);
    expect(found === 0, `the good row of a rejected file was written (${found} found)`);
    await page.goto(`${BASE}/#/registry`);
    await page.waitForSelector('[data-testid=registry-total][data-total]', { timeout: TIMEOUT });
    const shown = Number(await page.getByTestId('registry-total').getAttribute('data-total'));
    expect(shown === before, `the registry page shows ${shown} enterprises, ${before} before the import`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

scenario('analyst: registry filters, a stale edit shows the conflict, a bad new enterprise names its field', async (page) => {
  await page.goto(`${BASE}/#/registry`);
  await page.waitForSelector('[data-testid=registry-total][data-total]', { timeout: TIMEOUT });
  const all = Number(await page.getByTestId('registry-total').getAttribute('data-total'));
  const waitTotal = (prev) =>
    page.waitForFunction((p) => {
      const el = document.querySelector('[data-testid=registry-total]');
      return el && el.getAttribute('data-total') !== String(p) && !document.querySelector('.results.busy');
    }, prev, { timeout: TIMEOUT });
  await page.getByTestId('filter-q').fill('唐山');
  await page.getByTestId('filter-submit').click();
  await waitTotal(all);
  const tangshan = Number(await page.getByTestId('registry-total').getAttribute('data-total'));
  expect(tangshan > 0 && tangshan < all, `searching 唐山 gives ${tangshan} of ${all}`);
  expect(page.url().includes('q='), `the search is not in the URL: ${page.url()}`);
  await page.getByTestId('filter-reset').click();
  await waitTotal(tangshan);
  await page.getByTestId('filter-leading').check();
  await waitTotal(all);
  const leading = Number(await page.getByTestId('registry-total').getAttribute('data-total'));
  expect(leading > 0 && leading < all, `leading enterprises: ${leading} of ${all}`);
  await shot(page, '10-registry');

  // An enterprise's edit form, and a concurrent edit that makes the form's version stale.
  const code = await page.evaluate(async () => (await (await fetch('/api/enterprises?limit=1&q=华信线束')).json()).items[0]?.credit_code);
  expect(code, 'no enterprise 华信线束 in the demo registry');
  await page.goto(`${BASE}/#/enterprises/${code}`);
  await page.getByTestId('private-block').waitFor({ timeout: TIMEOUT });
  await page.getByTestId('edit-button').click();
  await page.getByTestId('edit-form').waitFor({ timeout: TIMEOUT });
  const bumped = await page.evaluate(async (c) => {
    const me = await (await fetch('/api/me')).json();
    const e = await (await fetch(`/api/enterprises/${c}`)).json();
    const input = {
      name: e.name, aliases: e.aliases, region: String(e.region.code), industry: e.industry?.code ?? null, location: e.location,
      above_scale: e.above_scale, leading: e.leading, specialised: e.specialised, description: e.description,
      contact_person: e.private?.contact_person ?? null, contact_phone: e.private?.contact_phone ?? null, version: e.version,
    };
    const r = await fetch(`/api/enterprises/${c}`, { method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token }, body: JSON.stringify(input) });
    return { status: r.status, body: await r.text() };
  }, code);
  expect(bumped.status === 200, `the concurrent PUT got ${bumped.status}: ${bumped.body}`);
  await page.getByTestId('edit-save').click();
  await page.getByTestId('conflict').waitFor({ timeout: TIMEOUT });
  const conflict = (await page.getByTestId('conflict').textContent()).trim();
  expect(conflict.length > 10, `the conflict message is empty: ${conflict}`);
  await page.getByTestId('conflict').scrollIntoViewIfNeeded();
  await shot(page, '11-edit-conflict');

  await page.goto(`${BASE}/#/enterprises/new`);
  await page.getByTestId('new-form').waitFor({ timeout: TIMEOUT });
  await page.getByTestId('fld-credit_code').fill('91130200DMP0000090');
  await page.getByTestId('fld-name').fill('唐山市端到端校验测试有限公司');
  await page.getByTestId('fld-region').selectOption('130203');
  await page.getByTestId('new-save').click();
  await page.getByTestId('form-error-message').waitFor({ timeout: TIMEOUT });
  const invalid = await page.$$eval('.field.invalid', (els) => els.map((e) => e.getAttribute('data-field')));
  expect(invalid.includes('credit_code'), `the bad credit code is not marked (marked: ${JSON.stringify(invalid)})`);
  await shot(page, '12-new-invalid');
});

// ---- supply–demand docking (the demo's story: 7 demands, Tangshan locked down) ---------------------

/** Numbers in a cell's text ("3,300 件估" → 3300). */
const firstNumber = (s) => Number((s.match(/[\d,.]+/) ?? ['NaN'])[0].replace(/,/g, ''));

/** The map of a plan as drawn: its lines (from which city to which place, how much) and locked regions. */
async function drawnPlanMap(page, name) {
  return page.evaluate((n) => {
    const c = window.__chaindock?.charts?.[n];
    if (!c) return null;
    const opt = c.getOption();
    const lines = opt.series.find((s) => s.type === 'lines')?.data ?? [];
    const geo = opt.geo?.[0];
    return {
      map: geo?.map,
      lines: lines.map((l) => ({ from: l.fromCode, to: l.toCode, city: l.fromCity, quantity: l.quantity, width: l.lineStyle?.width, coords: l.coords })),
      locked: (geo?.regions ?? []).map((r) => r.name),
      w: c.getWidth(),
      px: lines.map((l) => c.convertToPixel({ geoIndex: 0 }, l.coords[0])),
    };
  }, name);
}

scenario('analyst: the docking board shows the 7 demo demands with their KPIs', async (page) => {
  await page.goto(`${BASE}/#/docking`);
  await page.getByTestId('dock-kpis').waitFor({ timeout: TIMEOUT });
  await page.getByTestId('demands-table').waitFor({ timeout: TIMEOUT });
  const api = await page.evaluate(async () => (await (await fetch('/api/demands')).json()).map((d) => d.id));
  expect(api.length === 7, `the demo has ${api.length} demands, not 7`);
  const rows = await page.$$eval('[data-testid=demands-table] tbody tr[data-testid^=demand-row-]', (trs) => trs.map((tr) => tr.getAttribute('data-testid')));
  expect(rows.length === 7, `the board lists ${rows.length} demands: ${rows.join(',')}`);
  const kpi = (await page.getByTestId('dk-demands').textContent()).replace(/\D/g, '');
  expect(kpi === '7', `the demands KPI shows ${kpi}`);
  const one = (await page.getByTestId('demand-row-1').textContent()).replace(/\s+/g, ' ');
  expect(one.includes('冲焊总成件') && one.includes('11,000 件') && one.includes('唐山'), `demand 1's row reads ${one}`);
  for (const s of ['open', 'planned', 'covered', 'delivered']) expect(await page.getByTestId(`status-${s}`).count() === 1, `no ${s} tab on the board`);
  await page.getByTestId('status-planned').click();
  const planned = await page.locator('[data-testid=demands-table] tbody tr[data-testid^=demand-row-]').count();
  expect(planned === 0, `${planned} demands under planned before any request was sent`);
  await page.getByTestId('status-all').click();
  await shot(page, '13-docking-board');
});

scenario('analyst: demand 1 ranks its candidates with the parts of each score; its plan avoids 唐山', async (page) => {
  await page.goto(`${BASE}/#/docking/1`);
  await page.getByTestId('candidates-table').waitFor({ timeout: TIMEOUT });
  expect((await page.getByTestId('demand-product').textContent()).includes('冲焊总成件'), 'demand 1 is not 冲焊总成件');
  expect((await page.getByTestId('demand-quantity').textContent()).includes('11,000 件'), 'demand 1 does not ask for 11,000 件');
  expect((await page.getByTestId('demand-excluded').textContent()).includes('唐山'), 'demand 1 does not show 唐山 excluded');
  const cands = await page.$$eval('[data-testid=candidates-table] tbody tr[data-testid^=cand-row-]', (trs) =>
    trs.map((tr) => ({
      code: tr.getAttribute('data-testid').slice('cand-row-'.length),
      city: tr.querySelector('[data-testid=cand-city]')?.getAttribute('data-city'),
      parts: Object.fromEntries([...tr.querySelectorAll('[data-part]')].map((e) => [e.getAttribute('data-part'), Number(e.getAttribute('data-value'))])),
      assumed: !!tr.querySelector('[data-testid=assumed]'),
    })),
  );
  expect(cands.length >= 5, `only ${cands.length} candidates for 11,000 件`);
  const weights = { product_fit: 30, free_capacity: 25, distance: 15, lead_time: 10, delivery_record: 10, flags: 10 };
  for (const c of cands) {
    for (const p of Object.keys(weights)) expect(c.parts[p] >= 0 && c.parts[p] <= 1, `candidate ${c.code}: part ${p} = ${c.parts[p]}`);
    const sum = Object.entries(weights).reduce((a, [p, w]) => a + c.parts[p] * w, 0);
    expect(Math.abs(sum - c.parts.total) < 0.05, `candidate ${c.code}: the parts add up to ${sum}, the total shown is ${c.parts.total}`);
    expect(!String(c.city).startsWith('1302'), `candidate ${c.code} lies in 唐山 (${c.city})`);
  }
  for (let i = 1; i < cands.length; i++) expect(cands[i - 1].parts.total >= cands[i].parts.total, `candidates are not ranked by score at ${i}`);
  expect(cands.some((c) => c.assumed), 'no candidate is marked as having assumed capacity');
  await shot(page, '14-demand-candidates');

  await page.getByTestId('compute-plan').click();
  await page.getByTestId('plan-lines').waitFor({ timeout: TIMEOUT });
  const lines = await page.$$eval('[data-testid=plan-lines] tbody tr[data-testid^=plan-line-]', (trs) =>
    trs.map((tr) => ({ city: tr.querySelector('[data-city]')?.getAttribute('data-city'), cells: [...tr.children].map((td) => td.textContent.trim()) })),
  );
  const enterprises = firstNumber(await page.getByTestId('plan-enterprises').textContent());
  const cities = firstNumber(await page.getByTestId('plan-cities').textContent());
  expect(lines.length === enterprises && enterprises >= 3, `the plan uses ${enterprises} enterprises (${lines.length} lines)`);
  expect(cities >= 2 && new Set(lines.map((l) => l.city)).size === cities, `the plan uses ${cities} cities: ${JSON.stringify(lines.map((l) => l.city))}`);
  expect(lines.every((l) => !String(l.city).startsWith('1302')), `a supplier in 唐山 is in the plan: ${JSON.stringify(lines)}`);
  const total = lines.reduce((a, l) => a + firstNumber(l.cells[2]), 0);
  expect(total === 11000, `the plan's lines add up to ${total}, not 11,000`);
  const unmet = firstNumber(await page.getByTestId('plan-unmet').textContent());
  expect(unmet === 0, `the plan leaves ${unmet} of demand 1 unmet`);
  expect(await page.getByTestId('plan-optimal').getAttribute('class').then((c) => c.includes('badge-ok')), 'the plan is not marked as proven optimal');

  await page.waitForFunction(() => !!window.__chaindock?.charts?.['plan-map'], null, { timeout: TIMEOUT });
  const m = await drawnPlanMap(page, 'plan-map');
  expect(m.map === 'bth', `the plan's map uses ${m.map}`);
  expect(m.lines.length === cities, `the map draws ${m.lines.length} routes for ${cities} cities`);
  expect(m.lines.every((l) => l.to === 110114 && !String(l.from).startsWith('1302')), `a route does not go from outside 唐山 to 昌平区: ${JSON.stringify(m.lines)}`);
  const widest = m.lines.reduce((a, l) => (l.quantity > a.quantity ? l : a));
  expect(m.lines.every((l) => l.width <= widest.width), 'the widest route does not carry the most');
  expect(m.px.every((p) => Array.isArray(p) && p.every(Number.isFinite)), `a route starts outside the map: ${JSON.stringify(m.px)}`);
  expect(m.locked.includes('唐山市'), `唐山 is not marked as locked down on the map: ${JSON.stringify(m.locked)}`);
  await page.getByTestId('plan-card').scrollIntoViewIfNeeded();
  await page.waitForTimeout(400);
  await shot(page, '15-demand-plan');
});

scenario('analyst: all open demands planned together, with their map', async (page) => {
  await page.goto(`${BASE}/#/docking`);
  await page.getByTestId('demands-table').waitFor({ timeout: TIMEOUT });
  const open = await page.evaluate(async () => (await (await fetch('/api/demands?status=open')).json()).length);
  await page.getByTestId('plan-all').click();
  await page.getByTestId('plan-all-view-outcomes').waitFor({ timeout: TIMEOUT });
  const outcomes = await page.locator('[data-testid=plan-all-view-outcomes] tbody tr').count();
  expect(outcomes === open, `the combined plan has ${outcomes} demands, ${open} are open`);
  const enterprises = firstNumber(await page.getByTestId('plan-all-view-enterprises').textContent());
  const cities = firstNumber(await page.getByTestId('plan-all-view-cities').textContent());
  expect(enterprises >= 10 && cities >= 4, `the combined plan uses ${enterprises} enterprises in ${cities} cities`);
  const lineCities = await page.$$eval('[data-testid=plan-all-view-lines] [data-city]', (els) => els.map((e) => e.getAttribute('data-city')));
  expect(lineCities.every((c) => !c.startsWith('1302')), 'a supplier in 唐山 is in the combined plan');
  await page.waitForFunction(() => !!window.__chaindock?.charts?.['plan-all-view-map'], null, { timeout: TIMEOUT });
  const m = await drawnPlanMap(page, 'plan-all-view-map');
  expect(m.lines.length >= cities, `the combined map draws ${m.lines.length} routes`);
  expect(new Set(m.lines.map((l) => l.to)).size >= 4, 'the combined map has fewer than 4 delivery places');
  await page.getByTestId('plan-all-view-map').scrollIntoViewIfNeeded();
  await page.waitForTimeout(400);
  await shot(page, '16-plan-all');
});

scenario('analyst: a demand of 很多 units shows the quantity error at its field', async (page) => {
  await page.goto(`${BASE}/#/docking`);
  await page.getByTestId('new-demand').click();
  await page.getByTestId('demand-form').waitFor({ timeout: TIMEOUT });
  await page.getByTestId('fld-buyer').fill('911101145869397430');
  await page.getByTestId('fld-product').fill('冲焊总成件');
  await page.getByTestId('fld-quantity').fill('很多');
  await page.getByTestId('fld-deliver_to').fill('北京市昌平区');
  await page.getByTestId('demand-submit').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=err-quantity]')?.textContent?.trim(), null, { timeout: TIMEOUT });
  const msg = (await page.getByTestId('err-quantity').textContent()).trim();
  expect(msg.includes('很多'), `the quantity error does not name what was typed: ${msg}`);
  const invalid = await page.$$eval('.field.invalid', (els) => els.map((e) => e.getAttribute('data-field')));
  expect(invalid.length === 1 && invalid[0] === 'quantity', `marked fields: ${JSON.stringify(invalid)}`);
  expect(await page.getByTestId('demand-created').count() === 0, 'a demand of 很多 was posted');
  const n = await page.evaluate(async () => (await (await fetch('/api/demands')).json()).length);
  expect(n === 7, `there are ${n} demands after a rejected post`);
  await page.getByTestId('demand-form-card').scrollIntoViewIfNeeded();
  await shot(page, '17-demand-quantity-error');
});

scenario('analyst: demand 1 sent to its suppliers with Beijing and Tianjin locked down too', async (page) => {
  await page.goto(`${BASE}/#/docking/1`);
  await page.getByTestId('candidates-table').waitFor({ timeout: TIMEOUT });
  await page.getByTestId('lockdown-110000').click();
  await page.getByTestId('lockdown-120000').click();
  await page.waitForSelector('[data-testid=candidates-body][data-lockdown="110000,120000"]', { timeout: TIMEOUT });
  const cities = await page.$$eval('[data-testid=cand-city]', (els) => els.map((e) => e.getAttribute('data-city')));
  expect(cities.length > 0 && cities.every((c) => !/^(11|12|1302)/.test(c)), `candidates in locked-down cities: ${cities.join(',')}`);
  await page.getByTestId('compute-plan').click();
  await page.getByTestId('plan-lines').waitFor({ timeout: TIMEOUT });
  const lines = await page.locator('[data-testid=plan-lines] tbody tr[data-testid^=plan-line-]').count();
  expect(await page.getByTestId(`plan-line-1-${GWM}`).count() === 1, '长城汽车 (保定) has no part of the plan with Beijing and Tianjin locked down');
  await page.getByTestId('send-requests').click();
  await page.getByTestId('requests-sent').waitFor({ timeout: TIMEOUT });
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=requests-table] tbody tr[data-testid^=request-row-]').length === n, lines, { timeout: TIMEOUT });
  const status = (await page.getByTestId('demand-status').textContent()).trim();
  expect(status === '对接中', `demand 1 reads ${status} after its requests were sent`);
  await shot(page, '18-requests-sent');
});

scenario('analyst: a declined request of demand 1 is re-planned at once among suppliers not asked before, outside the lockdown', async (page) => {
  const before = await page.evaluate(async () => (await (await fetch('/api/requests?demand=1')).json()));
  const demand = await page.evaluate(async () => (await (await fetch('/api/demands/1')).json()).demand);
  const locked = demand.excluded_regions.map(String);
  expect(['110000', '120000', '130200'].every((r) => locked.includes(r)), `demand 1 did not keep the plan's lockdown: ${locked.join(',')}`);
  const pending = before.filter((r) => r.status === 'pending');
  const victim = pending.find((r) => r.supplier !== GWM);
  expect(victim, `no pending request of demand 1 other than 长城汽车's: ${JSON.stringify(before)}`);
  await page.goto(`${BASE}/#/requests`);
  await page.getByTestId('requests-all').waitFor({ timeout: TIMEOUT });
  await page.getByTestId(`decline-${victim.id}`).click();
  await page.getByTestId(`decline-reason-${victim.id}`).fill('模具检修');
  await page.getByTestId(`decline-confirm-${victim.id}`).click();
  await page.waitForSelector('[data-testid=request-done][data-replan]', { timeout: TIMEOUT });
  const notice = page.getByTestId('request-done');
  const text = (await notice.textContent()).trim();
  expect((await notice.getAttribute('data-replan')) === 'done', `the re-plan did not run: ${text}`);
  const shortfall = Number(await notice.getAttribute('data-shortfall'));
  const fresh = Number(await notice.getAttribute('data-new-requests'));
  const unmet = Number(await notice.getAttribute('data-unmet'));
  const accepted = before.filter((r) => r.status === 'accepted').reduce((a, r) => a + r.quantity, 0);
  const stillPending = pending.filter((r) => r.id !== victim.id).reduce((a, r) => a + r.quantity, 0);
  expect(shortfall === demand.quantity - accepted - stillPending, `the shortfall reads ${shortfall}: ${demand.quantity} − ${accepted} accepted − ${stillPending} pending`);
  expect(text.startsWith(`已拒绝请求 #${victim.id}；缺口 ${shortfall.toLocaleString('en-US')} 件 已重新分配给 ${fresh} 家未询问过的供应商`), `the notice reads ${text}`);

  const after = await page.evaluate(async () => (await (await fetch('/api/requests?demand=1')).json()));
  const byId = new Map(after.map((r) => [r.id, r]));
  expect(byId.get(victim.id)?.status === 'declined' && byId.get(victim.id)?.reason === '模具检修', `request ${victim.id} reads ${JSON.stringify(byId.get(victim.id))}`);
  for (const r of pending.filter((x) => x.id !== victim.id)) {
    expect(byId.get(r.id)?.status === 'pending' && byId.get(r.id)?.quantity === r.quantity, `request ${r.id} changed: ${JSON.stringify(byId.get(r.id))}`);
  }
  const asked = new Set(before.map((r) => r.supplier));
  const added = after.filter((r) => !before.some((b) => b.id === r.id));
  expect(added.length === fresh && fresh > 0, `${added.length} new requests, the notice says ${fresh}`);
  const cap = Math.floor(0.3 * demand.quantity);
  for (const r of added) {
    expect(r.status === 'pending' && !asked.has(r.supplier), `new request ${JSON.stringify(r)} goes to a supplier asked before`);
    expect(r.quantity <= cap, `new request ${r.id} asks for ${r.quantity}, more than ${cap}`);
    const e = await page.evaluate(async (c) => (await (await fetch(`/api/enterprises/${c}`)).json()), r.supplier);
    const region = String(e.region ?? e.enterprise?.region);
    expect(!/^(11|12|1302)/.test(region), `new request ${r.id} goes to ${r.supplier} in locked-down ${region}`);
  }
  const sum = added.reduce((a, r) => a + r.quantity, 0);
  expect(sum + unmet === shortfall, `the new requests take ${sum} and ${unmet} stay unmet of ${shortfall}`);
  for (const r of added) await page.getByTestId(`request-row-${r.id}`).waitFor({ timeout: TIMEOUT });
  await page.getByTestId('requests-notice').scrollIntoViewIfNeeded();
  await shot(page, '18b-decline-replanned');
});

scenario('a lost session goes to the login page', async (page, context) => {
  const cookies = await context.cookies();
  await context.clearCookies();
  await page.goto(`${BASE}/#/registry`);
  await page.reload();
  await page.getByTestId('page-login').waitFor({ timeout: TIMEOUT });
  expect(page.url().includes('next='), `the login page does not remember where to go back: ${page.url()}`);
  await context.addCookies(cookies);
});

scenario('gwm: another enterprise shows no private block, its own does', async (page, context) => {
  await context.clearCookies();
  await login(page, 'gwm');
  await page.goto(`${BASE}/#/enterprises/${BOE}`);
  await page.getByTestId('ent-name').waitFor({ timeout: TIMEOUT });
  const boeName = await page.getByTestId('ent-name').textContent();
  expect(boeName.includes('京东方'), `the BOE page shows ${boeName}`);
  expect(await page.getByTestId('public-block').count() === 1, 'the BOE page has no public block');
  expect(await page.getByTestId('private-block').count() === 0, "gwm sees BOE's private block");
  expect(await page.getByTestId('edit-button').count() === 0, "gwm may edit BOE's record");
  await shot(page, '07-gwm-boe');

  await page.goto(`${BASE}/#/enterprises/${GWM}`);
  await page.getByTestId('ent-name').waitFor({ timeout: TIMEOUT });
  const own = await page.getByTestId('ent-name').textContent();
  expect(own.includes('长城汽车'), `gwm's own page shows ${own}`);
  await page.getByTestId('private-block').waitFor({ timeout: TIMEOUT });
  expect(await page.getByTestId('edit-button').count() === 1, 'gwm may not edit its own record');
  await shot(page, '08-gwm-own');
  expect(await page.getByTestId('nav-import').count() === 0, 'an enterprise user is offered the import page');
});

scenario('gwm: declines only with a reason, accepts the request sent to it, records a delivery', async (page) => {
  await page.goto(`${BASE}/#/requests`);
  await page.getByTestId('requests-to-me').waitFor({ timeout: TIMEOUT });
  const id = await page.evaluate(async (g) => (await (await fetch('/api/requests')).json()).find((r) => r.supplier === g && r.status === 'pending')?.id, GWM);
  expect(id, 'no pending request to 长城汽车');
  const rows = await page.locator('[data-testid=requests-to-me] tbody tr[data-testid^=request-row-]').count();
  expect(rows === 1, `gwm sees ${rows} requests sent to it`);
  expect(await page.getByTestId('requests-all-card').count() === 0, 'an enterprise user sees all requests');
  await page.getByTestId(`decline-${id}`).click();
  await page.getByTestId(`decline-confirm-${id}`).click();
  await page.waitForFunction((i) => document.querySelector(`[data-testid=decline-error-${i}]`)?.textContent?.trim(), id, { timeout: TIMEOUT });
  expect((await page.getByTestId(`request-status-${id}`).textContent()).trim() === '待答复', 'a decline without a reason changed the request');
  await shot(page, '19-decline-needs-reason');
  await page.locator(`[data-testid=request-actions-${id}] button`, { hasText: '取消' }).click();
  await page.getByTestId(`accept-${id}`).click();
  await page.waitForFunction((i) => document.querySelector(`[data-testid=request-status-${i}]`)?.textContent?.trim() === '已接受', id, { timeout: TIMEOUT });
  await page.getByTestId(`deliver-${id}`).click();
  await page.getByTestId(`deliver-qty-${id}`).fill('1000');
  await page.getByTestId(`deliver-confirm-${id}`).click();
  await page.getByTestId('request-done').waitFor({ timeout: TIMEOUT });
  await page.waitForFunction((i) => document.querySelector(`[data-testid=request-row-${i}]`)?.textContent?.includes('1,000'), id, { timeout: TIMEOUT });
  const r = await page.evaluate(async (i) => (await (await fetch('/api/requests')).json()).find((x) => x.id === i), id);
  expect(r.status === 'accepted' && r.delivered === 1000, `the request reads ${JSON.stringify(r)}`);
  await shot(page, '20-gwm-delivered');
  await page.goto(`${BASE}/#/docking`);
  await page.getByTestId('dock-kpis').waitFor({ timeout: TIMEOUT });
  const units = (await page.getByTestId('dk-units').textContent()).replace(/[^\d]/g, '');
  expect(units === '1000', `the delivered-units KPI reads ${units}`);
});

scenario('the language toggle switches to English and is remembered', async (page) => {
  await page.goto(`${BASE}/#/`);
  await page.getByTestId('nav-dashboard').waitFor({ timeout: TIMEOUT });
  const zh = (await page.getByTestId('nav-dashboard').textContent()).trim();
  expect(/[\u4e00-\u9fff]/.test(zh), `the UI does not start in Chinese: ${zh}`);
  await page.getByTestId('lang-toggle').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=nav-dashboard]')?.textContent?.trim() === 'Dashboard', null, { timeout: TIMEOUT });
  expect((await page.getByTestId('nav-registry').textContent()).trim() === 'Registry', 'the registry link is not in English');
  await page.reload();
  await page.getByTestId('nav-dashboard').waitFor({ timeout: TIMEOUT });
  expect((await page.getByTestId('nav-dashboard').textContent()).trim() === 'Dashboard', 'English was not remembered after a reload');
  await page.getByTestId('kpis').waitFor({ timeout: TIMEOUT });
  await page.waitForTimeout(400);
  await shot(page, '09-dashboard-en');
  await page.getByTestId('lang-toggle').click();
  await page.waitForFunction(() => /[\u4e00-\u9fff]/.test(document.querySelector('[data-testid=nav-dashboard]')?.textContent ?? ''), null, { timeout: TIMEOUT });
  await logout(page);
});

scenario('analyst: the automotive risk page ranks its nodes; a 唐山 lockdown stops only 唐山 sites', async (page) => {
  await login(page, 'analyst');
  await page.goto(`${BASE}/#/risk/${CHAIN}`);
  await page.waitForSelector('[data-testid=risk-table] tbody tr[data-testid^=risk-row-]', { timeout: TIMEOUT * 2 });
  const view = await page.evaluate(async (c) => (await fetch(`/api/chains/${c}/risk`)).json(), CHAIN);
  expect(view.nodes.length > 5 && view.nodes[0].rank === 1 && Math.abs(view.nodes[0].rei - 1) < 1e-9, `the API ranks ${view.nodes.length} nodes, the first ${JSON.stringify(view.nodes[0])}`);
  const first = await page.locator('[data-testid=risk-table] tbody tr[data-testid^=risk-row-]').first().getAttribute('data-testid');
  expect(first === `risk-row-${view.nodes[0].node}`, `the table starts with ${first}, the API with ${view.nodes[0].node}`);
  expect(await page.getByTestId(`risk-edit-${view.nodes[0].node}`).count() === 1, 'an analyst has no edit button');
  await page.getByTestId('risk-kpis').waitFor({ timeout: TIMEOUT });
  await page.waitForTimeout(400);
  await shot(page, '21-risk-ranking');

  await page.getByTestId('scn-card').scrollIntoViewIfNeeded();
  await page.getByTestId('scn-cities-130200').click();
  await page.getByTestId('scn-days').fill('14');
  await page.getByTestId('scn-run').click();
  await page.waitForSelector('[data-testid=scn-result] [data-testid=scn-stats], [data-testid=scn-result] [data-testid=scn-nothing]', { timeout: TIMEOUT * 2 });
  expect(await page.getByTestId('scn-nothing').count() === 0, 'the 唐山 lockdown stopped nothing');
  const stopped = await page.locator('[data-testid=scn-tier-0] [data-testid^=scn-node-]').allTextContents();
  expect(stopped.length > 0, 'tier 0 lists no site');
  expect(stopped.every((t) => t.includes('唐山')), `a stopped site is not in 唐山: ${stopped.join(' | ')}`);
  const lost = (await page.getByTestId('scn-stat-lost').textContent()).trim();
  expect(lost.length > 0 && !lost.includes('-'), `the lost units read ${lost}`);
  await page.getByTestId('scn-result').scrollIntoViewIfNeeded();
  await page.waitForTimeout(400);
  await shot(page, '22-risk-tangshan');
  await logout(page);
});

// ---- runner -------------------------------------------------------------------------------------------

async function main() {
  if (!existsSync(BROWSER)) {
    console.error(`e2e: no browser at ${BROWSER}; run scripts/install-browser`);
    process.exit(2);
  }
  try {
    const r = await fetch(`${BASE}/api/health`);
    if (!r.ok) throw new Error(`status ${r.status}`);
  } catch (e) {
    console.error(`e2e: no chaindock server at ${BASE} (${e.message}); set CHAINDOCK_URL`);
    process.exit(2);
  }
  mkdirSync(SHOTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'chaindock-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: BROWSER,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 900 },
    locale: 'zh-CN',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) pageErrors.push(m.text());
  });
  let passed = 0;
  let failed = 0;
  for (const s of scenarios) {
    const t0 = Date.now();
    pageErrors.length = 0;
    try {
      await s.fn(page, context);
      expect(pageErrors.length === 0, `errors in the page: ${pageErrors.join(' | ')}`);
      passed++;
      console.log(`ok   ${s.name} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${s.name}\n     ${e instanceof Failure ? e.message : e.stack ?? e}`);
      try {
        await shot(page, `fail-${scenarios.indexOf(s) + 1}`);
      } catch {
        /* no page to shoot */
      }
    }
  }
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  console.log(`screenshots in ${SHOTS}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
