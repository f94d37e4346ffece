// One demand (#/docking/ID): what it asks for, its ranked candidates with the parts of each score, the
// plan panel (share cap, lockdowns, an optimal split, sending it as requests) and the requests sent.

import { api, ApiError } from '../api';
import { disposeChart, type ECharts } from '../charts';
import { h, num, replace, type Child } from '../dom';
import {
  cityPicker,
  demandStatusBadge,
  dueCell,
  enterpriseNames,
  entLink,
  placeText,
  planView,
  priorityBadge,
  requestStatusBadge,
  yuan,
  type CityPicker,
} from '../docking-ui';
import { placeName, t, type Key } from '../i18n';
import type { Ctx } from '../router';
import { currentUser, getRegions, isDepartment } from '../state';
import type { AllocationRequest, Candidate, Demand, ScoreParts } from '../types';
import { card, errorBox, flags, kv, loading, table } from '../ui';

/** The parts of a score with their weights (crates/engine/src/docking.rs). */
const PARTS: [keyof ScoreParts, number, string][] = [
  ['product_fit', 30, '#1f5fbf'],
  ['free_capacity', 25, '#2e9d5b'],
  ['distance', 15, '#13a8a8'],
  ['lead_time', 10, '#f08c00'],
  ['delivery_record', 10, '#7b3fbf'],
  ['flags', 10, '#d4380d'],
];

