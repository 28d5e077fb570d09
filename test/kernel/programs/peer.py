#!/usr/bin/env python3
"""The real side of a kernel differential case: one client or server app.

Run inside a network namespace by the script test/kernel/harness/netns.ts
writes, with one JSON argument. It plays lblab's apps with the same bytes:

  server   {"role":"server","port":80,"reply":"<hex>","ready":"<file>","linger":s}
           listens on 0.0.0.0:port; each connection: read until the end of
           the request head (CRLF CRLF), send `reply`, close (as lblab's
           http-server answers a `Connection: close` request). Runs until killed.
  client   {"role":"client","dst":"a.b.c.d","dport":80,"src":"a.b.c.d",
            "sports":[p1,...],"send":"<hex>","connect_only":false,
            "timeout":s,"gap":s}
           one connection per source port (the ports lblab's client used,
           so the 4-tuples match): connect, send `send`, read to EOF, close;
           with connect_only, close as soon as connect() returns (nc -z).

Only the standard library; every socket call is bounded by `timeout`.
"""
import json
import socket
import sys
import threading
import time


def serve(cfg):
    reply = bytes.fromhex(cfg["reply"])
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", cfg["port"]))
    ls.listen(128)
    with open(cfg["ready"], "w") as f:
        f.write("ready\n")

    def one(c):
        try:
            c.settimeout(10)
            buf = b""
            while b"\r\n\r\n" not in buf:
                d = c.recv(65536)
                if not d:
                    break
                buf += d
            if b"\r\n\r\n" in buf:
                c.sendall(reply)
        except OSError:
            pass
        finally:
            c.close()

    while True:
        c, _ = ls.accept()
        threading.Thread(target=one, args=(c,), daemon=True).start()


def client(cfg):
    send = bytes.fromhex(cfg["send"])
    for i, sport in enumerate(cfg["sports"]):
        if i > 0:
            time.sleep(cfg.get("gap", 0))
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.settimeout(cfg["timeout"])
        try:
            s.bind((cfg["src"], sport))
            s.connect((cfg["dst"], cfg["dport"]))
            if not cfg.get("connect_only"):
                s.sendall(send)
                while s.recv(65536):
                    pass
            print(f"conn {sport}: completed", flush=True)
        except OSError as e:
            print(f"conn {sport}: {e}", flush=True)
        finally:
            s.close()


if __name__ == "__main__":
    cfg = json.loads(sys.argv[1])
    (serve if cfg["role"] == "server" else client)(cfg)
