// 风险暴露: a chain's production sites ranked by their risk exposure index, their time to survive against
// their time to recover, the supply network drawn with nodes sized by REI, the numbers in a table (with
// the department's parameter editor), and the disruption scenario builder (cities on the map, enterprises,
// links, days → the impact tier by tier, lost output, alternative suppliers).

import { api } from '../api';
import { makeChart, PALETTE, type ECharts } from '../charts';
import { cityPicker, clearFormError, field, lockdownCities, showFormError } from '../docking-ui';
import { h, num, replace, type Child } from '../dom';
import { placeName, t, type Key } from '../i18n';
import { bthNames } from '../map';
import type { Ctx } from '../router';
import { getChains, getRegions, isDepartment, mapRegionName } from '../state';
import type { Chain, Region, RiskNode, RiskView, ScenarioNode, ScenarioResult } from '../types';
import { badge, card, errorBox, loading, pageHead, table } from '../ui';

const RED = '#d93026';
const GREEN = '#2e9d5b';
const GREY = '#a4abb6';
/** Nodes in the ranking chart. */
const TOP = 25;
/** Table rows shown before "show all". */
const ROWS = 100;

const days = (v: number | null) => (v === null ? '∞' : num(v));

/** The chains, each with a link to its risk page. */
export async function renderRiskIndex(ctx: Ctx): Promise<void> {
  replace(ctx.main, loading());
  const chains = await getChains();
  if (!ctx.alive()) return;
  replace(
    ctx.main,
    pageHead(t('risk_title')),
    card(
      t('risk_lead'),
      table(
        chains,
        [
          { title: t('col_chain'), cell: (c) => h('a', { href: `#/risk/${c.id}` }, c.name) },
          { title: 'ID', cell: (c) => h('code.muted', null, c.id) },
          { title: t('col_links'), cell: (c) => num(c.links), class: 'num' },
          { title: t('col_producers'), cell: (c) => num(c.producers), class: 'num' },
          { title: '', cell: (c) => h('a.link-more', { href: `#/risk/${c.id}`, testid: `risk-open-${c.id}` }, `${t('open_risk')} ›`), class: 'right' },
        ],
        { testid: 'risk-chain-list', rowTestid: (c) => `risk-chain-${c.id}`, rowHref: (c) => `#/risk/${c.id}` },
      ),
    ),
  );
}

/** The short name of a node: the enterprise's name when the node's name is `enterprise · link`. */
function entName(n: { name: string | null; node: string }): string {
  return (n.name ?? n.node).split(' · ')[0];
}

