// DEV ONLY — a stand-in for `chaindock serve` while the real server is written. Not part of the product,
// not bundled, not used by the browser tests (they run against the real server).
//
// It answers the endpoints of docs/api.md from the repository's demo data (data/chains, data/demo,
// crates/model/data) with the analysis rules of data/README.md, keeps everything in memory, and serves
// web/dist. Run: `npm run build && node dev-mock/server.mjs` (PORT, default 8090).

import { createServer } from 'node:http';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const dist = process.env.WEB_DIR ?? join(here, '..', 'dist');
const port = Number(process.env.PORT ?? 8090);

// ---- data -------------------------------------------------------------------------------------------
function csv(text) {
  const rows = [];
  let row = [], field = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') q = false;
      else field += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field); field = ''; rows.push(row); row = [];
    } else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  const [head, ...body] = rows.filter((r) => r.length > 1 || r[0]);
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h.replace(/^\ufeff/, ''), r[i] ?? ''])));
}
const read = (p) => readFileSync(join(root, p), 'utf8');
const divisions = csv(read('crates/model/data/bth_divisions.csv')).map((d) => ({
  code: +d.code, name: d.name, level: d.level, parent: d.parent_code ? +d.parent_code : null, lng: +d.lng, lat: +d.lat,
}));
const divByCode = new Map(divisions.map((d) => [d.code, d]));
const industries = new Map(csv(read('crates/model/data/gbt4754_2017.csv')).map((r) => [r.code, r.name]));
const chains = readdirSync(join(root, 'data/chains')).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(read(`data/chains/${f}`)));
const chainById = new Map(chains.map((c) => [c.id, c]));
const enterprises = new Map();
for (const e of csv(read('data/demo/enterprises.csv'))) {
  const d = divByCode.get(+e.region);
  enterprises.set(e.credit_code, {
    credit_code: e.credit_code, name: e.name, aliases: e.aliases ? e.aliases.split(';') : [], region: +e.region,
    lng: e.lng ? +e.lng : d.lng + (Math.random() - 0.5) * 0.08, lat: e.lat ? +e.lat : d.lat + (Math.random() - 0.5) * 0.08,
    industry: e.industry || null, above_scale: e.above_scale === '1', leading: e.leading === '1', specialised: e.specialised === '1',
    illustrative: e.illustrative === '1', description: null, contact_person: '王经理', contact_phone: `0311-8${String(enterprises.size).padStart(7, '0')}`, version: 1,
  });
}
const producers = csv(read('data/demo/producers.csv')).map((p) => ({ ...p, capacity: +p.capacity_per_day }));
const supply = csv(read('data/demo/supply.csv')).map((s) => ({ ...s, share: +s.share }));

const cityOf = (code) => { const d = divByCode.get(code); return d.level === 'county' ? divByCode.get(d.parent) : d.level === 'city' ? d : null; };
const provOf = (code) => divByCode.get(Math.floor(code / 10000) * 10000);
const cityName = (code) => { const c = cityOf(code); return c && c.name !== '市辖区' ? c.name : provOf(code).name; };

// ---- scopes -----------------------------------------------------------------------------------------
const hebeiCities = divisions.filter((d) => d.level === 'city' && d.parent === 130000);
const scopes = [
  { key: 'bth', name: '京津冀', name_en: 'Beijing–Tianjin–Hebei', test: () => true },
  { key: 'hebei', name: '河北省', name_en: 'Hebei', test: (c) => c >= 130000 && c < 140000 },
  { key: '110000', name: '北京市', name_en: 'Beijing', test: (c) => c >= 110000 && c < 120000 },
  { key: '120000', name: '天津市', name_en: 'Tianjin', test: (c) => c >= 120000 && c < 130000 },
  ...hebeiCities.map((d) => ({ key: String(d.code), name: d.name, test: (c) => Math.floor(c / 100) * 100 === d.code })),
];
const scopeOut = (s) => ({ key: s.key, name: s.name, name_en: s.name_en });

