"""A loopback HTTP server for tests that fetch calendars; replies are set per path."""

import contextlib
import http.server
import threading
from dataclasses import dataclass, field

import pytest

CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"


@dataclass
class Reply:
    """What the test server answers for one path."""

    status: int = 200
    body: bytes = CALENDAR
    headers: dict[str, str] = field(default_factory=dict)
    content_length: bool = True  # False: the body ends when the connection closes
    hang: bool = False  # answer nothing until the test ends
    raw: bytes = b""  # sent as is in place of status line, headers and body
    drip: float = 0  # seconds to wait before each byte of the body (or of raw)


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.seen.append(self.headers)
        reply = self.server.replies.get(self.path, Reply(status=404, body=b"Not here"))
        if reply.hang:
            self.server.stopping.wait()
            return
        if reply.raw:
            self._send(reply.raw, reply.drip)
            return
        etag = reply.headers.get("ETag")
        if etag and self.headers.get("If-None-Match") == etag:
            reply = Reply(status=304, body=b"", headers={"ETag": etag})
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.content_length:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self._send(reply.body, reply.drip)

    def _send(self, data: bytes, drip: float):
        # The client stops reading past its size limit or deadline, as it should.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            if not drip:
                self.wfile.write(data)
                return
            for byte in data:
                if self.server.stopping.wait(drip):
                    return
                self.wfile.write(bytes([byte]))

    def log_message(self, format, *args):
        pass


class FeedServer(http.server.ThreadingHTTPServer):
    """A loopback server whose replies tests set by path; it records request headers."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_port}"
        self.replies: dict[str, Reply] = {}
        self.seen = []
        self.stopping = threading.Event()


@pytest.fixture
def server():
    feed_server = FeedServer()
    thread = threading.Thread(target=feed_server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield feed_server
    feed_server.stopping.set()
    feed_server.shutdown()
    feed_server.server_close()
    thread.join()