export async function renderRisk(ctx: Ctx, id: string): Promise<void> {
  const { main } = ctx;
  replace(main, loading());
  const [chain, regions] = await Promise.all([api.chain(id), getRegions()]);
  if (!ctx.alive()) return;
  const byCode = new Map(regions.map((r) => [r.code, r]));
  const linkName = new Map(chain.links.map((l) => [l.id, l.name]));

  const kpis = h('div.kpis.kpis-risk', { testid: 'risk-kpis' });
  const rankingEl = h('div.risk-ranking', { testid: 'risk-ranking-chart' });
  const networkEl = h('div.risk-network', { testid: 'risk-network-chart' });
  const tableBox = h('div', { testid: 'risk-table-box' });
  const editBox = h('div', { testid: 'risk-edit-box' });
  const notes = h('div', { testid: 'risk-notes' });
  const status = h('div');

  replace(
    main,
    h(
      'div.page-head',
      null,
      h(
        'div',
        null,
        h('div.crumbs', null, h('a', { href: '#/risk' }, t('nav_risk')), ' / ', h('a', { href: `#/chains/${id}` }, chain.name)),
        h('h1.page-title', { testid: 'risk-title' }, `${chain.name} · ${t('risk_title')}`),
        h('p.page-desc.small', null, t('risk_method_note')),
      ),
      h('div.page-actions', null, h('a.btn', { href: `#/chains/${id}`, testid: 'risk-to-panorama' }, t('open_panorama'))),
    ),
    status,
    kpis,
    card(t('risk_ranking'), [rankingEl, h('div.muted.small', { testid: 'risk-ranking-note' })], { testid: 'risk-ranking' }),
    card(
      t('risk_network'),
      [networkEl, h('div.muted.small', null, t('risk_network_note'))],
      {
        testid: 'risk-network',
        extra: h(
          'div.legend',
          null,
          [
            [RED, 'legend_flagged'],
            [PALETTE.primary, 'legend_exposed'],
            [GREY, 'legend_safe'],
          ].map(([c, k]) => h('span.legend-item', null, h('i.dot', { style: `background:${c}` }), t(k as Key))),
        ),
      },
    ),
    card(t('risk_table'), [editBox, tableBox], { testid: 'risk-table-card' }),
    notes,
    isDepartment() ? scenarioBuilder(ctx, chain, regions, byCode) : null,
  );

  let rankingChart: ECharts | null = null;
  let networkChart: ECharts | null = null;

  async function load(): Promise<void> {
    replace(status, loading());
    let view: RiskView;
    try {
      view = await api.risk(id);
    } catch (e) {
      if (ctx.alive()) replace(status, errorBox(e, 'risk-error'));
      return;
    }
    if (!ctx.alive()) return;
    replace(status);
    drawKpis(view);
    rankingChart ??= makeChart(rankingEl, 'risk-ranking');
    drawRanking(rankingChart, rankingEl, view);
    networkChart ??= makeChart(networkEl, 'risk-network');
    drawNetwork(networkChart, view, chain, (node) => highlightRow(node));
    drawTable(view);
    replace(
      notes,
      view.warnings.length > 0 &&
        card(t('risk_warnings'), h('ul.small.risk-warnings', null, view.warnings.map((w) => h('li', null, w))), { testid: 'risk-warnings' }),
    );
  }

  function drawKpis(v: RiskView): void {
    const flagged = v.nodes.filter((n) => n.flagged).length;
    const kpi = (label: Key, value: Child, cls: string, testid: string) =>
      h('div.kpi', { class: cls, testid }, h('div.kpi-label', null, t(label)), h('div.kpi-value', null, value));
    replace(
      kpis,
      kpi('risk_nodes', num(v.nodes.length), 'kpi-primary', 'kpi-risk-nodes'),
      kpi('risk_flagged', num(flagged), flagged > 0 ? 'kpi-breakpoint' : 'kpi-ok', 'kpi-risk-flagged'),
      kpi('risk_products', num(v.nodes.filter((n) => n.product).length), 'kpi-plain', 'kpi-risk-products'),
      kpi('risk_max_pi', num(v.max_pi), 'kpi-plain', 'kpi-risk-max-pi'),
      kpi('risk_solver', h('span.kpi-small', null, t('risk_solver_value', { solver: v.solver, s: v.seconds.toFixed(2) })), 'kpi-plain', 'kpi-risk-solver'),
    );
  }

  function nodeLabel(n: RiskNode): string {
    const l = n.link_name ?? (n.link ? linkName.get(n.link) : null) ?? n.link ?? '';
    return `${entName(n)} · ${l}`;
  }

  function drawRanking(chart: ECharts, el: HTMLElement, v: RiskView): void {
    const top = v.nodes.slice(0, TOP);
    el.style.height = `${Math.max(200, top.length * 24 + 70)}px`;
    chart.resize();
    const labels = top.map((n) => `${n.rank}. ${nodeLabel(n)}`);
    const finite = top.flatMap((n) => [n.ttr_days, n.tts_days ?? 0]);
    const xmax = Math.max(1, ...finite) * 1.15;
    const tip = (n: RiskNode) =>
      `${nodeLabel(n)}<br/>REI ${n.rei.toFixed(3)} · PI ${num(n.pi)}<br/>TTS ${days(n.tts_days)} · TTR ${num(n.ttr_days)} ${t('axis_days')}`;
    chart.setOption(
      {
        animation: false,
        tooltip: { trigger: 'item', formatter: (p: { data: { tip?: string } }) => p.data?.tip ?? '' },
        legend: { top: 0, right: 10, data: [t('series_rei'), t('series_ttr'), t('series_tts')] },
        grid: [
          { left: 250, width: '24%', top: 28, bottom: 24 },
          { right: 30, width: '44%', top: 28, bottom: 24 },
        ],
        xAxis: [
          { gridIndex: 0, type: 'value', min: 0, max: 1, name: 'REI', nameLocation: 'middle', nameGap: 22, splitLine: { lineStyle: { color: '#eef1f5' } } },
          { gridIndex: 1, type: 'value', min: 0, max: Math.ceil(xmax), name: t('axis_days'), nameLocation: 'middle', nameGap: 22, splitLine: { lineStyle: { color: '#eef1f5' } } },
        ],
        yAxis: [
          { gridIndex: 0, type: 'category', inverse: true, data: labels, axisLabel: { width: 235, overflow: 'truncate', fontSize: 11.5 }, axisTick: { show: false } },
          { gridIndex: 1, type: 'category', inverse: true, data: labels, axisLabel: { show: false }, axisTick: { show: false } },
        ],
        series: [
          {
            id: 'rei',
            name: t('series_rei'),
            type: 'bar',
            xAxisIndex: 0,
            yAxisIndex: 0,
            barWidth: 12,
            itemStyle: { color: PALETTE.primary },
            label: { show: true, position: 'right', fontSize: 10.5, formatter: (p: { value: number }) => p.value.toFixed(2) },
            data: top.map((n) => ({ value: n.rei, node: n.node, tip: tip(n), itemStyle: { color: n.flagged ? RED : n.pi > 0 ? PALETTE.primary : GREY } })),
          },
          {
            id: 'ttr',
            name: t('series_ttr'),
            type: 'bar',
            xAxisIndex: 1,
            yAxisIndex: 1,
            barWidth: 8,
            itemStyle: { color: '#c9d3e1' },
            data: top.map((n) => ({ value: n.ttr_days, node: n.node, tip: tip(n) })),
          },
          {
            id: 'tts',
            name: t('series_tts'),
            type: 'scatter',
            xAxisIndex: 1,
            yAxisIndex: 1,
            symbolSize: 11,
            itemStyle: { color: GREEN },
            label: { show: true, position: 'right', fontSize: 10.5, formatter: (p: { data: { text: string } }) => p.data.text },
            data: top.map((n) => ({
              value: [n.tts_days === null ? xmax : Math.min(n.tts_days, xmax), labels[n.rank - 1] ?? nodeLabel(n)],
              node: n.node,
              flagged: n.flagged,
              text: n.tts_days === null ? '∞' : num(n.tts_days),
              symbol: n.tts_days === null ? 'triangle' : 'circle',
              symbolRotate: n.tts_days === null ? -90 : 0,
              itemStyle: { color: n.flagged ? RED : GREEN },
              tip: tip(n),
            })),
          },
        ],
      },
      true,
    );
    const note = el.parentElement?.querySelector('[data-testid=risk-ranking-note]');
    if (note) replace(note as HTMLElement, t('risk_ranking_note', { n: top.length }));
  }

  let shown = ROWS;
  let current: RiskView | null = null;

  function drawTable(v: RiskView): void {
    current = v;
    const rows = v.nodes.slice(0, shown);
    const c = (x: number | null) => (x === null ? h('span.muted', { title: t('private_hidden') }, '—') : num(x));
    replace(
      tableBox,
      table(
        rows,
        [
          { title: t('col_rank'), cell: (n) => h('span.rank', null, n.rank), class: 'num' },
          {
            title: t('col_node'),
            cell: (n) =>
              h(
                'span',
                null,
                n.enterprise ? h('a', { href: `#/enterprises/${n.enterprise}`, title: n.node }, entName(n)) : h('code.mono', null, n.node),
                n.product && h('span.badge.badge-plain.risk-tag', null, t('product_mark')),
                n.stored && h('span.badge.badge-muted.risk-tag', { title: t('stored_mark') }, '✎'),
              ),
            class: 'name-cell',
          },
          { title: t('col_link'), cell: (n) => n.link_name ?? (n.link ? linkName.get(n.link) : null) ?? n.link ?? '—' },
          { title: t('col_region'), cell: (n) => (n.region !== null ? placeOf(n.region, byCode) : '—') },
          { title: t('col_ttr'), cell: (n) => num(n.ttr_days), class: 'num' },
          { title: t('col_tts'), cell: (n) => h('span', { class: n.flagged ? 'text-bad strong' : '' }, n.tts_days === null ? t('tts_never') : num(n.tts_days)), class: 'num' },
          { title: t('col_pi'), cell: (n) => num(n.pi), class: 'num' },
          {
            title: t('col_rei'),
            cell: (n) =>
              h(
                'span.rei',
                null,
                h('span.rei-track', null, h('span.rei-fill', { style: `width:${(n.rei * 100).toFixed(1)}%;background:${n.flagged ? RED : n.pi > 0 ? PALETTE.primary : GREY}` })),
                h('span.rei-num', null, n.rei.toFixed(3)),
              ),
          },
          { title: t('col_flag'), cell: (n) => (n.flagged ? badge(t('flag_short'), 'breakpoint', `flag-${n.node}`) : h('span.muted.small', null, t('flag_ok'))) },
          { title: t('col_c'), cell: (n) => c(n.c), class: 'num' },
          { title: t('col_d'), cell: (n) => c(n.d), class: 'num' },
          { title: t('col_s'), cell: (n) => c(n.s), class: 'num' },
          ...(v.can_edit
            ? [{ title: '', cell: (n: RiskNode) => h('button.btn.btn-sm', { testid: `risk-edit-${n.node}`, onclick: () => openEditor(n) }, t('edit_params')) }]
            : []),
        ],
        { testid: 'risk-table', rowTestid: (n) => `risk-row-${n.node}` },
      ),
      v.nodes.length > shown &&
        h(
          'button.btn.btn-link',
          {
            testid: 'risk-show-all',
            onclick: () => {
              shown = v.nodes.length;
              drawTable(v);
            },
          },
          `${t('scn_more', { n: v.nodes.length - shown })} ›`,
        ),
    );
  }

  function highlightRow(node: string): void {
    if (current && !current.nodes.slice(0, shown).some((n) => n.node === node)) {
      shown = current.nodes.length;
      drawTable(current);
    }
    tableBox.querySelectorAll('tr.row-on').forEach((r) => r.classList.remove('row-on'));
    const row = tableBox.querySelector<HTMLElement>(`tr[data-testid="risk-row-${CSS.escape(node)}"]`);
    if (row) {
      row.classList.add('row-on');
      row.scrollIntoView({ block: 'center', behavior: 'smooth' });
    }
  }

  function openEditor(n: RiskNode): void {
    const general = h('div');
    const numInput = (name: string, value: number | null) =>
      h('input.input.input-short', { name, type: 'number', step: 'any', min: '0', value: value === null ? '' : String(value), testid: `param-${name}` });
    const f = numInput('f', n.f);
    const d = numInput('d', n.d);
    const s = numInput('s', n.s);
    const ttr = numInput('ttr', n.ttr_days);
    const product = h(
      'select.select',
      { name: 'product', testid: 'param-product' },
      h('option', { value: '' }, t('params_product_default')),
      h('option', { value: 'true', selected: n.stored && n.product }, t('yes')),
      h('option', { value: 'false', selected: n.stored && !n.product }, t('no')),
    );
    const val = (i: HTMLInputElement) => (i.value.trim() === '' ? null : Number(i.value));
    const save = async (reset: boolean) => {
      clearFormError(form, general);
      const body = reset
        ? {}
        : { f: val(f), d: val(d), s: val(s), ttr: val(ttr), product: product.value === '' ? null : product.value === 'true' };
      try {
        await api.setRiskParams(id, n.node, body);
        replace(editBox, h('div.alert.alert-ok', { testid: 'params-saved' }, `${nodeLabel(n)}：${t('params_saved')}`));
        await load();
      } catch (e) {
        showFormError(form, general, e);
      }
    };
    const form = h(
      'form.inline-form.risk-params',
      {
        testid: 'risk-params-form',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          void save(false);
        },
      },
      h('div.sub-title', null, `${t('params_title')}：${nodeLabel(n)}`),
      h(
        'div.form-grid',
        null,
        field('f', 'col_f', f),
        field('d', 'col_d', d),
        field('s', 'col_s', s),
        field('ttr', 'col_ttr', ttr),
        field('product', 'params_product', product),
      ),
      h('div.field-hint', null, t('params_hint')),
      general,
      h(
        'div.form-actions',
        null,
        h('button.btn.btn-primary', { type: 'submit', testid: 'params-save' }, t('save')),
        h('button.btn', { type: 'button', testid: 'params-reset', onclick: () => void save(true) }, t('params_reset')),
        h('button.btn.btn-ghost', { type: 'button', onclick: () => replace(editBox) }, t('cancel')),
      ),
    );
    replace(editBox, form);
    editBox.scrollIntoView({ block: 'nearest' });
  }

  await load();
}

