import { api } from '../api';
import { makeChart, PALETTE } from '../charts';
import { h, num, replace } from '../dom';
import { localName, placeName, t } from '../i18n';
import { bthGeo, bthNames } from '../map';
import { setQuery, type Ctx } from '../router';
import { getRegions, getScopes, mapRegionName } from '../state';
import type { Dashboard, Region } from '../types';
import { card, errorBox, loading, pageHead, scopeSelect, table } from '../ui';

export async function renderDashboard(ctx: Ctx): Promise<void> {
  const { main } = ctx;
  replace(main, loading());
  const scopes = await getScopes();
  if (!ctx.alive()) return;
  let scope = ctx.query.get('scope') ?? 'bth';
  if (!scopes.some((s) => s.key === scope)) scope = scopes[0]?.key ?? 'bth';

  const body = h('div.dash-body');
  const sel = scopeSelect(scopes, scope, (k) => {
    scope = k;
    setQuery('/', { scope: k === 'bth' ? null : k });
    void load();
  });
  replace(main, pageHead(t('dash_title'), h('label.inline-field', null, h('span', null, t('scope')), sel)), body);

  let first = true;
  async function load(): Promise<void> {
    if (first) replace(body, loading());
    body.classList.add('busy');
    try {
      const [d, regions] = await Promise.all([api.dashboard(scope), getRegions()]);
      if (!ctx.alive()) return;
      draw(d, regions);
      first = false;
    } catch (e) {
      if (!ctx.alive()) return;
      replace(body, errorBox(e));
    } finally {
      body.classList.remove('busy');
    }
  }

  function draw(d: Dashboard, regions: Region[]): void {
    const byCode = new Map(regions.map((r) => [r.code, r]));
    const k = d.totals;
    const kpi = (key: Parameters<typeof t>[0], v: number, kind: string, testid: string, note?: string) =>
      h(
        'div.kpi',
        { class: `kpi-${kind}`, testid },
        h('div.kpi-label', null, t(key), note && h('span.kpi-note', null, note)),
        h('div.kpi-value', null, num(v)),
      );
    const sc = scopes.find((x) => x.key === scope);
    const scopeLabel = scope === 'bth' ? undefined : sc ? localName(sc) : scope;
    const inScope = scopeRegions(scope, byCode);
    const provinces = h(
      'div.kpi.kpi-wide',
      { testid: 'kpi-by-province' },
      h('div.kpi-label', null, t('kpi_by_province')),
      h(
        'div.kpi-split',
        null,
        d.by_province.map((p) =>
          h(
            'div.kpi-split-item',
            { testid: `kpi-province-${p.code}` },
            h('span.kpi-split-name', null, placeName(p.name, byCode.get(p.code)?.name_en)),
            h('span.kpi-split-value', null, num(p.enterprises)),
          ),
        ),
      ),
    );
    const kpis = h(
      'div.kpis',
      { testid: 'kpis' },
      kpi('kpi_enterprises', scopedEnterprises(d, inScope, byCode) ?? k.enterprises, 'primary', 'kpi-enterprises', scopeLabel),
      kpi('kpi_chains', k.chains, 'plain', 'kpi-chains'),
      kpi('kpi_breakpoints', k.breakpoints, 'breakpoint', 'kpi-breakpoints', scopeLabel),
      kpi('kpi_bottlenecks', k.bottlenecks, 'bottleneck', 'kpi-bottlenecks', scopeLabel),
      kpi('kpi_chokepoints', k.chokepoints, 'chokepoint', 'kpi-chokepoints'),
      provinces,
    );

    const mapEl = h('div.map-box', { testid: 'map' });
    const cityEl = h('div.city-bars', { testid: 'city-bars' });
    const pointsNote = h('div.muted.small', { testid: 'map-points-note' }, t('map_points_note', { n: num(d.points.length) }));

    const chainRows = table(
      d.chains,
      [
        { title: t('col_chain'), cell: (c) => h('a', { href: `#/chains/${c.id}?scope=${scope}` }, c.name) },
        { title: t('col_links'), cell: (c) => num(c.links), class: 'num' },
        { title: t('col_enterprises'), cell: (c) => num(c.enterprises), class: 'num' },
        { title: t('col_breakpoints'), cell: (c) => countPill(c.breakpoints, 'breakpoint'), class: 'num' },
        { title: t('col_bottlenecks'), cell: (c) => countPill(c.bottlenecks, 'bottleneck'), class: 'num' },
        { title: t('col_chokepoints'), cell: (c) => countPill(c.chokepoints, 'chokepoint'), class: 'num' },
        { title: '', cell: (c) => h('a.link-more', { href: `#/chains/${c.id}?scope=${scope}` }, `${t('open_panorama')} ›`), class: 'right' },
      ],
      { testid: 'chains-table', rowTestid: (c) => `chain-row-${c.id}`, rowHref: (c) => `#/chains/${c.id}?scope=${scope}` },
    );

    replace(
      body,
      kpis,
      h(
        'div.grid-2-1',
        null,
        card(t('map_title'), [mapEl, pointsNote], { testid: 'map-card', class: 'card-map' }),
        card(t('map_enterprises'), cityEl, { testid: 'city-card' }),
      ),
      card(t('chains_table'), chainRows, { testid: 'chains-card' }),
    );

    drawMap(mapEl, d, byCode, inScope);
    drawCities(cityEl, d, byCode, inScope);
  }

  await load();
}

function countPill(n: number, kind: string): HTMLElement {
  return h('span.count-pill', { class: n > 0 ? `pill-${kind}` : 'pill-zero' }, String(n));
}

