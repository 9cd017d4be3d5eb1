// The dialogs of room moderation: room settings (owner/admins), silencing and banning a member, reporting a message.
import { ApiError, type Api } from './api';
import { confirmDialog, h } from './dom';
import { errorText } from './errors';
import { modal } from './dialogs';
import type { LocalMessage, Room } from './types';

/** Slow-mode intervals offered (seconds; the contract allows 0..3600). */
const SLOW_MODE_CHOICES: Array<[number, string]> = [
  [0, 'Off'],
  [10, '10 seconds'],
  [30, '30 seconds'],
  [60, '1 minute'],
  [300, '5 minutes'],
  [900, '15 minutes'],
  [3600, '1 hour'],
];

/** A date as the value of an `<input type="datetime-local">` (local time, to the minute). */
function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The instant a datetime-local input names (local time), or null when it is empty or invalid. */
function instantOf(input: HTMLInputElement): Date | null {
  if (!input.value) return null;
  const at = new Date(input.value);
  return Number.isNaN(at.getTime()) ? null : at;
}

function slowModeLabel(seconds: number): string {
  return SLOW_MODE_CHOICES.find(([value]) => value === seconds)?.[1] ?? `${seconds} seconds`;
}

/**
 * Room settings for its owner and admins: title, description, public, guests (public rooms only), slow mode and
 * frozen, saved with one `PATCH /rooms/{roomId}` of the fields that changed; the owner can also delete the room.
 */
export function roomSettingsDialog(api: Api, room: Room, isOwner: boolean, updated: (room: Room) => void): void {
  const { dialog, body, close } = modal('Room settings');
  const title = h('input', { id: 'settings-title', required: true, maxlength: 200, autocomplete: 'off' });
  title.value = room.title;
  const description = h('input', { id: 'settings-description', maxlength: 2000, autocomplete: 'off' });
  description.value = room.description ?? '';
  const isPublic = h('input', { id: 'settings-public', type: 'checkbox', checked: room.isPublic });
  const allowGuests = h('input', { id: 'settings-guests', type: 'checkbox', checked: room.allowGuests === true, 'aria-describedby': 'settings-guests-hint' });
  const guestsHint = h('p', { class: 'hint', id: 'settings-guests-hint' });
  const current = room.slowModeSeconds ?? 0;
  const choices = SLOW_MODE_CHOICES.some(([value]) => value === current) ? SLOW_MODE_CHOICES : [...SLOW_MODE_CHOICES, [current, slowModeLabel(current)] as [number, string]];
  const slowMode = h('select', { id: 'settings-slow-mode' }, ...choices.map(([value, label]) => h('option', { value: String(value), selected: value === current }, label)));
  const frozen = h('input', { id: 'settings-frozen', type: 'checkbox', checked: room.frozen === true });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
  const guestsFollowPublic = () => {
    allowGuests.disabled = !isPublic.checked;
    if (!isPublic.checked) allowGuests.checked = false;
    guestsHint.textContent = isPublic.checked ? 'Guests join with a name, without an account. Turning this off removes them.' : 'Only public rooms can let guests in.';
  };
  isPublic.addEventListener('change', guestsFollowPublic);
  guestsFollowPublic();
  const form = h(
    'form',
    { class: 'stack' },
    h('div', { class: 'field' }, h('label', { for: 'settings-title' }, 'Title'), title),
    h('div', { class: 'field' }, h('label', { for: 'settings-description' }, 'Description'), description),
    h('div', { class: 'field field-inline' }, isPublic, h('label', { for: 'settings-public' }, 'Public: anybody can find and join it')),
    h('div', { class: 'field' }, h('div', { class: 'field-inline' }, allowGuests, h('label', { for: 'settings-guests' }, 'Allow guests')), guestsHint),
    h('div', { class: 'field' }, h('label', { for: 'settings-slow-mode' }, 'Slow mode: one message per member every'), slowMode),
    h('div', { class: 'field field-inline' }, frozen, h('label', { for: 'settings-frozen' }, 'Frozen: only the owner and admins can send')),
    error,
    h('div', { class: 'dialog-actions' }, h('button', { type: 'button', onclick: close }, 'Cancel'), save),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const changes: Parameters<Api['updateRoom']>[1] = {};
    if (title.value.trim() !== room.title) changes.title = title.value.trim();
    if (description.value.trim() !== (room.description ?? '')) changes.description = description.value.trim();
    if (isPublic.checked !== room.isPublic) changes.isPublic = isPublic.checked;
    if (allowGuests.checked !== (room.allowGuests === true)) changes.allowGuests = allowGuests.checked;
    if (Number(slowMode.value) !== current) changes.slowModeSeconds = Number(slowMode.value);
    if (frozen.checked !== (room.frozen === true)) changes.frozen = frozen.checked;
    if (Object.keys(changes).length === 0) return close();
    save.disabled = true;
    error.textContent = '';
    try {
      const saved = await api.updateRoom(room.id, changes);
      close();
      updated(saved);
    } catch (failure) {
      error.textContent = errorText(failure);
      save.disabled = false;
    }
  });
  body.append(form);
  if (isOwner) {
    const remove = h('button', { type: 'button', class: 'danger' }, 'Delete room');
    remove.addEventListener('click', async () => {
      if (!(await confirmDialog(`Delete ${room.title} and all its messages for everybody?`, 'Delete room'))) return;
      try {
        await api.deleteRoom(room.id);
        close();
      } catch (failure) {
        error.textContent = errorText(failure);
      }
    });
    body.append(h('section', { class: 'danger-zone', 'aria-label': 'Danger zone' }, h('p', { class: 'hint' }, 'Deleting the room removes it for every member.'), remove));
  }
  dialog.showModal();
  title.focus();
}

