import { api, ApiError } from '../api';
import { h, num, replace } from '../dom';
import { t, type Key } from '../i18n';
import type { Ctx } from '../router';
import { forgetChains, isDepartment } from '../state';
import type { ImportIssue, ImportReport } from '../types';
import { card, errorBox, pageHead, table } from '../ui';

export async function renderImport(ctx: Ctx): Promise<void> {
  const { main } = ctx;
  if (!isDepartment()) {
    replace(main, h('div.alert.alert-error', { testid: 'forbidden' }, t('forbidden')));
    return;
  }
  let files: File[] = [];
  let checked = false;

  const input = h('input.file-input', { type: 'file', multiple: true, accept: '.csv,.xlsx,.xls,.json', testid: 'import-files', id: 'import-files' });
  const chosen = h('div.chosen', { testid: 'import-chosen' }, h('span.muted', null, t('import_no_files')));
  const check = h('button.btn.btn-primary', { testid: 'import-check', disabled: true }, t('import_check'));
  const out = h('div.import-out', { testid: 'import-result' });

  input.addEventListener('change', () => {
    files = [...(input.files ?? [])];
    checked = false;
    check.disabled = files.length === 0;
    replace(out);
    replace(
      chosen,
      files.length === 0
        ? h('span.muted', null, t('import_no_files'))
        : h('ul.file-list', null, files.map((f) => h('li', null, h('span.file-name', null, f.name), h('span.muted', null, ` ${(f.size / 1024).toFixed(1)} KB`)))),
    );
  });

  check.addEventListener('click', async () => {
    if (!files.length) return;
    check.disabled = true;
    check.textContent = t('import_checking');
    replace(out);
    try {
      const report = await api.importFiles(files, false);
      if (!ctx.alive()) return;
      checked = true;
      showReport(report, false);
    } catch (e) {
      if (!ctx.alive()) return;
      if (e instanceof ApiError && e.body?.report) showReport(e.body.report, false);
      else replace(out, errorBox(e, 'import-error'));
    } finally {
      check.disabled = files.length === 0;
      check.textContent = t('import_check');
    }
  });

  async function commit(btn: HTMLButtonElement): Promise<void> {
    if (!checked) return;
    btn.disabled = true;
    btn.textContent = t('import_committing');
    try {
      const report = await api.importFiles(files, true);
      if (!ctx.alive()) return;
      forgetChains();
      checked = false;
      showReport(report, true);
    } catch (e) {
      if (!ctx.alive()) return;
      if (e instanceof ApiError && e.body?.report) showReport(e.body.report, false, e.message);
      else {
        btn.disabled = false;
        btn.textContent = t('import_confirm');
        out.prepend(errorBox(e, 'import-error'));
      }
    }
  }

  function showReport(r: ImportReport, committed: boolean, message?: string): void {
    const ok = r.errors.length === 0;
    const confirm = h('button.btn.btn-primary.btn-lg', { testid: 'import-confirm' }, t('import_confirm'));
    confirm.addEventListener('click', () => void commit(confirm));
    const written = r.written;
    replace(
      out,
      message && errorBox(message, 'import-error'),
      committed
        ? h('div.alert.alert-ok', { testid: 'import-done' }, t('import_done'))
        : ok
          ? h('div.alert.alert-ok', { testid: 'import-ok' }, t('import_ok'))
          : h('div.alert.alert-error', { testid: 'import-has-errors' }, t('import_has_errors')),
      card(
        t('import_files'),
        table(
          r.files,
          [
            { title: t('col_file'), cell: (f) => h('span.file-name', null, f.file) },
            { title: t('import_format'), cell: (f) => f.format.toUpperCase() },
            { title: t('import_tables'), cell: (f) => f.tables.map(([k, n]) => `${tableName(k)} ${num(n)}`).join('，') || '—' },
          ],
          { testid: 'import-files-table' },
        ),
      ),
      r.errors.length > 0 && card(h('span.text-bad', null, t('import_errors', { n: r.errors.length })), issues(r.errors, 'import-errors'), { testid: 'import-errors-card' }),
      r.warnings.length > 0 && card(h('span.text-warn', null, t('import_warnings', { n: r.warnings.length })), issues(r.warnings, 'import-warnings'), { testid: 'import-warnings-card' }),
      written &&
        card(
          committed ? t('import_written') : t('import_would_write'),
          h(
            'div.written',
            { testid: committed ? 'import-written' : 'import-would-write' },
            (['enterprises', 'chains', 'producers', 'supply'] as const).map((k) =>
              h('div.kpi.kpi-small', { testid: `written-${k}` }, h('div.kpi-label', null, t(`w_${k}` as Key)), h('div.kpi-value', null, num(written[k]))),
            ),
          ),
        ),
      !written &&
        ok &&
        !committed &&
        card(
          t('import_would_write'),
          h(
            'div.written',
            { testid: 'import-would-write' },
            summarise(r).map(([k, n]) => h('div.kpi.kpi-small', null, h('div.kpi-label', null, tableName(k)), h('div.kpi-value', null, num(n)))),
          ),
        ),
      ok && !committed && h('div.form-actions', null, confirm),
    );
  }

  replace(
    main,
    pageHead(t('import_title')),
    card(
      t('import_choose'),
      h(
        'div.import-pick',
        null,
        h('p.muted', null, t('import_lead')),
        h('div.pick-row', null, h('label.btn.file-label', { for: 'import-files' }, t('import_choose'), input), chosen, check),
      ),
      { testid: 'import-card' },
    ),
    out,
  );
}

function issues(list: ImportIssue[], testid: string): HTMLElement {
  return table(
    list,
    [
      { title: t('col_file'), cell: (i) => h('span.file-name', null, i.file) },
      { title: t('col_row'), cell: (i) => (i.row === null ? '—' : String(i.row)), class: 'num' },
      { title: t('col_column'), cell: (i) => (i.column ? h('code.mono', null, i.column) : '—') },
      { title: t('col_value'), cell: (i) => (i.value ? h('code.mono.value', null, i.value) : '—') },
      { title: t('col_reason'), cell: (i) => i.reason },
    ],
    { testid, rowTestid: () => `${testid}-row` },
  );
}

function summarise(r: ImportReport): [string, number][] {
  const m = new Map<string, number>();
  for (const f of r.files) for (const [k, n] of f.tables) m.set(k, (m.get(k) ?? 0) + n);
  return [...m.entries()];
}

function tableName(kind: string): string {
  const map: Record<string, Key> = { enterprises: 'w_enterprises', chains: 'w_chains', links: 'w_links', bom: 'w_bom', producers: 'w_producers', supply: 'w_supply' };
  return map[kind] ? t(map[kind]) : kind;
}