/** The map regions (北京市, 天津市, Hebei's cities) a scope covers; null for all of them. */
function scopeRegions(scope: string, byCode: Map<number, Region>): Set<string> | null {
  if (scope === 'bth') return null;
  if (scope === 'hebei' || scope === '130000')
    return new Set([...byCode.values()].filter((r) => r.level === 'city' && r.parent === 130000).map((r) => r.name));
  const code = Number(scope);
  const r = byCode.get(code);
  if (!r) return null;
  return new Set([mapRegionName(code, r.name, byCode)]);
}

/** Enterprises in the scope, from the per-region counts (the totals are for all three provinces). */
function scopedEnterprises(d: Dashboard, inScope: Set<string> | null, byCode: Map<number, Region>): number | null {
  if (!inScope) return null;
  return d.by_city.filter((c) => inScope.has(mapRegionName(c.code, c.name, byCode))).reduce((a, c) => a + c.enterprises, 0);
}

function drawMap(el: HTMLElement, d: Dashboard, byCode: Map<number, Region>, inScope: Set<string> | null): void {
  const { names, byName, nameMap, shown, zh } = bthNames(byCode);
  const counts = new Map<string, number>();
  for (const c of d.by_city) {
    const n = mapRegionName(c.code, c.name, byCode);
    counts.set(n, (counts.get(n) ?? 0) + c.enterprises);
  }
  const max = Math.max(1, ...counts.values());
  const pt = (p: Dashboard['points'][number]) => ({ name: p.name, value: [p.lng, p.lat], code: p.credit_code });
  const leading = d.points.filter((p) => p.leading);
  const specialised = d.points.filter((p) => !p.leading && p.specialised);
  const others = d.points.filter((p) => !p.leading && !p.specialised);

  const chart = makeChart(el, 'map');
  chart.setOption({
    tooltip: {
      trigger: 'item',
      formatter: (p: { seriesType: string; name: string; value: unknown; seriesName: string }) =>
        p.seriesType === 'map'
          ? `${p.name}<br/>${t('map_enterprises')}: <b>${num(Number(p.value) || 0)}</b>`
          : `${p.name}<br/><span style="color:#888">${p.seriesName}</span>`,
    },
    legend: {
      bottom: 8,
      right: 10,
      orient: 'vertical',
      itemWidth: 10,
      itemHeight: 10,
      data: [t('map_point_leading'), t('map_point_specialised'), t('map_point_other')],
      backgroundColor: 'rgba(255,255,255,0.85)',
      padding: 6,
    },
    visualMap: {
      type: 'continuous',
      seriesIndex: 0,
      min: 0,
      max,
      left: 10,
      bottom: 10,
      itemHeight: 90,
      itemWidth: 10,
      text: [num(max), '0'],
      calculable: false,
      inRange: { color: ['#eef3fa', '#bcd2ef', '#6f9bd8', '#2c62b4'] },
      textStyle: { fontSize: 11, color: '#5c6b80' },
    },
    geo: bthGeo({
      nameMap,
      // The scope's regions outlined.
      regions: inScope ? [...inScope].map((n) => ({ name: shown(n), itemStyle: { borderColor: '#0f2d57', borderWidth: 2.2 } })) : [],
    }),
    series: [
      {
        type: 'map',
        name: t('map_enterprises'),
        geoIndex: 0,
        data: names.map((n) => ({ name: shown(n), value: counts.get(n) ?? 0 })),
      },
      {
        type: 'scatter',
        name: t('map_point_other'),
        coordinateSystem: 'geo',
        symbolSize: 4,
        itemStyle: { color: PALETTE.other, opacity: 0.7 },
        data: others.map(pt),
        zlevel: 1,
      },
      {
        type: 'scatter',
        name: t('map_point_specialised'),
        coordinateSystem: 'geo',
        symbol: 'diamond',
        symbolSize: 8,
        itemStyle: { color: PALETTE.specialised, borderColor: '#fff', borderWidth: 0.5 },
        data: specialised.map(pt),
        zlevel: 1,
      },
      {
        type: 'scatter',
        name: t('map_point_leading'),
        coordinateSystem: 'geo',
        symbol: 'pin',
        symbolSize: 13,
        itemStyle: { color: PALETTE.leading, borderColor: '#fff', borderWidth: 0.5 },
        data: leading.map(pt),
        zlevel: 2,
      },
    ],
  });
  chart.on('click', (p) => {
    const data = p.data as { code?: string } | undefined;
    if (p.seriesType === 'scatter' && data?.code) location.hash = `#/enterprises/${data.code}`;
    else if (p.seriesType === 'map' || p.componentType === 'geo') {
      const r = byName.get(zh(p.name));
      if (r) location.hash = `#/registry?region=${r.code}`;
    }
  });
}

function drawCities(el: HTMLElement, d: Dashboard, byCode: Map<number, Region>, inScope: Set<string> | null): void {
  const rows = new Map<string, { name: string; code: number; n: number }>();
  for (const c of d.by_city) {
    const key = mapRegionName(c.code, c.name, byCode);
    const code = key === '北京市' ? 110000 : key === '天津市' ? 120000 : c.code;
    const cur = rows.get(key) ?? { name: key, code, n: 0 };
    cur.n += c.enterprises;
    rows.set(key, cur);
  }
  const list = [...rows.values()].sort((a, b) => b.n - a.n);
  const max = Math.max(1, ...list.map((r) => r.n));
  replace(
    el,
    list.map((r) =>
      h(
        'a.city-bar',
        { href: `#/registry?region=${r.code}`, testid: `city-${r.code}`, class: inScope?.has(r.name) ? 'on' : '' },
        h('span.city-bar-name', null, placeName(r.name, byCode.get(r.code)?.name_en)),
        h('span.city-bar-track', null, h('span.city-bar-fill', { style: `width:${(100 * r.n) / max}%` })),
        h('span.city-bar-value', null, num(r.n)),
      ),
    ),
  );
}

