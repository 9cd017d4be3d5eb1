import { authenticate } from './api';
import { h } from './dom';
import type { AuthResponse } from './types';
import { icon } from './icons';

/** The sign-in screen: one form, "Log in" for an existing account and "Create account" for a new one. */
export function loginView(done: (auth: AuthResponse) => void, notice?: string): HTMLElement {
  const username = h('input', {
    id: 'login-username',
    name: 'username',
    required: true,
    minlength: 3,
    maxlength: 32,
    pattern: '[A-Za-z0-9._\\-]+',
    autocomplete: 'username',
    autocapitalize: 'none',
    spellcheck: 'false',
    'aria-describedby': 'login-username-hint',
  });
  const password = h('input', {
    id: 'login-password',
    name: 'password',
    type: 'password',
    required: true,
    minlength: 8,
    maxlength: 128,
    autocomplete: 'current-password',
    'aria-describedby': 'login-password-hint',
  });
  const error = h('p', { class: 'form-error', role: 'alert', id: 'login-error' }, notice ?? '');
  const login = h('button', { type: 'submit', class: 'primary', value: 'token' }, 'Log in');
  const register = h('button', { type: 'submit', value: 'register' }, 'Create account');
  const form = h(
    'form',
    { class: 'login-form stack', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title', class: 'brand' }, h('span', { class: 'brand-mark' }, icon('chat', 30)), 'Parley'),
    h('p', { class: 'lead' }, 'The demo client of the Parley chat server. Log in, or create an account: pick any username and a password of 8 characters or more.'),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'login-username' }, 'Username'),
      username,
      h('p', { class: 'hint', id: 'login-username-hint' }, '3 to 32 letters, digits, “.”, “_” or “-”.'),
    ),
    h('div', { class: 'field' }, h('label', { for: 'login-password' }, 'Password'), password, h('p', { class: 'hint', id: 'login-password-hint' }, 'At least 8 characters.')),
    error,
    h('div', { class: 'login-actions' }, login, register),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const mode = (event.submitter as HTMLButtonElement | null)?.value === 'register' ? 'register' : 'token';
    error.textContent = '';
    login.disabled = register.disabled = true;
    try {
      done(await authenticate(mode, username.value.trim(), password.value));
    } catch (failure) {
      error.textContent = failure instanceof Error ? failure.message : String(failure);
      login.disabled = register.disabled = false;
      (mode === 'register' ? username : password).focus();
    }
  });
  queueMicrotask(() => username.focus());
  return h('main', { class: 'login' }, form);
}
