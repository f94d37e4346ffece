import { api, ApiError } from '../api';
import { h, num, replace } from '../dom';
import { placeName, t, type Key } from '../i18n';
import { go, type Ctx } from '../router';
import { getRegions, isDepartment } from '../state';
import type { Enterprise, EnterpriseInput, Region } from '../types';
import { badge, card, errorBox, kv, loading, table } from '../ui';
import { regionText } from './registry';

export async function renderEnterprise(ctx: Ctx, code: string): Promise<void> {
  const { main } = ctx;
  replace(main, loading());
  const [e, regions] = await Promise.all([api.enterprise(code), getRegions()]);
  if (!ctx.alive()) return;
  draw(e);

  function draw(e: Enterprise, notice?: string): void {
    const formBox = h('div', { testid: 'edit-box' });
    const yes = (b: boolean) => (b ? t('yes') : t('no'));
    const chainNames = new Map(e.links.map((l) => [l.chain, l.chain_name]));
    replace(
      main,
      h(
        'div.page-head',
        null,
        h(
          'div',
          null,
          h('div.crumbs', null, h('a', { href: '#/registry' }, t('nav_registry')), ' / ', e.credit_code),
          h(
            'h1.page-title',
            { testid: 'ent-name' },
            e.name,
            h(
              'span.title-badges',
              null,
              e.leading && badge(t('flag_leading'), 'leading'),
              e.specialised && badge(t('flag_specialised'), 'specialised'),
              e.above_scale && badge(t('flag_above_scale'), 'plain'),
              e.illustrative && badge(t('flag_illustrative'), 'muted'),
            ),
          ),
        ),
        h(
          'div.page-actions',
          null,
          e.can_edit &&
            h(
              'button.btn.btn-primary',
              {
                testid: 'edit-button',
                onclick: () => {
                  replace(formBox, editForm(e, regions, (saved) => draw(saved, t('ent_saved')), () => replace(formBox)));
                  formBox.scrollIntoView({ behavior: 'smooth', block: 'start' });
                },
              },
              t('edit'),
            ),
        ),
      ),
      notice && h('div.alert.alert-ok', { testid: 'ent-notice' }, notice),
      h(
        'div.grid-2',
        null,
        card(
          t('ent_public'),
          kv([
            ['col_credit_code', h('code.mono', { testid: 'ent-code' }, e.credit_code)],
            ['ent_aliases', e.aliases.join('；')],
            ['ent_region', `${regionText(e)}（${e.region.code}）`, 'ent-region'],
            ['ent_location', e.location ? `${e.location.lng.toFixed(4)}, ${e.location.lat.toFixed(4)}` : null],
            ['ent_industry', e.industry ? `${e.industry.code} ${e.industry.name}` : null],
            ['ent_above_scale', yes(e.above_scale)],
            ['ent_leading', yes(e.leading)],
            ['ent_specialised', yes(e.specialised)],
            ['ent_illustrative', yes(e.illustrative)],
            ['ent_description', e.description],
          ]),
          { testid: 'public-block' },
        ),
        h(
          'div.stack',
          null,
          card(
            t('ent_links'),
            table(
              e.links,
              [
                { title: t('col_chain'), cell: (l) => h('a', { href: `#/chains/${l.chain}` }, l.chain_name) },
                { title: t('ent_link'), cell: (l) => l.link_name },
              ],
              { testid: 'ent-links', empty: t('ent_no_links') },
            ),
            { testid: 'links-block' },
          ),
          e.private &&
            card(
              t('ent_private'),
              [
                h('p.muted.small.private-note', null, t('ent_private_note')),
                kv([
                  ['ent_contact_person', e.private.contact_person, 'ent-contact-person'],
                  ['ent_contact_phone', e.private.contact_phone, 'ent-contact-phone'],
                ]),
                h('h3.sub-title', null, t('ent_capacities')),
                table(
                  e.private.capacities,
                  [
                    { title: t('col_chain'), cell: (c) => h('a', { href: `#/chains/${c.chain}` }, chainNames.get(c.chain) ?? c.chain) },
                    { title: t('ent_link'), cell: (c) => c.link_name },
                    { title: t('ent_capacity'), cell: (c) => `${num(c.capacity)} ${c.unit}`, class: 'num' },
                  ],
                  { testid: 'ent-capacities' },
                ),
              ],
              { testid: 'private-block', class: 'card-private' },
            ),
        ),
      ),
      formBox,
    );
  }
}

