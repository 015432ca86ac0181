"""The job channel to a container's resident supervisor: the container's attach stream
(stdin for jobs, stdout for reports). No process inside the container can reach it, since
only the supervisor (root, with no capability to spare) holds those descriptors, so a report
read here is the supervisor's own. The host keeps at most ``max_bytes`` of a report in
memory, and a report that does not arrive in time is the host backstop's business."""

from __future__ import annotations

import json
import socket
import struct
from typing import Any

from galapagos.errors import SandboxError


class ChannelTimeout(SandboxError):
    pass


class Channel:
    def __init__(self, client: Any, container: Any):
        self.sock = client.api.attach_socket(
            container.id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
        self.raw: socket.socket = getattr(self.sock, "_sock", self.sock)
        self.out, self.err = bytearray(), bytearray()

    def call(self, job: dict[str, Any], timeout: float, max_bytes: int) -> dict[str, Any]:
        self.raw.settimeout(timeout)
        try:
            self.raw.sendall(json.dumps(job).encode() + b"\n")
            while b"\n" not in self.out:
                self._frame(max_bytes)
        except (TimeoutError, socket.timeout) as exc:
            raise ChannelTimeout("the sandbox supervisor did not report in time") from exc
        except OSError as exc:
            raise SandboxError(f"the sandbox channel broke: {exc}") from exc
        line, _, rest = bytes(self.out).partition(b"\n")
        self.out = bytearray(rest)
        return json.loads(line)

    def _frame(self, max_bytes: int) -> None:
        stream, size = struct.unpack(">BxxxL", self._exactly(8))
        data = self._exactly(size)
        if stream == 1:
            self.out += data
            if len(self.out) > max_bytes:
                raise SandboxError(f"the sandbox supervisor sent a report over {max_bytes} "
                                   "bytes; the container is discarded")
        else:  # the supervisor's own stderr (a crash): keep the tail for the error message
            self.err = (self.err + data)[-4000:]

    def _exactly(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = self.raw.recv(n - len(buf))
            if not chunk:
                tail = self.err.decode("utf-8", "replace")[-500:]
                raise SandboxError(f"the sandbox container ended (supervisor said: {tail!r})")
            buf += chunk
        return bytes(buf)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass
