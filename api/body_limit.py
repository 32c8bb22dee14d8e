"""A hard limit on request body size (413 as a problem), enforced before the body is parsed.

Pure ASGI rather than `BaseHTTPMiddleware`: it costs nothing on the hot GET path. A declared
Content-Length over the limit is refused at once; a chunked body is read (up to the limit) before the app
sees it.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    """A receive callable that first returns `messages`, then defers to `then` (e.g. for a disconnect)."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await self._refuse(scope, send)
                    return
        if not any(name == b"transfer-encoding" for name, _ in scope.get("headers", [])):
            await self.app(scope, receive, send)  # no body, or one whose declared length was checked above
            return
        # A chunked body: read it here (at most max_bytes are held), then hand it to the app in one piece.
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            chunks.append(message.get("body", b""))
            received += len(chunks[-1])
            if received > self.max_bytes:
                await self._refuse(scope, send)
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay([{"type": "http.request", "body": b"".join(chunks), "more_body": False}],
                                      receive), send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        body = json.dumps({
            "type": PROBLEM_TYPE_BASE + "body-too-large", "title": "Content Too Large", "status": 413,
            "detail": f"request bodies are limited to {self.max_bytes} bytes", "instance": scope.get("path", ""),
        }).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                                (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