function placeOf(code: number, byCode: Map<number, Region>): string {
  const city = byCode.get(Math.floor(code / 100) * 100) ?? byCode.get(code);
  if (!city) return String(code);
  return placeName(mapRegionName(city.code, city.name, byCode), city.name_en);
}

/**
 * The network in layers, left (raw materials) to right (finished products): a node's column is its link's
 * depth in the chain's bill of materials (the longest input path into the link), or, for a node without a
 * link of the chain, the longest supplier path into the node. Inside a column nodes are ordered by the mean
 * row of their suppliers (one barycentre sweep) so that most edges run roughly straight; a column taller
 * than `WRAP` is folded into several narrow ones.
 */
function drawNetwork(chart: ECharts, v: RiskView, chain: Chain, onPick: (node: string) => void): void {
  const WRAP = 24;
  const index = new Map(v.nodes.map((n, i) => [n.node, i]));
  const preds: number[][] = v.nodes.map(() => []);
  const succs: number[][] = v.nodes.map(() => []);
  for (const e of v.edges) {
    const a = index.get(e.supplier);
    const b = index.get(e.buyer);
    if (a === undefined || b === undefined) continue;
    preds[b].push(a);
    succs[a].push(b);
  }
  const depthOf = <T>(items: T[], inputsOf: (x: T) => T[]): Map<T, number> => {
    // Kahn's order; the server only sends acyclic networks, and a node on a cycle keeps depth 0.
    const d = new Map<T, number>(items.map((x) => [x, 0]));
    const indeg = new Map<T, number>(items.map((x) => [x, 0]));
    const outs = new Map<T, T[]>(items.map((x) => [x, []]));
    for (const x of items) for (const i of inputsOf(x)) if (outs.has(i)) (outs.get(i)!.push(x), indeg.set(x, indeg.get(x)! + 1));
    const queue = items.filter((x) => indeg.get(x) === 0);
    while (queue.length) {
      const x = queue.shift()!;
      for (const y of outs.get(x)!) {
        d.set(y, Math.max(d.get(y)!, d.get(x)! + 1));
        indeg.set(y, indeg.get(y)! - 1);
        if (indeg.get(y) === 0) queue.push(y);
      }
    }
    return d;
  };
  const linkInputs = new Map<string, string[]>(chain.links.map((l) => [l.id, []]));
  for (const b of chain.bom) linkInputs.get(b.output)?.push(b.input);
  const linkDepth = depthOf(chain.links.map((l) => l.id), (l) => linkInputs.get(l) ?? []);
  const nodeDepth = depthOf(v.nodes.map((_, i) => i), (i) => preds[i]);
  const layer = v.nodes.map((n, i) => (n.link && linkDepth.has(n.link) ? linkDepth.get(n.link)! : nodeDepth.get(i)!));
  // Empty layers are dropped so that columns stay side by side.
  const used = [...new Set(layer)].sort((a, b) => a - b);
  const columns: number[][] = used.map(() => []);
  v.nodes.forEach((_, i) => columns[used.indexOf(layer[i])].push(i));
  const row = v.nodes.map(() => 0);
  const xs = v.nodes.map(() => 0);
  let x0 = 0;
  columns.forEach((col, ci) => {
    if (ci > 0) {
      const key = (i: number) => (preds[i].length ? preds[i].reduce((a, p) => a + row[p], 0) / preds[i].length : 0);
      col.sort((a, b) => key(a) - key(b));
    }
    const folds = Math.ceil(col.length / WRAP);
    const per = Math.ceil(col.length / folds);
    col.forEach((i, k) => {
      const f = Math.floor(k / per);
      const inFold = Math.min(per, col.length - f * per);
      row[i] = (k % per) - (inFold - 1) / 2;
      xs[i] = x0 + f * 36;
    });
    x0 += (folds - 1) * 36 + 150;
  });
  const tall = Math.min(WRAP, Math.max(1, ...columns.map((c) => c.length)));
  const labelled = new Set(v.nodes.slice(0, 8).map((n) => n.node));
  const colour = (n: RiskNode) => (n.flagged ? RED : n.pi > 0 ? PALETTE.primary : GREY);
  const many = v.nodes.length > 300;
  chart.setOption(
    {
      animation: false,
      tooltip: {
        trigger: 'item',
        formatter: (p: { dataType: string; data: { tip?: string } }) => (p.dataType === 'node' ? p.data.tip ?? '' : ''),
      },
      series: [
        {
          id: 'network',
          type: 'graph',
          layout: 'none',
          roam: true,
          scaleLimit: { min: 0.5, max: 12 },
          edgeSymbol: ['none', many ? 'none' : 'arrow'],
          edgeSymbolSize: 5,
          lineStyle: { color: '#b8c4d6', width: 0.8, opacity: many ? 0.35 : 0.7, curveness: 0.08 },
          emphasis: { focus: 'adjacency', lineStyle: { width: 2, color: '#7f98bd' } },
          label: { show: false, position: 'right', fontSize: 10.5, color: '#1d2b3f' },
          data: v.nodes.map((n, i) => ({
            id: n.node,
            name: n.node,
            x: xs[i],
            y: row[i] * Math.max(16, Math.min(40, 560 / tall)),
            symbolSize: 6 + 28 * Math.sqrt(n.rei),
            rei: n.rei,
            flagged: n.flagged,
            itemStyle: { color: colour(n), borderColor: '#fff', borderWidth: 0.8 },
            label: labelled.has(n.node) ? { show: true, formatter: entName(n) } : undefined,
            tip: `${n.name ?? n.node}<br/>REI ${n.rei.toFixed(3)} · PI ${num(n.pi)}<br/>TTS ${days(n.tts_days)} · TTR ${num(n.ttr_days)}`,
          })),
          links: v.edges
            .filter((e) => index.has(e.supplier) && index.has(e.buyer))
            .map((e) => ({ source: e.supplier, target: e.buyer })),
        },
      ],
    },
    true,
  );
  chart.off('click');
  chart.on('click', (p) => {
    const d = p.data as { id?: string } | undefined;
    if (p.dataType === 'node' && d?.id) onPick(d.id);
  });
}

