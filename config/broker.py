"""The embedded default's broker: Kombu's filesystem transport, with each message written whole.

Kombu writes a message straight into the queue folder under an advisory lock that the reader
never takes, so a worker polling at that moment can move and read a file that is still empty
(JSONDecodeError in the consumer loop, which stops the worker consuming). Here each message is
written beside the queue under a name the reader skips, then renamed into place: a rename within
one folder is atomic, so the reader sees the whole message or nothing. The exchange's table of
queues has the same gap when it is first made (created empty, then written), so it is made whole
the same way before Kombu's own locked update adds to it.
"""

import contextlib
import os
import uuid
from time import monotonic

from kombu import transport
from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


def _write_whole(folder, final, data: bytes):
    """Write `data` to `final` so no reader ever sees part of it; False if `final` exists."""
    partial = os.path.join(folder, f".{uuid.uuid4()}.writing")
    try:
        with open(partial, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.link(partial, final)
        return True
    except FileExistsError:
        return False
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(partial)


class Channel(filesystem.Channel):
    def _queue_bind(self, exchange, routing_key, pattern, queue):
        self.control_folder.mkdir(exist_ok=True)
        # Whoever makes the table first makes it whole and empty; Kombu then adds the queue to
        # the existing file under its exclusive lock, which readers respect.
        table = self._exchange_file(exchange)
        with contextlib.suppress(OSError):
            _write_whole(self.control_folder, table, b"[]")
        super()._queue_bind(exchange, routing_key, pattern, queue)

    def _put(self, queue, payload, **kwargs):
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # The reader only takes names ending in ".<queue>.msg"; the partial one ends in ".writing".
        try:
            _write_whole(self.data_folder_out, final, str_to_bytes(dumps(payload)))
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


SCHEME = "filesystem-atomic"
transport.TRANSPORT_ALIASES[SCHEME] = "config.broker:Transport"
