// 供需对接: the demands board (#/docking) with its KPIs, the forms to post demands and offers, and the
// combined plan of all open demands.

import { api } from '../api';
import { disposeChart, type ECharts } from '../charts';
import { h, num, replace, type Child } from '../dom';
import {
  clearFormError,
  demandStatusBadge,
  demandStatusLabel,
  dueCell,
  enterpriseInput,
  enterpriseNames,
  entLink,
  field,
  isoDay,
  placeText,
  planView,
  priorityBadge,
  showFormError,
  yuan,
  cityPicker,
} from '../docking-ui';
import { t, type Key } from '../i18n';
import { setQuery, type Ctx } from '../router';
import { currentUser, getChains, getRegions, isDepartment } from '../state';
import type { DemandStatus, DockingKpis, Offer, Region } from '../types';
import { card, errorBox, loading, table } from '../ui';

const BOARD: DemandStatus[] = ['open', 'planned', 'covered', 'delivered'];

/** The page head of the docking pages, with the tabs between the board and the requests. */
export function dockingHead(active: 'board' | 'requests', ...actions: Child[]): HTMLElement {
  return h(
    'div.page-head',
    null,
    h(
      'div',
      null,
      h('h1.page-title', null, t('dock_title')),
      h(
        'div.sub-tabs',
        { role: 'tablist' },
        h('a.sub-tab', { href: '#/docking', class: active === 'board' ? 'on' : '', testid: 'tab-board' }, t('dock_tab_board')),
        h('a.sub-tab', { href: '#/requests', class: active === 'requests' ? 'on' : '', testid: 'tab-requests' }, t('dock_tab_requests')),
      ),
    ),
    h('div.page-actions', null, ...actions),
  );
}

