// The demo's service worker, served at /sw.js (scope /): it shows the Web Push notifications the server sends for
// new messages while the user has no live socket, and opens the room when one is clicked. It caches nothing.
//
// The push payload is the JSON the server encrypts for the subscription: `{ title, body, data: { roomId,
// messageId, seq } }` (the shape of an FCM message's `notification` + `data` is read too).

declare const self: ServiceWorkerGlobalScope;

interface PushData {
  roomId?: string;
  messageId?: string;
  seq?: string;
}

interface ShownNotification {
  title: string;
  body: string;
  data: PushData;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function readPayload(data: PushMessageData | null): ShownNotification {
  let payload: Record<string, unknown> = {};
  try {
    const parsed: unknown = data?.json();
    if (parsed && typeof parsed === 'object') payload = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: the text is the body.
    return { title: 'Parley', body: data?.text() ?? '', data: {} };
  }
  const notification = (payload.notification && typeof payload.notification === 'object' ? payload.notification : {}) as Record<string, unknown>;
  const raw = (payload.data && typeof payload.data === 'object' ? payload.data : {}) as Record<string, unknown>;
  return {
    title: text(payload.title) ?? text(notification.title) ?? 'Parley',
    body: text(payload.body) ?? text(notification.body) ?? '',
    data: { roomId: text(raw.roomId) ?? text(payload.roomId), messageId: text(raw.messageId) ?? text(payload.messageId), seq: text(raw.seq) },
  };
}

self.addEventListener('install', () => {
  void self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('push', (event) => {
  const shown = readPayload(event.data);
  // One notification per room (`tag`): a newer message replaces the one before, and still alerts.
  event.waitUntil(
    self.registration.showNotification(shown.title, {
      body: shown.body,
      data: shown.data,
      ...(shown.data.roomId ? { tag: `room-${shown.data.roomId}`, renotify: true } : {}),
    } as NotificationOptions),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const roomId = text((event.notification.data as PushData | null)?.roomId);
  const url = new URL(roomId ? `/#/rooms/${encodeURIComponent(roomId)}` : '/', self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const client = windows.find((candidate) => new URL(candidate.url).origin === self.location.origin);
      if (!client) {
        await self.clients.openWindow(url);
        return;
      }
      // The open client switches rooms itself (a navigation would reload it); focusing needs the click's user
      // activation, which the browser gives this event.
      client.postMessage({ type: 'parley.open-room', roomId: roomId ?? null });
      await client.focus().catch(() => undefined);
    })(),
  );
});

export {};
