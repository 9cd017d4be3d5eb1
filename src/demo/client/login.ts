import { authenticate, joinAsGuest } from './api';
import { errorText } from './errors';
import { h } from './dom';
import type { AuthResponse } from './types';
import { icon } from './icons';

/**
 * The sign-in screen: one form, "Log in" for an existing account and "Create account" for a new one; and below it,
 * joining as a guest with just a name (`POST /api/v1/auth/guest`), for the public rooms that allow guests.
 */
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
      error.textContent = errorText(failure);
      login.disabled = register.disabled = false;
      (mode === 'register' ? username : password).focus();
    }
  });
  queueMicrotask(() => username.focus());
  return h('main', { class: 'login' }, h('div', { class: 'login-column' }, form, guestForm(done)));
}

function guestForm(done: (auth: AuthResponse) => void): HTMLElement {
  const name = h('input', { id: 'guest-name', name: 'guest-name', required: true, maxlength: 64, autocomplete: 'nickname', 'aria-describedby': 'guest-name-hint' });
  const error = h('p', { class: 'form-error', role: 'alert', id: 'guest-error' });
  const join = h('button', { type: 'submit' }, 'Join as guest');
  const form = h(
    'form',
    { class: 'login-form guest-form stack', 'aria-labelledby': 'guest-title' },
    h('h2', { id: 'guest-title' }, 'No account?'),
    h('div', { class: 'field' }, h('label', { for: 'guest-name' }, 'Guest name'), name, h('p', { class: 'hint', id: 'guest-name-hint' }, 'Shown to others, marked as a guest. Guests can chat in the public rooms that allow them.')),
    error,
    h('div', { class: 'login-actions' }, join),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    join.disabled = true;
    try {
      done(await joinAsGuest(name.value.trim()));
    } catch (failure) {
      error.textContent = errorText(failure);
      join.disabled = false;
      name.focus();
    }
  });
  return form;
}
