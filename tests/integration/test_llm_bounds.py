"""LLM servers on loopback that never finish: one that drips a byte every half second, one
that streams an endless body, one that answers 10 MB. ``timeout_s`` bounds the whole call
(an HTTP read timeout alone bounds only the gap between two bytes), and what is read of an
answer has a size limit, so memory stays bounded too."""

import resource
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from galapagos.agents.llm import LLMClient
from galapagos.agents.llm.bounded import MAX_ANSWER_BYTES
from galapagos.errors import LLMError

BODY = (b'{"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": '
        b'[{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", '
        b'"content": "')


def serve(kind):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers.get("content-length", 0)))
            self.send_response(200)
            self.send_header("content-type", "application/json")
            if kind == "big":
                body = BODY + b"x" * (10 << 20) + b'"}}]}'
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.end_headers()  # no length: the body runs until the connection closes
            self.wfile.write(BODY)
            end = time.monotonic() + 60
            try:
                while time.monotonic() < end:
                    self.wfile.write(b"x" if kind == "drip" else b"x" * 65536)
                    self.wfile.flush()
                    if kind == "drip":
                        time.sleep(0.5)
            except OSError:
                pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.mark.parametrize("kind", ["drip", "endless", "big"])
def test_a_server_that_never_finishes_is_bounded(kind):
    httpd = serve(kind)
    client = LLMClient("openai/m", api_base=f"http://127.0.0.1:{httpd.server_address[1]}/v1",
                       api_key="k", timeout_s=3, max_retries=0)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    with pytest.raises(LLMError) as err:
        client.complete("hi", purpose="test")
    took = time.monotonic() - start
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    httpd.shutdown()
    assert took < 10, (kind, took, str(err.value))
    assert grown_mb < 4 * MAX_ANSWER_BYTES / 2**20 + 50, (kind, grown_mb)
    if kind == "big":
        assert "bytes" in str(err.value), str(err.value)
