import './style.css';
import { api, ApiError, setUnauthorizedHandler } from './api';
import { disposeCharts } from './lifecycle';
import { h, replace } from './dom';
import { getLang, setLang, t } from './i18n';
import { renderChains } from './pages/chains';
import { renderEnterprise, renderNewEnterprise } from './pages/enterprise';
import { renderImport } from './pages/import';
import { renderLogin } from './pages/login';
import { renderRegistry } from './pages/registry';
import type { Ctx } from './router';
import { go, parseHash } from './router';
import { currentUser, isDepartment, setUser } from './state';
import { errorBox, loading } from './ui';

const app = document.getElementById('app')!;
let generation = 0;
let loginNotice: string | null = null;

setUnauthorizedHandler(() => {
  if (!currentUser() && parseHash().path[0] === 'login') return;
  setUser(null);
  loginNotice = t('session_expired');
  const here = location.hash.replace(/^#/, '');
  go(here.startsWith('/login') ? '/login' : `/login?next=${encodeURIComponent(here || '/')}`);
});

function header(active: string): HTMLElement {
  const me = currentUser()!;
  const link = (href: string, key: Parameters<typeof t>[0], name: string) =>
    h('a', { href: `#${href}`, class: active === name ? 'active' : '', testid: `nav-${name}` }, t(key));
  return h(
    'header.topbar',
    { testid: 'header' },
    h(
      'div.brand',
      null,
      h('span.logo', { 'aria-hidden': 'true' }, '链'),
      h('div', null, h('div.brand-name', null, t('app_name')), h('div.brand-sub', null, t('app_sub'))),
    ),
    h(
      'nav.mainnav',
      null,
      link('/', 'nav_dashboard', 'dashboard'),
      link('/chains', 'nav_chains', 'chains'),
      link('/registry', 'nav_registry', 'registry'),
      link('/docking', 'nav_docking', 'docking'),
      link('/risk', 'nav_risk', 'risk'),
      isDepartment() && link('/import', 'nav_import', 'import'),
    ),
    h(
      'div.userbox',
      null,
      h(
        'span.user',
        { testid: 'user' },
        h('span.user-name', { testid: 'user-name' }, me.username),
        h('span.role', { testid: 'user-role' }, t(`role_${me.role}` as Parameters<typeof t>[0])),
        me.enterprise &&
          h('a.user-ent', { href: `#/enterprises/${me.enterprise.credit_code}`, testid: 'user-enterprise' }, me.enterprise.name),
      ),
      h(
        'button.btn.btn-ghost',
        {
          testid: 'lang-toggle',
          onclick: () => {
            setLang(getLang() === 'zh' ? 'en' : 'zh');
            route();
          },
        },
        t('lang_toggle'),
      ),
      h(
        'button.btn.btn-ghost',
        {
          testid: 'logout',
          onclick: async () => {
            try {
              await api.logout();
            } catch {
              /* already gone */
            }
            setUser(null);
            go('/login');
          },
        },
        t('logout'),
      ),
    ),
  );
}

function activeNav(p: string[]): string {
  switch (p[0]) {
    case 'chains':
      return 'chains';
    case 'registry':
    case 'enterprises':
      return 'registry';
    case 'import':
      return 'import';
    case 'docking':
    case 'requests':
      return 'docking';
    case 'risk':
      return 'risk';
    default:
      return 'dashboard';
  }
}

async function route(): Promise<void> {
  const gen = ++generation;
  disposeCharts();
  const { path, query } = parseHash();
  document.title = t('app_name');

  if (path[0] === 'login') {
    const notice = loginNotice;
    loginNotice = null;
    renderLogin(app, { notice, next: query.get('next') ?? '/' });
    return;
  }
  if (!currentUser()) {
    try {
      setUser(await api.me());
    } catch (e) {
      if (gen !== generation) return;
      if (e instanceof ApiError && e.status === 401) {
        const here = location.hash.replace(/^#/, '') || '/';
        go(here === '/' ? '/login' : `/login?next=${encodeURIComponent(here)}`);
        return;
      }
      replace(app, h('div.fatal', { testid: 'fatal' }, `${t('error')}: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    if (gen !== generation) return;
  }

  const main = h('main.content', { testid: `page-${path[0] || 'dashboard'}` });
  replace(app, header(activeNav(path)), main);
  main.appendChild(loading());
  const ctx: Ctx = { path, query, main, alive: () => gen === generation };
  try {
    switch (path[0] ?? '') {
      case '':
      case 'dashboard':
        await (await import('./pages/dashboard')).renderDashboard(ctx);
        break;
      case 'chains':
        if (path[1]) await (await import('./pages/chain')).renderChain(ctx, path[1]);
        else await renderChains(ctx);
        break;
      case 'registry':
        await renderRegistry(ctx);
        break;
      case 'enterprises':
        if (path[1] === 'new') await renderNewEnterprise(ctx);
        else if (path[1]) await renderEnterprise(ctx, path[1]);
        else go('/registry');
        break;
      case 'import':
        await renderImport(ctx);
        break;
      case 'docking':
        if (path[1]) await (await import('./pages/demand')).renderDemand(ctx, path[1]);
        else await (await import('./pages/docking')).renderDocking(ctx);
        break;
      case 'requests':
        await (await import('./pages/requests')).renderRequests(ctx);
        break;
      case 'risk': {
        const risk = await import('./pages/risk');
        if (path[1]) await risk.renderRisk(ctx, path[1]);
        else await risk.renderRiskIndex(ctx);
        break;
      }
      default:
        replace(main, h('div.empty', { testid: 'not-found' }, t('not_found')));
    }
  } catch (e) {
    if (!ctx.alive()) return;
    if (e instanceof ApiError && e.status === 401) return; // on its way to the login page
    replace(main, errorBox(e));
  }
}

setLang(getLang());
window.addEventListener('hashchange', () => void route());
void route();