export async function renderDemand(ctx: Ctx, idText: string): Promise<void> {
  const { main } = ctx;
  const id = Number(idText);
  if (!Number.isInteger(id) || id <= 0) {
    replace(main, h('div.empty', { testid: 'not-found' }, t('not_found')));
    return;
  }
  replace(main, loading());
  const [detail, regions] = await Promise.all([api.demand(id), getRegions()]);
  if (!ctx.alive()) return;
  let demand = detail.demand;
  let requests = detail.requests;
  const byCode = new Map(regions.map((r) => [r.code, r]));
  const names = await enterpriseNames([demand.buyer, ...requests.map((r) => r.supplier)]);
  if (!ctx.alive()) return;
  const staff = isDepartment();
  const me = currentUser()!;
  const isBuyer = me.role === 'enterprise' && me.enterprise?.credit_code === demand.buyer;
  const seesCandidates = staff || isBuyer;

  const head = h('div');
  const infoBox = h('div');
  const requestsBox = h('div');
  const planBox = h('div');
  const candBox = h('div');

  // Locked-down cities, besides the demand's own exclusions: they narrow the candidates and the plan.
  let lockdown: CityPicker | null = null;
  let candTimer = 0;
  let candSeq = 0;
  if (seesCandidates) {
    lockdown = cityPicker(regions, {
      testid: 'lockdown',
      fixed: demand.excluded_regions,
      onChange: () => {
        plan.stale();
        window.clearTimeout(candTimer);
        candTimer = window.setTimeout(() => void loadCandidates(), 250);
      },
    });
  }
  const plan = staff && lockdown ? planPanel(lockdown) : { el: null as HTMLElement | null, stale: () => {} };

  replace(
    main,
    head,
    h('div.grid-2', null, infoBox, requestsBox),
    plan.el && planBox,
    candBox,
  );
  if (plan.el) replace(planBox, plan.el);
  drawHead();
  drawInfo();
  drawRequests();
  if (seesCandidates) await loadCandidates();
  else replace(candBox, card(t('candidates_title'), h('div.muted', { testid: 'candidates-forbidden' }, t('candidates_forbidden')), { testid: 'candidates-card' }));

  function drawHead(): void {
    replace(
      head,
      h(
        'div.page-head',
        null,
        h(
          'div',
          null,
          h('div.crumbs', null, h('a', { href: '#/docking' }, t('nav_docking')), ' / ', t('demand_no', { id: demand.id })),
          h(
            'h1.page-title',
            { testid: 'demand-title' },
            h('span', { testid: 'demand-product' }, demand.product),
            h('span.title-qty', { testid: 'demand-quantity' }, `${num(demand.quantity)} ${demand.unit}`),
            h('span.title-badges', null, demandStatusBadge(demand.status, 'demand-status'), priorityBadge(demand.priority)),
          ),
        ),
        h('div.page-actions'),
      ),
    );
  }

  function drawInfo(): void {
    replace(
      infoBox,
      card(
        t('demand_info'),
        kv([
          ['col_buyer', entLink(demand.buyer, names), 'demand-buyer'],
          ['chain_link', h('a', { href: `#/chains/${demand.chain}` }, `${demand.chain} / ${demand.link}`)],
          ['col_quantity', `${num(demand.quantity)} ${demand.unit}`],
          ['col_due', dueCell(demand.due, demand.status === 'open' || demand.status === 'planned')],
          ['col_deliver_to', placeText(demand.delivery_region, byCode), 'demand-deliver-to'],
          [
            'col_excluded',
            demand.excluded_regions.length ? h('span.text-bad', null, demand.excluded_regions.map((c) => placeText(c, byCode)).join('、')) : null,
            'demand-excluded',
          ],
          ['certifications', demand.certifications.join('、')],
          ['created_on', demand.created],
          ['col_note', demand.note],
        ]),
        { testid: 'demand-info' },
      ),
    );
  }

  function drawRequests(): void {
    replace(
      requestsBox,
      card(
        h('span', null, t('requests_of_demand'), h('span.card-count', null, String(requests.length))),
        requestTable(requests, demand, names),
        { testid: 'demand-requests', class: 'card-flush' },
      ),
    );
  }

  async function reloadDetail(): Promise<void> {
    const d = await api.demand(id);
    if (!ctx.alive()) return;
    demand = d.demand;
    requests = d.requests;
    for (const [k, v] of await enterpriseNames(requests.map((r) => r.supplier))) names.set(k, v);
    if (!ctx.alive()) return;
    drawHead();
    drawRequests();
  }

  async function loadCandidates(): Promise<void> {
    const my = ++candSeq;
    const lock = lockdown?.value() ?? [];
    const body = h('div', { testid: 'candidates-body' }, loading());
    const extra = !staff && lockdown ? h('div.lock-inline', null, h('span.muted.small', null, t('lockdown')), lockdown.el) : null;
    if (!candBox.firstChild) replace(candBox, card(t('candidates_title'), body, { testid: 'candidates-card', class: 'card-flush' }));
    else candBox.querySelector('[data-testid=candidates-body]')?.classList.add('busy');
    try {
      const list = await api.candidates(id, lock);
      if (!ctx.alive() || my !== candSeq) return;
      replace(
        candBox,
        card(
          h('span', null, t('candidates_title'), h('span.card-count', { testid: 'candidates-count' }, t('candidates_count', { n: list.candidates.length }))),
          [extra, h('div', { testid: 'candidates-body', 'data-lockdown': lock.join(',') }, candidateTable(list.candidates, demand))],
          { testid: 'candidates-card', class: 'card-flush' },
        ),
      );
    } catch (e) {
      if (!ctx.alive() || my !== candSeq) return;
      const forbidden = e instanceof ApiError && e.status === 403;
      replace(
        candBox,
        card(t('candidates_title'), forbidden ? h('div.muted', { testid: 'candidates-forbidden' }, t('candidates_forbidden')) : errorBox(e, 'candidates-error'), {
          testid: 'candidates-card',
        }),
      );
    }
  }

  function planPanel(lock: CityPicker): { el: HTMLElement; stale: () => void } {
    const share = h('input.input.input-short', { type: 'number', min: 1, max: 100, step: 1, value: '30', testid: 'share-cap', 'aria-label': t('share_cap') });
    const result = h('div', { testid: 'plan-result' });
    const notice = h('div', { testid: 'plan-notice' });
    const compute = h('button.btn.btn-primary', { testid: 'compute-plan', onclick: () => void run(false) }, t('compute_plan'));
    const send = h('button.btn', { testid: 'send-requests', disabled: true, onclick: () => void run(true) }, t('send_requests'));
    const shareField = h('div.field', { 'data-field': 'share_cap' }, h('label.field-label', null, t('share_cap')), h('span.input-suffix', null, share, '%'), h('div.field-error', { testid: 'err-share_cap' }));
    share.addEventListener('input', () => stale());
    let computed = false;
    let chart: ECharts | null = null;

    function stale(): void {
      if (!computed) return;
      send.disabled = true;
      replace(notice, h('div.muted.small', { testid: 'plan-stale' }, t('plan_stale')));
    }

    async function run(sendIt: boolean): Promise<void> {
      shareField.classList.remove('invalid');
      replace(shareField.querySelector('.field-error')!);
      replace(notice);
      const cap = Number(share.value) / 100;
      compute.disabled = send.disabled = true;
      const busy = sendIt ? t('sending') : t('computing');
      (sendIt ? send : compute).textContent = busy;
      if (!sendIt) result.classList.add('busy');
      try {
        const res = await api.plan({ demands: [id], share_cap: cap, exclude_regions: lock.value().map(String), send: sendIt });
        if (!ctx.alive()) return;
        const view = planView(res.plan, { regions, demands: new Map([[id, demand]]), combined: false, testid: 'plan' });
        if (chart) disposeChart(chart);
        replace(result, view.el);
        chart = view.draw();
        computed = true;
        if (sendIt) {
          replace(notice, h('div.alert.alert-ok', { testid: 'requests-sent' }, t('sent_n', { n: res.sent.length })));
          await reloadDetail();
        } else send.disabled = res.plan.lines.length === 0;
      } catch (e) {
        if (!ctx.alive()) return;
        if (e instanceof ApiError && e.field === 'share_cap') {
          shareField.classList.add('invalid');
          replace(shareField.querySelector('.field-error')!, e.message);
        } else replace(notice, errorBox(e, 'plan-error'));
      } finally {
        compute.disabled = false;
        compute.textContent = t('compute_plan');
        send.textContent = t('send_requests');
        result.classList.remove('busy');
      }
    }

    const el = card(
      t('plan_title'),
      [
        h('p.muted.small.plan-lead', null, t('plan_lead')),
        h(
          'div.plan-controls',
          null,
          shareField,
          h('div.field.field-grow', { 'data-field': 'exclude_regions' }, h('label.field-label', null, t('lockdown')), lock.el),
          h('div.plan-buttons', null, compute, send),
        ),
        notice,
        result,
      ],
      { testid: 'plan-card' },
    );
    return { el, stale };
  }
}