export async function renderDocking(ctx: Ctx): Promise<void> {
  const { main } = ctx;
  replace(main, loading());
  const [kpis, demands, regions] = await Promise.all([api.dockingKpis(), api.demands(), getRegions()]);
  if (!ctx.alive()) return;
  const byCode = new Map(regions.map((r) => [r.code, r]));
  const names = await enterpriseNames(demands.map((d) => d.buyer));
  if (!ctx.alive()) return;
  const me = currentUser()!;
  const staff = isDepartment();
  const canPost = staff || (me.role === 'enterprise' && !!me.enterprise);

  let filter: DemandStatus | 'all' = (ctx.query.get('status') as DemandStatus | null) ?? 'all';
  const formBox = h('div', { testid: 'form-box' });
  const planBox = h('div', { testid: 'plan-all-box' });
  const boardBox = h('div');
  const offersBox = h('div');

  const openIds = demands.filter((d) => d.status === 'open').map((d) => d.id);
  const planAll = h(
    'button.btn.btn-primary',
    { testid: 'plan-all', disabled: openIds.length === 0, title: openIds.length === 0 ? t('plan_all_none') : undefined, onclick: () => void runPlanAll() },
    t('plan_all'),
  );
  const formButton = (key: Key, testid: string, make: () => HTMLElement) =>
    h(
      'button.btn',
      {
        testid,
        onclick: () => {
          replace(formBox, make());
          formBox.scrollIntoView({ behavior: 'smooth', block: 'start' });
        },
      },
      t(key),
    );

  replace(
    main,
    dockingHead(
      'board',
      canPost && formButton('new_demand', 'new-demand', () => demandForm(regions, () => replace(formBox))),
      canPost && formButton('new_offer', 'new-offer', () => offerForm(() => replace(formBox), () => void drawOffers(offersBox, ctx.alive))),
      staff && planAll,
    ),
    kpiCards(kpis),
    formBox,
    planBox,
    boardBox,
    offersBox,
  );
  drawBoard();
  void drawOffers(offersBox, ctx.alive);

  function drawBoard(): void {
    const count = (s: DemandStatus | 'all') => (s === 'all' ? demands.length : demands.filter((d) => d.status === s).length);
    const statuses: (DemandStatus | 'all')[] = ['all', ...BOARD, ...(count('cancelled') ? (['cancelled'] as DemandStatus[]) : [])];
    const tabs = h(
      'div.seg-tabs',
      { testid: 'status-tabs', role: 'tablist' },
      statuses.map((s) =>
        h(
          'button.seg-tab',
          {
            class: s === filter ? 'on' : '',
            testid: `status-${s}`,
            role: 'tab',
            onclick: () => {
              filter = s;
              setQuery('/docking', { status: s === 'all' ? null : s });
              drawBoard();
            },
          },
          s === 'all' ? t('all') : demandStatusLabel(s),
          h('span.tab-count', null, String(count(s))),
        ),
      ),
    );
    const rows = demands.filter((d) => filter === 'all' || d.status === filter);
    replace(
      boardBox,
      card(
        h('span', null, t('demands_title'), h('span.card-count', { testid: 'demand-count' }, String(rows.length))),
        table(
          rows,
          [
            { title: t('col_id'), cell: (d) => h('a', { href: `#/docking/${d.id}` }, `#${d.id}`) },
            {
              title: t('col_product'),
              cell: (d) => h('div', null, h('a.strong', { href: `#/docking/${d.id}`, testid: `demand-product-${d.id}` }, d.product), h('div.muted.small', null, `${d.chain} / ${d.link}`)),
              class: 'name-cell',
            },
            { title: t('col_quantity'), cell: (d) => h('span', { testid: `demand-qty-${d.id}` }, `${num(d.quantity)} ${d.unit}`), class: 'num' },
            { title: t('col_due'), cell: (d) => dueCell(d.due, d.status === 'open' || d.status === 'planned') },
            { title: t('col_buyer'), cell: (d) => entLink(d.buyer, names) },
            {
              title: t('col_deliver_to'),
              cell: (d) =>
                h(
                  'div',
                  null,
                  placeText(d.delivery_region, byCode),
                  d.excluded_regions.length > 0 &&
                    h('div.small.text-bad', { title: t('col_excluded') }, '⊘ ', d.excluded_regions.map((c) => placeText(c, byCode)).join('、')),
                ),
            },
            { title: t('col_priority'), cell: (d) => priorityBadge(d.priority) },
            { title: t('col_status'), cell: (d) => demandStatusBadge(d.status, `demand-status-${d.id}`) },
            { title: t('col_note'), cell: (d) => h('span.clip.small', { title: d.note ?? '' }, d.note ?? '') },
          ],
          { testid: 'demands-table', rowTestid: (d) => `demand-row-${d.id}`, rowHref: (d) => `#/docking/${d.id}`, empty: t('no_demands') },
        ),
        { testid: 'demands-card', extra: tabs, class: 'card-flush' },
      ),
    );
  }

  let planChart: ECharts | null = null;
  function clearPlan(): void {
    if (planChart) disposeChart(planChart);
    planChart = null;
    replace(planBox);
  }

  async function runPlanAll(): Promise<void> {
    planAll.disabled = true;
    clearPlan();
    replace(planBox, card(t('plan_all_title'), loading(), { testid: 'plan-all-card' }));
    try {
      const res = await api.plan({ demands: openIds });
      if (!ctx.alive()) return;
      const view = planView(res.plan, {
        regions,
        demands: new Map(demands.map((d) => [d.id, d])),
        combined: true,
        testid: 'plan-all-view',
      });
      replace(
        planBox,
        card(t('plan_all_title'), [h('p.muted.small.plan-lead', null, t('plan_all_lead', { n: openIds.length })), view.el], {
          testid: 'plan-all-card',
          extra: h('button.btn.btn-ghost.btn-sm', { testid: 'plan-all-close', onclick: clearPlan }, t('close')),
        }),
      );
      planChart = view.draw();
    } catch (e) {
      if (!ctx.alive()) return;
      replace(planBox, card(t('plan_all_title'), errorBox(e, 'plan-all-error'), { testid: 'plan-all-card' }));
    } finally {
      planAll.disabled = false;
    }
  }
}

function kpiCards(k: DockingKpis): HTMLElement {
  const kpi = (key: Key, v: Child, kind: string, testid: string, note?: string) =>
    h('div.kpi', { class: `kpi-${kind}`, testid, title: note }, h('div.kpi-label', null, t(key)), h('div.kpi-value', null, v));
  return h(
    'div.kpis.kpis-dock',
    { testid: 'dock-kpis' },
    kpi('dk_demands', num(k.demands), 'primary', 'dk-demands'),
    kpi('dk_open', num(k.open), 'bottleneck', 'dk-open'),
    kpi('dk_fully_met', num(k.fully_met), 'ok', 'dk-fully-met'),
    kpi('dk_delivered', num(k.delivered), 'ok', 'dk-delivered'),
    kpi('dk_engaged', num(k.enterprises_engaged), 'plain', 'dk-engaged'),
    kpi('dk_pending', num(k.requests_pending), 'plain', 'dk-pending'),
    kpi('dk_declined', num(k.requests_declined), k.requests_declined > 0 ? 'breakpoint' : 'plain', 'dk-declined'),
    kpi('dk_units_delivered', num(k.units_delivered), 'plain', 'dk-units', t('dk_units_note')),
    kpi('dk_days_to_cover', k.mean_days_to_cover === null ? '—' : t('days', { n: num(k.mean_days_to_cover) }), 'plain', 'dk-days'),
  );
}

