"""Put a running fleet under read and edit load, then verify its history.

Starts nothing: point it at a server already running on this machine, e.g.
``./scripts/serve`` (gunicorn on PostgreSQL), with a user allowed to edit
cars::

    .venv/bin/python scripts/load.py --base-url http://127.0.0.1:8000 \\
        --username admin --password ... --readers 4 --editors 4 --duration 30

Readers open the car list, car pages and history pages; editors all edit
the same few cars at once through the car form, so they race on each car
and some saves are refused as stale (that is the protection working, not an
error). Runs are bounded by ``--duration`` and ``--max-requests``. At the
end ``manage.py verify_history`` runs against the database named by
``DATABASE_URL`` (the server's), unless ``--no-verify``. The exit status
is 1 when any request failed or the history has a problem.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
STALE_MARK = "stale-form"
ERROR_MARK = "Nothing was saved"


class FormFields(HTMLParser):
    """Collect what a browser would post from the forms of a page.

    The hostile-input tests (``tests/test_fuzz_forms.py``) fill forms with it
    too, so both post what a browser would.
    """

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "select":
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.data[self.select] = attrs.get("value") or ""
        elif tag in ("input", "textarea") and name and "__prefix__" not in name:
            if attrs.get("type") == "checkbox" and "checked" not in attrs:
                return
            if attrs.get("type") != "submit":
                self.data[name] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None


def form_fields(page: str) -> dict[str, str]:
    parser = FormFields()
    parser.feed(page)
    return parser.data


class Client:
    """A small HTTP client for one user: its own connection and cookies.

    Cookies are kept by hand so that a production server's Secure cookies
    still work over plain HTTP on 127.0.0.1, where ``--https`` tells the
    server (through X-Forwarded-Proto) that a TLS proxy is in front.
    """

    def __init__(self, base_url: str, https: bool, timeout: float = 30):
        parts = urllib.parse.urlsplit(base_url)
        if parts.hostname not in LOCAL_HOSTS:
            raise SystemExit(f"refusing to load {parts.hostname}: 127.0.0.1 only")
        self.host, self.port = parts.hostname, parts.port or 80
        self.netloc = parts.netloc
        self.https = https
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.connection = None

    def _headers(self, path: str, posting: bool) -> dict[str, str]:
        headers = {"Host": self.netloc, "Connection": "keep-alive"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.https:
            headers["X-Forwarded-Proto"] = "https"
        if posting:
            scheme = "https" if self.https else "http"
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"{scheme}://{self.netloc}"
            headers["Referer"] = f"{scheme}://{self.netloc}{path}"
            if "csrftoken" in self.cookies:
                headers["X-CSRFToken"] = self.cookies["csrftoken"]
        return headers

    def _send(self, method: str, path: str, body, headers):
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    self.host, self.port, timeout=self.timeout
                )
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                return response, response.read().decode("utf-8", "replace")
            except (http.client.RemoteDisconnected, BrokenPipeError):
                # The server closed an idle keep-alive connection: retry once.
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def request(self, method: str, path: str, data: dict | None = None):
        """Return (status, body, location) of one request."""
        headers = self._headers(path, posting=data is not None)
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        response, content = self._send(method, path, body, headers)
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, content, response.headers.get("Location", "")

    def log_in(self, username: str, password: str) -> None:
        self.request("GET", "/accounts/login/")
        data = {"username": username, "password": password}
        status, _, _ = self.request("POST", "/accounts/login/", data)
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"login as {username} failed (HTTP {status})")


@dataclass
class Tally:
    """Counts shared by every worker."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    requests: int = 0

    def add(self, what: str, error: str = "") -> None:
        with self.lock:
            self.counts[what] += 1
            if error:
                self.errors.append(error)

    def take(self, limit: int) -> bool:
        """Count one request; return False once ``limit`` is reached."""
        with self.lock:
            if self.requests >= limit:
                return False
            self.requests += 1
            return True


def find_cars(client: Client, wanted: int) -> list[int]:
    """Return the ids of up to ``wanted`` cars from the car list."""
    status, page, _ = client.request("GET", "/")
    if status != 200:
        raise SystemExit(f"the car list answered HTTP {status}")
    ids = []
    for match in re.finditer(r'href="/cars/(\d+)/"', page):
        if int(match[1]) not in ids:
            ids.append(int(match[1]))
    if not ids:
        raise SystemExit("no car to edit: load some first (manage.py load_demo)")
    return ids[:wanted]


