import { api, type EnterpriseQuery } from '../api';
import { h, num, replace } from '../dom';
import { placeName, t } from '../i18n';
import { setQuery, type Ctx } from '../router';
import { getChains, getRegions, isDepartment, isMunicipalCity } from '../state';
import type { EnterpriseSummary, Region } from '../types';
import { errorBox, flags, loading, pageHead, table } from '../ui';

const LIMIT = 50;

export async function renderRegistry(ctx: Ctx): Promise<void> {
  const { main, query } = ctx;
  replace(main, loading());
  const [regions, chains] = await Promise.all([getRegions(), getChains()]);
  if (!ctx.alive()) return;

  const state: EnterpriseQuery = {
    q: query.get('q') ?? '',
    region: query.get('region') ?? '',
    chain: query.get('chain') ?? '',
    industry: query.get('industry') ?? '',
    leading: query.get('leading') === 'true',
    specialised: query.get('specialised') === 'true',
    offset: Math.max(0, Number(query.get('offset')) || 0),
    limit: LIMIT,
  };

  const q = h('input.input.input-search', { type: 'search', value: state.q, placeholder: t('q_placeholder'), testid: 'filter-q' });
  const region = regionSelect(regions, String(state.region ?? ''));
  const chain = h(
    'select.select',
    { testid: 'filter-chain' },
    h('option', { value: '' }, `${t('f_chain')}：${t('all')}`),
    chains.map((c) => h('option', { value: c.id, selected: c.id === state.chain }, c.name)),
  );
  const industry = h('input.input.input-short', { value: state.industry, placeholder: t('f_industry_ph'), testid: 'filter-industry', maxlength: 4, title: t('f_industry') });
  const leading = h('input', { type: 'checkbox', checked: state.leading, testid: 'filter-leading' });
  const specialised = h('input', { type: 'checkbox', checked: state.specialised, testid: 'filter-specialised' });

  const results = h('div.results');
  const total = h('span.total', { testid: 'registry-total' });

  const readForm = () => {
    state.q = q.value.trim();
    state.region = region.value;
    state.chain = chain.value;
    state.industry = industry.value.trim();
    state.leading = leading.checked;
    state.specialised = specialised.checked;
  };

  const submit = (ev?: Event) => {
    ev?.preventDefault();
    readForm();
    state.offset = 0;
    void load();
  };
  for (const el of [region, chain, leading, specialised]) el.addEventListener('change', () => submit());

  const form = h(
    'form.filters',
    { testid: 'registry-filters', onsubmit: submit },
    q,
    region,
    chain,
    h('label.inline-field', null, h('span', null, t('f_industry')), industry),
    h('label.check', null, leading, t('f_leading')),
    h('label.check', null, specialised, t('f_specialised')),
    h('button.btn.btn-primary', { type: 'submit', testid: 'filter-submit' }, t('search')),
    h(
      'button.btn',
      {
        type: 'button',
        testid: 'filter-reset',
        onclick: () => {
          q.value = '';
          region.value = '';
          chain.value = '';
          industry.value = '';
          leading.checked = false;
          specialised.checked = false;
          submit();
        },
      },
      t('reset'),
    ),
  );

  replace(
    main,
    pageHead(
      t('registry_title'),
      isDepartment() && h('a.btn.btn-primary', { href: '#/enterprises/new', testid: 'new-enterprise' }, `+ ${t('new_enterprise')}`),
    ),
    h('section.card', { testid: 'registry' }, h('div.card-head.filters-head', null, form, h('div.total-box', null, total)), h('div.card-body.flush', null, results)),
  );

  async function load(): Promise<void> {
    setQuery('/registry', {
      q: state.q,
      region: state.region,
      chain: state.chain,
      industry: state.industry,
      leading: state.leading,
      specialised: state.specialised,
      offset: state.offset || null,
    });
    results.classList.add('busy');
    try {
      const page = await api.enterprises(state);
      if (!ctx.alive()) return;
      total.textContent = t('registry_total', { n: num(page.total) });
      total.setAttribute('data-total', String(page.total));
      replace(results, resultTable(page.items), pager(page.total, page.offset, page.limit));
    } catch (e) {
      if (!ctx.alive()) return;
      replace(results, errorBox(e));
    } finally {
      results.classList.remove('busy');
    }
  }

  function pager(n: number, offset: number, limit: number): HTMLElement {
    const a = n === 0 ? 0 : offset + 1;
    const b = Math.min(n, offset + limit);
    return h(
      'div.pager',
      { testid: 'pager' },
      h('span.muted', { testid: 'pager-info' }, t('page_of', { a: num(a), b: num(b), n: num(n) })),
      h(
        'button.btn.btn-sm',
        {
          testid: 'pager-prev',
          disabled: offset <= 0,
          onclick: () => {
            state.offset = Math.max(0, offset - limit);
            void load();
          },
        },
        `‹ ${t('prev')}`,
      ),
      h(
        'button.btn.btn-sm',
        {
          testid: 'pager-next',
          disabled: offset + limit >= n,
          onclick: () => {
            state.offset = offset + limit;
            void load();
          },
        },
        `${t('next')} ›`,
      ),
    );
  }

  await load();
}

