# The chat-room client of "Building a Chat Room in Python" (shared seed 003), statement
# for statement as the article gives it; only the indentation, lost in the seed's
# text, is restored. It connects to port 5051 of this host's own address and answers
# the server's GET_NAME; run_seed.py points that address at the server under test.
# Do not edit it to suit the server: the tests run it as the article's readers did.
import socket
import threading
import structlog


class Client:
    def __init__(self, nickname):
        self.name = nickname
        self.host = socket.gethostbyname(socket.gethostname())
        self.port = 5051
        self.client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.client.connect((self.host, self.port))
        self.logger = structlog.get_logger()

    def receive(self):
        while True:
            try:
                message = self.client.recv(1024).decode('ascii')
                if message == 'GET_NAME':
                    self.client.send(self.name.encode('ascii'))
                else:
                    print(message)
            except:
                print("An error occurred!")
                self.client.close()
                break

    def write(self):
        while True:
            message = '{}: {}'.format(self.name, input(''))
            self.client.send(message.encode('ascii'))

    def connect_to_server(self):
        receive_thread = threading.Thread(target=self.receive)
        receive_thread.start()
        write_thread = threading.Thread(target=self.write)
        write_thread.start()


if __name__ == '__main__':
    name = input("Enter your name: ")
    client = Client(name)
    client.connect_to_server()
