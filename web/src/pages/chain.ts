import { api } from '../api';
import { disposeChart, makeChart, PALETTE, STATUS_COLOR, type ECharts } from '../charts';
import { h, num, pct, replace, type Child } from '../dom';
import { localName, t, type Key } from '../i18n';
import { layoutChain, type ChainLayout } from '../layout';
import { setQuery, type Ctx } from '../router';
import { getScopes } from '../state';
import type { Analysis, BottleneckReason, Chain, Finding, LinkReport, LinkStatus, Scope } from '../types';
import { badge, card, errorBox, flags, loading, table } from '../ui';

const STATUS_TINT: Record<LinkStatus, string> = {
  breakpoint: '#fdecea',
  bottleneck: '#fff3e0',
  chokepoint: '#f3ebfb',
  healthy: '#e9f6ee',
  not_needed: '#f2f4f7',
};
const STATUSES: LinkStatus[] = ['breakpoint', 'bottleneck', 'chokepoint', 'healthy', 'not_needed'];
const FONT = '"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif';
const ROW_PX = 66;

export const statusLabel = (s: LinkStatus) => t(`st_${s}` as Key);
const segLabel = (s: string) => t(`seg_${s}` as Key);

export async function renderChain(ctx: Ctx, id: string): Promise<void> {
  const { main } = ctx;
  replace(main, loading());
  const [chain, scopes] = await Promise.all([api.chain(id), getScopes()]);
  if (!ctx.alive()) return;
  let scope = ctx.query.get('scope') ?? 'hebei';
  if (!scopes.some((s) => s.key === scope)) scope = scopes.find((s) => s.key === 'hebei')?.key ?? scopes[0]?.key ?? 'bth';
  const layout = layoutChain(chain);
  const linkById = new Map(chain.links.map((l) => [l.id, l]));

  let analysis: Analysis | null = null;
  let selected: string | null = null;

  // --- the page's frame ---------------------------------------------------------------------------
  const scopeBar = h('div.scope-bar');
  const legend = h(
    'div.legend',
    { testid: 'status-legend' },
    STATUSES.map((s) => h('span.legend-item', { testid: `legend-${s}` }, h('i.legend-swatch', { style: `background:${STATUS_TINT[s]};border-color:${STATUS_COLOR[s]}` }), statusLabel(s))),
  );
  const chartWrap = h('div.pano-scroll');
  const chartEl = h('div.pano-chart', { testid: 'panorama-chart' });
  chartWrap.appendChild(chartEl);
  const counts = h('div.pano-counts', { testid: 'pano-counts' });
  const lists = h('div.pano-lists', { testid: 'pano-lists' });
  const keyBox = h('div', { testid: 'key-enterprises' });
  const panel = h('aside.drawer', { testid: 'link-panel', 'aria-hidden': 'true' });
  const status = h('div.pano-status');

  replace(
    main,
    h(
      'div.page-head',
      null,
      h(
        'div',
        null,
        h('div.crumbs', null, h('a', { href: '#/chains' }, t('nav_chains')), ' / ', t('pano_title')),
        h('h1.page-title', { testid: 'chain-title' }, chain.name),
        chain.description && h('p.page-desc', null, chain.description),
      ),
      h('div.page-actions', null, h('a.btn', { href: `#/risk/${encodeURIComponent(id)}`, testid: 'chain-to-risk' }, t('open_risk'))),
    ),
    h('div.toolbar', null, h('span.toolbar-label', null, t('scope')), scopeBar),
    status,
    h(
      'div.pano-grid',
      null,
      card(t('pano_title'), [counts, chartWrap], { testid: 'panorama', extra: legend, class: 'card-pano' }),
      lists,
    ),
    card(t('list_key'), keyBox, { testid: 'key-card' }),
    panel,
  );

  const chart = makeChart(chartEl, 'chain');
  chart.on('click', (p) => {
    if (p.seriesId === 'nodes' && typeof p.dataIndex === 'number') select(nodeOrder[p.dataIndex]);
  });

  const nodeOrder = chain.links.map((l) => l.id);

  function drawScopeBar(): void {
    const main: Scope[] = scopes.filter((s) => !/^13\d{2}00$/.test(s.key));
    const cities = scopes.filter((s) => /^13\d{2}00$/.test(s.key));
    const citySel = h(
      'select.select',
      {
        testid: 'scope-city',
        class: cities.some((c) => c.key === scope) ? 'on' : '',
        onchange: () => citySel.value && switchScope(citySel.value),
      },
      h('option', { value: '' }, t('hebei_cities')),
      cities.map((c) => h('option', { value: c.key, selected: c.key === scope }, localName(c))),
    );
    replace(
      scopeBar,
      h(
        'div.seg-tabs',
        { testid: 'scope-tabs' },
        main.map((s) =>
          h('button.seg-tab', { class: s.key === scope ? 'on' : '', testid: `scope-${s.key}`, onclick: () => switchScope(s.key) }, localName(s)),
        ),
      ),
      citySel,
    );
  }

  function switchScope(k: string): void {
    if (k === scope) return;
    scope = k;
    setQuery(`/chains/${encodeURIComponent(id)}`, { scope: k });
    drawScopeBar();
    void load();
  }

  async function load(): Promise<void> {
    status.replaceChildren();
    main.classList.add('busy');
    chartEl.setAttribute('data-loading', 'true');
    try {
      const a = await api.analysis(id, scope);
      if (!ctx.alive()) return;
      analysis = a;
      drawAll();
    } catch (e) {
      if (!ctx.alive()) return;
      replace(status, errorBox(e, 'analysis-error'));
    } finally {
      main.classList.remove('busy');
      chartEl.removeAttribute('data-loading');
    }
  }

  function drawAll(): void {
    if (!analysis) return;
    const a = analysis;
    chartEl.setAttribute('data-scope', a.scope.key);
    // The lists, not the drawn statuses: an import-dependent link without producers is drawn as a
    // breakpoint and is listed among the chokepoints too.
    const by = new Map<LinkStatus, number>([
      ['breakpoint', a.breakpoints.length],
      ['bottleneck', a.bottlenecks.length],
      ['chokepoint', a.chokepoints.length],
      ['healthy', a.links.filter((l) => l.status === 'healthy').length],
    ]);
    replace(
      counts,
      (['breakpoint', 'bottleneck', 'chokepoint', 'healthy'] as LinkStatus[]).map((s) =>
        h('span.count-chip', { class: `chip-${s}`, testid: `count-${s}` }, statusLabel(s), h('b', null, String(by.get(s) ?? 0))),
      ),
    );
    drawChart(chart, chain, layout, a, selected);
    drawLists(a);
    drawKey(a);
    if (selected) drawPanel(selected);
  }

  function select(linkId: string | null): void {
    selected = linkId;
    if (analysis) drawChart(chart, chain, layout, analysis, selected);
    if (linkId) drawPanel(linkId);
    else {
      // Its charts stay until the next link or page: the panel slides out with them drawn.
      panel.classList.remove('open');
      panel.setAttribute('aria-hidden', 'true');
    }
  }

  // --- the lists beside the drawing ----------------------------------------------------------------
  function findingList(key: Key, testid: string, kind: LinkStatus, items: Finding[]): HTMLElement {
    return card(
      h('span', null, h('i.dot', { style: `background:${STATUS_COLOR[kind]}` }), t(key), h('span.card-count', null, String(items.length))),
      items.length === 0
        ? h('div.empty-small', null, t('none'))
        : h(
            'ul.finding-list',
            null,
            items.map((f) =>
              h(
                'li.finding',
                { testid: `${testid}-${f.link}`, onclick: () => select(f.link) },
                h('div.finding-head', null, h('span.finding-name', null, f.name), h('span.finding-seg', null, segLabel(f.segment))),
                h('div.finding-detail', null, f.detail),
              ),
            ),
          ),
      { testid, class: 'card-list' },
    );
  }

  function drawLists(a: Analysis): void {
    const gaps = card(
      h('span', null, t('list_gaps'), h('span.card-count', null, String(a.gaps_to_fill.length))),
      a.gaps_to_fill.length === 0
        ? h('div.empty-small', null, t('none'))
        : h(
            'ul.gap-list',
            null,
            a.gaps_to_fill.map((g) =>
              h(
                'li.gap',
                { testid: `gap-${g.link}` },
                h(
                  'div.finding-head',
                  null,
                  h('a.finding-name', { href: 'javascript:void 0', onclick: () => select(g.link) }, g.name),
                  badge(statusLabel(g.kind), g.kind),
                ),
                g.shortfall > 0 && h('div.finding-detail', null, `${t('shortfall')} ${t('per_day', { q: num(g.shortfall), u: g.unit })}`),
                g.candidates.length === 0
                  ? h('div.finding-detail.muted', null, t('no_candidates'))
                  : h(
                      'div.cands',
                      null,
                      h('span.muted', null, `${t('candidates')}：`),
                      g.candidates.map((c) =>
                        h('a.cand', { href: `#/enterprises/${c.credit_code}`, title: c.capacity === null ? '' : `${num(c.capacity)} ${g.unit}` }, c.name, h('span.muted', null, `（${c.region_name}）`)),
                      ),
                    ),
              ),
            ),
          ),
      { testid: 'gaps', class: 'card-list' },
    );
    replace(
      lists,
      findingList('list_breakpoints', 'breakpoints', 'breakpoint', a.breakpoints),
      findingList('list_bottlenecks', 'bottlenecks', 'bottleneck', a.bottlenecks),
      findingList('list_chokepoints', 'chokepoints', 'chokepoint', a.chokepoints),
      gaps,
    );
  }

  function drawKey(a: Analysis): void {
    replace(
      keyBox,
      a.key_enterprises_total > a.key_enterprises.length &&
        h('div.muted.small', null, t('list_key_total', { n: a.key_enterprises_total, m: a.key_enterprises.length })),
      table(
        a.key_enterprises,
        [
          { title: t('col_name'), cell: (e) => h('a', { href: `#/enterprises/${e.credit_code}` }, e.name) },
          { title: t('col_region'), cell: (e) => e.region_name },
          { title: t('col_flags'), cell: (e) => flags(e) },
          { title: t('col_chain_links'), cell: (e) => e.links.map((l) => linkById.get(l)?.name ?? l).join('、') },
          { title: t('col_reasons'), cell: (e) => e.reasons.join('；') },
          { title: t('col_share'), cell: (e) => (e.max_share === null ? '—' : pct(e.max_share)), class: 'num' },
        ],
        { testid: 'key-table' },
      ),
    );
  }

  // --- the side panel ------------------------------------------------------------------------------
  function drawPanel(linkId: string): void {
    const r = analysis?.links.find((l) => l.id === linkId);
    const meta = linkById.get(linkId);
    if (!r || !meta) return;
    for (const c of panelCharts.splice(0)) disposeChart(c);
    panel.classList.add('open');
    panel.setAttribute('aria-hidden', 'false');
    panel.setAttribute('data-link', linkId);
    const coverage = r.demand_in_scope > 0 ? r.capacity_in_scope / r.demand_in_scope : null;
    const max = Math.max(r.capacity_in_scope, r.demand_in_scope, 1e-9);
    const perDay = t('unit_per_day', { u: r.unit });
    const regionChart = h('div.mini-chart', { testid: 'panel-regions-chart' });
    const sourceChart = h('div.mini-chart', { testid: 'panel-sources-chart' });
    replace(
      panel,
      h(
        'div.drawer-head',
        null,
        h(
          'div',
          null,
          h('div.drawer-title', { testid: 'panel-title' }, meta.name),
          h(
            'div.drawer-sub',
            null,
            badge(statusLabel(r.status), r.status, 'panel-status'),
            h('span', null, segLabel(r.segment)),
            h('span', null, `${t('unit')}: ${r.unit}`),
            r.import_dependent && badge(t('import_dependent'), 'chokepoint'),
          ),
        ),
        h('button.btn.btn-ghost.btn-icon', { testid: 'panel-close', title: t('close'), onclick: () => select(null) }, '×'),
      ),
      h(
        'div.drawer-body',
        null,
        meta.note && h('p.muted.small', null, meta.note),
        h(
          'div.stat-grid',
          null,
          stat(t('producers_in_scope'), num(r.producers_in_scope)),
          stat(t('producers_out_scope'), num(r.producers_out_of_scope)),
          stat(t('hhi'), r.hhi === null ? '—' : num(r.hhi)),
          stat(t('supply_in_scope_share'), pct(r.supply_in_scope_share)),
        ),
        section(
          t('panel_capacity_demand'),
          h(
            'div.capdem',
            { testid: 'panel-capacity' },
            bar(t('capacity_in_scope'), r.capacity_in_scope, max, PALETTE.inScope, perDay),
            r.demand_in_scope > 0 || r.needed
              ? bar(t('demand_in_scope'), r.demand_in_scope, max, '#8d99ab', perDay)
              : null,
            r.demand_in_scope === 0 && r.needed && h('div.muted.small', null, t('terminal_link')),
            coverage !== null && h('div.small', null, `${t('coverage')}: `, h('b', { class: coverage < 1 ? 'text-bad' : 'text-good' }, pct(coverage))),
            h('div.muted.small', null, `${t('capacity_out_scope')}: ${num(r.capacity_out_of_scope)} ${perDay}`),
          ),
        ),
        r.bottleneck_reasons.length > 0 &&
          section(t('panel_reasons'), h('ul.reasons', { testid: 'panel-reasons' }, r.bottleneck_reasons.map((b) => h('li', null, reasonText(b, r.unit))))),
        section(t('panel_producers_by_region'), r.producers_by_region.length ? regionChart : h('div.empty-small', null, t('no_producers'))),
        section(t('panel_supply_sources'), r.supply_sources.length ? sourceChart : h('div.empty-small', null, t('no_supply'))),
        section(
          t('panel_leading'),
          table(
            r.leading_producers,
            [
              { title: t('col_name'), cell: (p) => h('a', { href: `#/enterprises/${p.credit_code}` }, p.name, ' ', flags(p)) },
              { title: t('col_region'), cell: (p) => p.region_name },
              { title: t('col_capacity'), cell: (p) => (p.capacity === null ? h('span.muted', null, t('private_hidden')) : num(p.capacity)), class: 'num' },
              { title: t('col_share'), cell: (p) => (p.share === null ? '—' : pct(p.share)), class: 'num' },
            ],
            { testid: 'panel-leading', empty: t('no_producers') },
          ),
        ),
      ),
    );
    if (r.producers_by_region.length) drawRegions(regionChart, r);
    if (r.supply_sources.length) drawSources(sourceChart, r);
  }

  drawScopeBar();
  await load();
}

