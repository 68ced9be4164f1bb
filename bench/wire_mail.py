"""A mail backend for benchmarks: what Django's SMTP backend does to each message, minus the socket.

It sanitizes the addresses, builds the MIME message and serializes it with CRLF
line ends (``smtp.EmailBackend._send``), and keeps the recipient and the size.
Django's in-memory backend would instead deep-copy every message into
``mail.outbox``, a cost no production sender pays.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import sanitize_address

# (recipient, bytes on the wire) of every message "sent".
sent: list[tuple[str, int]] = []


def wire_bytes(message) -> bytes:
    encoding = message.encoding or settings.DEFAULT_CHARSET
    sanitize_address(message.from_email, encoding)
    for address in message.recipients():
        sanitize_address(address, encoding)
    return message.message().as_bytes(linesep="\r\n")


class WireBackend(BaseEmailBackend):
    def send_messages(self, messages) -> int:
        for message in messages:
            sent.append((message.to[0], len(wire_bytes(message))))
        return len(messages)
