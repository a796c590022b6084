"""Length-prefixed JSON frames to and from a container's executor over the Docker attach stream.

Without a TTY, Docker multiplexes the container's stdout and stderr into one stream of 8-byte-headed
chunks; this undoes that and reassembles the executor's own frames from the stdout chunks.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import time
from typing import Any

from sandbox.errors import ContainerLost
from sandbox.image.executor_protocol import Answer

STDOUT, STDERR = 1, 2
LOG_TAIL_BYTES = 8192


class Channel:
    def __init__(self, attached: Any) -> None:
        self._sock: socket.socket = getattr(attached, "_sock", attached)
        self._attached = attached
        self._raw = bytearray()
        self._stdout = bytearray()
        self.log = bytearray()
        """Tail of what the executor wrote to its stderr (for diagnosing a lost container)."""

    def send(self, payload: bytes) -> None:
        """Send one frame: `payload` is the job's JSON, encoded once by the caller."""
        try:
            self._sock.sendall(struct.pack(">I", len(payload)) + payload)
        except OSError as error:
            raise ContainerLost(f"could not send a job to the container: {error}") from error

    def receive(self, timeout_s: float) -> Answer:
        deadline = time.monotonic() + timeout_s
        while True:
            frame = self._take_frame()
            if frame is not None:
                answer: Answer = json.loads(frame)
                return answer
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ContainerLost(f"the container gave no answer within {timeout_s:.0f} s")
            self._sock.settimeout(remaining)
            try:
                chunk = self._sock.recv(1 << 20)
            except TimeoutError:
                continue
            except OSError as error:
                raise ContainerLost(f"the connection to the container broke: {error}") from error
            if not chunk:
                raise ContainerLost("the container's executor exited")
            self._raw += chunk
            self._demultiplex()

    def _demultiplex(self) -> None:
        while len(self._raw) >= 8:
            stream, size = self._raw[0], struct.unpack(">I", self._raw[4:8])[0]
            if len(self._raw) < 8 + size:
                return
            data = self._raw[8 : 8 + size]
            del self._raw[: 8 + size]
            if stream == STDOUT:
                self._stdout += data
            else:
                self.log = (self.log + data)[-LOG_TAIL_BYTES:]

    def _take_frame(self) -> bytes | None:
        if len(self._stdout) < 4:
            return None
        (size,) = struct.unpack(">I", self._stdout[:4])
        if len(self._stdout) < 4 + size:
            return None
        frame = bytes(self._stdout[4 : 4 + size])
        del self._stdout[: 4 + size]
        return frame

    def close(self) -> None:
        # shutdown() first: close() alone does not wake a thread blocked in recv() on this socket
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        for closable in (self._sock, self._attached):
            with contextlib.suppress(OSError):
                closable.close()
