// Pieces several pages use.

import { ApiError } from './api';
import { h, type Child } from './dom';
import { localName, t, type Key } from './i18n';
import type { Scope } from './types';

export function errorBox(e: unknown, testid = 'page-error'): HTMLElement {
  const msg = e instanceof ApiError ? e.message : e instanceof Error ? e.message : String(e);
  return h('div.alert.alert-error', { testid, role: 'alert' }, msg);
}

export function loading(): HTMLElement {
  return h('div.loading', { testid: 'loading' }, h('span.spinner'), t('loading'));
}

export function card(title: Child, body: Child, opts: { testid?: string; extra?: Child; class?: string } = {}): HTMLElement {
  return h(
    'section.card',
    { testid: opts.testid, class: opts.class },
    h('div.card-head', null, h('h2.card-title', null, title), opts.extra ? h('div.card-extra', null, opts.extra) : null),
    h('div.card-body', null, body),
  );
}

export function pageHead(title: Child, ...extra: Child[]): HTMLElement {
  return h('div.page-head', null, h('h1.page-title', null, title), h('div.page-actions', null, ...extra));
}

export interface Column<T> {
  title: string;
  cell: (row: T, i: number) => Child;
  class?: string;
}

export function table<T>(
  rows: T[],
  cols: Column<T>[],
  opts: { testid?: string; rowTestid?: (r: T) => string; onRow?: (r: T) => void; empty?: string; rowHref?: (r: T) => string } = {},
): HTMLElement {
  return h(
    'div.table-wrap',
    null,
    h(
      'table.tbl',
      { testid: opts.testid },
      h('thead', null, h('tr', null, cols.map((c) => h('th', { class: c.class }, c.title)))),
      h(
        'tbody',
        null,
        rows.length === 0
          ? h('tr', null, h('td.empty-cell', { colspan: cols.length }, opts.empty ?? t('none')))
          : rows.map((r, i) =>
              h(
                'tr',
                {
                  testid: opts.rowTestid?.(r),
                  class: opts.onRow || opts.rowHref ? 'clickable' : '',
                  onclick: opts.onRow
                    ? () => opts.onRow!(r)
                    : opts.rowHref
                      ? (ev: MouseEvent) => {
                          if ((ev.target as HTMLElement).closest('a')) return;
                          location.hash = opts.rowHref!(r);
                        }
                      : undefined,
                },
                cols.map((c) => h('td', { class: c.class }, c.cell(r, i))),
              ),
            ),
      ),
    ),
  );
}

export function badge(text: string, kind: string, testid?: string): HTMLElement {
  return h(`span.badge`, { class: `badge-${kind}`, testid }, text);
}

export function flags(e: { leading: boolean; specialised: boolean; above_scale?: boolean; illustrative?: boolean }): HTMLElement {
  return h(
    'span.flags',
    null,
    e.leading && badge(t('flag_leading'), 'leading'),
    e.specialised && badge(t('flag_specialised'), 'specialised'),
    e.above_scale && badge(t('flag_above_scale'), 'plain'),
  );
}

export function scopeSelect(scopes: Scope[], value: string, onChange: (key: string) => void, testid = 'scope-select'): HTMLSelectElement {
  const sel = h(
    'select.select',
    { testid, onchange: () => onChange(sel.value) },
    scopes.map((s) => h('option', { value: s.key, selected: s.key === value }, localName(s))),
  );
  return sel;
}

/** Buttons for the scopes, the short way of switching between a handful. */
export function scopeTabs(scopes: Scope[], value: string, onChange: (key: string) => void): HTMLElement {
  return h(
    'div.seg-tabs',
    { testid: 'scope-tabs', role: 'tablist' },
    scopes.map((s) =>
      h(
        'button.seg-tab',
        {
          class: s.key === value ? 'on' : '',
          testid: `scope-${s.key}`,
          role: 'tab',
          'aria-selected': s.key === value ? 'true' : 'false',
          onclick: () => onChange(s.key),
        },
        localName(s),
      ),
    ),
  );
}

export function kv(items: [Key, Child, string?][]): HTMLElement {
  return h(
    'dl.kv',
    null,
    items.map(([k, v, testid]) => [h('dt', null, t(k)), h('dd', { testid }, v === null || v === undefined || v === '' ? '—' : v)]),
  );
}