// ---- forms ------------------------------------------------------------------------------------------

/** Every chain link's name by `chain/link` (for offers and the product field's suggestions), fetched once. */
let linkNames: Promise<Map<string, string>> | null = null;
function getLinkNames(): Promise<Map<string, string>> {
  return (linkNames ??= (async () => {
    const chains = await getChains();
    const full = await Promise.all(chains.map((c) => api.chain(c.id)));
    return new Map(full.flatMap((c) => c.links.map((l) => [`${c.id}/${l.id}`, l.name] as [string, string])));
  })().catch(() => {
    linkNames = null;
    return new Map<string, string>();
  }));
}

async function productSuggestions(): Promise<string[]> {
  return [...new Set((await getLinkNames()).values())].sort();
}

/** The offers of free capacity, drawn into `box` once their suppliers' names are known. */
async function drawOffers(box: HTMLElement, alive: () => boolean): Promise<void> {
  try {
    const offers = await api.offers();
    const [names, links] = await Promise.all([enterpriseNames(offers.map((o) => o.supplier)), getLinkNames()]);
    if (!alive()) return;
    offers.sort((a, b) => a.chain.localeCompare(b.chain) || a.link.localeCompare(b.link) || a.unit_price - b.unit_price);
    replace(
      box,
      card(
        h('span', null, t('offers_title'), h('span.card-count', null, String(offers.length))),
        table(
          offers,
          [
            { title: t('col_id'), cell: (o) => `#${o.id}` },
            { title: t('col_supplier'), cell: (o) => entLink(o.supplier, names), class: 'name-cell' },
            {
              title: t('col_product'),
              cell: (o) => h('div', null, links.get(`${o.chain}/${o.link}`) ?? o.link, h('div.muted.small', null, `${o.chain} / ${o.link}`)),
            },
            { title: t('col_quantity'), cell: (o) => `${num(o.quantity)} ${o.unit}`, class: 'num' },
            { title: t('col_period'), cell: (o) => h('span.small', null, `${o.available_from} – ${o.available_until}`) },
            { title: t('col_unit_price'), cell: (o) => yuan(o.unit_price), class: 'num' },
            { title: t('col_lead_time'), cell: (o) => t('days', { n: o.lead_time_days }), class: 'num' },
          ],
          { testid: 'offers-table', rowTestid: (o) => `offer-row-${o.id}` },
        ),
        { testid: 'offers-card', class: 'card-flush' },
      ),
    );
  } catch (e) {
    if (alive()) replace(box, errorBox(e, 'offers-error'));
  }
}

function productInput(): HTMLElement {
  const id = `dl-product-${Math.random().toString(36).slice(2, 8)}`;
  const list = h('datalist', { id });
  void productSuggestions().then((ns) => replace(list, ns.map((n) => h('option', { value: n }))));
  return h('span.ent-input', null, h('input.input', { name: 'product', list: id, placeholder: t('fld_product_ph'), testid: 'fld-product', autocomplete: 'off' }), list);
}

function ownCode(): string {
  const me = currentUser();
  return !isDepartment() && me?.enterprise ? me.enterprise.credit_code : '';
}

