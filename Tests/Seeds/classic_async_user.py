# The asyncio User client of the classic chat-server lesson (shared seed 001): the
# coroutines run_client and receive_messages as the lesson gives them. The lesson
# shows no __init__ for this version; it is the threaded one's. The lesson's
# run_client starts `self.chat(reader)` but names the coroutine receive_messages;
# run_seed.py supplies that alias rather than editing the lesson's code.
# Do not edit it to suit the server: the tests run it as the lesson's readers did.
import asyncio
import random
from threading import current_thread


class User:
    def __init__(self, name, server_host, server_port):
        self.name = name
        self.server_port = server_port
        self.server_host = server_host

    async def run_client(self):
        reader, writer = await asyncio.open_connection(self.server_host, self.server_port)

        # register
        writer.write("register,{0}".format(self.name).encode())
        await writer.drain()
        await reader.read(4096)

        # get list of friends
        writer.write("list,friends".encode())
        await writer.drain()
        friends = (await reader.read(4096)).decode()
        print("Received {0}".format(friends))

        # launch coroutine to receive messages
        asyncio.create_task(self.chat(reader))

        friends = friends.split(",")
        num_friends = len(friends)

        while 1:
            friend = friends[random.randint(0, num_friends - 1)]

            print("{0} is sending msg to {1} -- {2}".format(self.name, friend, current_thread().getName()))
            writer.write("chat,{0}".format(friend).encode())
            await writer.drain()
            await asyncio.sleep(3)

    async def receive_messages(self, reader):

        while 1:
            message = (await reader.read(4096)).decode()
            print("\n{0} received: {1} -- {2}\n".format(self.name,
                message, current_thread().getName()))
