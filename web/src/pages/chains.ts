import { h, num, replace } from '../dom';
import { t } from '../i18n';
import type { Ctx } from '../router';
import { getChains } from '../state';
import { card, loading, pageHead, table } from '../ui';

export async function renderChains(ctx: Ctx): Promise<void> {
  replace(ctx.main, loading());
  const chains = await getChains();
  if (!ctx.alive()) return;
  replace(
    ctx.main,
    pageHead(t('chains_title')),
    card(
      t('chains_lead'),
      table(
        chains,
        [
          { title: t('col_chain'), cell: (c) => h('a', { href: `#/chains/${c.id}` }, c.name) },
          { title: 'ID', cell: (c) => h('code.muted', null, c.id) },
          { title: t('col_links'), cell: (c) => num(c.links), class: 'num' },
          { title: t('col_producers'), cell: (c) => num(c.producers), class: 'num' },
          { title: t('col_enterprises'), cell: (c) => num(c.enterprises), class: 'num' },
          { title: '', cell: (c) => h('a.link-more', { href: `#/chains/${c.id}` }, `${t('open_panorama')} ›`), class: 'right' },
        ],
        { testid: 'chain-list', rowTestid: (c) => `chain-item-${c.id}`, rowHref: (c) => `#/chains/${c.id}` },
      ),
    ),
  );
}