// ---- analysis (data/README.md's rules) ----------------------------------------------------------------
function analyze(chain, scope) {
  const ids = chain.links.map((l) => l.id);
  const inScope = (cc) => scope.test(enterprises.get(cc).region);
  const prods = producers.filter((p) => p.chain === chain.id);
  const cap = {}, capOut = {}, nIn = {}, nOut = {}, per = {};
  for (const id of ids) { cap[id] = 0; capOut[id] = 0; nIn[id] = 0; nOut[id] = 0; per[id] = []; }
  for (const p of prods) {
    if (!(p.link in cap)) continue;
    if (inScope(p.credit_code)) { cap[p.link] += p.capacity; nIn[p.link]++; per[p.link].push(p); }
    else { capOut[p.link] += p.capacity; nOut[p.link]++; }
  }
  const outs = {};
  for (const id of ids) outs[id] = [];
  for (const e of chain.bom) outs[e.input].push(e);
  const D = {}, N = {};
  const visit = (id) => {
    if (id in N) return N[id];
    D[id] = outs[id].reduce((a, e) => a + e.quantity * visit(e.output), 0);
    N[id] = Math.max(cap[id], D[id]);
    return N[id];
  };
  ids.forEach(visit);
  const links = chain.links.map((l) => {
    const terminal = outs[l.id].length === 0;
    const needed = D[l.id] > 0 || terminal;
    const C = cap[l.id];
    const hhi = C > 0 ? per[l.id].reduce((a, p) => a + (p.capacity / C) ** 2, 0) : null;
    const reasons = [];
    if (needed && nIn[l.id] > 0) {
      if (C < D[l.id] * (1 - 1e-9)) reasons.push({ kind: 'capacity_shortfall', capacity: C, demand: D[l.id] });
      if (nIn[l.id] === 1) reasons.push({ kind: 'single_producer', enterprise: enterprises.get(per[l.id][0].credit_code).name });
      else if (hhi >= 0.5) reasons.push({ kind: 'concentrated', hhi });
    }
    const status = l.import_dependent ? 'chokepoint' : !needed ? 'not_needed' : nIn[l.id] === 0 ? 'breakpoint' : reasons.length ? 'bottleneck' : 'healthy';
    const byRegion = new Map();
    for (const p of prods.filter((p) => p.link === l.id)) {
      const e = enterprises.get(p.credit_code);
      const c = cityOf(e.region);
      const code = c.name === '市辖区' ? c.parent : c.code;
      const r = byRegion.get(code) ?? { region: code, region_name: cityName(e.region), in_scope: scope.test(e.region), producers: 0, capacity: 0 };
      r.producers++; r.capacity += p.capacity; byRegion.set(code, r);
    }
    const sup = supply.filter((s) => s.chain === chain.id && s.link === l.id && inScope(s.buyer));
    const tot = sup.reduce((a, s) => a + s.share, 0);
    const src = new Map();
    for (const s of sup) {
      const e = enterprises.get(s.supplier);
      const key = cityName(e.region);
      const r = src.get(key) ?? { region: cityOf(e.region).code, region_name: key, in_scope: scope.test(e.region), share: 0 };
      r.share += s.share / tot; src.set(key, r);
    }
    return {
      id: l.id, name: l.name, segment: l.segment, unit: l.unit, import_dependent: !!l.import_dependent, status, needed,
      producers_in_scope: nIn[l.id], producers_out_of_scope: nOut[l.id], capacity_in_scope: C, capacity_out_of_scope: capOut[l.id],
      demand_in_scope: D[l.id], hhi, bottleneck_reasons: reasons,
      leading_producers: per[l.id].sort((a, b) => b.capacity - a.capacity).slice(0, 5).map((p) => {
        const e = enterprises.get(p.credit_code);
        return { credit_code: e.credit_code, name: e.name, region: e.region, region_name: divByCode.get(e.region).name, capacity: p.capacity, share: p.capacity / C, leading: e.leading, specialised: e.specialised };
      }),
      producers_by_region: [...byRegion.values()].sort((a, b) => b.capacity - a.capacity),
      supply_sources: [...src.values()].sort((a, b) => b.share - a.share),
      supply_in_scope_share: tot > 0 ? [...src.values()].filter((x) => x.in_scope).reduce((a, x) => a + x.share, 0) : null,
    };
  });
  const finding = (r, detail) => ({ link: r.id, name: r.name, segment: r.segment, producers_in_scope: r.producers_in_scope, capacity_in_scope: r.capacity_in_scope, demand_in_scope: r.demand_in_scope, unit: r.unit, detail });
  const bp = links.filter((r) => r.needed && r.producers_in_scope === 0 && !r.import_dependent);
  const bn = links.filter((r) => r.needed && r.bottleneck_reasons.length && !r.import_dependent);
  const cp = links.filter((r) => r.import_dependent);
  const gaps = [...bp, ...bn].map((r) => ({
    link: r.id, name: r.name, kind: r.status, shortfall: Math.max(0, r.demand_in_scope - r.capacity_in_scope), unit: r.unit,
    candidates: prods.filter((p) => p.link === r.id && !inScope(p.credit_code)).sort((a, b) => b.capacity - a.capacity).slice(0, 5).map((p) => {
      const e = enterprises.get(p.credit_code);
      return { credit_code: e.credit_code, name: e.name, region: e.region, region_name: divByCode.get(e.region).name, capacity: p.capacity, leading: e.leading, specialised: e.specialised };
    }),
  }));
  const keys = new Map();
  for (const r of links) for (const p of r.leading_producers) {
    const e = enterprises.get(p.credit_code);
    const k = keys.get(e.credit_code) ?? { credit_code: e.credit_code, name: e.name, region: e.region, region_name: divByCode.get(e.region).name, leading: e.leading, specialised: e.specialised, links: [], reasons: [], max_share: 0 };
    k.links.push(r.id); k.max_share = Math.max(k.max_share, p.share);
    if (e.leading && !k.reasons.includes('龙头企业')) k.reasons.push('龙头企业');
    if (e.specialised && !k.reasons.includes('专精特新')) k.reasons.push('专精特新');
    if (r.producers_in_scope === 1) k.reasons.push(`${r.name}唯一生产企业`);
    keys.set(e.credit_code, k);
  }
  const key = [...keys.values()].filter((k) => k.reasons.length || k.max_share >= 0.3).sort((a, b) => b.max_share - a.max_share);
  return {
    chain: { id: chain.id, name: chain.name }, scope: { key: scope.key, name: scope.name, divisions: divisions.filter((d) => d.level === 'county' && scope.test(d.code)).map((d) => d.code) },
    links, breakpoints: bp.map((r) => finding(r, `范围内无生产企业；需求 ${r.demand_in_scope.toFixed(1)} ${r.unit}/日`)),
    bottlenecks: bn.map((r) => finding(r, r.bottleneck_reasons.map((x) => x.kind === 'capacity_shortfall' ? `产能 ${x.capacity.toFixed(0)} 低于需求 ${x.demand.toFixed(0)} ${r.unit}/日` : x.kind === 'single_producer' ? `仅 ${x.enterprise} 一家` : `HHI ${x.hhi.toFixed(2)}`).join('；'))),
    chokepoints: cp.map((r) => finding(r, chain.links.find((l) => l.id === r.id).note ?? '进口依赖')),
    gaps_to_fill: gaps, key_enterprises: key.slice(0, 50), key_enterprises_total: key.length,
  };
}

