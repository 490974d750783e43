"""The embedded default's broker hands a worker each message whole, however busy the queue."""

import threading
import time
import uuid

from kombu import Connection

from config.broker import SCHEME

MESSAGES = 400


def folders(tmp_path):
    for name in ("queue", "processed", "control"):
        (tmp_path / name).mkdir()
    return {
        "data_folder_in": str(tmp_path / "queue"),
        "data_folder_out": str(tmp_path / "queue"),
        "processed_folder": str(tmp_path / "processed"),
        "control_folder": str(tmp_path / "control"),
        "store_processed": False,
    }


def test_a_reader_polling_while_messages_are_written_never_gets_a_partial_one(tmp_path):
    # Kombu remembers declared queues for the process, so each test names its own.
    options, name = folders(tmp_path), f"outbox-{uuid.uuid4()}"
    body = {"task": "notifications.send_outbox", "padding": "x" * 20_000}
    received, errors = [], []

    def write(conn):
        queue = conn.SimpleQueue(name)
        for n in range(MESSAGES):
            queue.put({**body, "n": n})

    def read():
        with Connection(f"{SCHEME}://", transport_options=options) as conn:
            queue = conn.SimpleQueue(name)
            # Polling without pause, as a busy worker does, meets files the moment they appear.
            deadline = time.monotonic() + 30
            while len(received) < MESSAGES and time.monotonic() < deadline:
                try:
                    message = queue.get_nowait()
                except queue.Empty:
                    continue
                except Exception as error:  # noqa: BLE001 - a partial file fails here
                    errors.append(error)
                    return
                received.append(message.payload)
                message.ack()

    # The queue is declared before the reader starts: Kombu shares what is declared between the
    # connections of one process (a worker and the web are separate processes).
    with Connection(f"{SCHEME}://", transport_options=options) as conn:
        conn.SimpleQueue(name)
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        write(conn)
        reader.join(timeout=60)
    assert errors == []
    assert sorted(m["n"] for m in received) == list(range(MESSAGES))
    assert all(m["padding"] == body["padding"] for m in received)
    assert not any((tmp_path / "queue").iterdir())


def test_nothing_half_written_is_left_where_the_reader_looks(tmp_path):
    options, name = folders(tmp_path), f"outbox-{uuid.uuid4()}"
    with Connection(f"{SCHEME}://", transport_options=options) as conn:
        queue = conn.SimpleQueue(name)
        queue.put({"n": 1})
        names = [p.name for p in (tmp_path / "queue").iterdir()]
    assert len(names) == 1
    assert names[0].endswith(f".{name}.msg")