function requestTable(list: AllocationRequest[], demand: Demand, names: Map<string, string>): HTMLElement {
  return table(
    list,
    [
      { title: t('col_request'), cell: (r) => `#${r.id}` },
      { title: t('col_supplier'), cell: (r) => entLink(r.supplier, names), class: 'name-cell' },
      { title: t('col_quantity'), cell: (r) => `${num(r.quantity)} ${demand.unit}`, class: 'num' },
      { title: t('col_unit_cost'), cell: (r) => yuan(r.unit_cost), class: 'num' },
      {
        title: t('col_status'),
        cell: (r) => h('div', null, requestStatusBadge(r.status, `request-status-${r.id}`), r.reason && h('div.small.muted', null, t('reason_label'), r.reason)),
      },
      { title: t('col_delivered'), cell: (r) => progress(r.delivered, r.quantity), class: 'num' },
      { title: t('col_sent'), cell: (r) => h('span.small.muted', null, r.created_at.slice(0, 16).replace('T', ' ')) },
    ],
    { testid: 'requests-table', rowTestid: (r) => `request-row-${r.id}`, empty: t('no_requests') },
  );
}

export function progress(done: number, of: number): HTMLElement {
  const p = of > 0 ? Math.min(1, done / of) : 0;
  return h('span.progress', { title: `${num(done)} / ${num(of)}` }, h('span.progress-track', null, h('span.progress-fill', { style: `width:${p * 100}%` })), h('span', null, num(done)));
}