// ---- the scenario builder ---------------------------------------------------------------------------

function scenarioBuilder(ctx: Ctx, chain: Chain, regions: Region[], byCode: Map<number, Region>): HTMLElement {
  const cities = lockdownCities(regions);
  const locked = new Set<number>();
  const stopped = new Map<string, string>();
  const general = h('div');
  const result = h('div.scn-result', { testid: 'scn-result' });
  const mapEl = h('div.scn-map', { testid: 'scn-map' });

  // Cities: the map and the chips say the same thing; either toggles.
  const picker = cityPicker(regions, { testid: 'scn-cities', name: 'lockdown', onChange: () => syncFromChips() });
  const syncFromChips = () => {
    locked.clear();
    for (const c of picker.value()) locked.add(c);
    drawMap();
  };
  const toggleCity = (code: number) => {
    if (locked.has(code)) locked.delete(code);
    else locked.add(code);
    const box = picker.el.querySelector<HTMLInputElement>(`input[value="${code}"]`);
    if (box) {
      box.checked = locked.has(code);
      box.closest('.chip')?.classList.toggle('on', box.checked);
    }
    drawMap();
  };

  // Enterprises: a search box with suggestions from this chain's producers, added as chips.
  const entList = h('datalist', { id: 'scn-ent-list' });
  const entChips = h('div.chips', { testid: 'scn-stopped' });
  const entSearch = h('input.input', {
    list: 'scn-ent-list',
    placeholder: t('scn_ent_ph'),
    autocomplete: 'off',
    testid: 'scn-ent-search',
    oninput: () => suggest(),
    onkeydown: (ev: KeyboardEvent) => {
      if (ev.key === 'Enter') {
        ev.preventDefault();
        void addEnterprise();
      }
    },
  });
  let timer = 0;
  let seq = 0;
  let suggestions = new Map<string, string>();
  const suggest = () => {
    window.clearTimeout(timer);
    const q = entSearch.value.trim();
    if (q.length < 1 || /^[0-9A-Z]{18}$/i.test(q)) return;
    timer = window.setTimeout(async () => {
      const my = ++seq;
      try {
        const page = await api.enterprises({ q, chain: chain.id, limit: 10 });
        if (my !== seq) return;
        suggestions = new Map(page.items.map((e) => [e.credit_code, e.name]));
        replace(entList, page.items.map((e) => h('option', { value: e.credit_code, label: e.name }, e.name)));
      } catch {
        /* suggestions are optional */
      }
    }, 180);
  };
  const addEnterprise = async () => {
    const v = entSearch.value.trim();
    if (!v) return;
    let code = v.toUpperCase();
    let name = suggestions.get(code) ?? null;
    if (!/^[0-9A-Z]{18}$/.test(code)) {
      // A name typed in full: take the first match.
      const page = await api.enterprises({ q: v, chain: chain.id, limit: 1 }).catch(() => null);
      const e = page?.items[0];
      if (!e) {
        showFormError(form, general, Object.assign(new Error(`${v}: ${t('no_results')}`), {}));
        return;
      }
      code = e.credit_code;
      name = e.name;
    } else if (!name) {
      name = await api.enterprise(code).then((e) => e.name, () => code);
    }
    stopped.set(code, name ?? code);
    entSearch.value = '';
    drawStopped();
  };
  const drawStopped = () =>
    replace(
      entChips,
      [...stopped].map(([code, name]) =>
        h(
          'span.chip.on',
          { testid: `scn-stopped-${code}`, title: code },
          name,
          h('button.chip-x', { type: 'button', 'aria-label': t('close'), onclick: () => (stopped.delete(code), drawStopped()) }, '×'),
        ),
      ),
    );

  // Links: one chip each.
  const linkBoxes = chain.links.map((l) => {
    const box = h('input', { type: 'checkbox', value: l.id, onchange: () => chip.classList.toggle('on', box.checked) });
    const chip = h('label.chip', { testid: `scn-link-${l.id}` }, box, l.name);
    return { box, chip };
  });

  const daysIn = h('input.input.input-short', { type: 'number', min: '1', step: '1', value: '14', name: 'days', testid: 'scn-days' });
  const startIn = h('input.input.input-short', { type: 'number', min: '0', step: '1', value: '0', name: 'start', testid: 'scn-start' });
  const runBtn = h('button.btn.btn-primary', { type: 'submit', testid: 'scn-run' }, t('scn_run'));

  const form = h(
    'form.scn-form',
    {
      testid: 'scn-form',
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        void run();
      },
    },
    h(
      'div.scn-grid',
      null,
      h('div.scn-map-box', null, mapEl),
      h(
        'div.scn-controls',
        null,
        field('lockdown', 'scn_cities', picker.el, { wide: true }),
        field('stop', 'scn_enterprises', h('div.scn-ent', null, h('div.inline-form', null, entSearch, entList, h('button.btn', { type: 'button', testid: 'scn-ent-add', onclick: () => void addEnterprise() }, t('scn_add'))), entChips), { wide: true }),
        field('cut', 'scn_links', h('div.chips', { testid: 'scn-links' }, linkBoxes.map((x) => x.chip)), { wide: true }),
        h('div.scn-row', null, field('days', 'scn_days', daysIn), field('start', 'scn_start', startIn)),
        general,
        h(
          'div.form-actions',
          null,
          runBtn,
          h(
            'button.btn.btn-ghost',
            {
              type: 'button',
              testid: 'scn-clear',
              onclick: () => {
                for (const c of [...locked]) toggleCity(c);
                stopped.clear();
                drawStopped();
                linkBoxes.forEach((x) => ((x.box.checked = false), x.chip.classList.remove('on')));
                replace(result);
              },
            },
            t('scn_clear'),
          ),
        ),
      ),
    ),
  );

  let mapChart: ECharts | null = null;
  const drawMap = () => {
    if (!mapEl.isConnected) return;
    const { names, byName, nameMap, shown } = bthNames(byCode);
    mapChart ??= (() => {
      const c = makeChart(mapEl, 'scn-map');
      c.on('click', (p) => {
        if (p.seriesType !== 'map') return;
        const r = byName.get(bthNames(byCode).zh(String(p.name)));
        const city = r && cities.find((c) => c.code === r.code || (r.level === 'province' && c.code === r.code));
        if (city) toggleCity(city.code);
      });
      return c;
    })();
    const lockedNames = names.filter((n) => {
      const r = byName.get(n);
      return r && locked.has(r.code);
    });
    mapChart.setOption({
      tooltip: { trigger: 'item', formatter: (p: { name: string }) => p.name },
      series: [
        {
          id: 'lockdown',
          type: 'map',
          map: 'bth',
          nameMap,
          roam: false,
          selectedMode: false,
          layoutCenter: ['50%', '50%'],
          layoutSize: '98%',
          label: { show: true, fontSize: 11, color: '#34465e' },
          itemStyle: { areaColor: '#eef3fa', borderColor: '#7f98bd', borderWidth: 1 },
          emphasis: { label: { color: '#0e2a52', fontWeight: 'bold' }, itemStyle: { areaColor: '#ffd98a' } },
          data: names.map((n) => {
            const on = lockedNames.includes(n);
            return {
              name: shown(n),
              zh: n,
              locked: on,
              itemStyle: on ? { areaColor: '#f6c5c1', borderColor: RED, borderWidth: 1.6 } : undefined,
              label: on ? { color: '#9b1c14', fontWeight: 'bold', formatter: `${shown(n)}\n(${t('map_locked')})` } : undefined,
            };
          }),
        },
      ],
    });
  };

  async function run(): Promise<void> {
    clearFormError(form, general);
    const cut = linkBoxes.filter((x) => x.box.checked).map((x) => x.box.value);
    if (locked.size === 0 && stopped.size === 0 && cut.length === 0) {
      replace(general, h('div.alert.alert-warn', { testid: 'scn-empty' }, t('scn_empty')));
      return;
    }
    runBtn.disabled = true;
    replace(runBtn, t('scn_running'));
    try {
      const r = await api.simulate({
        chain: chain.id,
        lockdown: [...locked].map(String),
        stop: [...stopped.keys()],
        cut,
        days: Number(daysIn.value),
        start: startIn.value.trim() === '' ? 0 : Number(startIn.value),
      });
      if (!ctx.alive()) return;
      replace(result, scenarioResult(r, chain, stopped));
    } catch (e) {
      showFormError(form, general, e);
    } finally {
      runBtn.disabled = false;
      replace(runBtn, t('scn_run'));
    }
  }

  const el = card(t('scn_title'), [h('p.muted.small', null, t('scn_lead')), form, result], { testid: 'scn-card' });
  // The map needs its box in the page to size itself.
  requestAnimationFrame(() => drawMap());
  return el;
}