function resultTable(items: EnterpriseSummary[]): HTMLElement {
  const withLinks = items.some((e) => Array.isArray(e.links));
  return table(
    items,
    [
      {
        title: t('col_name'),
        cell: (e) =>
          h(
            'div.name-cell',
            null,
            h('a', { href: `#/enterprises/${e.credit_code}` }, e.name),
            e.aliases.length > 0 && h('div.muted.small.clip', null, e.aliases.join('；')),
          ),
      },
      { title: t('col_credit_code'), cell: (e) => h('code.mono', null, e.credit_code) },
      { title: t('col_region'), cell: (e) => regionText(e) },
      { title: t('col_industry'), cell: (e) => (e.industry ? h('span', { title: e.industry.name }, h('code.mono.muted', null, e.industry.code), ' ', e.industry.name) : '—') },
      { title: t('col_flags'), cell: (e) => flags(e) },
      ...(withLinks
        ? [
            {
              title: t('col_chain_links'),
              cell: (e: EnterpriseSummary) =>
                h('span.small.clip', { title: (e.links ?? []).map((l) => `${l.chain_name}/${l.link_name}`).join('\n') }, (e.links ?? []).map((l) => l.link_name).join('、') || '—'),
            },
          ]
        : []),
    ],
    { testid: 'registry-table', rowTestid: (e) => `ent-row-${e.credit_code}`, rowHref: (e) => `#/enterprises/${e.credit_code}`, empty: t('no_results') },
  );
}

export function regionText(e: EnterpriseSummary): string {
  const parts: string[] = [];
  const p = e.region.province;
  const c = e.region.city;
  if (p) parts.push(placeName(p.name));
  if (c && c.code !== p?.code && !isMunicipalCity(c.code)) parts.push(placeName(c.name));
  if (e.region.code !== c?.code && e.region.code !== p?.code) parts.push(e.region.name);
  return parts.join(' · ');
}

/** Provinces and cities (Beijing and Tianjin are one city each), grouped by province. */
export function regionSelect(regions: Region[], value: string, testid = 'filter-region'): HTMLSelectElement {
  const provinces = regions.filter((r) => r.level === 'province');
  return h(
    'select.select',
    { testid },
    h('option', { value: '' }, `${t('f_region')}：${t('all')}`),
    provinces.map((p) => {
      const cities = regions.filter((r) => r.level === 'city' && r.parent === p.code && !isMunicipalCity(r.code));
      return h(
        'optgroup',
        { label: placeName(p.name, p.name_en) },
        h('option', { value: String(p.code), selected: String(p.code) === value }, `${placeName(p.name, p.name_en)}（${t('all')}）`),
        cities.map((c) => h('option', { value: String(c.code), selected: String(c.code) === value }, placeName(c.name, c.name_en))),
      );
    }),
  );
}
