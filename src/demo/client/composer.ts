import type { Api } from './api';
import { h, replace, toast, uuid } from './dom';
import type { Image } from './types';
import { icon } from './icons';
import { MentionPicker, mentionedIds, type MentionCandidate } from './mentions';
import { loadDraft, saveDraft } from './drafts';

const ACCEPTED = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];
const MAX_IMAGES = 10;

interface Attachment {
  key: string;
  file: File;
  preview: string;
  state: 'uploading' | 'ready' | 'failed';
  image?: Image;
}

export interface ComposerOptions {
  api: Api;
  label: string;
  placeholder: string;
  /** Sends; the composer clears itself at once (the message shows as "sending" in the list). */
  onSend: (body: string, images: Image[], previews: string[], mentions: string[]) => void;
  /** Who `@` can mention (the room's members but the viewer); none: no picker. */
  mentionCandidates?: () => MentionCandidate[];
  onTyping: (isTyping: boolean) => void;
  /** Offer image attachments (false for guests, who may not upload). Default true. */
  images?: boolean;
  /** Where the unsent text is kept (see drafts.ts): restored when the box is made again, cleared when it is sent. */
  draftKey?: string;
}

/**
 * The message box: Enter sends, Shift+Enter starts a new line. Images (picked, or pasted) upload as soon as they
 * are chosen, with a preview, and go with the next message. `@` opens a member picker; the message mentions the
 * members whose `@name` is in its text when it is sent.
 */
export class Composer {
  readonly element: HTMLFormElement;
  readonly textarea: HTMLTextAreaElement;
  private readonly attachmentsList: HTMLUListElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly fileInput: HTMLInputElement;
  private attachments: Attachment[] = [];
  private readonly picker: MentionPicker | null;
  private typingSince = 0;
  private idleTimer: number | undefined;
  private readonly notice: HTMLElement;
  private readonly label: HTMLLabelElement;
  /** Sending is refused for now (a frozen room, a silenced member): the box is disabled. */
  private blocked = false;

