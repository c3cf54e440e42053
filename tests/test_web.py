"""The dashboard (trustreach.web): login, sessions, CSRF, roles, tenants and markup.

Every test drives the real application through FastAPI's TestClient on a real
store (SQLite and PostgreSQL), seeded through the services and with users made
by ``services.create_user``; nothing about the store or the login is mocked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from tests._people import PASSWORD, seed_two_tenants
from tests.conftest import store_settings_for

from trustreach import services
from trustreach.core import AuthenticationError, Settings
from trustreach.store._tables import users, web_sessions
from trustreach.web import create_web_app
from trustreach.web._guard import LoginThrottle

HTTPS = "https://testserver"


@dataclass
class World:
    settings: Settings
    emails: dict[str, str] = field(default_factory=dict)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> World:
    """Workspace ``acme`` (the tiny world, creator c1 audited) and ``beta`` (one creator).

    Built once per store for this module (the tests only add sessions): on
    SQLite in a fresh folder, on the test PostgreSQL emptied first, as the
    ``store_settings`` fixture does.
    """
    tmp_path = tmp_path_factory.mktemp(f"web-{request.param}")
    settings = store_settings_for(request.param, tmp_path)
    found = World(settings)
    found.emails.update(seed_two_tenants(tmp_path, settings))
    return found


class Page(HTMLParser):
    """What the markup tests look at: inputs and their labels, scripts, styles, tables."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.inline_scripts = 0
        self.script_srcs: list[str] = []
        self.inline_handlers: list[str] = []
        self.style_attributes = 0
        self.style_elements = 0
        self.th_without_scope = 0
        self.landmarks: set[str] = set()
        self.skip_link = False
        self.lang: str | None = None
        self.hidden: dict[str, str] = {}
        self.charts: list[dict[str, str | None]] = []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name, _ in attrs:
            if name.startswith("on"):
                self.inline_handlers.append(f"{tag} {name}")
        if "style" in a:
            self.style_attributes += 1
        if tag == "html":
            self.lang = a.get("lang")
        if tag in {"main", "header", "footer", "nav"}:
            self.landmarks.add(tag)
        if tag == "a" and a.get("href") == "#main":
            self.skip_link = True
        if tag == "script":
            self._in_script = True
            if a.get("src"):
                self.script_srcs.append(str(a["src"]))
        if tag == "style":
            self.style_elements += 1
        if tag == "label" and a.get("for"):
            self.label_for.add(str(a["for"]))
        if tag == "input" and a.get("type") == "hidden":
            self.hidden[str(a.get("name"))] = str(a.get("value"))
        elif tag in {"input", "select", "textarea"} and a.get("type") not in {"submit"}:
            self.controls.append(a)
        if tag == "canvas":
            self.charts.append(a)
        if tag == "th" and "scope" not in a:
            self.th_without_scope += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1


def client(world: World, base_url: str = HTTPS) -> TestClient:
    return TestClient(create_web_app(world.settings), base_url=base_url)


def login(c: TestClient, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    form = Page(c.get("/login").text).hidden
    return c.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": form["csrf_token"]},
        follow_redirects=False,
    )


def signed_in(world: World, who: str) -> TestClient:
    c = client(world)
    response = login(c, world.emails[who])
    assert response.status_code == 303, response.text
    return c


def session_cookie_header(response) -> str:  # type: ignore[no-untyped-def]
    headers = [h for h in response.headers.get_list("set-cookie") if "trustreach_session=" in h]
    assert len(headers) == 1, response.headers
    return str(headers[0])


# -- login, cookies, CSRF, sessions ----------------------------------------------------


def test_login_sets_a_strict_httponly_session_cookie(world: World) -> None:
    c = client(world)
    response = login(c, world.emails["acme/analyst"])
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = session_cookie_header(response).lower()
    for flag in ("httponly", "samesite=strict", "path=/", "secure"):
        assert flag in cookie, cookie
    page = c.get("/")
    assert page.status_code == 200
    assert "<h1>Workspace acme</h1>" in page.text
    assert "analyst@acme.test" in page.text


