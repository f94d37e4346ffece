import { api } from '../api';
import { h, replace } from '../dom';
import { getLang, setLang, t, type Key } from '../i18n';
import { go } from '../router';
import { setUser } from '../state';

export function renderLogin(app: HTMLElement, opts: { notice: string | null; next: string }): void {
  const user = h('input.input', { name: 'username', autocomplete: 'username', testid: 'login-username', required: true, autofocus: true });
  const pass = h('input.input', { name: 'password', type: 'password', autocomplete: 'current-password', testid: 'login-password', required: true });
  const msg = h('div.login-msg', { testid: 'login-error', role: 'alert' });
  if (opts.notice) {
    msg.textContent = opts.notice;
    msg.classList.add('info');
  }
  const submit = h('button.btn.btn-primary.btn-block', { type: 'submit', testid: 'login-submit' }, t('login_submit'));

  const form = h(
    'form.login-form',
    {
      testid: 'login-form',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        msg.textContent = '';
        msg.classList.remove('info');
        submit.disabled = true;
        submit.textContent = t('login_busy');
        try {
          const me = await api.login(user.value.trim(), pass.value);
          setUser(me);
          const next = opts.next && !opts.next.startsWith('/login') ? opts.next : '/';
          go(next);
        } catch (e) {
          // The API's own message (it says how long to wait when rate limited).
          msg.textContent = e instanceof Error ? e.message : String(e);
          submit.disabled = false;
          submit.textContent = t('login_submit');
          pass.select();
        }
      },
    },
    h('label.field', null, h('span.field-label', null, t('username')), user),
    h('label.field', null, h('span.field-label', null, t('password')), pass),
    msg,
    submit,
  );

  replace(
    app,
    h(
      'div.login-page',
      { testid: 'page-login' },
      h(
        'div.login-side',
        null,
        h('div.login-brand', null, h('span.logo.logo-lg', null, '链'), h('div', null, h('div.login-name', null, t('app_name')), h('div.login-sub', null, t('app_sub')))),
        h('p.login-lead', null, t('login_lead')),
        h(
          'ul.login-points',
          null,
          (['login_f1', 'login_f2', 'login_f3'] as const).map((k) =>
            h('li', null, h('b', null, t(`${k}_title` as Key)), h('span', null, t(`${k}_text` as Key))),
          ),
        ),
        h('div.login-foot', null, t('login_foot')),
      ),
      h(
        'div.login-box',
        null,
        h(
          'div.login-top',
          null,
          h('h1.login-title', null, t('login_title')),
          h(
            'button.btn.btn-link',
            {
              type: 'button',
              testid: 'lang-toggle',
              onclick: () => {
                setLang(getLang() === 'zh' ? 'en' : 'zh');
                renderLogin(app, { notice: null, next: opts.next });
              },
            },
            t('lang_toggle'),
          ),
        ),
        form,
      ),
    ),
  );
  user.focus();
}
