// Pieces the docking pages share: names of enterprises and places, status badges, the city picker, forms
// whose 422 message sits next to the field it names, and the plan (its tables and its map).

import { api, ApiError } from './api';
import { makeChart, PALETTE, type ECharts } from './charts';
import { h, num, replace, type Child } from './dom';
import { getLang, placeName, t, type Key } from './i18n';
import { bthGeo, bthNames } from './map';
import { mapRegionName } from './state';
import type { Demand, DemandStatus, DockingPlan, PlanLine, Region, RequestStatus } from './types';
import { badge, table } from './ui';

// ---- names ---------------------------------------------------------------------------------------

const nameCache = new Map<string, Promise<string | null>>();

/** An enterprise's name by its credit code (null when it cannot be read), each asked once per page load. */
export function enterpriseName(code: string): Promise<string | null> {
  let p = nameCache.get(code);
  if (!p) {
    p = api.enterprise(code).then(
      (e) => e.name,
      () => {
        nameCache.delete(code);
        return null;
      },
    );
    nameCache.set(code, p);
  }
  return p;
}

export async function enterpriseNames(codes: Iterable<string>): Promise<Map<string, string>> {
  const list = [...new Set(codes)];
  const names = await Promise.all(list.map(enterpriseName));
  const out = new Map<string, string>();
  list.forEach((c, i) => names[i] && out.set(c, names[i]!));
  return out;
}

/** A link to the enterprise, by name when known, else by code. */
export function entLink(code: string, names: Map<string, string>, testid?: string): HTMLElement {
  const n = names.get(code);
  return h('a', { href: `#/enterprises/${code}`, title: code, testid }, n ?? h('code.mono', null, code));
}

/** A division as people say it: 北京市昌平区, 唐山市, 天津市. */
export function placeText(code: number, byCode: Map<number, Region>): string {
  const r = byCode.get(code);
  if (!r) return String(code);
  if (r.level === 'province') return placeName(r.name, r.name_en);
  if (r.level === 'city') return placeName(mapRegionName(code, r.name, byCode), r.name_en);
  const city = r.parent ? byCode.get(r.parent) : undefined;
  const cityName = city ? placeName(mapRegionName(city.code, city.name, byCode), city.name_en) : '';
  return getLang() === 'zh' ? `${cityName}${r.name}` : `${r.name}, ${cityName}`;
}

/** Whether division `a` contains division `b` (any level; a division contains itself). */
export function covers(a: number, b: number): boolean {
  if (a % 10000 === 0) return Math.floor(a / 10000) === Math.floor(b / 10000);
  if (a % 100 === 0) return Math.floor(a / 100) === Math.floor(b / 100);
  return a === b;
}

// ---- badges --------------------------------------------------------------------------------------

export const demandStatusLabel = (s: DemandStatus) => t(`ds_${s}` as Key);
export const requestStatusLabel = (s: RequestStatus) => t(`rs_${s}` as Key);

export function demandStatusBadge(s: DemandStatus, testid?: string): HTMLElement {
  return badge(demandStatusLabel(s), `ds-${s}`, testid);
}

export function requestStatusBadge(s: RequestStatus, testid?: string): HTMLElement {
  return badge(requestStatusLabel(s), `rs-${s}`, testid);
}

export function priorityBadge(p: number): HTMLElement {
  return h('span.prio', { class: `prio-${p}`, title: t('col_priority') }, `P${p} ${t(`prio_${p}` as Key)}`);
}

/** Days from today to `due` (YYYY-MM-DD), in local dates. */
export function daysTo(due: string): number {
  const [y, m, d] = due.split('-').map(Number);
  const now = new Date();
  const a = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
  return Math.round((Date.UTC(y, m - 1, d) - a) / 86400000);
}

export function dueCell(due: string, open = true): HTMLElement {
  const n = daysTo(due);
  const note = !open ? null : n < 0 ? t('overdue') : n === 0 ? t('due_today') : t('days_left', { n });
  return h('span.due', { class: open && n <= 3 ? 'due-soon' : '' }, due, note && h('span.due-note', null, note));
}

