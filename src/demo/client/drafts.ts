// Unsent text of the composers, kept in localStorage per user and room (and thread), so that it survives a reload,
// a closed tab and a session that had to be logged in again.

const PREFIX = 'parley.draft.';

/** The key of a composer's draft: the user, the room, and the thread's parent message for a reply. */
export const draftKey = (userId: string, roomId: string, parentId?: string): string => `${PREFIX}${userId}.${roomId}${parentId ? `.${parentId}` : ''}`;

export function loadDraft(key: string): string {
  try {
    return localStorage.getItem(key) ?? '';
  } catch {
    return '';
  }
}

/** Stores the text; an empty one removes the draft. */
export function saveDraft(key: string, text: string): void {
  try {
    if (text.trim()) localStorage.setItem(key, text);
    else localStorage.removeItem(key);
  } catch {
    // Storage full or refused: the draft lives in the box only.
  }
}

/** Forgets every draft of a user (logging out). */
export function clearDrafts(userId: string): void {
  const prefix = `${PREFIX}${userId}.`;
  for (const key of Object.keys(localStorage)) if (key.startsWith(prefix)) localStorage.removeItem(key);
}
