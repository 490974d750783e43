"""Mail servers on 127.0.0.1 for the tests, each on a free port and stopped afterwards.

`Sink` is a real SMTP server (aiosmtpd) that keeps every message it is sent and counts its
connections; it can refuse or hold a message, or call the test back as each one arrives.
`SilentRelay` accepts connections and never says a word, like a relay that has hung.
"""

from __future__ import annotations

import asyncio
import email
import logging
import socket
import threading
from collections.abc import Callable

from aiosmtpd.smtp import SMTP

# aiosmtpd logs every command it reads at INFO.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class _Counted(SMTP):
    def __init__(self, sink: Sink, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sink = sink

    def connection_made(self, transport):
        self._sink.connections += 1
        super().connection_made(transport)


class Sink:
    """Keeps what it is sent (refused messages left out). `on_message(n)` is called with the
    number of messages received so far, refused ones included, in a thread of its own (it may
    block, or use the database), before the server answers; a string it returns is the
    server's answer instead of "250 OK"."""

    def __init__(self, on_message: Callable[[int], str | None] | None = None):
        self.on_message = on_message
        self.messages: list[email.message.Message] = []
        self.received = 0
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server = None
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content)
        self.messages.append(message)
        self.received += 1
        if self.on_message is not None:
            answer = await self._loop.run_in_executor(None, self.on_message, self.received)
            if answer:
                self.messages.pop()
                return answer
        return "250 OK"

    @property
    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for message in self.messages]

    def __enter__(self) -> Sink:
        self._thread.start()

        async def start():
            return await self._loop.create_server(
                lambda: _Counted(self, self, hostname="sink.test"), "127.0.0.1", 0
            )

        self._server = asyncio.run_coroutine_threadsafe(start(), self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc):
        async def stop():
            self._server.close()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


class SilentRelay:
    """Accepts every connection and never answers, not even the greeting."""

    def __init__(self):
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections.append(conn)

    def __enter__(self) -> SilentRelay:
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)
        self._listener.close()
        for conn in self.connections:
            conn.close()
