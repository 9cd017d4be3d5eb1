/**
 * The bare Socket.IO server: the `/chat` protocol of Parley with nothing behind it, the yardstick of every
 * realtime figure. Handshake: `auth.token` is verified like Parley does (HS256 with JWT_SECRET); `auth.rooms`
 * lists the rooms the socket joins (the bench passes the memberships it created, since there is no database).
 * `message.send {roomId, body, clientId}` gets a per-room seq and version in memory, is emitted as
 * `message.created {roomId, version, message}` to `room:<id>`, and acked `{ok: true, data: message}` — the same
 * shapes as Parley. Nothing is persisted, no receipts, no presence.
 *
 * Env: PORT, HOST (127.0.0.1), JWT_SECRET, REDIS_URL (optional: @socket.io/redis-adapter, as Parley uses).
 * Run: node bench/.cache/js/bare-server.js
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import jwt from 'jsonwebtoken';
import { Server, type Socket } from 'socket.io';

const port = Number(process.env.PORT ?? 3100);
const host = process.env.HOST ?? '127.0.0.1';
const secret: string = process.env.JWT_SECRET ?? '';
if (!secret) throw new Error('JWT_SECRET is required');
const MAX_BODY = 4000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const http = createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  res.writeHead(404).end();
});
const io = new Server(http, { transports: ['websocket', 'polling'], maxHttpBufferSize: 256 * 1024 });
const counters = new Map<string, { seq: number; version: number }>();

interface SocketData {
  userId: string;
}

function serveChat(): void {
  const chat = io.of('/chat');
  chat.use((socket: Socket, next) => {
    const auth = (socket.handshake.auth ?? {}) as { token?: unknown; rooms?: unknown };
    let userId: string;
    try {
      const claims = jwt.verify(String(auth.token ?? ''), secret, { algorithms: ['HS256'] }) as { sub?: unknown };
      if (typeof claims.sub !== 'string' || !claims.sub) throw new Error('no sub');
      userId = claims.sub;
    } catch {
      return next(Object.assign(new Error('The token is not valid'), { data: { statusCode: 401 } }));
    }
    (socket.data as SocketData).userId = userId;
    const rooms = Array.isArray(auth.rooms) ? auth.rooms.filter((room): room is string => typeof room === 'string').slice(0, 1000) : [];
    socket.join([`user:${userId}`, ...rooms.map((room) => `room:${room}`)]);
    next();
  });

  chat.on('connection', (socket: Socket) => {
    socket.on('message.send', (payload: unknown, ack: unknown) => {
      const reply = typeof ack === 'function' ? (ack as (result: unknown) => void) : () => undefined;
      const { roomId, body, clientId } = (payload ?? {}) as { roomId?: unknown; body?: unknown; clientId?: unknown };
      if (typeof roomId !== 'string' || !UUID.test(roomId) || typeof body !== 'string' || body.length > MAX_BODY || (clientId !== undefined && typeof clientId !== 'string')) {
        return reply({ ok: false, error: { statusCode: 400, message: 'Invalid message' } });
      }
      if (!socket.rooms.has(`room:${roomId}`)) return reply({ ok: false, error: { statusCode: 404, message: 'Room not found' } });
      const counter = counters.get(roomId) ?? { seq: 0, version: 1 };
      counter.seq += 1;
      counter.version += 1;
      counters.set(roomId, counter);
      const message = {
        id: randomUUID(),
        roomId,
        seq: counter.seq,
        senderId: (socket.data as SocketData).userId,
        body: body.trim(),
        parentId: null,
        replyCount: 0,
        images: [],
        reactions: [],
        pinned: false,
        clientId: clientId ?? null,
        createdAt: new Date().toISOString(),
        editedAt: null,
        deletedAt: null,
        version: counter.version,
      };
      chat.to(`room:${roomId}`).emit('message.created', { roomId, version: counter.version, message });
      reply({ ok: true, data: message });
    });
  });
}

async function main(): Promise<void> {
  if (process.env.REDIS_URL) {
    const [{ createClient }, { createAdapter }] = await Promise.all([import('redis'), import('@socket.io/redis-adapter')]);
    const publisher = createClient({ url: process.env.REDIS_URL });
    const subscriber = publisher.duplicate();
    await Promise.all([publisher.connect(), subscriber.connect()]);
    // Before the namespace exists: a namespace takes the adapter the server has when it is created.
    io.adapter(createAdapter(publisher, subscriber));
  }
  serveChat();
  http.listen(port, host);
}

process.on('SIGTERM', () => {
  io.close();
  http.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