function partCell(c: Candidate, part: keyof ScoreParts, weight: number, color: string, demand: Demand): HTMLElement {
  const v = c.score[part];
  const pts = v * weight;
  let detail: Child = null;
  switch (part) {
    case 'product_fit':
      detail = t(c.fit === 'link' ? 'fit_link' : 'fit_related');
      break;
    case 'free_capacity':
      detail = h('span', null, `${num(c.capacity_by_due)} ${demand.unit}`, c.assumed && h('span.assumed', { title: t('assumed_title'), testid: 'assumed' }, t('assumed')));
      break;
    case 'distance':
      detail = t('km', { n: num(c.distance_km) });
      break;
    case 'lead_time':
      detail = t('days', { n: c.lead_time_days });
      break;
    case 'delivery_record':
      detail = v === 0.5 ? '—' : `${Math.round(v * 100)}%`;
      break;
    case 'flags':
      detail = c.leading || c.specialised ? flags(c) : '—';
      break;
  }
  return h(
    'div.sbar',
    { 'data-part': part, 'data-value': v.toFixed(4), title: `${t(`sp_${part}` as Key)}: ${pts.toFixed(1)} / ${weight}` },
    h('div.sbar-line', null, h('span.sbar-track', null, h('span.sbar-fill', { style: `width:${v * 100}%;background:${color}` })), h('span.sbar-num', null, pts.toFixed(1))),
    h('div.sbar-detail', null, detail),
  );
}

function totalCell(c: Candidate): HTMLElement {
  return h(
    'div.stotal',
    { 'data-part': 'total', 'data-value': c.score.total.toFixed(4) },
    h('span.stotal-num', null, c.score.total.toFixed(1)),
    h(
      'span.stotal-bar',
      null,
      PARTS.map(([p, w, color]) => h('span.stotal-seg', { style: `width:${c.score[p] * w}%;background:${color}`, title: `${t(`sp_${p}` as Key)} ${(c.score[p] * w).toFixed(1)}` })),
    ),
  );
}

function candidateTable(list: Candidate[], demand: Demand): HTMLElement {
  const head = (p: keyof ScoreParts, w: number, color: string) =>
    h('span.part-head', null, h('i.part-dot', { style: `background:${color}` }), t(`sp_${p}` as Key), h('span.part-w', null, `/${w}`));
  const cols = [
    { title: t('col_rank'), cell: (_c: Candidate, i: number) => h('span.rank', null, String(i + 1)), class: 'num' },
    {
      title: t('col_supplier'),
      cell: (c: Candidate) => h('div', null, h('a', { href: `#/enterprises/${c.supplier}`, title: c.supplier }, c.name), h('div.muted.small.mono', null, c.supplier)),
      class: 'name-cell',
    },
    { title: t('col_city'), cell: (c: Candidate) => h('span', { testid: 'cand-city', 'data-city': String(c.city) }, placeName(c.city_name)) },
    ...PARTS.map(([p, w, color]) => ({ title: '', head: head(p, w, color), cell: (c: Candidate) => partCell(c, p, w, color, demand), class: 'part-cell' })),
    {
      title: t('col_unit_cost'),
      cell: (c: Candidate) =>
        h('div', null, yuan(c.unit_cost), h('div.muted.small', null, c.unit_price === null ? t('price_unknown') : `${yuan(c.unit_price)} + ${yuan(c.transport_per_unit)}`)),
      class: 'num',
    },
    { title: t('sp_total'), cell: (c: Candidate) => totalCell(c), class: 'total-cell' },
  ];
  const el = table(list, cols, { testid: 'candidates-table', rowTestid: (c) => `cand-row-${c.supplier}` });
  // Part headers carry a colour dot and the weight.
  const ths = el.querySelectorAll('thead th');
  cols.forEach((c, i) => {
    const hd = (c as { head?: HTMLElement }).head;
    if (hd) replace(ths[i] as HTMLElement, hd);
  });
  return el;
}
