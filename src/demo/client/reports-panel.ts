// The reports queue of a room, for its owner and admins: the open reports (`GET /rooms/{roomId}/reports`) with the
// messages they are about, each resolved, or settled by deleting the message.
import type { Api } from './api';
import { confirmDialog, fullTime, h, replace, toast } from './dom';
import { errorText } from './errors';
import type { Message, Report } from './types';

/** What the panel reads from the open room: its loaded messages and the names of its members. */
export interface ReportsContext {
  message(messageId: string): Message | undefined;
  nameOf(userId: string): string;
}

export class ReportsPanel {
  /** The panel's content (its frame and close button belong to the room view). */
  readonly element: HTMLElement;
  private reports: Report[] | null = null;
  /** The reported messages: from the history when loaded, else fetched; null when they are gone. */
  private readonly reported = new Map<string, Message | null>();

  constructor(
    private readonly api: Api,
    private readonly roomId: string,
    private readonly context: ReportsContext,
  ) {
    this.element = h('div', { class: 'panel-scroll' });
    this.render();
  }

  async load(): Promise<void> {
    try {
      const reports: Report[] = [];
      let cursor: string | null = null;
      do {
        const page = await this.api.reports(this.roomId, cursor);
        reports.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor && reports.length < 500);
      await Promise.all(
        reports
          .filter((report) => !this.reported.has(report.messageId))
          .map(async (report) => {
            const known = this.context.message(report.messageId);
            this.reported.set(report.messageId, known ?? (await this.api.message(this.roomId, report.messageId).catch(() => null)));
          }),
      );
      this.reports = reports;
    } catch (error) {
      this.reports = [];
      toast(`Could not load the reports: ${errorText(error)}`, 'error');
    }
    this.render();
  }

  private render(): void {
    const reports = this.reports;
    const active = document.activeElement instanceof HTMLElement && this.element.contains(document.activeElement) ? document.activeElement.dataset.focus : undefined;
    const refresh = h('button', { type: 'button', class: 'tool', 'data-focus': 'reports-refresh', onclick: () => void this.load() }, 'Refresh');
    const content =
      reports === null
        ? h('p', { class: 'hint panel-note' }, 'Loading reports…')
        : reports.length === 0
          ? h('p', { class: 'hint panel-note' }, 'No open reports.')
          : h('ul', { class: 'report-list', 'aria-label': 'Open reports' }, ...reports.map((report) => this.item(report)));
    replace(this.element, h('div', { class: 'panel-toolbar' }, refresh), content);
    if (active) this.element.querySelector<HTMLElement>(`[data-focus="${CSS.escape(active)}"]`)?.focus();
  }

  private item(report: Report): HTMLElement {
    const message = this.reported.get(report.messageId) ?? this.context.message(report.messageId) ?? null;
    const sender = message?.senderId ? this.context.nameOf(message.senderId) : 'Unknown';
    const text = !message ? 'The message is no longer available.' : message.deletedAt ? 'Message deleted' : message.body || 'An image';
    return h(
      'li',
      { class: 'report', 'data-report-id': report.id },
      h('blockquote', { class: 'quote' }, h('strong', {}, sender), ' ', text),
      h('p', { class: 'report-reason' }, h('span', { class: 'report-by' }, `${this.context.nameOf(report.reporterId)}: `), report.reason),
      h('p', { class: 'hint' }, h('time', { datetime: report.createdAt }, fullTime(report.createdAt))),
      h(
        'div',
        { class: 'report-actions' },
        message && !message.deletedAt
          ? h('button', { type: 'button', class: 'tool', 'data-focus': `report-delete-${report.id}`, onclick: () => void this.deleteReported(report, message) }, 'Delete message')
          : null,
        h('button', { type: 'button', class: 'tool', 'data-focus': `report-resolve-${report.id}`, onclick: () => void this.resolve(report) }, 'Resolve'),
      ),
    );
  }

  private async resolve(report: Report): Promise<void> {
    try {
      await this.api.resolveReport(this.roomId, report.id);
      this.reports = (this.reports ?? []).filter((r) => r.id !== report.id);
      this.render();
      this.element.querySelector<HTMLElement>('[data-focus="reports-refresh"]')?.focus();
    } catch (error) {
      toast(errorText(error), 'error');
    }
  }

  /** Deletes the reported message for everybody, which settles the report too. */
  private async deleteReported(report: Report, message: Message): Promise<void> {
    if (!(await confirmDialog('Delete this message for everybody?', 'Delete'))) return;
    try {
      await this.api.remove(this.roomId, message.id);
      this.reported.set(message.id, { ...message, body: '', images: [], deletedAt: new Date().toISOString() });
      await this.resolve(report);
    } catch (error) {
      toast(errorText(error), 'error');
    }
  }
}