function scenarioResult(r: ScenarioResult, chain: Chain, stopped: Map<string, string>): HTMLElement {
  const linkName = new Map(chain.links.map((l) => [l.id, l.name]));
  const unitOf = new Map(chain.links.map((l) => [l.id, l.unit]));
  // Tier 0 is the disrupted sites; the engine lists tiers 1 and beyond.
  const columns = [{ tier: 0, nodes: r.disrupted }, ...r.tiers.filter((x) => x.tier > 0)];
  const reached = columns.filter((x) => x.tier > 0).reduce((a, x) => a + x.nodes.length, 0);
  const runOut = columns.filter((x) => x.tier > 0).reduce((a, x) => a + x.nodes.filter((n) => n.runs_out_day !== null).length, 0);
  // The page always asks for the loss; a result without one (`lost: null`) still shows its tiers.
  const lost = r.lost;
  const caused = lost ? lost.caused ?? lost.total : null;
  const stat = (label: Key, value: Child, testid: string, cls = '') =>
    h('div.stat', { testid, class: cls }, h('div.stat-label', null, t(label)), h('div.stat-value', null, value));
  const nodeName = (n: ScenarioNode) => {
    const e = (n.name ?? '').split(' · ')[0] || (n.enterprise ? stopped.get(n.enterprise) : null) || n.node;
    return e;
  };
  const nodeLink = (n: ScenarioNode) => n.link_name ?? (n.link ? linkName.get(n.link) ?? n.link : '');
  const end = r.start + r.days;

  if (r.disrupted.length === 0) return h('div.alert.alert-warn', { testid: 'scn-nothing' }, t('scn_nothing'));

  const stats = h(
    'div.plan-stats',
    { testid: 'scn-stats' },
    stat('scn_disrupted', num(r.disrupted.length), 'scn-stat-disrupted', 'stat-bad'),
    stat('scn_reached', num(reached), 'scn-stat-reached'),
    stat('scn_run_out', num(runOut), 'scn-stat-runout', runOut > 0 ? 'stat-bad' : 'stat-good'),
    h(
      'div.stat',
      {
        testid: 'scn-stat-lost',
        class: caused === null ? '' : caused > 0 ? 'stat-bad' : 'stat-good',
        title: lost && lost.baseline !== undefined ? t('scn_lost_title', { total: num(lost.total), baseline: num(lost.baseline) }) : undefined,
      },
      h('div.stat-label', null, t('scn_total_lost')),
      h('div.stat-value', null, caused === null ? '—' : num(caused)),
    ),
    stat('scn_days', t('scn_window', { a: num(r.start), b: num(end) }), 'scn-stat-window'),
  );

  // Tier by tier: columns left to right, each node with the day it runs out.
  const CAP = 40;
  const tiers = h(
    'div.tiers',
    { testid: 'scn-tiers' },
    columns.map((tier) => {
      const nodes = [...tier.nodes].sort((a, b) => (a.runs_out_day ?? Infinity) - (b.runs_out_day ?? Infinity));
      return h(
        'div.tier',
        { testid: `scn-tier-${tier.tier}` },
        h('div.tier-head', { class: tier.tier === 0 ? 'tier-head-0' : '' }, tier.tier === 0 ? t('scn_tier0') : t('scn_tier', { n: tier.tier }), h('span.tier-count', null, num(tier.nodes.length))),
        h(
          'ul.tier-list',
          null,
          nodes.slice(0, CAP).map((n) =>
            h(
              'li.tier-node',
              { class: n.runs_out_day === null ? 'holds' : 'out', testid: `scn-node-${n.node}`, title: n.node },
              h('div.tier-name', null, nodeName(n)),
              h(
                'div.tier-meta',
                null,
                h('span', null, nodeLink(n), n.city && h('span.muted', null, ` · ${placeName(n.city)}`)),
                h('span.tier-day', null, n.runs_out_day === null ? t('scn_never') : t('scn_runs_out', { d: num(n.runs_out_day) })),
              ),
            ),
          ),
          nodes.length > CAP && h('li.muted.small', null, t('scn_more', { n: nodes.length - CAP })),
        ),
      );
    }),
  );

  const byProduct = [...(lost?.by_product ?? [])].sort((a, b) => b.lost - a.lost);
  const byEnt = [...(lost?.by_enterprise ?? [])].sort((a, b) => b.lost - a.lost).slice(0, 20);
  const lostTables = lost && h(
    'div.grid-2',
    null,
    h(
      'div',
      null,
      h('h3.sub-title', null, t('scn_lost_product')),
      table(
        byProduct,
        [
          { title: t('col_link'), cell: (p) => p.name ?? (p.link ? linkName.get(p.link) : null) ?? p.link ?? '—' },
          { title: t('scn_demand'), cell: (p) => (p.demand === undefined ? '—' : num(p.demand)), class: 'num' },
          { title: t('scn_lost'), cell: (p) => h('span', { class: p.lost > 0 ? 'text-bad' : 'muted' }, `${num(p.lost)} ${p.unit ?? (p.link ? unitOf.get(p.link) ?? '' : '')}`), class: 'num' },
        ],
        { testid: 'scn-lost-product' },
      ),
    ),
    h(
      'div',
      null,
      h('h3.sub-title', null, t('scn_lost_enterprise')),
      table(
        byEnt,
        [
          { title: t('col_name'), cell: (e) => (e.enterprise ? h('a', { href: `#/enterprises/${e.enterprise}` }, e.name ?? e.enterprise) : e.name ?? '—') },
          { title: t('col_city'), cell: (e) => (e.city ? placeName(e.city) : '—') },
          { title: t('scn_lost'), cell: (e) => h('span', { class: e.lost > 0 ? 'text-bad' : 'muted' }, num(e.lost)), class: 'num' },
        ],
        { testid: 'scn-lost-enterprise' },
      ),
    ),
  );

  const alternatives = table(
    r.alternatives,
    [
      { title: t('scn_input'), cell: (a) => a.input_name ?? linkName.get(a.input) ?? a.input },
      {
        title: t('scn_buyer'),
        cell: (a) => h('span', null, h('a', { href: `#/enterprises/${a.buyer}` }, a.buyer_name ?? a.buyer), a.buyer_city && h('span.muted', null, ` · ${placeName(a.buyer_city)}`)),
      },
      {
        title: t('scn_short'),
        cell: (a) =>
          h(
            'span',
            null,
            a.short_day === null || a.short_day === undefined ? '—' : t('scn_day', { d: num(a.short_day) }),
            a.quantity ? h('div.muted.small', null, `${num(a.quantity)} ${a.unit ?? ''}`) : null,
          ),
      },
      {
        title: t('scn_suppliers'),
        cell: (a) =>
          a.suppliers.length === 0
            ? h('span.text-bad', null, t('scn_no_alt'))
            : h(
                'span.alts',
                null,
                a.suppliers.slice(0, 5).map((s) =>
                  h(
                    'span.alt',
                    { 'data-city': s.city === null ? '' : String(s.city) },
                    h('a', { href: `#/enterprises/${s.enterprise}` }, s.name),
                    s.city_name && h('span.muted', null, ` · ${placeName(s.city_name)}`),
                    h('span.muted.small', null, ` · ${t('scn_score')} ${num(s.score)}`),
                  ),
                ),
                a.suppliers.length > 5 && h('span.muted.small', null, t('scn_more', { n: a.suppliers.length - 5 })),
              ),
      },
    ],
    { testid: 'scn-alternatives', rowTestid: (a) => `scn-alt-${a.buyer}-${a.input}`, empty: t('scn_no_hit') },
  );

  const warnings = (r.warnings ?? []).length
    ? h('ul.small.risk-warnings', { testid: 'scn-warnings' }, r.warnings!.map((w) => h('li', null, w)))
    : null;

  return h(
    'div',
    { testid: 'scn-impact' },
    h('h3.sub-title', null, t('scn_result')),
    stats,
    h('h3.sub-title', null, t('scn_tiers')),
    tiers,
    lostTables,
    h('h3.sub-title', null, t('scn_alternatives')),
    alternatives,
    warnings && h('h3.sub-title', null, t('risk_warnings')),
    warnings,
  );
}