  constructor(private readonly options: ComposerOptions) {
    const id = `composer-${uuid().slice(0, 8)}`;
    this.textarea = h('textarea', { id, rows: 1, placeholder: options.placeholder, maxlength: 4000, autocomplete: 'off', enterkeyhint: 'send' });
    this.fileInput = h('input', { type: 'file', accept: ACCEPTED.join(','), multiple: true, class: 'visually-hidden', id: `${id}-file`, tabindex: -1 });
    const attach = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Attach images', title: 'Attach images' }, icon('attach', 20));
    this.sendButton = h('button', { type: 'submit', class: 'primary send-button' }, 'Send');
    this.attachmentsList = h('ul', { class: 'attachments', 'aria-label': 'Images to send', hidden: true });
    this.picker = options.mentionCandidates ? new MentionPicker(this.textarea, options.mentionCandidates) : null;
    this.notice = h('p', { class: 'composer-notice', id: `${id}-notice`, 'aria-live': 'polite', hidden: true });
    this.label = h('label', { for: id, class: 'visually-hidden' }, options.label);
    if (options.images === false) attach.hidden = true;
    this.element = h(
      'form',
      { class: 'composer' },
      this.notice,
      this.picker?.element,
      this.attachmentsList,
      h(
        'div',
        { class: 'composer-row' },
        attach,
        this.fileInput,
        this.label,
        this.textarea,
        this.sendButton,
      ),
    );
    attach.addEventListener('click', () => this.fileInput.click());
    this.fileInput.addEventListener('change', () => {
      this.add([...(this.fileInput.files ?? [])]);
      this.fileInput.value = '';
    });
    this.textarea.addEventListener('keydown', (event) => {
      if (this.picker?.handleKey(event)) return;
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    this.textarea.addEventListener('input', () => {
      this.autosize();
      this.noteTyping();
      if (options.draftKey) saveDraft(options.draftKey, this.textarea.value);
    });
    if (options.draftKey) {
      this.textarea.value = loadDraft(options.draftKey);
      // Sized once the box is in the page (its scrollHeight is 0 before).
      if (this.textarea.value) requestAnimationFrame(() => this.autosize());
    }
    this.textarea.addEventListener('paste', (event) => {
      const files = [...(event.clipboardData?.files ?? [])].filter((file) => ACCEPTED.includes(file.type));
      if (files.length > 0) {
        event.preventDefault();
        this.add(files);
      }
    });
    this.textarea.addEventListener('blur', () => this.stopTyping());
    this.element.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  focus(): void {
    this.textarea.focus();
  }

  /** Names the box anew (its room was renamed): the label read by screen readers and the placeholder. */
  rename(label: string, placeholder = label): void {
    this.label.textContent = label;
    this.textarea.placeholder = placeholder;
  }

  /**
   * A line above the box about sending in this room (slow mode, read-only, frozen); `blocked` disables the box,
   * as the server would refuse the send. Null clears it.
   */
  setNotice(text: string | null, blocked = false): void {
    this.notice.hidden = text === null;
    this.notice.textContent = text ?? '';
    this.blocked = blocked;
    this.textarea.disabled = blocked;
    if (text) this.textarea.setAttribute('aria-describedby', this.notice.id);
    else this.textarea.removeAttribute('aria-describedby');
    this.renderAttachments();
  }

  /** Puts files in the list and uploads them. */
  add(files: File[]): void {
    for (const file of files) {
      if (this.attachments.length >= MAX_IMAGES) {
        toast(`At most ${MAX_IMAGES} images per message`, 'error');
        break;
      }
      if (!ACCEPTED.includes(file.type)) {
        toast(`${file.name}: only PNG, JPEG, WebP and GIF images can be sent`, 'error');
        continue;
      }
      const attachment: Attachment = { key: uuid(), file, preview: URL.createObjectURL(file), state: 'uploading' };
      this.attachments.push(attachment);
      this.options.api.upload(file).then(
        (image) => {
          attachment.state = 'ready';
          attachment.image = image;
          this.renderAttachments();
        },
        (error: unknown) => {
          attachment.state = 'failed';
          toast(`${file.name} could not be uploaded: ${error instanceof Error ? error.message : String(error)}`, 'error');
          this.renderAttachments();
        },
      );
    }
    this.renderAttachments();
  }

  private renderAttachments(): void {
    this.attachmentsList.hidden = this.attachments.length === 0;
    replace(
      this.attachmentsList,
      ...this.attachments.map((attachment) => {
        const status = attachment.state === 'uploading' ? 'Uploading…' : attachment.state === 'failed' ? 'Upload failed' : 'Ready';
        return h(
          'li',
          { class: `attachment attachment-${attachment.state}` },
          h('img', { src: attachment.preview, alt: attachment.file.name, width: 56, height: 56 }),
          h('span', { class: 'attachment-status' }, status),
          h(
            'button',
            {
              type: 'button',
              class: 'attachment-remove',
              'aria-label': `Remove ${attachment.file.name}`,
              onclick: () => {
                this.attachments = this.attachments.filter((a) => a !== attachment);
                URL.revokeObjectURL(attachment.preview);
                this.renderAttachments();
                this.textarea.focus();
              },
            },
            icon('close', 12),
          ),
        );
      }),
    );
    const uploading = this.attachments.some((a) => a.state === 'uploading');
    this.sendButton.disabled = uploading || this.blocked;
    this.sendButton.textContent = uploading ? 'Uploading…' : 'Send';
  }

  private submit(): void {
    if (this.blocked) return;
    if (this.attachments.some((a) => a.state === 'uploading')) {
      toast('Wait until the images are uploaded');
      return;
    }
    const body = this.textarea.value.trim();
    const ready = this.attachments.filter((a) => a.state === 'ready');
    if (!body && ready.length === 0) return;
    this.options.onSend(
      body,
      ready.map((a) => a.image!),
      ready.map((a) => a.preview),
      this.options.mentionCandidates ? mentionedIds(body, this.options.mentionCandidates()) : [],
    );
    this.picker?.close();
    for (const attachment of this.attachments) if (attachment.state !== 'ready') URL.revokeObjectURL(attachment.preview);
    this.attachments = [];
    this.renderAttachments();
    this.textarea.value = '';
    if (this.options.draftKey) saveDraft(this.options.draftKey, '');
    this.autosize();
    this.stopTyping();
  }

  private autosize(): void {
    this.textarea.style.height = 'auto';
    this.textarea.style.height = `${Math.min(this.textarea.scrollHeight, 160)}px`;
  }

  /** "typing" is repeated every few seconds while keys are pressed, and stopped after a pause or on send. */
  private noteTyping(): void {
    if (!this.textarea.value.trim()) return this.stopTyping();
    const now = Date.now();
    if (now - this.typingSince > 2500) {
      this.typingSince = now;
      this.options.onTyping(true);
    }
    window.clearTimeout(this.idleTimer);
    this.idleTimer = window.setTimeout(() => this.stopTyping(), 4000);
  }

  private stopTyping(): void {
    window.clearTimeout(this.idleTimer);
    if (this.typingSince === 0) return;
    this.typingSince = 0;
    this.options.onTyping(false);
  }

  destroy(): void {
    this.stopTyping();
  }
}
