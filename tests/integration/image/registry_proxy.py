#!/usr/bin/env python3
"""A front for a test registry (Debian's docker-registry) on loopback: it asks
for an anonymous bearer token as Docker Hub does (401 + WWW-Authenticate,
a token endpoint), logs every blob GET (to count fetches), and for some
repositories answers wrong on purpose:
  garbage/*  manifests are not JSON
  tamper/*   blobs come back with a byte changed (digest mismatch)
  slow/*     blobs come back after a second each (to act while a pull runs)

  registry_proxy.py LISTEN_PORT REGISTRY_PORT LOGFILE
"""
import http.client
import http.server
import sys
import threading
import time

listen, upstream, logfile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
TOKEN = "hutch-test-token"
lock = threading.Lock()


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/token"):
            return self.reply(200, b'{"token": "%s"}' % TOKEN.encode(), [("Content-Type", "application/json")])
        if self.path != "/v2/" and self.headers.get("Authorization") != "Bearer " + TOKEN:
            realm = "http://127.0.0.1:%d/token" % listen
            return self.reply(401, b'{"errors":[]}', [
                ("WWW-Authenticate", 'Bearer realm="%s",service="hutch-test",scope="repository:x:pull"' % realm)])
        if "/blobs/" in self.path:
            with lock, open(logfile, "a") as f:
                f.write(self.path + "\n")
            if self.path.startswith("/v2/slow/"):
                time.sleep(1)
        if self.path.startswith("/v2/garbage/") and "/manifests/" in self.path:
            return self.reply(200, b"\x00 this is not a manifest", [("Content-Type", "application/json")])
        c = http.client.HTTPConnection("127.0.0.1", upstream)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() in ("accept",)}
        path = self.path
        for front in ("garbage", "tamper", "slow"):
            path = path.replace("/v2/%s/" % front, "/v2/")
        c.request("GET", path, headers=hdrs)
        r = c.getresponse()
        body = r.read()
        if r.status in (301, 302, 307):  # the registry may redirect blobs: follow it here
            loc = r.getheader("Location")
            c.request("GET", loc[loc.index("/", 8):] if loc.startswith("http") else loc)
            r = c.getresponse()
            body = r.read()
        if self.path.startswith("/v2/tamper/") and "/blobs/" in self.path and body:
            i = len(body) // 2
            body = body[:i] + bytes([body[i] ^ 1]) + body[i + 1:]
        keep = [(k, v) for k, v in r.getheaders() if k.lower() in ("content-type", "docker-content-digest")]
        self.reply(r.status, body, keep)


http.server.ThreadingHTTPServer(("127.0.0.1", listen), Proxy).serve_forever()