export function isoDay(offsetDays = 0): string {
  const d = new Date();
  d.setDate(d.getDate() + offsetDays);
  const p = (x: number) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export const yuan = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `¥${num(v)}`);

// ---- the city picker -----------------------------------------------------------------------------

/** Beijing, Tianjin and Hebei's 11 cities: the places a lockdown names. */
export function lockdownCities(regions: Region[]): Region[] {
  const muni = regions.filter((r) => r.code === 110000 || r.code === 120000);
  const hebei = regions.filter((r) => r.level === 'city' && r.parent === 130000).sort((a, b) => a.code - b.code);
  return [...muni, ...hebei];
}

export interface CityPicker {
  el: HTMLElement;
  value: () => number[];
}

/**
 * Chips to pick cities. `fixed` are divisions already excluded elsewhere (the demand's own): their
 * chips are shown ticked and cannot be changed.
 */
export function cityPicker(
  regions: Region[],
  opts: { selected?: number[]; fixed?: number[]; testid: string; name?: string; onChange?: () => void },
): CityPicker {
  const byCode = new Map(regions.map((r) => [r.code, r]));
  const chosen = new Set(opts.selected ?? []);
  const fixed = opts.fixed ?? [];
  const boxes: [number, HTMLInputElement][] = [];
  const el = h(
    'div.chips',
    { testid: opts.testid, 'data-field': opts.name, role: 'group' },
    lockdownCities(regions).map((r) => {
      const isFixed = fixed.some((f) => covers(f, r.code) || covers(r.code, f));
      const box = h('input', {
        type: 'checkbox',
        value: String(r.code),
        checked: isFixed || chosen.has(r.code),
        disabled: isFixed,
        onchange: () => {
          chip.classList.toggle('on', box.checked);
          opts.onChange?.();
        },
      });
      if (!isFixed) boxes.push([r.code, box]);
      const chip = h(
        'label.chip',
        { class: [box.checked ? 'on' : '', isFixed ? 'fixed' : ''].join(' '), testid: `${opts.testid}-${r.code}`, title: isFixed ? t('lockdown_demand') : undefined },
        box,
        placeName(mapRegionName(r.code, r.name, byCode), r.name_en),
      );
      return chip;
    }),
  );
  return { el, value: () => boxes.filter(([, b]) => b.checked).map(([c]) => c) };
}

// ---- forms ---------------------------------------------------------------------------------------

/** A labelled control with a place for the API's message about it (`data-field` = the API's field name). */
export function field(name: string, label: Key, control: HTMLElement, opts: { wide?: boolean; hint?: Child } = {}): HTMLElement {
  return h(
    'div.field',
    { class: opts.wide ? 'field-wide' : '', 'data-field': name },
    h('label.field-label', null, t(label)),
    control,
    opts.hint ? h('div.field-hint', null, opts.hint) : null,
    h('div.field-error', { testid: `err-${name}`, role: 'alert' }),
  );
}

/**
 * Shows an API error: next to the field it names when the form has that field, else in `general`.
 * Returns the field marked, if any.
 */
