#!/usr/bin/env python3
"""A development stand-in for the chat server, for working on the web client page.

It serves, on 127.0.0.1 only:
  - HTTP:  GET /        the page, /client.css and /client.js its stylesheet and script,
                        read from Sources/ChatServer/WebClient/ on every request (so
                        edits show on reload), with the server's Content-Security-Policy;
           GET /stats   a Server-Sent Events stream, one `data: <json>` per second with
                        fake figures;
           GET /chat    a WebSocket (RFC 6455, done by hand: no dependencies), one v1
                        line per text message;
  - TCP:   protocol v1 lines (LF-terminated), sharing users and rooms with /chat.

It speaks just enough of protocol v1 (docs/protocol.md) to develop the page: register,
list, chat, join (joined + history), say, leave, rooms, who, nick, quit, ping, help and
their common errors. Not a reference: the real server is.

Development extra: `mock-bye,<name>,<reason>` from any registered client makes the mock
send `bye,<reason>` to <name> and close its connection (to try reconnecting).

Usage: python3 mock_server.py [--http-port 8080] [--tcp-port 7420]   (0 picks free ports)
It prints `mock listening http=http://127.0.0.1:P/ tcp=Q` once both are bound.
"""

import argparse
import asyncio
import base64
import hashlib
import json
import math
import os
import random
import re
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WEB_CLIENT = os.path.join(HERE, "..", "..", "Sources", "ChatServer", "WebClient")
# Path -> (file in WEB_CLIENT, Content-Type), as the server serves them (Connection+HTTP.swift).
WEB_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/client.css": ("client.css", "text/css; charset=utf-8"),
    "/client.js": ("client.js", "text/javascript; charset=utf-8"),
}
# The page's policy, as WebClientFiles.contentSecurityPolicy has it: nothing inline runs.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
       "connect-src 'self' ws: wss:; img-src 'self' data:")
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
HISTORY = 10


def web_file(name):
    """The bytes of one of the web client's files, as the server embeds them."""
    with open(os.path.join(WEB_CLIENT, name), "rb") as f:
        return f.read()


class Client:
    """One connection, TCP or WebSocket; subclasses supply send_line and close."""

    def __init__(self, chat):
        self.chat = chat
        self.name = None
        self.rooms = set()  # lower-case room keys

    async def send_line(self, line):
        raise NotImplementedError

    async def close(self):
        raise NotImplementedError