function stat(label: string, value: Child): HTMLElement {
  return h('div.stat', null, h('div.stat-label', null, label), h('div.stat-value', null, value));
}

function section(title: string, body: Child): HTMLElement {
  return h('section.drawer-sec', null, h('h3.drawer-sec-title', null, title), body);
}

function bar(label: string, v: number, max: number, color: string, unit: string): HTMLElement {
  return h(
    'div.hbar',
    null,
    h('div.hbar-label', null, label),
    h('div.hbar-track', null, h('div.hbar-fill', { style: `width:${Math.max(0.5, (100 * v) / max)}%;background:${color}` })),
    h('div.hbar-value', null, `${num(v)} ${unit}`),
  );
}

function reasonText(b: BottleneckReason, unit: string): string {
  switch (b.kind) {
    case 'capacity_shortfall':
      return t('reason_capacity_shortfall', { c: `${num(b.capacity)} ${unit}`, d: `${num(b.demand)} ${unit}` });
    case 'single_producer':
      return t('reason_single_producer', { e: b.enterprise });
    case 'concentrated':
      return t('reason_concentrated', { h: num(b.hhi) });
  }
}

const panelCharts: ECharts[] = [];

function drawRegions(el: HTMLElement, r: LinkReport): void {
  const rows = [...r.producers_by_region].sort((a, b) => a.capacity - b.capacity);
  el.style.height = `${Math.max(120, rows.length * 26 + 50)}px`;
  const chart = makeChart(el, 'panel-regions');
  panelCharts.push(chart);
  chart.setOption({
    grid: { left: 8, right: 50, top: 28, bottom: 8, containLabel: true },
    legend: { top: 0, left: 0, itemWidth: 10, itemHeight: 10, data: [t('in_scope'), t('out_of_scope')] },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (ps: { dataIndex: number }[]) => {
        const x = rows[ps[0].dataIndex];
        return `${x.region_name}<br/>${x.in_scope ? t('in_scope') : t('out_of_scope')}<br/>${t('col_capacity')}: <b>${num(x.capacity)} ${r.unit}</b><br/>${t('col_enterprises')}: ${x.producers}`;
      },
    },
    xAxis: { type: 'value', axisLabel: { fontSize: 10, color: '#7a8699' }, splitLine: { lineStyle: { color: '#eef1f5' } } },
    yAxis: { type: 'category', data: rows.map((x) => x.region_name), axisLabel: { fontSize: 11, color: '#34465e' }, axisTick: { show: false } },
    series: [
      {
        type: 'bar',
        name: t('in_scope'),
        stack: 'c',
        barMaxWidth: 16,
        itemStyle: { color: PALETTE.inScope },
        label: { show: true, position: 'right', fontSize: 10, color: '#34465e', formatter: (p: { value: number | null; dataIndex: number }) => (p.value ? `${num(p.value)}（${rows[p.dataIndex].producers}）` : '') },
        data: rows.map((x) => (x.in_scope ? x.capacity : null)),
      },
      {
        type: 'bar',
        name: t('out_of_scope'),
        stack: 'c',
        barMaxWidth: 16,
        itemStyle: { color: PALETTE.outScope },
        label: { show: true, position: 'right', fontSize: 10, color: '#7a8699', formatter: (p: { value: number | null; dataIndex: number }) => (p.value ? `${num(p.value)}（${rows[p.dataIndex].producers}）` : '') },
        data: rows.map((x) => (x.in_scope ? null : x.capacity)),
      },
    ],
  });
}