// ---- enterprises -------------------------------------------------------------------------------------
function entOut(e, viewer) {
  const d = divByCode.get(e.region), c = cityOf(e.region), p = provOf(e.region);
  const mine = viewer.role === 'admin' || viewer.role === 'analyst' || viewer.enterprise?.credit_code === e.credit_code;
  const links = producers.filter((x) => x.credit_code === e.credit_code);
  return {
    credit_code: e.credit_code, name: e.name, aliases: e.aliases,
    region: { code: d.code, name: d.name, city: c ? { code: c.code, name: c.name } : null, province: { code: p.code, name: p.name } },
    location: { lng: e.lng, lat: e.lat }, industry: e.industry ? { code: e.industry, name: industries.get(e.industry) ?? '' } : null,
    above_scale: e.above_scale, leading: e.leading, specialised: e.specialised, illustrative: e.illustrative, description: e.description,
    links: links.map((x) => ({ chain: x.chain, chain_name: chainById.get(x.chain)?.name ?? x.chain, link: x.link, link_name: chainById.get(x.chain)?.links.find((l) => l.id === x.link)?.name ?? x.link })),
    private: mine ? { contact_person: e.contact_person, contact_phone: e.contact_phone, capacities: links.map((x) => ({ chain: x.chain, link: x.link, link_name: chainById.get(x.chain)?.links.find((l) => l.id === x.link)?.name ?? x.link, capacity: x.capacity, unit: x.unit })) } : null,
    can_edit: mine, version: e.version,
  };
}