def read_once(client: Client, cars: list[int], tally: Tally) -> None:
    car = random.choice(cars)
    path = random.choice(
        ["/", f"/cars/{car}/", f"/cars/{car}/history/", "/collaborators/", "/healthz"]
    )
    status, _, _ = client.request("GET", path)
    if status == 200:
        tally.add("read")
    else:
        tally.add("error", f"GET {path}: HTTP {status}")


def edit_once(client: Client, cars: list[int], name: str, n: int, tally: Tally):
    car = random.choice(cars)
    path = f"/cars/{car}/edit/"
    status, page, _ = client.request("GET", path)
    if status != 200:
        tally.add("error", f"GET {path}: HTTP {status}")
        return
    data = form_fields(page)
    data.pop("csrfmiddlewaretoken", None)
    data["csrfmiddlewaretoken"] = client.cookies.get("csrftoken", "")
    data["model"] = f"Load {name} edit {n}"
    data["reason"] = f"load test {name}"
    if "records-0-description" in data:
        data["records-0-description"] = f"Checked by {name} ({n})"
    status, page, _ = client.request("POST", path, data)
    if status == 302:
        tally.add("saved")
    elif status == 200 and STALE_MARK in page:
        tally.add("refused as stale")
    elif status == 200 and ERROR_MARK in page:
        tally.add("error", f"POST {path}: the form was refused: {page[:200]!r}")
    else:
        tally.add("error", f"POST {path}: HTTP {status}")


def worker(args, cars, tally, clock, name, editing):
    """Log in, wait for every other worker, then work until the deadline."""
    client = Client(args.base_url, args.https)
    try:
        client.log_in(args.username, args.password)
    finally:
        # Logging in is slow by design (password hashing): not measured.
        clock["ready"].wait()
    try:
        n = 0
        while time.monotonic() < clock["deadline"] and tally.take(args.max_requests):
            n += 1
            if editing:
                edit_once(client, cars, name, n, tally)
            else:
                read_once(client, cars, tally)
    except (OSError, http.client.HTTPException) as error:
        tally.add("error", f"{name}: {type(error).__name__}: {error}")


def verify_history() -> tuple[bool, str]:
    """Run verify_history on the server's database; return (clean, output)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "verify_history"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result.returncode == 0, (result.stdout + result.stderr).strip()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default=os.environ.get("FLEET_LOAD_USER"))
    parser.add_argument("--password", default=os.environ.get("FLEET_LOAD_PASSWORD"))
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--editors", type=int, default=4)
    parser.add_argument("--cars", type=int, default=3, help="cars edited at once")
    parser.add_argument("--duration", type=float, default=20, help="seconds")
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument(
        "--https",
        action="store_true",
        help="say the request came through a TLS proxy (for DEBUG=0 servers)",
    )
    parser.add_argument("--no-verify", action="store_true")
    args = parser.parse_args(argv)
    if not args.username or not args.password:
        parser.error("--username and --password (or FLEET_LOAD_USER/PASSWORD)")
    return args


def run(args) -> int:
    lead = Client(args.base_url, args.https)
    lead.log_in(args.username, args.password)
    cars = find_cars(lead, args.cars)
    tally = Tally()
    clock = {}

    def start_clock():
        clock["started"] = time.monotonic()
        clock["deadline"] = clock["started"] + args.duration

    # Everyone is logged in when the barrier opens; the clock starts then.
    clock["ready"] = threading.Barrier(args.editors + args.readers + 1, start_clock)
    threads = [
        threading.Thread(
            target=worker,
            args=(args, cars, tally, clock, f"editor{i}", True),
        )
        for i in range(args.editors)
    ] + [
        threading.Thread(
            target=worker,
            args=(args, cars, tally, clock, f"reader{i}", False),
        )
        for i in range(args.readers)
    ]
    for thread in threads:
        thread.start()
    clock["ready"].wait()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - clock["started"]

    # An edit is two requests (the form, then the save).
    edits = tally.counts["saved"] + tally.counts["refused as stale"]
    total = tally.counts["read"] + 2 * edits + tally.counts["error"]
    print(f"cars edited: {', '.join(map(str, cars))}")
    print(f"readers: {args.readers}, editors: {args.editors}, {elapsed:.1f} s")
    print(f"requests: {total} ({total / elapsed:.1f} per second)")
    print(f"reads: {tally.counts['read']}")
    print(f"edits saved: {tally.counts['saved']}")
    print(f"edits refused as stale: {tally.counts['refused as stale']}")
    print(f"errors: {tally.counts['error']}")
    for error in tally.errors[:20]:
        print(f"  {error}")
    clean = True
    if not args.no_verify:
        clean, output = verify_history()
        print(f"verify_history: {output}")
    return 0 if clean and not tally.counts["error"] else 1


if __name__ == "__main__":
    sys.exit(run(parse_args()))