function demandForm(regions: Region[], onClose: () => void): HTMLElement {
  const own = ownCode();
  const general = h('div');
  const notice = h('div');
  const excluded = cityPicker(regions, { testid: 'fld-excluded_regions', name: 'excluded_regions' });
  const input = (name: string, attrs: Record<string, unknown> = {}) => h('input.input', { name, testid: `fld-${name}`, ...attrs });
  const priority = h(
    'select.select',
    { name: 'priority', testid: 'fld-priority' },
    [1, 2, 3, 4, 5].map((p) => h('option', { value: String(p), selected: p === 3 }, `P${p} ${t(`prio_${p}` as Key)}`)),
  );
  const submit = h('button.btn.btn-primary', { type: 'submit', testid: 'demand-submit' }, t('submit_demand'));
  const form: HTMLFormElement = h(
    'form.form',
    {
      testid: 'demand-form',
      novalidate: true,
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        clearFormError(form, general);
        replace(notice);
        const v = (n: string) => (form.querySelector<HTMLInputElement>(`[name="${n}"]`)?.value ?? '').trim();
        submit.disabled = true;
        try {
          const d = await api.createDemand({
            buyer: v('buyer').toUpperCase(),
            product: v('product'),
            quantity: v('quantity'),
            due: v('due'),
            deliver_to: v('deliver_to'),
            priority: Number(v('priority')) || 3,
            excluded_regions: excluded.value().map(String),
            note: v('note') || null,
          });
          replace(
            notice,
            h('div.alert.alert-ok', { testid: 'demand-created' }, t('demand_created', { id: d.id }), ' ', h('a', { href: `#/docking/${d.id}` }, `${d.product} · ${num(d.quantity)} ${d.unit} ›`)),
          );
        } catch (e) {
          showFormError(form, general, e);
        } finally {
          submit.disabled = false;
        }
      },
    },
    h(
      'div.form-grid',
      null,
      field('buyer', 'fld_buyer', enterpriseInput('buyer', own, { readonly: !!own })),
      field('product', 'fld_product', productInput()),
      field('quantity', 'fld_quantity', input('quantity', { placeholder: t('fld_quantity_ph') })),
      field('due', 'fld_due', input('due', { type: 'date', value: isoDay(10), min: isoDay(0) })),
      field('deliver_to', 'fld_deliver_to', input('deliver_to', { placeholder: t('fld_deliver_to_ph') })),
      field('priority', 'fld_priority', priority),
      field('excluded_regions', 'fld_excluded_regions', excluded.el, { wide: true }),
      field('note', 'fld_note', input('note'), { wide: true }),
    ),
    general,
    notice,
    h('div.form-actions', null, submit, h('button.btn', { type: 'button', onclick: onClose }, t('close'))),
  );
  return card(t('new_demand'), form, { testid: 'demand-form-card' });
}

function offerForm(onClose: () => void, onPosted: () => void): HTMLElement {
  const own = ownCode();
  const general = h('div');
  const notice = h('div');
  const input = (name: string, attrs: Record<string, unknown> = {}) => h('input.input', { name, testid: `fld-${name}`, ...attrs });
  const submit = h('button.btn.btn-primary', { type: 'submit', testid: 'offer-submit' }, t('submit_offer'));
  const form: HTMLFormElement = h(
    'form.form',
    {
      testid: 'offer-form',
      novalidate: true,
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        clearFormError(form, general);
        replace(notice);
        const v = (n: string) => (form.querySelector<HTMLInputElement>(`[name="${n}"]`)?.value ?? '').trim();
        submit.disabled = true;
        try {
          const o: Offer = await api.createOffer({
            supplier: v('supplier').toUpperCase(),
            product: v('product'),
            quantity: v('quantity'),
            available_from: v('available_from'),
            available_until: v('available_until'),
            unit_price: v('unit_price') === '' ? NaN : Number(v('unit_price')),
            lead_time_days: v('lead_time_days') === '' ? NaN : Number(v('lead_time_days')),
          });
          onPosted();
          replace(notice, h('div.alert.alert-ok', { testid: 'offer-created' }, t('offer_created', { id: o.id, q: num(o.quantity), u: o.unit }), ` · ${yuan(o.unit_price)}`));
        } catch (e) {
          showFormError(form, general, e);
        } finally {
          submit.disabled = false;
        }
      },
    },
    h(
      'div.form-grid',
      null,
      field('supplier', 'fld_supplier', enterpriseInput('supplier', own, { readonly: !!own })),
      field('product', 'fld_product', productInput()),
      field('quantity', 'fld_quantity', input('quantity', { placeholder: t('fld_quantity_ph') })),
      field('available_from', 'fld_available_from', input('available_from', { type: 'date', value: isoDay(0) })),
      field('available_until', 'fld_available_until', input('available_until', { type: 'date', value: isoDay(14) })),
      field('unit_price', 'fld_unit_price', input('unit_price', { inputmode: 'decimal', placeholder: '14.0' })),
      field('lead_time_days', 'fld_lead_time', input('lead_time_days', { inputmode: 'numeric', value: '2' })),
    ),
    general,
    notice,
    h('div.form-actions', null, submit, h('button.btn', { type: 'button', onclick: onClose }, t('close'))),
  );
  return card(t('new_offer'), form, { testid: 'offer-form-card' });
}
