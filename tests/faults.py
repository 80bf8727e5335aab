"""Helpers that inject faults: misbehaving HTTP mirrors, tmpfs mounts, processes."""

import contextlib
import http.server
import os
import subprocess
import threading
import time
from pathlib import Path


class FaultyMirror(http.server.BaseHTTPRequestHandler):
    """Answers every request with one kind of failure (the server's `behaviour`)."""

    def do_GET(self):
        self.server.requests.append(self.path)
        behaviour = self.server.behaviour
        if behaviour == "html":
            body = b"<html><body>503 Service Unavailable, try later</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        # "short" and "stall": promise 100,000 bytes, send 10.
        self.send_response(200)
        self.send_header("Content-Length", "50000")
        self.end_headers()
        self.wfile.write(b"\x1f\x8b" + b"\x00" * 8)
        self.wfile.flush()
        if behaviour == "stall":
            time.sleep(self.server.stall_seconds)

    def log_message(self, *arguments):
        pass


@contextlib.contextmanager
def faulty_mirror(behaviour: str, stall_seconds: float = 3.0):
    """A mirror on 127.0.0.1 that fails in the given way; yields (url, requests)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FaultyMirror)
    server.behaviour = behaviour
    server.stall_seconds = stall_seconds
    server.requests = []
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", server.requests
    finally:
        server.shutdown()
        server.server_close()


def can_mount() -> bool:
    return os.geteuid() == 0 and subprocess.run(["which", "mount"], capture_output=True).returncode == 0


@contextlib.contextmanager
def tmpfs(directory: Path, options: str):
    """Mount a tmpfs with `options` (for example 'size=64k' or 'ro') on `directory`."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(directory)], check=True)
    try:
        yield Path(directory)
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=False)


def wait_for(condition, timeout_seconds: float, interval: float = 0.05) -> bool:
    """Poll `condition()` until it is true or the time is up."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False
