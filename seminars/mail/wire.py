"""Many messages over one SMTP connection, quickly: how a run sends its digests.

Serialising a message costs more than building it, most of it in the email package's
generic header folding. `sender()` gives, for Django's SMTP backend, a `Direct` sender that
serialises with the package's own generator but writes a short ASCII header as it is (what
the folding would write), and sends over the backend's open connection; a `Template` makes
the bytes of a message sent alike to many (a digest) once. Any other backend
(the console in development) gets `Sequential`, which sends each message through the
backend. (A sending thread beside the building one was slower: each SMTP reply waited for
the interpreter lock.)
"""

import contextlib
import logging
import smtplib
from email.generator import BytesGenerator
from email.policy import Compat32
from io import BytesIO

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend
from django.core.mail.message import sanitize_address

logger = logging.getLogger(__name__)

# How sending a message went.
SENT, TRANSIENT, PERMANENT, UNREACHABLE = "sent", "transient", "permanent", "unreachable"


def outcome_of(error: Exception, recipient: str) -> str:
    """How a failed sending went: PERMANENT for a 5xx, TRANSIENT for another refusal,
    UNREACHABLE when the server could not be reached or went away. Logs it."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        code = codes[0] if codes else None
    elif isinstance(error, smtplib.SMTPResponseException):
        code = error.smtp_code
    else:  # unreachable, disconnected, timed out: the SMTP server's fault
        logger.warning("Could not reach the SMTP server: %s", error)
        return UNREACHABLE
    logger.warning("SMTP refused a message to %s (%s): %s", recipient, code, error)
    return PERMANENT if code is not None and 500 <= code < 600 else TRANSIENT


class _Policy(Compat32):
    def fold_binary(self, name, value):
        # What Compat32 writes for such a header, without building a Header to fold it.
        short = isinstance(value, str) and len(name) + len(value) < 76 and value.isascii()
        if short and "\n" not in value and "\r" not in value:
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


class _Generator(BytesGenerator):
    @classmethod
    def _make_boundary(cls, text=None):
        # A substring test where the email package compiles a regular expression for each
        # new (random) boundary.
        boundary = super()._make_boundary()
        while text is not None and f"--{boundary}".encode() in text:
            boundary = super()._make_boundary()
        return boundary


_POLICY = _Policy(linesep="\r\n")


def wire_bytes(message) -> bytes:
    """An EmailMessage as the SMTP backend would send it."""
    out = BytesIO()
    _Generator(out, mangle_from_=False, policy=_POLICY).flatten(message.message(), linesep="\r\n")
    return out.getvalue()


class Template:
    """One message's bytes for many recipients: serialised once with placeholder strings
    (the recipient's address, its links, its Message-ID), each replaced by the recipient's
    own, as a mail merge does. `usable` is False when the bytes do not carry every
    placeholder as it is: a body the email package had to encode (quoted-printable for
    very long lines) or a header it folded through one; such a message is built for each
    recipient instead."""

    def __init__(self, message, placeholders: list[str]):
        self.data = wire_bytes(message)
        encoding = message.encoding or settings.DEFAULT_CHARSET
        self.sender = sanitize_address(message.from_email, encoding)
        self.placeholders = [p.encode("ascii") for p in placeholders]
        self.usable = all(self.data.count(p) >= 1 for p in self.placeholders) and not any(
            f"Content-Transfer-Encoding: {e}".encode() in self.data
            for e in ("quoted-printable", "base64")
        )

    def fill(self, values: list[str]) -> bytes:
        """The bytes with each placeholder replaced by its value (ASCII, one line)."""
        data = self.data
        for placeholder, value in zip(self.placeholders, values, strict=True):
            data = data.replace(placeholder, value.encode("ascii"))
        return data


def fillable(value: str) -> bool:
    """Whether `value` may replace a placeholder as it is: ASCII on one line."""
    return value.isascii() and "\n" not in value and "\r" not in value


class Sequential:
    """Sends each message as it is given, with `send(message) -> outcome`."""

    def __init__(self, send):
        self._send = send
        self._done = []
        self.unreachable = False

    def put(self, row, message):
        outcome = self._send(message)
        self.unreachable = self.unreachable or outcome == UNREACHABLE
        self._done.append((row, outcome))

    def finished(self) -> list:
        """(row, outcome) of the messages sent since the last call."""
        done, self._done = self._done, []
        return done


class Direct(Sequential):
    """Sends over an open connection of Django's SMTP backend, serialised by wire_bytes()."""

    def __init__(self, connection: EmailBackend):
        super().__init__(send=self._deliver)
        self._connection = connection

    def put_bytes(self, row, sender: str, recipient: str, data: bytes):
        """Send `data` (a Template's filled bytes) to `recipient` now."""
        outcome = self._sendmail(sender, [recipient], data)
        self.unreachable = self.unreachable or outcome == UNREACHABLE
        self._done.append((row, outcome))

    def _deliver(self, message) -> str:
        encoding = message.encoding or settings.DEFAULT_CHARSET
        sender = sanitize_address(message.from_email, encoding)
        recipients = [sanitize_address(a, encoding) for a in message.recipients()]
        return self._sendmail(sender, recipients, wire_bytes(message))

    def _sendmail(self, sender: str, recipients: list[str], data: bytes) -> str:
        try:
            self._connection.connection.sendmail(sender, recipients, data)
        except OSError as error:  # smtplib's errors are OSErrors too
            outcome = outcome_of(error, recipients[0])
            if outcome == UNREACHABLE:
                with contextlib.suppress(OSError):  # gone already
                    self._connection.close()
            return outcome
        return SENT


def sender(connection, send) -> Sequential:
    """A Direct over `connection` when it is Django's SMTP backend and opens, else a
    Sequential that sends with `send`."""
    if type(connection) is EmailBackend:
        try:
            connection.open()
        except OSError as error:
            logger.warning("Could not reach the SMTP server: %s", error)
            return Sequential(send)  # each message says so in its turn
        return Direct(connection)
    return Sequential(send)
