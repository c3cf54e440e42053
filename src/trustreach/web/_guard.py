"""The dashboard's defences: security headers, CSRF tokens and the failed-login throttle."""

from __future__ import annotations

import hmac
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "trustreach_session"
LOGIN_CSRF_COOKIE = "trustreach_login_csrf"
CSRF_FIELD = "csrf_token"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeaders:
    """ASGI middleware: every response carries :data:`SECURITY_HEADERS`; pages are not cached.

    The policy allows scripts and styles from the dashboard's own origin only, so
    an inline ``<script>`` or ``style=`` attribute never runs, and no other site
    may frame a page (clickjacking).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k not in _OWN_HEADER_NAMES
                ]
                headers.extend(SECURITY_HEADERS)
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


_OWN_HEADER_NAMES = frozenset(name for name, _ in SECURITY_HEADERS)


def new_token() -> str:
    """A random URL-safe token (256 bits)."""
    return secrets.token_urlsafe(32)


def same_token(given: str | None, expected: str | None) -> bool:
    """Whether a submitted token matches the expected one (constant time; empty never does)."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


class LoginThrottle:
    """Failed logins counted per (e-mail, client address) in memory, in a sliding window.

    After ``limit`` failures within ``window`` seconds, :meth:`retry_after` answers
    how many seconds to wait before the next try; a success clears the count.
    Counts live in this process only (several processes each keep their own).

    >>> now = [0.0]
    >>> throttle = LoginThrottle(limit=2, window=60, clock=lambda: now[0])
    >>> throttle.fail(("a@x.test", "1.2.3.4")); throttle.fail(("a@x.test", "1.2.3.4"))
    >>> throttle.retry_after(("a@x.test", "1.2.3.4"))
    60
    >>> now[0] = 61.0
    >>> throttle.retry_after(("a@x.test", "1.2.3.4"))
    0
    """

    def __init__(
        self,
        *,
        limit: int = 5,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_keys = max_keys
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times

    def retry_after(self, key: tuple[str, str]) -> int:
        """Seconds until ``key`` may try again (0: it may try now)."""
        with self._lock:
            now = self.clock()
            times = self._recent(key, now)
            if len(times) < self.limit:
                return 0
            return max(1, math.ceil(times[-self.limit] + self.window - now))

    def fail(self, key: tuple[str, str]) -> None:
        """Count one failed login for ``key``."""
        with self._lock:
            now = self.clock()
            if len(self._failures) >= self.max_keys:  # forget the stale ones first
                for stale in list(self._failures):
                    self._recent(stale, now)
            times = self._recent(key, now)
            times.append(now)
            self._failures[key] = times

    def clear(self, key: tuple[str, str]) -> None:
        """Forget ``key``'s failures (after a successful login)."""
        with self._lock:
            self._failures.pop(key, None)
