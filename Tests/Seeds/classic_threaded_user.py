# The threaded User client of the classic chat-server lesson (shared seeds 000 and
# 002), statement for statement as the lesson gives it, method name misspelling
# (run_cleint) included. Only the indentation, lost in the seed's text, is restored.
# Do not edit it to suit the server: the tests run it as the lesson's readers did.
from threading import Thread
from threading import Lock
import socket, time, random


class User:
    def __init__(self, name, server_host, server_port):
        self.name = name
        self.server_port = server_port
        self.server_host = server_host

    def receive_messages(self, server_socket):
        while True:
            print("\n{0} received: {1}\n".format(self.name, server_socket.recv(4096).decode()))

    def run_cleint(self):
        server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server_socket.connect((self.server_host, self.server_port))
        # register and receive ack
        server_socket.send("register,{0}".format(self.name).encode())
        server_socket.recv(4096).decode()
        # wait for friends to join
        time.sleep(3)
        # get list of friends
        server_socket.send("list,friends".encode())
        list_of_friends = server_socket.recv(4096).decode().split(",")
        num_friends = len(list_of_friends)
        # start listening for incoming messages
        Thread(target=self.receive_messages, args=(server_socket,), daemon=True).start()
        while True:
            # randomly select a friend and send a message
            friend = list_of_friends[random.randint(0, num_friends - 1)]
            server_socket.send("chat,{0}".format(friend).encode())
            time.sleep(random.randint(2, 6))