function drawSources(el: HTMLElement, r: LinkReport): void {
  el.style.height = '220px';
  const chart = makeChart(el, 'panel-sources');
  panelCharts.push(chart);
  const blues = ['#1f5fbf', '#3d7bd6', '#6a9be2', '#94b8ec', '#bcd3f4'];
  const greys = ['#8d99ab', '#a8b2c1', '#c3cad5', '#d8dde5'];
  let bi = 0;
  let gi = 0;
  chart.setOption({
    tooltip: { trigger: 'item', formatter: (p: { name: string; value: number; data: { inScope: boolean } }) => `${p.name}（${p.data.inScope ? t('in_scope') : t('out_of_scope')}）<br/><b>${pct(p.value)}</b>` },
    series: [
      {
        type: 'pie',
        radius: ['38%', '64%'],
        center: ['50%', '52%'],
        avoidLabelOverlap: true,
        label: { fontSize: 11, formatter: (p: { name: string; value: number }) => `${p.name}\n${pct(p.value)}` },
        data: [...r.supply_sources]
          .sort((a, b) => b.share - a.share)
          .map((s) => ({
            name: s.region_name,
            value: s.share,
            inScope: s.in_scope,
            itemStyle: { color: s.in_scope ? blues[bi++ % blues.length] : greys[gi++ % greys.length] },
          })),
      },
    ],
  });
}

