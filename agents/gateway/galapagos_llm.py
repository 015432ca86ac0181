"""Talk to the Galápagos LLM gateway from inside a sandbox (standard library only).

    import sys; sys.path.insert(0, "/gateway")
    import galapagos_llm
    text = galapagos_llm.chat([{"role": "user", "content": "Hi"}], max_tokens=50)

The gateway speaks OpenAI's chat-completions over the Unix socket next to this file, so
any OpenAI-compatible client that can use a Unix socket works too. Refusals (a cap reached,
a model not allowed, the budget spent) raise ``GatewayError`` with the gateway's reason.
"""

import http.client
import json
import os
import socket

HERE = os.path.dirname(os.path.abspath(__file__))


class GatewayError(Exception):
    def __init__(self, status, message):
        super().__init__(f"{status}: {message}")
        self.status, self.message = status, message


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("gateway", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def request(method, path, body=None, socket_path=None, timeout=600):
    conn = _UnixConnection(socket_path or os.path.join(HERE, "llm.sock"), timeout)
    try:
        data = json.dumps(body).encode() if body is not None else None
        try:
            conn.request(method, path, body=data,
                         headers={"Content-Type": "application/json"} if data else {})
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before it read the whole body (too large): its answer says why
        resp = conn.getresponse()
        payload = json.loads(resp.read() or b"{}")
    finally:
        conn.close()
    if resp.status != 200:
        raise GatewayError(resp.status, payload.get("error", {}).get("message", "no reason"))
    return payload


def models(socket_path=None):
    return [m["id"] for m in request("GET", "/v1/models", socket_path=socket_path)["data"]]


def complete(messages, model=None, socket_path=None, **params):
    """The whole OpenAI-format answer (``choices``, ``usage``)."""
    body = {"model": model or models(socket_path)[0], "messages": messages, **params}
    return request("POST", "/v1/chat/completions", body, socket_path=socket_path)


def chat(messages, model=None, socket_path=None, **params):
    """The answer's text."""
    if isinstance(messages, str):
        messages = [{"role": "user", "content": messages}]
    answer = complete(messages, model, socket_path, **params)
    return answer["choices"][0]["message"]["content"]