// ---- HTTP --------------------------------------------------------------------------------------------
const users = {
  admin: { password: 'chaindock-admin', role: 'admin', enterprise: null },
  analyst: { password: 'chaindock-analyst', role: 'analyst', enterprise: null },
  expert: { password: 'chaindock-expert', role: 'expert', enterprise: null },
  gwm: { password: 'chaindock-gwm', role: 'enterprise', enterprise: '91130606120551720G' },
  boe: { password: 'chaindock-boe', role: 'enterprise', enterprise: '91110105634657709B' },
};
const sessions = new Map();
const failures = new Map();

const send = (res, status, body, headers = {}) => {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  // Like the server: division codes (RegionCode) serialise as strings.
  const codes = ['code', 'parent', 'region', 'province', 'city'];
  res.end(body === undefined ? '' : JSON.stringify(body, (k, v) => (codes.includes(k) && typeof v === 'number' ? String(v) : k === 'divisions' ? v.map(String) : v)));
};
const err = (res, status, code, message, field = null, extra = {}) => send(res, status, { code, message, field, ...extra });
const body = (req) => new Promise((ok) => { const cs = []; req.on('data', (c) => cs.push(c)); req.on('end', () => ok(Buffer.concat(cs))); });

function meOut(s) {
  const u = users[s.username];
  const e = u.enterprise ? enterprises.get(u.enterprise) : null;
  return { username: s.username, role: u.role, enterprise: e ? { credit_code: e.credit_code, name: e.name } : null, csrf_token: s.csrf };
}

function multipart(buf, ctype) {
  const b = '--' + /boundary=(.+)$/.exec(ctype)[1];
  const s = buf.toString('utf8');
  return s.split(b).slice(1, -1).map((part) => {
    const [head, ...rest] = part.split('\r\n\r\n');
    return { name: /filename="([^"]*)"/.exec(head)?.[1] ?? 'file', text: rest.join('\r\n\r\n').replace(/\r\n$/, '') };
  });
}

const ALPHA = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const codeOk = (c) => c.length === 18 && ALPHA[(31 - ([...c.slice(0, 17)].reduce((a, ch, i) => a + ALPHA.indexOf(ch) * W[i], 0) % 31)) % 31] === c[17];

function importReport(files, commit) {
  const errors = [], warnings = [], rows = [];
  const out = files.map((f) => {
    const recs = csv(f.text);
    const kind = f.name.startsWith('enterprises') ? 'enterprises' : f.name.startsWith('producers') ? 'producers' : f.name.startsWith('supply') ? 'supply' : 'links';
    recs.forEach((r, i) => {
      if (kind === 'enterprises') {
        if (!codeOk(r.credit_code ?? '')) errors.push({ file: f.name, row: i + 2, column: 'credit_code', value: r.credit_code, reason: '统一社会信用代码校验位错误' });
        if (!divByCode.has(+r.region)) errors.push({ file: f.name, row: i + 2, column: 'region', value: r.region, reason: '不是京津冀的区划代码或名称' });
        if (!r.name) errors.push({ file: f.name, row: i + 2, column: 'name', value: '', reason: '企业名称不能为空' });
        rows.push(r);
      }
    });
    return { file: f.name, format: extname(f.name).slice(1) || 'csv', tables: [[kind, recs.length]] };
  });
  const written = errors.length || !commit ? null : { enterprises: rows.length, chains: 0, producers: 0, supply: 0 };
  if (written) for (const r of rows) { const d = divByCode.get(+r.region); enterprises.set(r.credit_code, { credit_code: r.credit_code, name: r.name, aliases: [], region: +r.region, lng: d.lng, lat: d.lat, industry: r.industry || null, above_scale: r.above_scale === '1', leading: r.leading === '1', specialised: r.specialised === '1', illustrative: true, description: null, contact_person: null, contact_phone: null, version: 1 }); }
  return { files: out, errors, warnings, written, dry_run: !commit };
}

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json' };

createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  if (!p.startsWith('/api/')) {
    const f = p.startsWith('/assets/') && existsSync(join(dist, p)) ? join(dist, p) : join(dist, 'index.html');
    if (!existsSync(f)) return send(res, 404, { code: 'not_found', message: 'build web/ first', field: null });
    res.writeHead(200, { 'Content-Type': MIME[extname(f)] ?? 'application/octet-stream' });
    return res.end(readFileSync(f));
  }
  await new Promise((r) => setTimeout(r, 60));
  const sid = /chaindock_session=([a-f0-9]+)/.exec(req.headers.cookie ?? '')?.[1];
  const s = sid ? sessions.get(sid) : null;
  if (p === '/api/health') return send(res, 200, { status: 'ok' });
  if (p === '/api/login' && req.method === 'POST') {
    const { username, password } = JSON.parse((await body(req)).toString() || '{}');
    const f = (failures.get(username) ?? []).filter((t) => Date.now() - t < 60000);
    if (f.length >= 5) return err(res, 429, 'rate_limited', '登录失败次数过多，请稍后再试', null), undefined;
    const u = users[username];
    if (!u || u.password !== password) { failures.set(username, [...f, Date.now()]); return err(res, 401, 'unauthorized', '用户名或密码错误'); }
    const id = randomBytes(16).toString('hex');
    const sess = { username, csrf: randomBytes(16).toString('hex') };
    sessions.set(id, sess);
    return send(res, 200, meOut(sess), { 'Set-Cookie': `chaindock_session=${id}; HttpOnly; SameSite=Strict; Path=/` });
  }
  if (!s) return err(res, 401, 'unauthorized', '未登录或会话已过期');
  const viewer = { role: users[s.username].role, enterprise: users[s.username].enterprise ? { credit_code: users[s.username].enterprise } : null };
  if (req.method !== 'GET' && req.headers['x-csrf-token'] !== s.csrf) return err(res, 403, 'csrf', 'CSRF 令牌缺失或错误');
  if (p === '/api/logout') { sessions.delete(sid); res.writeHead(204, { 'Set-Cookie': 'chaindock_session=; Max-Age=0; Path=/' }); return res.end(); }
  if (p === '/api/me') return send(res, 200, meOut(s));
  if (p === '/api/scopes') return send(res, 200, scopes.map(scopeOut));
  if (p === '/api/regions') return send(res, 200, divisions);
  const findScope = () => scopes.find((x) => x.key === (url.searchParams.get('scope') ?? 'bth'));
  if (p === '/api/dashboard') {
    const sc = findScope();
    if (!sc) return err(res, 422, 'invalid', 'unknown scope', 'scope');
    const ents = [...enterprises.values()].filter((e) => sc.test(e.region));
    const per = chains.map((c) => { const a = analyze(c, sc); return { id: c.id, name: c.name, links: c.links.length, enterprises: new Set(producers.filter((x) => x.chain === c.id).map((x) => x.credit_code)).size, breakpoints: a.breakpoints.length, bottlenecks: a.bottlenecks.length, chokepoints: a.chokepoints.length }; });
    const byCity = new Map();
    // Like the server: the map units are Hebei's cities and the districts of Beijing and Tianjin.
    for (const e of ents) { const c = e.region < 130000 ? divByCode.get(e.region) : cityOf(e.region); const r = byCity.get(c.code) ?? { code: c.code, name: c.name, province: provOf(e.region).code, lng: c.lng, lat: c.lat, enterprises: 0 }; r.enterprises++; byCity.set(c.code, r); }
    return send(res, 200, {
      totals: { enterprises: ents.length, chains: chains.length, producers: producers.length, supply: supply.length, breakpoints: per.reduce((a, c) => a + c.breakpoints, 0), bottlenecks: per.reduce((a, c) => a + c.bottlenecks, 0), chokepoints: per.reduce((a, c) => a + c.chokepoints, 0) },
      by_province: [110000, 120000, 130000].map((c) => ({ code: c, name: divByCode.get(c).name, enterprises: ents.filter((e) => provOf(e.region).code === c).length })),
      by_city: [...byCity.values()], chains: per,
      points: ents.sort((a, b) => b.leading - a.leading || b.specialised - a.specialised).map((e) => ({ credit_code: e.credit_code, name: e.name, lng: e.lng, lat: e.lat, city: cityOf(e.region).code, leading: e.leading, specialised: e.specialised })),
    });
  }
  if (p === '/api/enterprises' && req.method === 'GET') {
    const q = url.searchParams;
    let list = [...enterprises.values()];
    if (q.get('q')) list = list.filter((e) => e.name.includes(q.get('q')) || e.aliases.some((a) => a.includes(q.get('q'))) || e.credit_code === q.get('q'));
    if (q.get('region')) { const r = q.get('region'); list = list.filter((e) => String(e.region).startsWith(r.replace(/0+$/, ''))); }
    if (q.get('chain')) list = list.filter((e) => producers.some((x) => x.credit_code === e.credit_code && x.chain === q.get('chain')));
    if (q.get('industry')) list = list.filter((e) => (e.industry ?? '').startsWith(q.get('industry')));
    if (q.get('leading') === 'true') list = list.filter((e) => e.leading);
    if (q.get('specialised') === 'true') list = list.filter((e) => e.specialised);
    const offset = +(q.get('offset') ?? 0), limit = Math.min(500, +(q.get('limit') ?? 50));
    // Like the server: list items are the public summary (no links, private, can_edit, version).
    const summary = (x) => { const { description, links, private: _p, can_edit, version, ...rest } = entOut(x, viewer); return rest; };
    return send(res, 200, { items: list.slice(offset, offset + limit).map(summary), total: list.length, offset, limit });
  }
  if (p === '/api/enterprises' && req.method === 'POST') {
    if (!['admin', 'analyst'].includes(viewer.role)) return err(res, 403, 'forbidden', '无权新增企业');
    const b = JSON.parse((await body(req)).toString());
    if (!codeOk(b.credit_code ?? '')) return err(res, 422, 'invalid', `credit_code: ${b.credit_code} has a wrong check character`, 'credit_code');
    if (enterprises.has(b.credit_code)) return err(res, 409, 'conflict', '该统一社会信用代码已存在');
    const d = divByCode.get(+b.region);
    if (!d) return err(res, 422, 'invalid', 'region: unknown', 'region');
    const e = { ...b, aliases: b.aliases ?? [], region: +b.region, lng: b.location?.lng ?? d.lng, lat: b.location?.lat ?? d.lat, illustrative: false, version: 1 };
    enterprises.set(e.credit_code, e);
    return send(res, 201, entOut(e, viewer));
  }
  let m;
  if ((m = /^\/api\/enterprises\/([^/]+)$/.exec(p))) {
    const e = enterprises.get(decodeURIComponent(m[1]));
    if (!e) return err(res, 404, 'not_found', '企业不存在');
    if (req.method === 'GET') return send(res, 200, entOut(e, viewer));
    if (req.method === 'PUT') {
      if (!entOut(e, viewer).can_edit) return err(res, 403, 'forbidden', '无权修改该企业');
      const b = JSON.parse((await body(req)).toString());
      if (b.version !== e.version) return err(res, 409, 'conflict', `该企业已被他人修改（当前版本 ${e.version}，你读取的是 ${b.version}）`);
      Object.assign(e, { ...b, region: +b.region, lng: b.location?.lng ?? e.lng, lat: b.location?.lat ?? e.lat, version: e.version + 1 });
      return send(res, 200, entOut(e, viewer));
    }
  }
  if (p === '/api/chains') return send(res, 200, chains.map((c) => ({ id: c.id, name: c.name, links: c.links.length, producers: producers.filter((x) => x.chain === c.id).length, enterprises: new Set(producers.filter((x) => x.chain === c.id).map((x) => x.credit_code)).size })));
  if ((m = /^\/api\/chains\/([^/]+)(\/analysis)?$/.exec(p))) {
    const c = chainById.get(m[1]);
    if (!c) return err(res, 404, 'not_found', '产业链不存在');
    if (!m[2]) return send(res, 200, c);
    const sc = findScope();
    if (!sc) return err(res, 422, 'invalid', `unknown scope ${url.searchParams.get('scope')}`, 'scope');
    return send(res, 200, analyze(c, sc));
  }
  if (p === '/api/import' && req.method === 'POST') {
    if (!['admin', 'analyst'].includes(viewer.role)) return err(res, 403, 'forbidden', '无权导入');
    const commit = url.searchParams.get('commit') === 'true';
    const rep = importReport(multipart(await body(req), req.headers['content-type']), commit);
    if (commit && rep.errors.length) return err(res, 422, 'invalid', `${rep.errors.length} errors; nothing written`, null, { report: rep });
    return send(res, 200, rep);
  }
  return err(res, 404, 'not_found', `no route ${p}`);
}).listen(port, '127.0.0.1', () => console.log(`dev mock on http://127.0.0.1:${port}`));