export async function renderNewEnterprise(ctx: Ctx): Promise<void> {
  const { main } = ctx;
  if (!isDepartment()) {
    replace(main, h('div.alert.alert-error', { testid: 'forbidden' }, t('forbidden')));
    return;
  }
  replace(main, loading());
  const regions = await getRegions();
  if (!ctx.alive()) return;
  replace(
    main,
    h('div.page-head', null, h('div', null, h('div.crumbs', null, h('a', { href: '#/registry' }, t('nav_registry'))), h('h1.page-title', null, t('ent_new_title'))), h('div.page-actions')),
    newForm(regions),
  );
}

// --- forms ---------------------------------------------------------------------------------------

interface Fields {
  el: HTMLElement;
  read: () => EnterpriseInput;
  mark: (field: string | null) => void;
}

function fields(regions: Region[], init: Partial<Enterprise> | null, opts: { code: boolean; contacts: boolean }): Fields {
  const inputs: Record<string, HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement> = {};
  const text = (name: string, value: string | null | undefined, attrs: Record<string, unknown> = {}) =>
    (inputs[name] = h('input.input', { name, value: value ?? '', testid: `fld-${name}`, ...attrs }));
  const check = (name: string, value: boolean | undefined) => (inputs[name] = h('input', { type: 'checkbox', name, checked: !!value, testid: `fld-${name}` }));
  const row = (label: Key, control: HTMLElement, wide = false) => h('label.field', { class: wide ? 'field-wide' : '', 'data-field': control.getAttribute('name') }, h('span.field-label', null, t(label)), control);

  const region = countySelect(regions, init?.region?.code);
  inputs.region = region;
  const description = h('textarea.input', { name: 'description', rows: 3, testid: 'fld-description' }, init?.description ?? '');
  inputs.description = description;

  const el = h(
    'div.form-grid',
    null,
    opts.code && row('fld_credit_code', text('credit_code', '', { maxlength: 18, required: true, class: 'mono', placeholder: '91130200MA0XXXXXXX' })),
    row('fld_name', text('name', init?.name, { required: true })),
    row('fld_aliases', text('aliases', (init?.aliases ?? []).join(';'))),
    row('fld_region', region),
    row('fld_industry', text('industry', init?.industry?.code ?? '', { maxlength: 4, class: 'mono' })),
    h(
      'div.field.field-checks',
      null,
      h('label.check', null, check('above_scale', init?.above_scale), t('ent_above_scale')),
      h('label.check', null, check('leading', init?.leading), t('ent_leading')),
      h('label.check', null, check('specialised', init?.specialised), t('ent_specialised')),
    ),
    row('fld_lng', text('lng', init?.location ? String(+init.location.lng.toFixed(6)) : '', { inputmode: 'decimal' })),
    row('fld_lat', text('lat', init?.location ? String(+init.location.lat.toFixed(6)) : '', { inputmode: 'decimal' })),
    h('div.field.field-spacer'),
    opts.contacts && row('fld_contact_person', text('contact_person', init?.private?.contact_person)),
    opts.contacts && row('fld_contact_phone', text('contact_phone', init?.private?.contact_phone)),
    row('fld_description', description, true),
  );

  const val = (n: string) => (inputs[n]?.value ?? '').trim();
  const bool = (n: string) => (inputs[n] as HTMLInputElement).checked;
  return {
    el,
    read: () => {
      const lng = val('lng');
      const lat = val('lat');
      const input: EnterpriseInput = {
        name: val('name'),
        aliases: val('aliases')
          .split(/[;；]/)
          .map((s) => s.trim())
          .filter(Boolean),
        region: val('region'),
        industry: val('industry') || null,
        location: lng && lat ? { lng: Number(lng), lat: Number(lat) } : null,
        above_scale: bool('above_scale'),
        leading: bool('leading'),
        specialised: bool('specialised'),
        description: val('description') || null,
      };
      if (opts.code) input.credit_code = val('credit_code').toUpperCase();
      if (opts.contacts) {
        input.contact_person = val('contact_person') || null;
        input.contact_phone = val('contact_phone') || null;
      }
      return input;
    },
    mark: (field) => {
      el.querySelectorAll('.field.invalid').forEach((x) => x.classList.remove('invalid'));
      if (!field) return;
      const name = field === 'location' ? 'lng' : field.split(/[.[]/)[0];
      const f = el.querySelector(`[data-field="${name}"]`);
      if (f) {
        f.classList.add('invalid');
        (f.querySelector('input,select,textarea') as HTMLElement | null)?.focus();
      }
    },
  };
}

function countySelect(regions: Region[], value: number | undefined): HTMLSelectElement {
  const byCode = new Map(regions.map((r) => [r.code, r]));
  const counties = regions.filter((r) => r.level === 'county');
  const groups = new Map<number, Region[]>();
  for (const c of counties) {
    const parent = c.parent ?? 0;
    if (!groups.has(parent)) groups.set(parent, []);
    groups.get(parent)!.push(c);
  }
  const groupLabel = (code: number) => {
    const city = byCode.get(code);
    if (!city) return String(code);
    return placeName(city.name, city.name_en);
  };
  return h(
    'select.select',
    { name: 'region', testid: 'fld-region', required: true },
    h('option', { value: '' }, '—'),
    [...groups.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([code, list]) =>
        h(
          'optgroup',
          { label: groupLabel(code) },
          list.map((c) => h('option', { value: String(c.code), selected: c.code === value }, `${c.name}（${c.code}）`)),
        ),
      ),
  );
}

function editForm(e: Enterprise, regions: Region[], onSaved: (e: Enterprise) => void, onCancel: () => void): HTMLElement {
  const f = fields(regions, e, { code: false, contacts: e.private !== null });
  const msg = h('div', { testid: 'form-error' });
  const save = h('button.btn.btn-primary', { type: 'submit', testid: 'edit-save' }, t('save'));
  return card(
    `${t('ent_edit_title')} · ${t('ent_version')} ${e.version}`,
    h(
      'form.form',
      {
        testid: 'edit-form',
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          replace(msg);
          f.mark(null);
          save.disabled = true;
          try {
            const saved = await api.updateEnterprise(e.credit_code, { ...f.read(), version: e.version });
            onSaved(saved);
          } catch (err) {
            save.disabled = false;
            if (err instanceof ApiError && err.status === 409) {
              replace(
                msg,
                h(
                  'div.alert.alert-error',
                  { testid: 'conflict' },
                  t('ent_conflict'),
                  err.message,
                  ' ',
                  h('a', { href: 'javascript:void 0', onclick: () => go(`/enterprises/${e.credit_code}`) }, t('ent_conflict_reload')),
                ),
              );
            } else {
              replace(msg, errorBox(err, 'form-error-message'));
              if (err instanceof ApiError) f.mark(err.field);
            }
          }
        },
      },
      f.el,
      msg,
      h('div.form-actions', null, save, h('button.btn', { type: 'button', onclick: onCancel }, t('cancel'))),
    ),
    { testid: 'edit-card' },
  );
}

function newForm(regions: Region[]): HTMLElement {
  const f = fields(regions, null, { code: true, contacts: true });
  const msg = h('div', { testid: 'form-error' });
  const save = h('button.btn.btn-primary', { type: 'submit', testid: 'new-save' }, t('save'));
  return card(
    t('ent_new_title'),
    h(
      'form.form',
      {
        testid: 'new-form',
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          replace(msg);
          f.mark(null);
          save.disabled = true;
          try {
            const created = await api.createEnterprise(f.read());
            go(`/enterprises/${created.credit_code}`);
          } catch (err) {
            save.disabled = false;
            replace(msg, errorBox(err, 'form-error-message'));
            if (err instanceof ApiError) f.mark(err.field);
          }
        },
      },
      f.el,
      msg,
      h('div.form-actions', null, save, h('a.btn', { href: '#/registry' }, t('cancel'))),
    ),
    { testid: 'new-card' },
  );
}
