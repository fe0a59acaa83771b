"""Test helper run inside a network namespace (ip netns exec) by PortSwapperNetnsIT.

  server <port> <name>  serve on 127.0.0.1:<port>; every line received is answered with "<name>"
  client                read commands on stdin, one per line, and print one answer line each:
                          open <id> <port>  connect and keep the connection -> "opened <id>"
                          ask <id>          send a line on it, print the server's answer
                          once <port>       connect, ask once, close, print the answer
                          close <id>        close it -> "closed <id>"
                        errors are printed as "error <text>"
"""
import socket
import socketserver
import sys


def serve(port, name):
    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            for _ in self.rfile:
                self.wfile.write((name + "\n").encode())
                self.wfile.flush()

    class Server(socketserver.ThreadingTCPServer):
        allow_reuse_address = True
        daemon_threads = True

    with Server(("127.0.0.1", port), Handler) as s:
        print("listening", flush=True)
        s.serve_forever()


def ask(sock_file):
    sock, f = sock_file
    sock.sendall(b"who\n")
    line = f.readline()
    if not line:
        raise OSError("connection closed by peer")
    return line.decode().strip()


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s, s.makefile("rb")


def client():
    conns = {}
    for line in sys.stdin:
        parts = line.split()
        try:
            if parts[0] == "open":
                conns[parts[1]] = connect(int(parts[2]))
                print("opened " + parts[1], flush=True)
            elif parts[0] == "ask":
                print(ask(conns[parts[1]]), flush=True)
            elif parts[0] == "once":
                c = connect(int(parts[1]))
                try:
                    print(ask(c), flush=True)
                finally:
                    c[0].close()
            elif parts[0] == "close":
                conns.pop(parts[1])[0].close()
                print("closed " + parts[1], flush=True)
            else:
                print("error unknown command", flush=True)
        except Exception as e:  # report, keep serving the test
            print("error " + repr(e), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        serve(int(sys.argv[2]), sys.argv[3])
    else:
        client()
