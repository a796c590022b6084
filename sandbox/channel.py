"""Length-prefixed JSON frames to and from a container's executor: on a Unix socket the executor connected to
(a local engine), else over the Docker attach stream.

Without a TTY, Docker multiplexes the container's stdout and stderr into one stream of 8-byte-headed
chunks; this undoes that and reassembles the executor's own frames from the stdout chunks. With a socket,
frames skip the engine (it copies every attach chunk through itself: ~2.5 ms of CPU per job here), and the
attach stream is still watched: it ends when the container or the engine does.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import struct
import time
from typing import Any

from sandbox.errors import ContainerLost
from sandbox.image.executor_protocol import Answer

STDOUT, STDERR = 1, 2
LOG_TAIL_BYTES = 8192


def wait_readable(sockets: list[socket.socket], timeout_s: float) -> list[socket.socket]:
    """The sockets with something to read (or closed) within `timeout_s`; poll, not select: a big pool's
    host process may hold descriptors past select's 1024."""
    poller = select.poll()
    try:
        by_fd = {sock.fileno(): sock for sock in sockets}
        for fd in by_fd:
            poller.register(fd, select.POLLIN)
        events = poller.poll(max(0.0, timeout_s) * 1000)
    except (OSError, ValueError) as error:  # a socket closed by close() in another thread
        raise ContainerLost(f"the connection to the container broke: {error}") from error
    return [by_fd[fd] for fd, _ in events if fd in by_fd]


class Channel:
    def __init__(self, attached: Any, direct: socket.socket | None = None) -> None:
        self._sock: socket.socket = getattr(attached, "_sock", attached)
        self._attached = attached
        self._direct = direct
        """The executor's own connection, when it made one: frames go there, not through the stream."""
        self._raw = bytearray()
        self._stdout = bytearray()
        self.log = bytearray()
        """Tail of what the executor wrote to its stderr (for diagnosing a lost container)."""

    @property
    def transport(self) -> str:
        return "stream" if self._direct is None else "socket"

    def send(self, payload: bytes) -> None:
        """Send one frame: `payload` is the job's JSON, encoded once by the caller."""
        try:
            (self._direct or self._sock).sendall(struct.pack(">I", len(payload)) + payload)
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
            ready = [self._sock] if self._direct is None else self._ready(remaining)
            for source in ready:
                chunk = self._recv(source, remaining)
                if chunk is None:
                    continue
                if not chunk:
                    raise ContainerLost("the container's executor exited")
                if source is self._direct:
                    self._stdout += chunk  # the socket carries frames only
                else:
                    self._raw += chunk
                    self._demultiplex()

    def _ready(self, timeout_s: float) -> list[socket.socket]:
        assert self._direct is not None
        return wait_readable([self._direct, self._sock], timeout_s)

    @staticmethod
    def _recv(source: socket.socket, timeout_s: float) -> bytes | None:
        """A chunk; b"" when the other end closed; None when nothing came in time."""
        try:
            source.settimeout(timeout_s)  # inside: close() in another thread may have closed it already
            return source.recv(1 << 20)
        except TimeoutError:
            return None
        except OSError as error:
            raise ContainerLost(f"the connection to the container broke: {error}") from error

    def _demultiplex(self) -> None:
        while len(self._raw) >= 8:
            stream, size = self._raw[0], struct.unpack(">I", self._raw[4:8])[0]
            if len(self._raw) < 8 + size:
                return
            data = self._raw[8 : 8 + size]
            del self._raw[: 8 + size]
            if stream == STDOUT and self._direct is None:
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
        if self._direct is not None:
            with contextlib.suppress(OSError):
                self._direct.shutdown(socket.SHUT_RDWR)
        for closable in (self._direct, self._sock, self._attached):
            with contextlib.suppress(OSError):
                if closable is not None:
                    closable.close()
