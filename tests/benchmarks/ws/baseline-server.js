#!/usr/bin/env node
// baseline-server.js: the Node baseline of tests/benchmarks/bench-ws, a
// minimal WebSocket broadcast server on the `ws` package speaking the subset
// of docs/protocol.md that the benchmark uses. One process, one event loop,
// like streamlet-server's hub.
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Usage: node baseline-server.js --port N [--host 127.0.0.1]
// Prints "listening <port>" on stdout once it accepts connections.
//
// What it does (and deliberately does not):
// - GET /ws with ?access_token=<t> or "Authorization: Bearer <t>": the token
//   must be present (401 otherwise) but is not verified; when it is a JWT its
//   payload's "sub" becomes the user id (so the same token file serves both
//   servers), otherwise the connection gets a running number.
// - first message {"type":"hello","user":{id,display_name,role}};
// - {"type":"join","class_id":N} → {"type":"joined","class_id":N,"count":…};
// - {"type":"chat","class_id":N,"text":…} from a member (1–2000 characters)
//   → {"type":"chat","class_id":N,"id":<seq>,"from":{id,display_name},
//   "text":…,"sent_at":…} to every member of the room, the sender included;
//   the frame is serialised once per broadcast;
// - {"type":"ping"} → {"type":"pong"}; anything else → an "error".
// No store, no rate limit, no presence, no chat history: it is the floor a
// broadcast server can reach on this machine, not a second implementation.
'use strict';

const http = require('http');
const { WebSocketServer } = require('ws');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const host = arg('host', '127.0.0.1');
const port = Number(arg('port', '0'));

// Room id → Set of sockets; socket → { user, rooms }.
const rooms = new Map();
let chatSeq = 0;
let anonymous = 0;

function tokenOf(req) {
  const auth = req.headers.authorization;
  if (auth && auth.startsWith('Bearer ') && auth.length > 7)
    return auth.slice(7);
  const q = req.url.indexOf('?');
  if (q < 0)
    return null;
  const value = new URLSearchParams(req.url.slice(q + 1)).get('access_token');
  return value ? value : null;
}

function userOf(token) {
  const parts = token.split('.');
  if (parts.length === 3) {
    try {
      const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
      const id = Number(payload.sub);
      if (Number.isSafeInteger(id) && id > 0)
        return { id, display_name: `User ${id}`, role: payload.role || 'student' };
    } catch (_) {
      // not a JWT: fall through
    }
  }
  anonymous += 1;
  return { id: anonymous, display_name: `User ${anonymous}`, role: 'student' };
}

function sendError(ws, code, message, ref) {
  const error = { type: 'error', code, message };
  if (typeof ref === 'string')
    error.ref = ref;
  ws.send(JSON.stringify(error));
}

const server = http.createServer((req, res) => {
  res.writeHead(404, { 'Content-Type': 'application/json' });
  res.end('{"error":{"code":"not_found","message":"only /ws here"}}');
});

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 65 * 1024 });

server.on('upgrade', (req, socket, head) => {
  const path = req.url.split('?', 1)[0];
  const token = path === '/ws' ? tokenOf(req) : null;
  if (token === null) {
    const status = path === '/ws' ? '401 Unauthorized' : '404 Not Found';
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nConnection: close\r\n` +
               'Content-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const client = { user: userOf(token), rooms: new Set() };
    ws.send(JSON.stringify({ type: 'hello', user: client.user }));
    ws.on('message', (data, isBinary) => onMessage(ws, client, data, isBinary));
    ws.on('close', () => {
      for (const id of client.rooms) {
        const room = rooms.get(id);
        if (room) {
          room.delete(ws);
          if (room.size === 0)
            rooms.delete(id);
        }
      }
    });
    ws.on('error', () => {});
  });
});

function onMessage(ws, client, data, isBinary) {
  if (isBinary) {
    sendError(ws, 'invalid_message', 'send JSON text frames');
    return;
  }
  let msg;
  try {
    msg = JSON.parse(data.toString('utf8'));
  } catch (_) {
    sendError(ws, 'invalid_message', 'not JSON');
    return;
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
    sendError(ws, 'invalid_message', 'not a JSON object');
    return;
  }
  const ref = msg.ref;
  const classId = msg.class_id;
  switch (msg.type) {
    case 'join': {
      if (!Number.isSafeInteger(classId) || classId <= 0) {
        sendError(ws, 'invalid_message', 'class_id', ref);
        return;
      }
      let room = rooms.get(classId);
      if (!room) {
        room = new Set();
        rooms.set(classId, room);
      }
      room.add(ws);
      client.rooms.add(classId);
      ws.send(JSON.stringify({ type: 'joined', class_id: classId, count: room.size }));
      return;
    }
    case 'chat': {
      const room = rooms.get(classId);
      if (!room || !client.rooms.has(classId)) {
        sendError(ws, 'not_member', 'join the class first', ref);
        return;
      }
      const text = msg.text;
      if (typeof text !== 'string' || text.length < 1 || text.length > 2000) {
        sendError(ws, 'invalid_message', 'text', ref);
        return;
      }
      chatSeq += 1;
      const frame = Buffer.from(JSON.stringify({
        type: 'chat',
        class_id: classId,
        id: chatSeq,
        from: { id: client.user.id, display_name: client.user.display_name },
        text,
        sent_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      }));
      for (const member of room)
        member.send(frame, { binary: false });
      return;
    }
    case 'ping':
      ws.send('{"type":"pong"}');
      return;
    default:
      sendError(ws, 'unknown_type', 'not in the baseline', ref);
  }
}

server.listen(port, host, () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT'])
  process.on(signal, () => process.exit(0));