def test_cookie_is_not_marked_secure_over_plain_http(world: World) -> None:
    c = client(world, base_url="http://testserver")
    cookie = session_cookie_header(login(c, world.emails["acme/analyst"])).lower()
    assert "secure" not in cookie
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_a_wrong_login_says_the_same_for_email_and_password(world: World) -> None:
    c = client(world)
    wrong_password = login(c, world.emails["acme/analyst"], "not the password at all")
    unknown_email = login(c, "nobody@acme.test")
    too_long = login(c, world.emails["acme/analyst"], "x" * 5000)
    assert wrong_password.status_code == unknown_email.status_code == too_long.status_code == 401
    message = "That e-mail and password do not match an account"
    assert message in wrong_password.text and message in unknown_email.text
    for text in (wrong_password.text, unknown_email.text):
        assert "unknown" not in text.lower() and "wrong password" not in text.lower()
        assert "trustreach_session=" not in "".join(wrong_password.headers.get_list("set-cookie"))
    assert c.get("/", follow_redirects=False).headers["location"] == "/login"


def test_the_login_form_refuses_a_post_without_its_own_token(world: World) -> None:
    c = client(world)
    c.get("/login")  # the pre-session token cookie is set, but the form field is missing
    missing = c.post(
        "/login",
        data={"email": world.emails["acme/analyst"], "password": PASSWORD},
        follow_redirects=False,
    )
    forged = c.post(
        "/login",
        data={"email": world.emails["acme/analyst"], "password": PASSWORD, "csrf_token": "x" * 43},
        follow_redirects=False,
    )
    assert missing.status_code == forged.status_code == 403
    assert "trustreach_session=" not in "".join(forged.headers.get_list("set-cookie"))
    fresh = client(world)  # a cross-site post: no token cookie at all
    token = Page(c.get("/login").text).hidden["csrf_token"]
    cross = fresh.post(
        "/login",
        data={"email": world.emails["acme/analyst"], "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert cross.status_code == 403


def test_logout_needs_the_session_csrf_token_and_ends_the_session(world: World) -> None:
    c = signed_in(world, "acme/analyst")
    token = c.cookies.get("trustreach_session")
    assert c.post("/logout", follow_redirects=False).status_code == 403
    assert (
        c.post("/logout", data={"csrf_token": "wrong"}, follow_redirects=False).status_code == 403
    )
    assert c.get("/").status_code == 200  # still signed in
    csrf = Page(c.get("/").text).hidden["csrf_token"]
    out = c.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login?out=1"
    ended = client(world).get(
        "/", headers={"cookie": f"trustreach_session={token}"}, follow_redirects=False
    )
    assert ended.status_code == 303 and ended.headers["location"] == "/login?ended=1"
    with pytest.raises(AuthenticationError):
        services.session_actor(str(token), settings=world.settings)


def test_an_expired_session_goes_back_to_the_login_form(world: World) -> None:
    c = signed_in(world, "acme/auditor")
    assert c.get("/audit-log").status_code == 200
    engine = services.open_store(world.settings)
    with engine.begin() as connection:
        connection.execute(
            update(web_sessions)
            .where(
                web_sessions.c.user_id.in_(
                    select(users.c.user_id).where(users.c.email == world.emails["acme/auditor"])
                )
            )
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    engine.dispose()
    response = c.get("/audit-log", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?ended=1"
    assert "Your session has ended" in c.get("/login?ended=1").text


def test_failed_logins_are_throttled_per_email_and_address(world: World) -> None:
    now = [1000.0]
    app = create_web_app(world.settings)
    app.state.login_throttle = LoginThrottle(limit=5, window=60, clock=lambda: now[0])
    c = TestClient(app, base_url=HTTPS)
    email = world.emails["acme/approver"]
    for _ in range(5):
        assert login(c, email, "not the password at all").status_code == 401
    refused = login(c, email)  # even the right password waits
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert "Try again in 60 seconds" in refused.text
    assert login(c, world.emails["acme/analyst"]).status_code == 303  # another e-mail may
    now[0] += 61
    assert login(c, email).status_code == 303


# -- pages, roles and tenants -------------------------------------------------------------

PAGES = ["/", "/creators", "/creators/c1", "/audit-log"]
EXPECTED = {  # role -> status of each page in PAGES (303: a creator is sent to their own page)
    "admin": [200, 200, 200, 200],
    "analyst": [200, 200, 200, 403],
    "approver": [200, 200, 200, 403],
    "auditor": [200, 200, 200, 200],
    "creator": [303, 303, 200, 403],
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_sees_the_pages_it_may(world: World, role: str) -> None:
    c = signed_in(world, f"acme/{role}")
    got = [c.get(page, follow_redirects=False).status_code for page in PAGES]
    assert got == EXPECTED[role]


def test_pages_need_a_login(world: World) -> None:
    c = client(world)
    for page in PAGES:
        response = c.get(page, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login"


def test_a_creator_sees_only_their_own_creator(world: World) -> None:
    c = signed_in(world, "acme/creator")
    for page in ("/", "/creators", "/creators?sort=-quality"):
        response = c.get(page, follow_redirects=False)
        assert response.headers["location"] == "/creators/c1"
    own = c.get("/creators/c1")
    assert own.status_code == 200 and "Ana Glow" in own.text
    assert "you may contest it" in own.text
    other = c.get("/creators/c2")
    assert other.status_code == 404
    assert "Max Lifts" not in other.text
    assert c.get("/creators/b7").status_code == 404  # another workspace's creator
    assert "Max Lifts" not in own.text


def test_another_workspace_answers_not_found(world: World) -> None:
    beta = signed_in(world, "beta/analyst")
    for creator_id in ("c1", "c2"):
        response = beta.get(f"/creators/{creator_id}")
        assert response.status_code == 404
        assert "Ana Glow" not in response.text and "Max Lifts" not in response.text
    listing = beta.get("/creators")
    assert "Bea Travels" in listing.text and "Ana Glow" not in listing.text
    assert "1 of 1 creators shown" in listing.text
    overview = beta.get("/")
    assert "<h1>Workspace beta</h1>" in overview.text and "Glow Week" not in overview.text
    log = signed_in(world, "beta/auditor").get("/audit-log")
    assert (
        log.status_code == 200 and "creator:c1" not in log.text and "audit_creator" not in log.text
    )
    acme = signed_in(world, "acme/analyst")
    assert acme.get("/creators/b7").status_code == 404
    assert "creator:c1" in signed_in(world, "acme/auditor").get("/audit-log").text


def test_the_creator_page_shows_the_evidence_in_plain_words(world: World) -> None:
    c = signed_in(world, "acme/approver")
    page = c.get("/creators/c1").text
    evidence = services.latest_audit_evidence("c1", workspace="acme", settings=world.settings)
    assert f"Audience Quality: {evidence['quality']['score']:.1f} out of 100" in page
    for part in evidence["quality"]["components"]:
        assert part["name"] in page
    share = evidence["fake_share"]
    assert f"An estimated {share['estimate'] * 100:.0f}% of followers show signals" in page
    assert f"95% interval {share['low'] * 100:.1f}% to {share['high'] * 100:.1f}%" in page
    for signal in evidence["signals"]:
        assert signal["evidence"].replace("'", "&#39;") in page
    for verdict in ("fraud", "fraudster", "cheat", "liar"):
        assert verdict not in page.lower()
    unaudited = c.get("/creators/c2").text
    assert "has not been audited yet" in unaudited


def test_the_creators_list_sorts_and_filters(world: World) -> None:
    c = signed_in(world, "acme/analyst")

    def names(query: str) -> list[str]:
        return re.findall(r'<a href="/creators/(c\d)">', c.get(f"/creators{query}").text)

    assert names("?sort=followers") == ["c2", "c1"]  # 45,000 before 120,000
    assert names("?sort=-followers") == ["c1", "c2"]
    assert names("?sort=quality") == names("?sort=-quality") == ["c1", "c2"]  # unaudited last
    assert names("?q=max") == ["c2"]
    assert names("?niche=skincare") == ["c1"]
    assert names("?q=nobody") == []
    lines = services.list_creator_lines("acme", settings=world.settings)
    assert lines == services.summarize_workspace("acme", settings=world.settings).creators
    bad = c.get("/creators?sort=size")
    assert bad.status_code == 400
    assert "sort &#39;size&#39; not allowed; allowed: name, followers" in bad.text


def test_the_audit_log_page_shows_the_verification(world: World) -> None:
    page = signed_in(world, "acme/auditor").get("/audit-log?limit=5").text
    assert "hash chain verifies against its anchor" in page
    assert len(re.findall(r'<th scope="row" class="num">\d+</th>', page)) <= 5
    assert "user:admin@acme.test" not in page or "users.create" in page
    refused = signed_in(world, "acme/auditor").get("/audit-log?limit=0")
    assert refused.status_code == 422
    assert "limit: Input should be greater than or equal to 1" in refused.text
    assert "text/html" in refused.headers["content-type"]


# -- headers and markup -------------------------------------------------------------------


def test_every_response_carries_the_security_headers(world: World) -> None:
    c = signed_in(world, "acme/admin")
    anonymous = client(world)
    responses = [c.get(p) for p in PAGES] + [
        c.get("/creators/nobody"),
        c.get("/no-such-page"),
        c.get("/static/style.css"),
        anonymous.get("/login"),
        anonymous.get("/", follow_redirects=False),
    ]
    for response in responses:
        h = response.headers
        csp = h["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert h["x-content-type-options"] == "nosniff"
        assert h["x-frame-options"] == "DENY"
        assert h["referrer-policy"] == "same-origin"


@pytest.mark.parametrize("who", ["acme/admin", "acme/creator"])
def test_the_markup_is_labelled_and_has_no_inline_script(world: World, who: str) -> None:
    c = signed_in(world, who)
    pages = [
        client(world).get("/login").text,
        c.get("/").text,
        c.get("/creators").text,
        c.get("/creators/c1").text,
        c.get("/audit-log").text,
        c.get("/creators/nobody").text,
    ]
    for html in pages:
        page = Page(html)
        assert page.lang == "en"
        assert {"main", "header", "footer"} <= page.landmarks
        assert page.skip_link
        assert page.inline_scripts == 0 and not page.inline_handlers
        assert page.style_attributes == 0 and page.style_elements == 0
        assert all(src.startswith("/static/") for src in page.script_srcs)
        assert page.th_without_scope == 0
        for control in page.controls:
            assert control.get("id") in page.label_for, control
    assert len(Page(pages[2]).controls) >= 2 or who == "acme/creator"


def test_static_files_come_from_the_package(world: World) -> None:
    css = client(world).get("/static/style.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert ":focus-visible" in css.text and "@media (max-width" in css.text
    for html in (client(world).get("/login").text,):
        assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html


def test_every_page_names_an_icon_the_package_serves(world: World) -> None:
    """Without one the browser asks for /favicon.ico, which answers 404 (a console error)."""
    c = client(world)
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', c.get("/login").text)
    assert icons == ["/static/favicon.svg"]
    icon = c.get(icons[0])
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    signed = signed_in(world, "acme/analyst").get("/creators").text
    assert '<link rel="icon" href="/static/favicon.svg"' in signed


def test_the_creator_page_charts_the_evidence_with_the_vendored_library(world: World) -> None:
    c = signed_in(world, "acme/analyst")
    page = Page(c.get("/creators/c1").text)
    assert page.script_srcs == ["/static/chart.umd.min.js", "/static/charts.js"]
    evidence = services.latest_audit_evidence("c1", workspace="acme", settings=world.settings)
    charts = {chart["data-chart"]: chart for chart in page.charts}
    history = charts["line"]
    assert json.loads(str(history["data-labels"])) == [d for d, _ in evidence["follower_history"]]
    assert json.loads(str(history["data-values"])) == [n for _, n in evidence["follower_history"]]
    parts = charts["bar"]
    components = evidence["quality"]["components"]
    assert json.loads(str(parts["data-labels"])) == [p["name"] for p in components]
    assert json.loads(str(parts["data-values"])) == [p["value"] for p in components]
    for chart in page.charts:
        assert chart["role"] == "img" and chart["aria-label"]
    assert Page(c.get("/creators/c2").text).script_srcs == []  # nothing to chart, no script
    for name in ("chart.umd.min.js", "charts.js"):
        script = c.get(f"/static/{name}")
        assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "Chart.js v4" in c.get("/static/chart.umd.min.js").text[:200]
    assert "MIT License" in c.get("/static/chart.js-LICENSE.md").text