// --- the panorama drawing --------------------------------------------------------------------------

interface NodeDatum {
  id: string;
  name: string;
  status: LinkStatus;
  sub: string;
  chokepoint: boolean;
}

function drawChart(chart: ECharts, chain: Chain, layout: ChainLayout, a: Analysis, selected: string | null): void {
  const rep = new Map(a.links.map((l) => [l.id, l]));
  const nodes: NodeDatum[] = chain.links.map((l) => {
    const r = rep.get(l.id);
    const status: LinkStatus = r?.status ?? 'not_needed';
    let sub = '';
    if (r) {
      sub =
        r.producers_in_scope === 0
          ? t('node_none_in_scope', { n: r.producers_out_of_scope })
          : t('node_in_scope', { n: r.producers_in_scope, c: num(r.capacity_in_scope), u: l.unit });
    }
    return { id: l.id, name: l.name, status, sub, chokepoint: l.import_dependent };
  });
  const nodeIndex = new Map(nodes.map((n, i) => [n.id, i]));
  const edges = chain.bom.filter((e) => nodeIndex.has(e.input) && nodeIndex.has(e.output));
  const unitOf = new Map(chain.links.map((l) => [l.id, l.unit]));
  const nameOf = new Map(chain.links.map((l) => [l.id, l.name]));
  const touching = (e: { input: string; output: string }) => selected !== null && (e.input === selected || e.output === selected);

  const halfRows = (layout.rows - 1) / 2;
  const heightPx = layout.rows * ROW_PX + 56;
  const el = chart.getDom() as HTMLElement;
  el.style.height = `${heightPx}px`;
  el.style.minWidth = `${layout.cols * 170}px`;
  chart.resize();

  const boxW = (api: { size?: (v: number[]) => number | number[] }) => {
    const s = api.size!([1, 0]) as number[];
    return Math.max(96, Math.min(180, s[0] - 34));
  };
  const BOX_H = 46;

  chart.setOption(
    {
      animation: false,
      grid: { left: 4, right: 4, top: 34, bottom: 6 },
      xAxis: { type: 'value', min: -0.5, max: layout.cols - 0.5, show: false },
      yAxis: { type: 'value', min: -halfRows - 0.5, max: halfRows + 0.5, show: false },
      tooltip: {
        trigger: 'item',
        confine: true,
        formatter: (p: { seriesId: string; dataIndex: number }) => {
          if (p.seriesId === 'nodes') {
            const n = nodes[p.dataIndex];
            const r = rep.get(n.id);
            if (!r) return n.name;
            return [
              `<b>${n.name}</b> · <span style="color:${STATUS_COLOR[n.status]}">${statusLabel(n.status)}</span>`,
              `${t('capacity_in_scope')}: ${num(r.capacity_in_scope)} ${r.unit}`,
              `${t('demand_in_scope')}: ${num(r.demand_in_scope)} ${r.unit}`,
              `${t('producers_in_scope')}: ${r.producers_in_scope} / ${t('producers_out_scope')}: ${r.producers_out_of_scope}`,
            ].join('<br/>');
          }
          if (p.seriesId === 'edges') {
            const e = edges[p.dataIndex];
            return `${nameOf.get(e.input)} → ${nameOf.get(e.output)}<br/>${t('bom_edge', { q: num(e.quantity), ui: unitOf.get(e.input) ?? '', uo: unitOf.get(e.output) ?? '' })}`;
          }
          return '';
        },
      },
      series: [
        {
          id: 'bands',
          type: 'custom',
          silent: true,
          z: 0,
          data: layout.bands.map((b) => [b.from, b.to]),
          renderItem: (params: { dataIndex: number; coordSys: unknown }, api: CustomApi) => {
            const b = layout.bands[params.dataIndex];
            const cs = params.coordSys as { x: number; y: number; width: number; height: number };
            const x0 = (api.coord([b.from - 0.5, 0]) as number[])[0];
            const x1 = (api.coord([b.to + 0.5, 0]) as number[])[0];
            const fills = ['#f5f8fc', '#eef3f9', '#f5f8fc'];
            return {
              type: 'group',
              children: [
                { type: 'rect', shape: { x: x0 + 2, y: cs.y - 30, width: x1 - x0 - 4, height: cs.height + 32, r: 6 }, style: { fill: fills[params.dataIndex % 3] } },
                {
                  type: 'text',
                  x: (x0 + x1) / 2,
                  y: cs.y - 16,
                  style: { text: segLabel(b.segment), fill: '#4a5b73', font: `600 13px ${FONT}`, align: 'center', verticalAlign: 'middle' },
                },
              ],
            };
          },
        },
        {
          id: 'edges',
          type: 'custom',
          z: 1,
          data: edges.map((e) => {
            const s = layout.nodes.get(e.input)!;
            const d = layout.nodes.get(e.output)!;
            return [s.col, -s.y, d.col, -d.y];
          }),
          renderItem: (params: { dataIndex: number }, api: CustomApi) => {
            const e = edges[params.dataIndex];
            const w = boxW(api);
            const p1 = api.coord([api.value(0), api.value(1)]) as number[];
            const p2 = api.coord([api.value(2), api.value(3)]) as number[];
            const forward = p2[0] > p1[0];
            const sx = p1[0] + (forward ? w / 2 : 0);
            const sy = p1[1] + (forward ? 0 : BOX_H / 2);
            const ex = p2[0] - (forward ? w / 2 + 1 : 0);
            const ey = p2[1] - (forward ? 0 : BOX_H / 2 + 1);
            const dx = Math.max(20, (ex - sx) / 2);
            const hot = touching(e);
            const faded = selected !== null && !hot;
            const color = hot ? '#1f5fbf' : '#9aa9bd';
            return {
              type: 'group',
              children: [
                {
                  type: 'bezierCurve',
                  shape: forward
                    ? { x1: sx, y1: sy, x2: ex - 6, y2: ey, cpx1: sx + dx, cpy1: sy, cpx2: ex - dx, cpy2: ey }
                    : { x1: sx, y1: sy, x2: ex, y2: ey - 6, cpx1: sx, cpy1: sy + 30, cpx2: ex, cpy2: ey - 30 },
                  style: { stroke: color, lineWidth: hot ? 2 : 1.2, fill: 'none', opacity: faded ? 0.35 : 1 },
                },
                {
                  type: 'polygon',
                  shape: {
                    points: forward
                      ? [[ex, ey], [ex - 8, ey - 4], [ex - 8, ey + 4]]
                      : [[ex, ey], [ex - 4, ey - 8], [ex + 4, ey - 8]],
                  },
                  style: { fill: color, opacity: faded ? 0.35 : 1 },
                },
              ],
            };
          },
        },
        {
          id: 'nodes',
          type: 'custom',
          z: 2,
          data: nodes.map((n) => {
            const p = layout.nodes.get(n.id)!;
            return { value: [p.col, -p.y], name: n.name, status: n.status, link: n.id };
          }),
          renderItem: (params: { dataIndex: number }, api: CustomApi) => {
            const n = nodes[params.dataIndex];
            const w = boxW(api);
            const [cx, cy] = api.coord([api.value(0), api.value(1)]) as number[];
            const color = STATUS_COLOR[n.status];
            const sel = n.id === selected;
            const x = cx - w / 2;
            const y = cy - BOX_H / 2;
            return {
              type: 'group',
              children: [
                {
                  type: 'rect',
                  shape: { x, y, width: w, height: BOX_H, r: 4 },
                  style: { fill: STATUS_TINT[n.status], stroke: sel ? '#10233f' : color, lineWidth: sel ? 2.2 : 1, shadowBlur: sel ? 8 : 0, shadowColor: 'rgba(16,35,63,0.25)' },
                },
                { type: 'rect', shape: { x, y, width: 5, height: BOX_H, r: [4, 0, 0, 4] }, style: { fill: color } },
                {
                  type: 'text',
                  x: x + 11,
                  y: cy - 9,
                  style: { text: n.name, fill: '#16263d', font: `600 12.5px ${FONT}`, width: w - 18 - (n.chokepoint ? 14 : 0), overflow: 'truncate', verticalAlign: 'middle' },
                },
                {
                  type: 'text',
                  x: x + 11,
                  y: cy + 10,
                  style: { text: n.sub, fill: n.status === 'breakpoint' ? '#b3261e' : '#5c6b80', font: `11px ${FONT}`, width: w - 18, overflow: 'truncate', verticalAlign: 'middle' },
                },
                n.chokepoint
                  ? {
                      type: 'group',
                      children: [
                        { type: 'circle', shape: { cx: x + w - 10, cy: y + 10, r: 7 }, style: { fill: STATUS_COLOR.chokepoint } },
                        { type: 'text', x: x + w - 10, y: y + 10, style: { text: t('chokepoint_mark'), fill: '#fff', font: `bold 9px ${FONT}`, align: 'center', verticalAlign: 'middle' } },
                      ],
                    }
                  : { type: 'group', children: [] },
              ],
            };
          },
        },
      ],
    },
    { notMerge: true },
  );
}

interface CustomApi {
  value: (i: number) => number;
  coord: (v: number[]) => number[];
  size?: (v: number[]) => number | number[];
}

