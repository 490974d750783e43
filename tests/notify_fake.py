"""A fake GOV.UK Notify API on 127.0.0.1, for the tests: a real HTTP server on a free port, in a
thread, stopped afterwards. No network beyond this machine.

It does what the real API does with POST /v2/notifications/email: checks the JWT the client
signs (HS256 with the key's secret, `iss` = the service id, `iat` within 30 seconds), checks the
template exists and that the personalisation gives every placeholder a value, and answers 201
with Notify's response shape. `fail_next(status)` makes the next request(s) answer an error in
Notify's error shape (400, 403, 429, 500…); `hang_next()` makes the next one never answer.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from notifications_python_client.authentication import decode_jwt_token, get_token_issuer
from notifications_python_client.errors import TokenError

SERVICE_ID = "6ce466d0-fd6a-11e5-82f5-e0accb9d11a6"
SECRET = "3b0e7d3c-9a3f-4f7e-8a4b-2f1c6d5e4a3b"
API_KEY = f"test_key-{SERVICE_ID}-{SECRET}"

ERRORS = {
    400: "BadRequestError",
    403: "AuthError",
    429: "RateLimitError",
    500: "Exception",
}


def placeholders(text: str) -> set[str]:
    return {name.strip().lower() for name in re.findall(r"\(\(([^)]+)\)\)", text)}


class FakeNotify:
    def __init__(self, templates: dict[str, str] | None = None):
        # template id -> the template's body, with ((placeholders)).
        self.templates = dict(templates or {})
        self.requests: list[dict] = []  # every request that reached the API, answered or not
        self.accepted: list[dict] = []  # the notifications it accepted (201)
        self.connections = 0
        self._failures: list[tuple[int, str]] = []
        self._hangs = 0
        self._release = threading.Event()
        self._lock = threading.Lock()

    # Control -------------------------------------------------------------------------------

    def fail_next(self, status: int, message: str = "", times: int = 1) -> None:
        with self._lock:
            self._failures.extend([(status, message or f"Fake {status}")] * times)

    def hang_next(self) -> None:
        with self._lock:
            self._hangs += 1

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeNotify:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keeps the connection open, as the real API does

            def setup(self):
                super().setup()
                with fake._lock:
                    fake.connections += 1

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, answer = fake._answer(self.path, self.headers, body)
                if status is None:
                    fake._release.wait(30)
                    return
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    # The API -------------------------------------------------------------------------------

    def _error(self, status: int, message: str) -> tuple[int, dict]:
        error = ERRORS.get(status, "Exception")
        return status, {"status_code": status, "errors": [{"error": error, "message": message}]}

    def _answer(self, path: str, headers, body: bytes) -> tuple[int | None, dict]:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        with self._lock:
            self.requests.append({"path": path, "json": data})
            if self._hangs:
                self._hangs -= 1
                return None, {}
            failure = self._failures.pop(0) if self._failures else None
        if path != "/v2/notifications/email":
            return 404, {"result": "error", "message": "Not found"}
        token = (headers.get("Authorization") or "").removeprefix("Bearer ")
        try:
            if get_token_issuer(token) != SERVICE_ID:
                return self._error(403, "Invalid token: service not found")
            decode_jwt_token(token, SECRET)
        except TokenError as error:
            return self._error(403, error.message)
        if failure:
            return self._error(*failure)
        if not isinstance(data, dict) or not data.get("email_address"):
            return self._error(400, "email_address is a required property")
        template = self.templates.get(data.get("template_id", ""))
        if template is None:
            return self._error(400, "Template not found")
        given = {name.lower() for name in (data.get("personalisation") or {})}
        missing = sorted(placeholders(template) - given)
        if missing:
            return self._error(400, f"Missing personalisation: {', '.join(missing)}")
        notification_id = str(uuid.uuid4())
        text = template
        for name, value in (data.get("personalisation") or {}).items():
            text = re.sub(rf"\(\(\s*{re.escape(name)}\s*\)\)", str(value), text, flags=re.I)
        answer = {
            "id": notification_id,
            "reference": data.get("reference"),
            "content": {
                "subject": (data.get("personalisation") or {}).get("subject", ""),
                "body": text,
                "from_email": "children.services@notifications.example",
                "one_click_unsubscribe_url": None,
            },
            "uri": f"{self.base_url}/v2/notifications/{notification_id}",
            "template": {
                "id": data["template_id"],
                "version": 1,
                "uri": f"{self.base_url}/services/{SERVICE_ID}/templates/{data['template_id']}",
            },
            "scheduled_for": None,
        }
        with self._lock:
            self.accepted.append({**data, "id": notification_id})
        return 201, answer
