#!/usr/bin/env python3
"""Drives an interactive `hutch run -it` / `hutch exec -it` through a real pty,
as a user at a terminal would: sets the window size, types lines, waits for
answers. Usage: pty_drive.py ROWS COLS -- CMD... ; the script of what to type
comes on stdin as lines "send TEXT" / "expect TEXT" / "pause SECONDS" / "ctrl-c"; the exit status
is the command's, or 99 when an expected text did not come."""
import fcntl, os, pty, select, struct, sys, termios, time

rows, cols = int(sys.argv[1]), int(sys.argv[2])
cmd = sys.argv[sys.argv.index("--") + 1:]
steps = [l.rstrip("\n") for l in sys.stdin]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
buf = b""

def read_some(timeout):
    global buf
    r, _, _ = select.select([fd], [], [], timeout)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            return False
        if not data:
            return False
        buf += data
        sys.stdout.write(data.decode(errors="replace"))
        sys.stdout.flush()
    return True

for step in steps:
    kind, _, text = step.partition(" ")
    if kind == "send":
        os.write(fd, text.encode() + b"\r")
    elif kind == "pause":
        end = time.time() + float(text)
        while time.time() < end:
            read_some(0.05)
    elif kind == "ctrl-c":
        os.write(fd, b"\x03")
    elif kind == "expect":
        deadline = time.time() + 15
        while text.encode() not in buf:
            if time.time() > deadline or not read_some(0.2):
                if text.encode() in buf:
                    break
                sys.stderr.write("\npty_drive: did not see %r\n" % text)
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                sys.exit(99)
        buf = buf[buf.index(text.encode()) + len(text):]
deadline = time.time() + 15
while time.time() < deadline and read_some(0.2):
    pass
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8)