export function showFormError(form: HTMLElement, general: HTMLElement, err: unknown): string | null {
  clearFormError(form, general);
  const msg = err instanceof Error ? err.message : String(err);
  const name = err instanceof ApiError && err.field ? err.field.split(/[.[]/)[0] : null;
  const f = name ? form.querySelector<HTMLElement>(`.field[data-field="${name}"]`) : null;
  if (f) {
    f.classList.add('invalid');
    replace(f.querySelector('.field-error')!, msg);
    f.querySelector<HTMLElement>('input:not([disabled]),select,textarea')?.focus();
    return name;
  }
  replace(general, h('div.alert.alert-error', { testid: 'form-error-message', role: 'alert' }, msg));
  return null;
}

export function clearFormError(form: HTMLElement, general: HTMLElement): void {
  form.querySelectorAll('.field.invalid').forEach((x) => x.classList.remove('invalid'));
  form.querySelectorAll('.field-error').forEach((x) => replace(x as HTMLElement));
  replace(general);
}

/** A text input that suggests enterprises (value = credit code) as the user types a name. */
export function enterpriseInput(name: string, value: string, opts: { readonly?: boolean; placeholder?: string } = {}): HTMLElement {
  const listId = `dl-${name}-${Math.random().toString(36).slice(2, 8)}`;
  const list = h('datalist', { id: listId });
  const hint = h('div.field-hint', { testid: `hint-${name}` });
  let timer = 0;
  let seq = 0;
  const showName = async () => {
    const v = input.value.trim().toUpperCase();
    if (v.length !== 18) return replace(hint);
    const n = await enterpriseName(v);
    if (input.value.trim().toUpperCase() === v) replace(hint, n ?? '');
  };
  const input = h('input.input.mono', {
    name,
    value,
    list: listId,
    readonly: opts.readonly,
    maxlength: 40,
    autocomplete: 'off',
    placeholder: opts.placeholder ?? t('fld_buyer_ph'),
    testid: `fld-${name}`,
    oninput: () => {
      window.clearTimeout(timer);
      void showName();
      const q = input.value.trim();
      if (q.length < 2 || /^[0-9A-Z]{18}$/i.test(q)) return;
      timer = window.setTimeout(async () => {
        const my = ++seq;
        try {
          const page = await api.enterprises({ q, limit: 8 });
          if (my !== seq) return;
          replace(list, page.items.map((e) => h('option', { value: e.credit_code, label: e.name }, e.name)));
        } catch {
          /* suggestions are optional */
        }
      }, 200);
    },
  });
  void showName();
  return h('div.ent-input', null, input, list, hint);
}

// ---- the plan --------------------------------------------------------------------------------------

const METHODS = ['linear_program', 'integer_program', 'min_cost_flow', 'network_simplex', 'brute_force', 'trivial'];

/** The engine's reasons for unmet quantities, in Chinese when the UI is (the English is the engine's own). */
export function unmetReason(s: string | null): string {
  if (!s) return '—';
  if (getLang() === 'en') return s;
  let m: RegExpMatchArray | null;
  if (/^no capable supplier/.test(s)) return '除排除的企业和地区外，没有能在期限内交付的企业';
  if ((m = s.match(/^the (\d+) candidates can deliver (\d+) by (\S+), (\d+) short$/)))
    return `${m[1]} 家候选企业在 ${m[3]} 前共可交付 ${num(+m[2])}，缺 ${num(+m[4])}`;
  if ((m = s.match(/^the share cap of ([\d.]+)% lets each supplier take at most (\d+); the (\d+) candidates reach (\d+)$/)))
    return `单家份额上限 ${m[1]}%：每家至多 ${num(+m[2])}，${m[3]} 家候选企业合计 ${num(+m[4])}`;
  if (/^other demands due earlier or more urgent/.test(s)) return '共享产能已被期限更早或更紧急的需求占用';
  return s;
}

export interface PlanViewOpts {
  regions: Region[];
  /** The demands of the plan (for units, delivery places and their own exclusions). */
  demands: Map<number, Demand>;
  /** Several demands: a per-demand table and a demand column. */
  combined: boolean;
  testid: string;
}

/** The plan's numbers, its lines, its unmet quantities and a map; `draw()` once it is in the page. */
export function planView(plan: DockingPlan, opts: PlanViewOpts): { el: HTMLElement; draw: () => ECharts } {
  const byCode = new Map(opts.regions.map((r) => [r.code, r]));
  const unmet = plan.demands.reduce((a, d) => a + d.unmet, 0);
  const unitOf = (id: number) => opts.demands.get(id)?.unit ?? plan.demands.find((d) => d.id === id)?.unit ?? '';
  const single = !opts.combined && plan.demands.length === 1 ? plan.demands[0] : null;
  const stat = (label: Key, value: Child, testid: string, cls = '') =>
    h('div.stat', { testid, class: cls }, h('div.stat-label', null, t(label)), h('div.stat-value', null, value));
  const method = METHODS.includes(plan.method) ? t(`method_${plan.method}` as Key) : plan.method;
  const stats = h(
    'div.plan-stats',
    { testid: `${opts.testid}-stats` },
    single
      ? [
          stat('plan_allocated', `${num(single.allocated)} / ${num(single.quantity)} ${single.unit}`, `${opts.testid}-allocated`),
          stat('plan_unmet', `${num(single.unmet)} ${single.unit}`, `${opts.testid}-unmet`, single.unmet > 0 ? 'stat-bad' : 'stat-good'),
        ]
      : [
          stat('plan_met_demands', `${plan.demands.filter((d) => d.unmet === 0).length} / ${plan.demands.length}`, `${opts.testid}-allocated`),
          stat('plan_short_demands', String(plan.demands.filter((d) => d.unmet > 0).length), `${opts.testid}-unmet`, unmet > 0 ? 'stat-bad' : 'stat-good'),
        ],
    stat('plan_enterprises', num(plan.enterprises), `${opts.testid}-enterprises`),
    stat('plan_cities', num(plan.cities), `${opts.testid}-cities`),
    stat('plan_objective', yuan(plan.objective), `${opts.testid}-objective`),
    stat(
      'plan_method',
      h(
        'span',
        null,
        plan.proven_optimal ? badge(t('plan_optimal'), 'ok', `${opts.testid}-optimal`) : badge(t('plan_not_optimal'), 'warn', `${opts.testid}-optimal`),
        h('span.muted.small', null, ` ${method}`),
      ),
      `${opts.testid}-method`,
    ),
  );

  const outcomes = opts.combined
    ? table(
        plan.demands,
        [
          { title: t('col_demand'), cell: (d) => h('a', { href: `#/docking/${d.id}` }, `#${d.id} ${d.product}`) },
          { title: t('col_quantity'), cell: (d) => `${num(d.quantity)} ${d.unit}`, class: 'num' },
          { title: t('col_allocated'), cell: (d) => `${num(d.allocated)} ${d.unit}`, class: 'num' },
          { title: t('col_unmet'), cell: (d) => h('span', { class: d.unmet > 0 ? 'text-bad' : 'muted' }, d.unmet > 0 ? `${num(d.unmet)} ${d.unit}` : '0'), class: 'num' },
          { title: t('col_candidates'), cell: (d) => num(d.candidates), class: 'num' },
          { title: t('col_unmet_reason'), cell: (d) => h('span.small', null, unmetReason(d.unmet_reason)) },
        ],
        { testid: `${opts.testid}-outcomes`, rowTestid: (d) => `${opts.testid}-outcome-${d.id}` },
      )
    : single && single.unmet > 0
      ? h('div.alert.alert-warn', { testid: `${opts.testid}-unmet-reason` }, `${t('plan_unmet')} ${num(single.unmet)} ${single.unit}：`, unmetReason(single.unmet_reason))
      : null;

  const lines = [...plan.lines].sort((a, b) => a.demand - b.demand || b.quantity - a.quantity);
  const lineTable = table(
    lines,
    [
      ...(opts.combined ? [{ title: t('col_demand'), cell: (l: PlanLine) => h('a', { href: `#/docking/${l.demand}` }, `#${l.demand}`) }] : []),
      { title: t('col_supplier'), cell: (l: PlanLine) => h('a', { href: `#/enterprises/${l.supplier}`, title: l.supplier }, l.name), class: 'name-cell' },
      { title: t('col_city'), cell: (l: PlanLine) => h('span', { 'data-city': String(l.city) }, placeName(l.city_name)) },
      {
        title: t('col_quantity'),
        cell: (l: PlanLine) => h('span', null, `${num(l.quantity)} ${unitOf(l.demand)}`, l.assumed_capacity && h('span.assumed', { title: t('assumed_title') }, t('assumed'))),
        class: 'num',
      },
      { title: t('col_unit_price'), cell: (l: PlanLine) => (l.unit_price === null ? h('span.muted', null, t('price_unknown')) : yuan(l.unit_price)), class: 'num' },
      { title: t('col_transport'), cell: (l: PlanLine) => h('span', { title: t('km', { n: num(l.distance_km) }) }, yuan(l.transport_per_unit)), class: 'num' },
      { title: t('col_cost'), cell: (l: PlanLine) => yuan(l.cost), class: 'num' },
    ],
    { testid: `${opts.testid}-lines`, rowTestid: (l) => `${opts.testid}-line-${l.demand}-${l.supplier}`, empty: t('plan_empty') },
  );

  const mapEl = h('div.plan-map', { testid: `${opts.testid}-map` });
  const el = h(
    'div.plan-view',
    { testid: opts.testid },
    stats,
    outcomes,
    h(
      'div.plan-grid',
      null,
      h('div.plan-lines', null, h('h3.sub-title', null, t('plan_lines')), lineTable),
      h('div.plan-map-box', null, h('h3.sub-title', null, t('plan_map')), mapEl, h('div.muted.small', null, t('map_width_note'))),
    ),
  );
  return { el, draw: () => drawPlanMap(mapEl, plan, opts.demands, byCode, `${opts.testid}-map`) };
}

/** The BTH map with a line from each supplier city to each delivery place it serves, wider for more. */
export function drawPlanMap(el: HTMLElement, plan: DockingPlan, demands: Map<number, Demand>, byCode: Map<number, Region>, name: string): ECharts {
  const { names, byName, nameMap, shown } = bthNames(byCode);
  const at = (code: number): [number, number] | null => {
    const r = byCode.get(code) ?? byCode.get(Math.floor(code / 100) * 100);
    return r ? [r.lng, r.lat] : null;
  };
  const mapName = (code: number) => {
    const r = byCode.get(code);
    return mapRegionName(code, r?.name ?? '', byCode);
  };

  // Locked-down divisions: the plan's and each demand's own, drawn on the map's regions they cover.
  const locked = new Set<number>([...plan.excluded_regions, ...plan.demands.flatMap((d) => demands.get(d.id)?.excluded_regions ?? [])]);
  const lockedNames = new Set<string>();
  for (const n of names) {
    const r = byName.get(n);
    if (r && [...locked].some((c) => covers(c, r.code) || covers(r.code, c))) lockedNames.add(n);
  }

  // One line per (supplier city, delivery place); its width by the share of the demand it carries.
  type Route = { from: number; to: number; demand: number; quantity: number; share: number; suppliers: string[] };
  const routes = new Map<string, Route>();
  for (const l of plan.lines) {
    const d = demands.get(l.demand);
    const outcome = plan.demands.find((o) => o.id === l.demand);
    const to = d?.delivery_region;
    if (to === undefined) continue;
    const key = `${l.city}>${to}>${l.demand}`;
    const r = routes.get(key) ?? { from: l.city, to, demand: l.demand, quantity: 0, share: 0, suppliers: [] };
    r.quantity += l.quantity;
    r.share = outcome ? r.quantity / outcome.quantity : 0;
    r.suppliers.push(`${l.name} ${num(l.quantity)}`);
    routes.set(key, r);
  }
  const routeList = [...routes.values()].filter((r) => at(r.from) && at(r.to));
  const unit = (id: number) => demands.get(id)?.unit ?? '';
  const lineData = routeList.map((r) => ({
    name: `${placeName(mapName(r.from))} → ${placeText(r.to, byCode)}`,
    fromCity: mapName(r.from),
    fromCode: r.from,
    toCode: r.to,
    demand: r.demand,
    quantity: r.quantity,
    coords: [at(r.from)!, at(r.to)!],
    lineStyle: { width: Math.min(8, 1.2 + 12 * r.share) },
    tip: `#${r.demand} ${num(r.quantity)} ${unit(r.demand)}<br/>${r.suppliers.join('<br/>')}`,
  }));
  const byCity = new Map<number, { q: number; share: number; suppliers: number }>();
  for (const r of routeList) {
    const c = byCity.get(r.from) ?? { q: 0, share: 0, suppliers: 0 };
    c.q += r.quantity;
    c.share = Math.max(c.share, r.share);
    c.suppliers += r.suppliers.length;
    byCity.set(r.from, c);
  }
  const dests = [...new Set(plan.demands.map((d) => demands.get(d.id)?.delivery_region).filter((x): x is number => x !== undefined))];

  // Zoom in on the routes (and the lockdowns around them) when they cover a small part of the region.
  const pts = [...routeList.flatMap((r) => [at(r.from)!, at(r.to)!]), ...dests.map(at).filter((p): p is [number, number] => !!p)];
  for (const n of lockedNames) {
    const r = byName.get(n);
    if (r) pts.push([r.lng, r.lat]);
  }
  let view: { center?: [number, number]; zoom?: number } = {};
  if (pts.length > 0) {
    const xs = pts.map((p) => p[0]);
    const ys = pts.map((p) => p[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const extent = Math.max(x1 - x0, y1 - y0) + 1.6;
    const zoom = Math.min(2.2, 6.6 / extent);
    if (zoom > 1.15) view = { center: [(x0 + x1) / 2, (y0 + y1) / 2], zoom };
  }

  const chart = makeChart(el, name);
  chart.setOption({
    tooltip: {
      trigger: 'item',
      formatter: (p: { seriesType: string; name: string; data?: { tip?: string } }) =>
        p.data?.tip ? `${p.name}<br/>${p.data.tip}` : p.name,
    },
    legend: {
      bottom: 8,
      right: 10,
      orient: 'vertical',
      itemWidth: 10,
      itemHeight: 10,
      data: [t('map_supplier_city'), t('map_destination')],
      backgroundColor: 'rgba(255,255,255,0.85)',
      padding: 6,
    },
    geo: {
      ...bthGeo({
      nameMap,
      regions: [...lockedNames].map((n) => ({
        name: shown(n),
        itemStyle: { areaColor: '#fbe3e1', borderColor: '#d93026', borderWidth: 1.6 },
        label: { color: '#b3261e', fontWeight: 'bold', lineHeight: 15, formatter: `${shown(n)}\n(${t('map_locked')})` },
      })),
      }),
      ...view,
    },
    series: [
      {
        type: 'lines',
        name: t('plan_map'),
        coordinateSystem: 'geo',
        zlevel: 1,
        symbol: ['none', 'arrow'],
        symbolSize: 8,
        lineStyle: { color: PALETTE.primary, opacity: 0.75, curveness: 0.18 },
        emphasis: { lineStyle: { opacity: 1 } },
        data: lineData,
      },
      {
        type: 'scatter',
        name: t('map_supplier_city'),
        coordinateSystem: 'geo',
        zlevel: 2,
        itemStyle: { color: PALETTE.primary, borderColor: '#fff', borderWidth: 1 },
        symbolSize: (_v: unknown, p: { data: { share: number } }) => 7 + 18 * Math.min(1, p.data.share),
        data: [...byCity.entries()].map(([code, c]) => ({
          name: placeName(mapName(code)),
          value: at(code),
          share: c.share,
          tip: `${t('plan_enterprises')}: ${c.suppliers}`,
        })),
      },
      {
        type: 'effectScatter',
        name: t('map_destination'),
        coordinateSystem: 'geo',
        zlevel: 3,
        symbolSize: 12,
        rippleEffect: { scale: 2.6, brushType: 'stroke' },
        itemStyle: { color: PALETTE.leading },
        label: { show: true, position: 'right', formatter: (p: { data: { short: string } }) => p.data.short, fontSize: 11, color: '#8a1f0b', fontWeight: 'bold' },
        labelLayout: { hideOverlap: true },
        data: dests.map((c) => ({ name: placeText(c, byCode), short: byCode.get(c)?.name ?? String(c), value: at(c), code: c, tip: t('map_destination') })),
      },
    ],
  });
  return chart;
}
