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
