"""A real OpenAI-shaped HTTP server on 127.0.0.1 (a thread of the test process) whose first requests fail
the way servers do under load: a connection reset, a 503, a stream broken mid-reply, or a context overflow.
Later requests get a streamed chat completion of one fixed reply."""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

Failure = Literal["reset", "503", "broken_stream", "overflow"]
SERVED = "flaky-model"
WINDOW = 4096


@dataclass
class Behaviour:
    """What the server does: `failure` for the first `failing` chat requests, then `reply`."""

    failure: Failure = "503"
    failing: int = 0
    reply: str = "```python\ndef add(a, b):\n    return a + b\n```"
    chat_requests: int = 0
    """Chat requests seen so far (what a test counts retries by)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_failure(self) -> Failure | None:
        with self.lock:
            self.chat_requests += 1
            return self.failure if self.chat_requests <= self.failing else None


def _chunk(delta: dict[str, object], finish: str | None = None, usage: bool = False) -> bytes:
    body: dict[str, object] = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": SERVED,
        "choices": [] if usage else [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    if usage:
        body["usage"] = {"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12}
    return f"data: {json.dumps(body)}\n\n".encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    behaviour: Behaviour

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return

    def do_GET(self) -> None:
        if self.path.rstrip("/") != "/v1/models":
            self._json(404, {"error": {"message": "not found"}})
            return
        model = {"id": SERVED, "object": "model", "owned_by": "test", "max_model_len": WINDOW}
        self._json(200, {"object": "list", "data": [model]})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._json(404, {"error": {"message": "not found"}})
            return
        failure = self.behaviour.next_failure()
        if failure == "reset":  # RST instead of an answer
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if failure == "503":
            self._json(503, {"error": {"message": "Service Unavailable: the engine is overloaded"}})
            return
        if failure == "overflow":
            message = f"This model's maximum context length is {WINDOW} tokens. However, your prompt contains 5000 input tokens"
            self._json(400, {"error": {"message": message, "type": "BadRequestError", "code": 400}})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        half = len(self.behaviour.reply) // 2
        self._send_chunk(_chunk({"role": "assistant", "content": self.behaviour.reply[:half]}))
        if failure == "broken_stream":  # half a chunk, then the connection drops
            self.wfile.write(b"400\r\ndata: {")
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        self._send_chunk(_chunk({"content": self.behaviour.reply[half:]}))
        self._send_chunk(_chunk({}, finish="stop"))
        self._send_chunk(_chunk({}, usage=True))
        self._send_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def finish(self) -> None:
        with contextlib.suppress(OSError):  # the socket was closed on purpose (a reset)
            super().finish()

    def _send_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _json(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def flaky_server(behaviour: Behaviour) -> Iterator[str]:
    """Serve on a free port of 127.0.0.1 while the block runs; yields the base URL (…/v1)."""
    handler = type("Handler", (_Handler,), {"behaviour": behaviour})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="flaky-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
