// Requests (#/requests): for an enterprise user the requests sent to it, to accept or decline (with a
// reason) and to record deliveries against, and those for its own demands; for the department and experts
// all of them.

import { api, ApiError } from '../api';
import { h, num, replace, type Child } from '../dom';
import { enterpriseNames, entLink, isoDay, requestStatusBadge, requestStatusLabel, yuan } from '../docking-ui';
import { t } from '../i18n';
import { setQuery, type Ctx } from '../router';
import { currentUser, isDepartment } from '../state';
import type { AllocationRequest, AnswerResponse, Demand, RequestStatus } from '../types';
import { card, loading, table } from '../ui';
import { dockingHead } from './docking';
import { progress } from './demand';

const STATUSES: RequestStatus[] = ['pending', 'accepted', 'declined', 'cancelled'];

export async function renderRequests(ctx: Ctx): Promise<void> {
  const { main } = ctx;
  replace(main, loading());
  const me = currentUser()!;
  const staff = isDepartment();
  const own = me.role === 'enterprise' ? (me.enterprise?.credit_code ?? null) : null;
  let filter: RequestStatus | 'all' = (ctx.query.get('status') as RequestStatus | null) ?? 'all';
  const notice = h('div', { testid: 'requests-notice' });
  const body = h('div');
  replace(main, dockingHead('requests'), notice, body);

  let requests: AllocationRequest[] = [];
  let demands = new Map<number, Demand>();
  let names = new Map<string, string>();

  async function load(): Promise<void> {
    const [rs, ds] = await Promise.all([api.requests(), api.demands()]);
    if (!ctx.alive()) return;
    requests = rs.sort((a, b) => b.id - a.id);
    demands = new Map(ds.map((d) => [d.id, d]));
    names = await enterpriseNames([...rs.map((r) => r.supplier), ...ds.map((d) => d.buyer)]);
    if (!ctx.alive()) return;
    draw();
  }

  function draw(): void {
    if (own) {
      const toMe = requests.filter((r) => r.supplier === own);
      const forMine = requests.filter((r) => demands.get(r.demand)?.buyer === own && r.supplier !== own);
      replace(
        body,
        card(h('span', null, t('requests_to_me'), h('span.card-count', null, String(toMe.length))), requestList(toMe, { actions: true, hide: 'supplier', testid: 'requests-to-me' }), {
          testid: 'requests-to-me-card',
          class: 'card-flush',
        }),
        card(h('span', null, t('requests_for_mine'), h('span.card-count', null, String(forMine.length))), requestList(forMine, { actions: false, deliver: true, hide: 'buyer', testid: 'requests-for-mine' }), {
          testid: 'requests-for-mine-card',
          class: 'card-flush',
        }),
      );
      return;
    }
    const count = (s: RequestStatus | 'all') => (s === 'all' ? requests.length : requests.filter((r) => r.status === s).length);
    const tabs = h(
      'div.seg-tabs',
      { testid: 'request-status-tabs', role: 'tablist' },
      (['all', ...STATUSES] as (RequestStatus | 'all')[]).map((s) =>
        h(
          'button.seg-tab',
          {
            class: s === filter ? 'on' : '',
            testid: `rstatus-${s}`,
            onclick: () => {
              filter = s;
              setQuery('/requests', { status: s === 'all' ? null : s });
              draw();
            },
          },
          s === 'all' ? t('all') : requestStatusLabel(s),
          h('span.tab-count', null, String(count(s))),
        ),
      ),
    );
    const rows = requests.filter((r) => filter === 'all' || r.status === filter);
    replace(
      body,
      card(h('span', null, t('requests_all'), h('span.card-count', null, String(rows.length))), requestList(rows, { actions: staff, testid: 'requests-all' }), {
        testid: 'requests-all-card',
        extra: tabs,
        class: 'card-flush',
      }),
    );
  }

  function requestList(list: AllocationRequest[], opts: { actions: boolean; deliver?: boolean; hide?: 'buyer' | 'supplier'; testid: string }): HTMLElement {
    const unit = (r: AllocationRequest) => demands.get(r.demand)?.unit ?? '';
    return table(
      list,
      [
        { title: t('col_request'), cell: (r) => `#${r.id}` },
        {
          title: t('col_demand'),
          cell: (r) => {
            const d = demands.get(r.demand);
            return h(
              'div',
              null,
              h('a', { href: `#/docking/${r.demand}` }, `#${r.demand} ${d?.product ?? ''}`),
              d && h('div.muted.small', null, `${t('col_due')} ${d.due}`),
            );
          },
        },
        ...(opts.hide === 'buyer'
          ? []
          : [{ title: t('col_buyer'), cell: (r: AllocationRequest) => (demands.get(r.demand) ? entLink(demands.get(r.demand)!.buyer, names) : '—') }]),
        ...(opts.hide === 'supplier' ? [] : [{ title: t('col_supplier'), cell: (r: AllocationRequest) => entLink(r.supplier, names), class: 'name-cell' }]),
        { title: t('col_quantity'), cell: (r) => `${num(r.quantity)} ${unit(r)}`, class: 'num' },
        { title: t('col_unit_cost'), cell: (r) => yuan(r.unit_cost), class: 'num' },
        {
          title: t('col_status'),
          cell: (r) => h('div', null, requestStatusBadge(r.status, `request-status-${r.id}`), r.reason && h('div.small.muted', { testid: `request-reason-${r.id}` }, t('reason_label'), r.reason)),
        },
        { title: t('col_delivered'), cell: (r) => progress(r.delivered, r.quantity), class: 'num' },
        { title: t('col_sent'), cell: (r) => h('span.small.muted', null, r.created_at.slice(0, 16).replace('T', ' ')) },
        ...(opts.actions || opts.deliver ? [{ title: t('col_actions'), cell: (r: AllocationRequest) => actions(r, opts.actions) }] : []),
      ],
      { testid: opts.testid, rowTestid: (r) => `request-row-${r.id}`, empty: t('no_requests') },
    );
  }

  /** The buttons of a request: answer it while pending, record deliveries once accepted. */
  function actions(r: AllocationRequest, answer: boolean): HTMLElement {
    const box = h('div.req-actions', { testid: `request-actions-${r.id}` });
    const buttons = (): void => {
      const parts: Child[] = [];
      if (answer && r.status === 'pending') {
        parts.push(
          h('button.btn.btn-primary.btn-sm', { testid: `accept-${r.id}`, onclick: () => void accept() }, t('accept')),
          h('button.btn.btn-sm', { testid: `decline-${r.id}`, onclick: declineForm }, t('decline')),
        );
      }
      if (r.status === 'accepted' && r.delivered < r.quantity) {
        parts.push(h('button.btn.btn-sm', { testid: `deliver-${r.id}`, onclick: deliverForm }, t('record_delivery')));
      }
      replace(box, parts.length ? parts : h('span.muted', null, '—'));
    };
    const err = () => h('div.field-error', { role: 'alert' });

    async function accept(): Promise<void> {
      box.querySelectorAll('button').forEach((b) => (b.disabled = true));
      try {
        await api.answer(r.id, true);
        done(t('answered_accept', { id: r.id }));
      } catch (e) {
        fail(e);
      }
    }

    function declineForm(): void {
      const reason = h('input.input.input-reason', { placeholder: t('decline_reason_ph'), testid: `decline-reason-${r.id}`, 'aria-label': t('decline_reason') });
      const msg = err();
      msg.setAttribute('data-testid', `decline-error-${r.id}`);
      const f = h('div.field', { 'data-field': 'reason' }, reason, msg);
      const go = h('button.btn.btn-primary.btn-sm', {
        testid: `decline-confirm-${r.id}`,
        onclick: async () => {
          go.disabled = true;
          f.classList.remove('invalid');
          replace(msg);
          try {
            const res = await api.answer(r.id, false, reason.value);
            declined(res);
          } catch (e) {
            go.disabled = false;
            f.classList.add('invalid');
            replace(msg, e instanceof Error ? e.message : String(e));
            reason.focus();
          }
        },
      }, t('confirm_decline'));
      replace(box, h('div.inline-form', null, f, go, h('button.btn.btn-sm', { onclick: buttons }, t('cancel'))));
      reason.focus();
    }

    function deliverForm(): void {
      const qty = h('input.input.input-short', { type: 'number', min: 1, value: String(r.quantity - r.delivered), testid: `deliver-qty-${r.id}`, 'aria-label': t('delivery_qty') });
      const on = h('input.input', { type: 'date', value: isoDay(0), testid: `deliver-date-${r.id}`, 'aria-label': t('delivery_date') });
      const msg = err();
      msg.setAttribute('data-testid', `deliver-error-${r.id}`);
      const f = h('div.field', { 'data-field': 'quantity' }, h('div.inline-form', null, qty, on), msg);
      const go = h('button.btn.btn-primary.btn-sm', {
        testid: `deliver-confirm-${r.id}`,
        onclick: async () => {
          go.disabled = true;
          f.classList.remove('invalid');
          replace(msg);
          try {
            const d = await api.deliver(r.id, Number(qty.value), on.value);
            done(t('delivery_recorded', { id: r.id, q: num(d.quantity), u: demands.get(r.demand)?.unit ?? '' }));
          } catch (e) {
            go.disabled = false;
            f.classList.add('invalid');
            replace(msg, e instanceof Error ? e.message : String(e));
          }
        },
      }, t('confirm'));
      replace(box, h('div.inline-form', null, f, go, h('button.btn.btn-sm', { onclick: buttons }, t('cancel'))));
    }

    function done(text: string, attrs: Record<string, string | number> = {}, cls = 'alert-ok'): void {
      replace(notice, h(`div.alert.${cls}`, { testid: 'request-done', ...attrs }, text));
      void load();
    }

    /** Say what the decline's re-plan did: the shortfall, how many new suppliers, what stays unmet. */
    function declined(res: AnswerResponse): void {
      const u = demands.get(r.demand)?.unit ?? '';
      const s = res.replan_summary;
      if (res.replan_error) {
        done(t('replan_failed', { id: r.id, why: res.replan_error }), { 'data-replan': 'failed' }, 'alert-warn');
      } else if (!s || s.shortfall === 0) {
        done(t('answered_decline', { id: r.id }));
      } else {
        const attrs = { 'data-replan': 'done', 'data-shortfall': s.shortfall, 'data-new-requests': s.requests, 'data-unmet': s.unmet };
        const q = `${num(s.shortfall)} ${u}`;
        const unmet = s.unmet > 0 ? t('replanned_unmet', { u: `${num(s.unmet)} ${u}`, why: s.unmet_reason ?? '' }) : '';
        if (s.requests === 0) done(t('replanned_none', { id: r.id, q, why: s.unmet_reason ?? '' }), attrs, 'alert-warn');
        else done(t('replanned', { id: r.id, q, n: s.requests }) + unmet, attrs, s.unmet > 0 ? 'alert-warn' : 'alert-ok');
      }
    }

    function fail(e: unknown): void {
      buttons();
      const m = e instanceof ApiError ? e.message : String(e);
      box.appendChild(h('div.field-error', { role: 'alert', testid: `request-error-${r.id}` }, m));
    }

    buttons();
    return box;
  }

  await load();
}