class Chat:
    def __init__(self):
        self.users = {}  # lower name -> Client
        self.rooms = {}  # lower room -> {"name", "members": set(Client), "history": [...]}
        self.delivered = 0
        self.commands = 0
        self.connections = set()

    async def deliver(self, client, line):
        self.delivered += 1
        try:
            await client.send_line(line)
        except Exception:
            pass

    def others(self, client):
        """Everyone who shares a room with client, once each."""
        seen = set()
        for key in client.rooms:
            for member in self.rooms[key]["members"]:
                if member is not client:
                    seen.add(member)
        return seen

    def leave_all(self, client):
        for key in list(client.rooms):
            room = self.rooms[key]
            room["members"].discard(client)
            if not room["members"]:
                del self.rooms[key]
        client.rooms.clear()
        if client.name and self.users.get(client.name.lower()) is client:
            del self.users[client.name.lower()]

    async def gone(self, client, text=""):
        """A connection closed, with or without quit."""
        self.connections.discard(client)
        if client.name is None:
            return
        for other in self.others(client):
            await self.deliver(other, f"quit,{client.name},{text}")
        self.leave_all(client)
        client.name = None

    async def handle(self, client, line):
        """Run one v1 line; returns False when the connection should close."""
        if not line.strip():
            return True
        self.commands += 1
        verb, _, rest = line.partition(",")
        verb = verb.strip().lower()
        has_rest = "," in line
        reply = client.send_line

        if verb == "ping":
            await reply("pong," + rest if has_rest else "pong")
            return True
        if verb == "help":
            await reply("help,register list chat join say leave rooms who nick quit ping help")
            return True
        if verb == "quit":
            await reply("bye,quit")
            await self.gone(client, rest if has_rest else "")
            return False
        known = {"register", "list", "chat", "join", "say", "leave", "rooms", "who", "nick", "mock-bye"}
        if verb not in known:
            await reply(f"error,unknown-command,{verb}")
            return True
        if verb != "register" and client.name is None:
            await reply("error,not-registered")
            return True

        if verb == "register":
            name = rest.strip()
            if not has_rest or not name or "," in rest:
                await reply("error,bad-args,register")
            elif client.name is not None:
                await reply(f"error,already-registered,{client.name}")
            elif not NAME_RE.match(name):
                await reply(f"error,bad-name,{name}")
            elif name.lower() in self.users:
                await reply(f"error,name-taken,{name}")
            else:
                client.name = name
                self.users[name.lower()] = client
                await reply(f"ack,{name}")
        elif verb == "list":
            await reply("list," + ",".join(c.name for c in self.users.values()))
        elif verb == "chat":
            to, comma, text = rest.partition(",")
            to = to.strip()
            if not has_rest or not to:
                await reply("error,bad-args,chat")
            elif not NAME_RE.match(to):
                await reply(f"error,bad-name,{to}")
            elif to.lower() not in self.users:
                await reply(f"error,no-such-user,{to}")
            else:
                await self.deliver(self.users[to.lower()], f"chat,{client.name},{text if comma else 'hi'}")
        elif verb == "join":
            name = rest.strip()
            if not has_rest or not name or "," in rest:
                await reply("error,bad-args,join")
            elif not NAME_RE.match(name):
                await reply(f"error,bad-name,{name}")
            elif name.lower() in client.rooms:
                await reply(f"error,already-in-room,{name}")
            else:
                room = self.rooms.setdefault(name.lower(), {"name": name, "members": set(), "history": []})
                for member in room["members"]:
                    await self.deliver(member, f"join,{room['name']},{client.name}")
                room["members"].add(client)
                client.rooms.add(name.lower())
                await reply(f"joined,{room['name']},{len(room['members'])}")
                for ms, sender, text in room["history"]:
                    await reply(f"history,{room['name']},{ms},{sender},{text}")
        elif verb == "say":
            name, comma, text = rest.partition(",")
            name = name.strip()
            if not has_rest or not name or not comma:
                await reply("error,bad-args,say")
            elif name.lower() not in client.rooms:
                await reply(f"error,not-in-room,{name}")
            else:
                room = self.rooms[name.lower()]
                room["history"] = (room["history"] + [(int(time.time() * 1000), client.name, text)])[-HISTORY:]
                for member in list(room["members"]):
                    if member is not client:
                        await self.deliver(member, f"say,{room['name']},{client.name},{text}")
        elif verb == "leave":
            name = rest.strip()
            if not has_rest or not name or "," in rest:
                await reply("error,bad-args,leave")
            elif name.lower() not in client.rooms:
                await reply(f"error,not-in-room,{name}")
            else:
                room = self.rooms[name.lower()]
                room["members"].discard(client)
                client.rooms.discard(name.lower())
                await reply(f"left,{room['name']}")
                for member in room["members"]:
                    await self.deliver(member, f"leave,{room['name']},{client.name}")
                if not room["members"]:
                    del self.rooms[name.lower()]
        elif verb == "rooms":
            if has_rest:
                await reply("error,bad-args,rooms")
            else:
                await reply(",".join(["rooms"] + [r["name"] for r in self.rooms.values()]))
        elif verb == "who":
            name = rest.strip()
            if not has_rest or not name or "," in rest:
                await reply("error,bad-args,who")
            elif name.lower() not in self.rooms:
                await reply(f"error,no-such-room,{name}")
            else:
                room = self.rooms[name.lower()]
                await reply(",".join(["who", room["name"]] + [m.name for m in room["members"]]))
        elif verb == "nick":
            new = rest.strip()
            if not has_rest or not new or "," in rest:
                await reply("error,bad-args,nick")
            elif not NAME_RE.match(new):
                await reply(f"error,bad-name,{new}")
            elif new.lower() in self.users and self.users[new.lower()] is not client:
                await reply(f"error,name-taken,{new}")
            elif new == client.name:
                await reply(f"ack,{new}")
            else:
                old = client.name
                del self.users[old.lower()]
                client.name = new
                self.users[new.lower()] = client
                await reply(f"ack,{new}")
                for other in self.others(client):
                    await self.deliver(other, f"nick,{old},{new}")
        elif verb == "mock-bye":
            who, _, reason = rest.partition(",")
            target = self.users.get(who.strip().lower())
            if target is None:
                await reply(f"error,no-such-user,{who}")
            else:
                await self.deliver(target, f"bye,{reason or 'shutdown'}")
                await self.gone(target)
                await target.close()
        return True


class TcpClient(Client):
    def __init__(self, chat, writer):
        super().__init__(chat)
        self.writer = writer

    async def send_line(self, line):
        self.writer.write(line.encode() + b"\n")
        await self.writer.drain()

    async def close(self):
        self.writer.close()