/** Makes a member read-only until a time (quick choices fill the time in), or lifts it (`silencedUntil: null`). */
export function silenceDialog(api: Api, roomId: string, member: { userId: string; name: string }, done: () => void): void {
  const { dialog, body, close } = modal(`Silence ${member.name}`);
  const until = h('input', { id: 'silence-until', type: 'datetime-local', required: true });
  until.value = localInputValue(new Date(Date.now() + 3_600_000));
  const quick = (label: string, ms: number) => h('button', { type: 'button', class: 'tool', onclick: () => (until.value = localInputValue(new Date(Date.now() + ms))) }, label);
  const error = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Silence');
  const form = h(
    'form',
    { class: 'stack' },
    h('p', { class: 'hint' }, `${member.name} can still read and react, but cannot send until then.`),
    h('div', { class: 'field' }, h('label', { for: 'silence-until' }, 'Read-only until'), until),
    h('div', { class: 'quick-choices', role: 'group', 'aria-label': 'Quick choices' }, quick('10 minutes', 600_000), quick('1 hour', 3_600_000), quick('1 day', 86_400_000), quick('1 week', 604_800_000)),
    error,
    h('div', { class: 'dialog-actions' }, h('button', { type: 'button', onclick: close }, 'Cancel'), submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const at = instantOf(until);
    if (!at || at.getTime() <= Date.now()) {
      error.textContent = 'Pick a time in the future.';
      return;
    }
    submit.disabled = true;
    try {
      await api.updateMember(roomId, member.userId, { silencedUntil: at.toISOString() });
      close();
      done();
    } catch (failure) {
      error.textContent = errorText(failure, 'them');
      submit.disabled = false;
    }
  });
  body.append(form);
  dialog.showModal();
  until.focus();
}

/** Bans a user from the room, with an optional reason and end (empty: until the ban is lifted). */
export function banDialog(api: Api, room: Room, member: { userId: string; name: string }, done: () => void): void {
  const { dialog, body, close } = modal(`Ban ${member.name}`);
  const reason = h('textarea', { id: 'ban-reason', rows: 2, maxlength: 500 });
  const until = h('input', { id: 'ban-until', type: 'datetime-local', 'aria-describedby': 'ban-until-hint' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'danger' }, 'Ban');
  const form = h(
    'form',
    { class: 'stack' },
    h('p', { class: 'hint' }, `${member.name} is removed from ${room.title} and cannot join again or be added while the ban lasts.`),
    h('div', { class: 'field' }, h('label', { for: 'ban-reason' }, 'Reason (optional)'), reason),
    h('div', { class: 'field' }, h('label', { for: 'ban-until' }, 'Until (optional)'), until, h('p', { class: 'hint', id: 'ban-until-hint' }, 'Leave empty to ban until you lift it.')),
    error,
    h('div', { class: 'dialog-actions' }, h('button', { type: 'button', onclick: close }, 'Cancel'), submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const at = instantOf(until);
    if (until.value && (!at || at.getTime() <= Date.now())) {
      error.textContent = 'Pick a time in the future, or leave it empty.';
      return;
    }
    submit.disabled = true;
    try {
      await api.ban(room.id, member.userId, { ...(reason.value.trim() && { reason: reason.value.trim() }), ...(at && { until: at.toISOString() }) });
      close();
      done();
    } catch (failure) {
      error.textContent = errorText(failure, 'them');
      submit.disabled = false;
    }
  });
  body.append(form);
  dialog.showModal();
  reason.focus();
}

/** Reports someone else's message to the room's owner and admins, with a reason (once per message). */
export function reportDialog(api: Api, message: LocalMessage, sender: string, done: () => void): void {
  const { dialog, body, close } = modal('Report message');
  const reason = h('textarea', { id: 'report-reason', rows: 3, maxlength: 1000, required: true });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Report');
  const excerpt = message.body.length > 200 ? `${message.body.slice(0, 200)}…` : message.body || 'An image';
  const form = h(
    'form',
    { class: 'stack' },
    h('blockquote', { class: 'quote' }, h('strong', {}, sender), ' ', excerpt),
    h('div', { class: 'field' }, h('label', { for: 'report-reason' }, 'What is wrong with it?'), reason),
    h('p', { class: 'hint' }, 'The owner and admins of the room see your report.'),
    error,
    h('div', { class: 'dialog-actions' }, h('button', { type: 'button', onclick: close }, 'Cancel'), submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      await api.report(message.roomId, message.id, reason.value.trim());
      close();
      done();
    } catch (failure) {
      error.textContent = failure instanceof ApiError && failure.status === 409 ? 'You have already reported this message.' : errorText(failure);
      submit.disabled = false;
    }
  });
  body.append(form);
  dialog.showModal();
  reason.focus();
}
