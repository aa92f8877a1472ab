#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""systemd's side of a Type=notify unit with a fd store, for a test where
systemd is not pid 1: fake_systemd.py NOTIFY_SOCKET LOG -- COMMAND...

Starts COMMAND with $NOTIFY_SOCKET; keeps what it sends (READY=1, FDSTORE=1
with FDNAME=, FDSTOREREMOVE=1) as systemd 252 does; drops a stored fd once it
polls POLLHUP/POLLERR (systemd's FDPOLL). SIGUSR1 is `systemctl restart`
(RestartKillSignal=SIGUSR2 to the service, then COMMAND again with the store
in $LISTEN_FDS, $LISTEN_FDNAMES, $LISTEN_PID); SIGTERM is `systemctl stop`
(KillSignal=SIGTERM, the store flushed). LOG gets one line per event:
"start PID", "ready PID", "store NAME N", "remove NAME", "exit PID STATUS".
"""
import array
import os
import select
import signal
import socket
import sys

path, log_path = sys.argv[1], sys.argv[2]
cmd = sys.argv[sys.argv.index("--") + 1:]
log = open(log_path, "a", buffering=1)
store = []  # (name, fd)
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
wake_r, wake_w = os.pipe()
os.set_blocking(wake_w, False)
signal.set_wakeup_fd(wake_w)
pending = []
signal.signal(signal.SIGUSR1, lambda s, f: pending.append("restart"))
signal.signal(signal.SIGTERM, lambda s, f: pending.append("stop"))


def start():
    fds = [fd for _, fd in store]
    pid = os.fork()
    if pid == 0:
        # The stored fds at 3, 4, ... as sd_listen_fds(3) expects.
        high = [os.dup(fd) for fd in fds]
        for i, fd in enumerate(high):
            os.dup2(fd, 3 + i, inheritable=True)
        os.closerange(3 + len(fds), 65536)
        env = dict(os.environ, NOTIFY_SOCKET=path)
        if fds:
            env.update(LISTEN_FDS=str(len(fds)), LISTEN_PID=str(os.getpid()),
                       LISTEN_FDNAMES=":".join(n for n, _ in store))
        os.execvpe(cmd[0], cmd, env)
    log.write(f"start {pid}\n")
    return pid


def receive():
    fds = array.array("i")
    msg, anc, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(64 * fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
    fields = dict(l.split("=", 1) for l in msg.decode().splitlines() if "=" in l)
    name = fields.get("FDNAME", "stored")
    if fields.get("READY") == "1":
        log.write(f"ready {child}\n")
    if fields.get("FDSTORE") == "1":
        store.extend((name, fd) for fd in fds)
        log.write(f"store {name} {len(fds)}\n")
        return
    for fd in fds:
        os.close(fd)
    if fields.get("FDSTOREREMOVE") == "1":
        for n, fd in [e for e in store if e[0] == name]:
            os.close(fd)
            store.remove((n, fd))
        log.write(f"remove {name}\n")


def poll_store():
    p = select.poll()
    for _, fd in store:
        p.register(fd, 0)
    for fd, ev in p.poll(0):
        if ev & (select.POLLHUP | select.POLLERR):
            for e in [e for e in store if e[1] == fd]:
                store.remove(e)
                os.close(fd)


def pump(timeout):
    """Takes the messages and signals that come within timeout seconds."""
    r = select.select([sock, wake_r], [], [], timeout)[0]
    if sock in r:
        receive()
    if wake_r in r:
        os.read(wake_r, 64)


def wait_child(pid):
    while True:
        pump(0.2)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            # As systemd's notify socket outranks SIGCHLD: what it sent before it exited.
            while select.select([sock], [], [], 0)[0]:
                receive()
            log.write(f"exit {pid} {os.waitstatus_to_exitcode(status)}\n")
            return


child = start()
while True:
    pump(0.5)
    poll_store()
    while pending:
        what = pending.pop(0)
        if what == "restart":
            os.kill(child, signal.SIGUSR2)
            wait_child(child)
            child = start()
        else:
            os.kill(child, signal.SIGTERM)
            wait_child(child)
            for _, fd in store:
                os.close(fd)
            sys.exit(0)
    done, status = os.waitpid(child, os.WNOHANG)
    if done:
        log.write(f"exit {child} {os.waitstatus_to_exitcode(status)}\n")
        sys.exit(1)