class WsClient(Client):
    def __init__(self, chat, writer):
        super().__init__(chat)
        self.writer = writer
        self.closed = False

    async def frame(self, opcode, payload):
        if self.closed:
            return
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        self.writer.write(head + payload)
        await self.writer.drain()

    async def send_line(self, line):
        await self.frame(0x1, line.encode())

    async def close(self):
        try:
            await self.frame(0x8, struct.pack("!H", 1000))
        except Exception:
            pass
        self.closed = True
        self.writer.close()


async def read_frame(reader):
    """One frame: (fin, opcode, payload), the client's mask removed."""
    b1, b2 = await reader.readexactly(2)
    n = b2 & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", await reader.readexactly(2))
    elif n == 127:
        (n,) = struct.unpack("!Q", await reader.readexactly(8))
    mask = await reader.readexactly(4) if b2 & 0x80 else b"\0\0\0\0"
    data = await reader.readexactly(n)
    return b1 & 0x80, b1 & 0x0F, bytes(c ^ mask[i % 4] for i, c in enumerate(data))


async def serve_ws(chat, reader, writer, headers):
    key = headers.get("sec-websocket-key", "")
    accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
    writer.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())
    await writer.drain()
    client = WsClient(chat, writer)
    chat.connections.add(client)
    message, keep = b"", True
    try:
        while keep and not client.closed:
            fin, opcode, payload = await read_frame(reader)
            if opcode == 0x8:
                break
            if opcode == 0x9:
                await client.frame(0xA, payload)
                continue
            if opcode in (0x1, 0x2, 0x0):
                message += payload
                if fin:
                    text, message = message.decode("utf-8", "replace"), b""
                    for line in text.split("\n"):
                        if not await chat.handle(client, line.rstrip("\r")):
                            keep = False
                            break
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        await chat.gone(client)
        if not client.closed:
            await client.close()


async def serve_stats(chat, writer):
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                 b"Connection: keep-alive\r\n\r\n")
    last_delivered, last_commands, start = chat.delivered, chat.commands, time.time()
    try:
        while True:
            t = time.time()
            figures = {
                "connections": len(chat.connections),
                "users": len(chat.users),
                "rooms": len(chat.rooms),
                # Real deliveries plus a wave, so that the chart has something to show.
                "delivered_per_s": chat.delivered - last_delivered + round(50 + 40 * math.sin((t - start) / 5)),
                "commands_per_s": chat.commands - last_commands,
                "loop_lag_ms": round(random.uniform(0.05, 0.8), 3),
            }
            last_delivered, last_commands = chat.delivered, chat.commands
            writer.write(f"data: {json.dumps(figures)}\n\n".encode())
            await writer.drain()
            await asyncio.sleep(1)
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def serve_http(chat, reader, writer):
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        writer.close()
        return
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    path = parts[1].split("?")[0] if len(parts) > 1 else "/"
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    if path == "/chat" and headers.get("upgrade", "").lower() == "websocket":
        await serve_ws(chat, reader, writer, headers)
    elif path == "/stats":
        await serve_stats(chat, writer)
    else:
        extra = ""
        if path in WEB_FILES:
            name, ctype = WEB_FILES[path]
            status, body = "200 OK", web_file(name)
            if name == "index.html":
                extra = f"Content-Security-Policy: {CSP}\r\n"
        else:
            status, ctype, body = "404 Not Found", "text/plain; charset=utf-8", b"not found\n"
        writer.write(f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                     f"Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n{extra}\r\n"
                     .encode() + body)
        await writer.drain()
        writer.close()


async def serve_tcp(chat, reader, writer):
    client = TcpClient(chat, writer)
    chat.connections.add(client)
    try:
        while True:
            raw = await reader.readline()
            if not raw:
                break
            if not await chat.handle(client, raw.decode("utf-8", "replace").rstrip("\n").rstrip("\r")):
                break
    except ConnectionError:
        pass
    finally:
        await chat.gone(client)
        writer.close()


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--http-port", type=int, default=8080)
    parser.add_argument("--tcp-port", type=int, default=7420)
    args = parser.parse_args()
    chat = Chat()
    http = await asyncio.start_server(lambda r, w: serve_http(chat, r, w), "127.0.0.1", args.http_port)
    tcp = await asyncio.start_server(lambda r, w: serve_tcp(chat, r, w), "127.0.0.1", args.tcp_port)
    http_port = http.sockets[0].getsockname()[1]
    tcp_port = tcp.sockets[0].getsockname()[1]
    print(f"mock listening http=http://127.0.0.1:{http_port}/ tcp={tcp_port}", flush=True)
    async with http, tcp:
        await asyncio.gather(http.serve_forever(), tcp.serve_forever())


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
