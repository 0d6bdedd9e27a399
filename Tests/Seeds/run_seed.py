"""Runs one of the classic chats' own clients, unchanged, against the server under test.

    run_seed.py classic-threaded PORT NAME...   the lesson's threaded Users (seeds 000, 002)
    run_seed.py classic-async PORT NAME...      the lesson's asyncio Users (seed 001)
    run_seed.py chatroom PORT                   the chat-room Client (seed 003), on stdin/stdout

The clients' code is imported as transcribed; what this script changes is around it,
as a reader would set up their machine: where "this host" and its port 5051 lead (to
127.0.0.1:PORT), and, with SEED_TIME_SCALE (default 1), how long the lessons' fixed
sleeps last, so that a test need not wait the lessons' seconds. It runs until killed.
"""
import asyncio
import os
import runpy
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
SCALE = float(os.environ.get("SEED_TIME_SCALE", "1"))


def scale_sleeps():
    real_sleep, real_async_sleep = time.sleep, asyncio.sleep
    time.sleep = lambda seconds: real_sleep(seconds * SCALE)
    asyncio.sleep = lambda delay, *args, **kwargs: real_async_sleep(delay * SCALE, *args, **kwargs)


def run_threaded(port, names):
    from classic_threaded_user import User
    for name in names:
        threading.Thread(target=User(name, "127.0.0.1", port).run_cleint, daemon=True).start()
    while True:
        time.sleep(3600)


def run_async(port, names):
    from classic_async_user import User
    User.chat = User.receive_messages  # the lesson's own name for the coroutine it starts

    async def main():
        await asyncio.gather(*(User(name, "127.0.0.1", port).run_client() for name in names))

    asyncio.run(main())


def run_chatroom(port):
    # The article's client connects to (gethostbyname(gethostname()), 5051): here, the server under test.
    socket.gethostbyname = lambda host: "127.0.0.1"
    real_connect = socket.socket.connect

    def connect(self, address):
        host, seed_port = address
        return real_connect(self, ("127.0.0.1", port) if seed_port == 5051 else address)

    socket.socket.connect = connect
    runpy.run_path(os.path.join(HERE, "chatroom_client.py"), run_name="__main__")


if __name__ == "__main__":
    which, port = sys.argv[1], int(sys.argv[2])
    scale_sleeps()
    if which == "classic-threaded":
        run_threaded(port, sys.argv[3:])
    elif which == "classic-async":
        run_async(port, sys.argv[3:])
    elif which == "chatroom":
        run_chatroom(port)
    else:
        sys.exit("unknown client: " + which)
