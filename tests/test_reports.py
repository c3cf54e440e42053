"""The audit and shortlist reports as HTML and PDF: services, API and dashboard downloads.

The store holds two workspaces (tests/_api.py: ``acme`` and its ``gx-`` twin
``globex``), each with creator c1 audited, a shortlist, API keys per role, and
here also dashboard logins. PDFs are made by WeasyPrint, which needs the Pango
libraries: without them the PDF tests skip locally and fail under CI (``CI``
set), as the browser tests do without chromium; ``.ci/run`` installs Pango.
"""

from __future__ import annotations

import importlib.abc
import os
import re
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests._api import B_MARKERS, A, B, Tenants, client, seed
from tests._people import PASSWORD
from tests.conftest import store_settings_for
from tests.test_web import HTTPS, Page, login

from trustreach import services
from trustreach.core import ConfigurationError, NotFoundError, Role, Settings
from trustreach.web import create_web_app

PEOPLE = {
    "acme/analyst": (A, Role.analyst, None),
    "acme/auditor": (A, Role.auditor, None),
    "acme/creator": (A, Role.creator, "c1"),
    "acme/creator2": (A, Role.creator, "c2"),
    "globex/analyst": (B, Role.analyst, None),
}


@dataclass
class Store:
    tenants: Tenants
    shortlist: str
    emails: dict[str, str]

    @property
    def settings(self) -> Settings:
        return self.tenants.settings


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Store:
    tmp_path: Path = tmp_path_factory.mktemp(f"reports-{request.param}")
    settings = store_settings_for(request.param, tmp_path)
    tenants = seed(tmp_path, settings)
    shortlist = services.propose_shortlist(
        brief_id="br1",
        campaign_id="cmp1",
        brief_digest="b" * 64,
        entries=[
            services.ProposedEntry(
                "c1",
                1,
                0.82,
                {"topic_fit": {"used": 0.9, "weight": 0.25, "imputed": False}},
                "Posts about skincare and SPF match the brief's topics.",
            )
        ],
        model_versions={"performance": "0.1.0"},
        parameters={
            "findings": {
                "review": [
                    {
                        "creator_id": "c2",
                        "display_name": "Max Lifts",
                        "rule_id": "audience_quality_min",
                        "reason": "Audience Quality 41 is below the brief's minimum of 50.",
                    }
                ],
                "excluded": [],
            },
            "exposure_audit": {"gender": "Exposure audit by gender: too little declared data."},
            "notes": [],
        },
        brand="Acme Skin",
        created_by="user:analyst@acme.test",
        workspace=A,
        settings=settings,
    ).shortlist_id
    services.decide(
        shortlist,
        "c1",
        "approved",
        decided_by="user:approver@acme.test",
        reason="Audience matches the brief; no signals raised.",
        workspace=A,
        settings=settings,
    )
    emails = {}
    for who, (workspace, role, creator_id) in PEOPLE.items():
        email = f"{who.replace('/', '-')}@example.test"
        services.create_user(
            email,
            workspace=workspace,
            role=role,
            password=PASSWORD,
            creator_id=creator_id,
            by=services.cli_actor(workspace),
            settings=settings,
        )
        emails[who] = email
    return Store(tenants, shortlist, emails)


def pango_or_skip() -> None:
    """WeasyPrint and Pango are needed for a PDF: skip without them, except under CI."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:
        if os.environ.get("CI"):
            pytest.fail(f"CI must make PDFs: WeasyPrint or Pango is missing ({error}); see .ci/run")
        pytest.skip(f"WeasyPrint or the Pango libraries are missing ({error})")


def pdf_text(html: str) -> str:
    """The text WeasyPrint lays out on the pages of ``html`` (what the PDF draws)."""
    import weasyprint

    from trustreach.services._reports import PRINT_CSS

    document = weasyprint.HTML(string=html).render(stylesheets=[weasyprint.CSS(string=PRINT_CSS)])
    words = []
    for page in document.pages:
        for box in page._page_box.descendants():
            if getattr(box, "text", None) and type(box).__name__ == "TextBox":
                words.append(box.text)
    return " ".join(" ".join(words).split())


HIDDEN = {"title", "style", "script", "svg"}
"""Not laid out as text: the document's title, CSS, and the charts (SVG, drawn as vectors)."""


class Visible(HTMLParser):
    """The text a reader sees in a report page, the charts' labels left out."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)

    def words(self) -> list[str]:
        return " ".join(self.parts).split()


def signed_in(store: Store, who: str) -> TestClient:
    c = TestClient(create_web_app(store.settings), base_url=HTTPS)
    assert login(c, store.emails[who]).status_code == 303
    return c


# ------------------------------------------------------------------ the services


def test_the_audit_report_is_the_latest_stored_audit_with_disputes_as_they_stand(
    store: Store,
) -> None:
    before = services.audit_report_html("c1", workspace=A, settings=store.settings)
    assert "Audience audit: Ana Glow" in before
    assert "No disputes have been filed about this audit." in before
    services.file_dispute(
        "c1",
        "The spike in March was a TV appearance.",
        workspace=A,
        filed_by="user:acme-creator@example.test",
        settings=store.settings,
    )
    after = services.audit_report_html("c1", workspace=A, settings=store.settings)
    assert "The spike in March was a TV appearance." in after
    evidence = services.creator_evidence("c1", workspace=A, settings=store.settings)
    assert f"audit record #{evidence.audit_seq}" in after
    for part in (evidence.evidence or {})["quality"]["components"]:
        assert part["name"] in after
    assert "Machine-generated" in after and "<script" not in after


def test_an_audit_report_exists_only_for_an_audited_creator_of_the_workspace(
    store: Store,
) -> None:
    with pytest.raises(NotFoundError, match="has no audit"):
        services.audit_report_html("c2", workspace=A, settings=store.settings)
    with pytest.raises(NotFoundError):
        services.audit_report_html("gx-c1", workspace=A, settings=store.settings)
    with pytest.raises(NotFoundError):
        services.shortlist_report_html(
            store.tenants.b_shortlists[0], workspace=A, settings=store.settings
        )


def test_the_shortlist_report_shows_entries_findings_and_who_decided(store: Store) -> None:
    page = services.shortlist_report_html(store.shortlist, workspace=A, settings=store.settings)
    for expected in (
        "Shortlist for br1",
        "Acme Skin",
        "Ana Glow",
        "Posts about skincare and SPF match the brief&#x27;s topics.",
        "approved by user:approver@acme.test: Audience matches the brief; no signals raised.",
        "Held for human review (1)",
        "Audience Quality 41 is below the brief&#x27;s minimum of 50.",
        "Exposure audit by gender: too little declared data.",
        "Machine-generated",
        "topic fit: 0.90 × 0.25",
    ):
        assert expected in page, expected
    quality = services.latest_creator_audits(A, settings=store.settings)["c1"].quality_score
    assert f"Audience Quality {quality:.0f}" in page
    assert not any(marker in page for marker in B_MARKERS)


def test_an_older_proposal_lists_who_was_set_aside_by_id(store: Store) -> None:
    page = services.shortlist_report_html(
        store.tenants.a_shortlists[0], workspace=A, settings=store.settings
    )
    assert "Held for human review (0)" in page and "nobody" in page
    assert "No person has decided on any creator of this shortlist yet." in page


def test_a_pdf_prints_the_same_content_as_the_html(store: Store) -> None:
    pango_or_skip()
    for html in (
        services.audit_report_html("c1", workspace=A, settings=store.settings),
        services.shortlist_report_html(store.shortlist, workspace=A, settings=store.settings),
    ):
        pdf = services.html_to_pdf(html)
        assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
        printed = pdf_text(html)
        assert "Ana Glow" in printed
        # every word of the page is on paper, in the page's order (line breaks and
        # hyphenation aside: compared without white space)
        paper, at, missing = "".join(printed.split()), 0, []
        for word in Visible(html).words():
            found = paper.find(word, at)
            if found < 0:
                missing.append(word)
            else:
                at = found + len(word)
        assert not missing, missing[:20]


class _NoPango(importlib.abc.MetaPathFinder):
    """Importing weasyprint fails as it does where the Pango libraries are not installed."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "weasyprint":
            raise OSError(
                "cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object"
            )


def test_without_pango_the_pdf_error_names_the_library_and_packages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [_NoPango(), *sys.meta_path])
    with pytest.raises(ConfigurationError) as error:
        services.html_to_pdf("<p>hello</p>")
    message = str(error.value)
    assert "libpango-1.0-0" in message and "libpango-1.0-0 libpangoft2-1.0-0" in message
    assert "apt-get install" in message


def test_a_report_fetches_nothing_while_printing(tmp_path: Path) -> None:
    pango_or_skip()
    from trustreach.services._reports import report_fetcher

    secret = tmp_path / "secret.css"
    secret.write_text("body::after { content: 'LEAKED' }")
    fetcher = report_fetcher()
    for url in (secret.as_uri(), "http://127.0.0.1:9/x.png", "https://example.test/x.css"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,ok") is not None  # inline data is allowed
    page = f'<link rel="stylesheet" href="{secret.as_uri()}"><p>x</p>'
    assert services.html_to_pdf(page).startswith(b"%PDF-")


# ------------------------------------------------------------------ the API


@pytest.mark.parametrize("role", [Role.admin, Role.analyst, Role.approver, Role.auditor])
def test_the_api_answers_the_reports_as_html_downloads(store: Store, role: Role) -> None:
    api = client(store.settings)
    headers = store.tenants.auth(role)
    audit = api.get("/api/v1/creators/c1/audit/report", headers=headers)
    assert audit.status_code == 200 and audit.headers["content-type"] == "text/html; charset=utf-8"
    assert audit.headers["content-disposition"] == 'attachment; filename="audit-c1.html"'
    assert "Audience audit: Ana Glow" in audit.text
    shortlist = api.get(f"/api/v1/shortlists/{store.shortlist}/report?format=html", headers=headers)
    assert shortlist.status_code == 200 and "Shortlist for br1" in shortlist.text
    assert re.fullmatch(
        r'attachment; filename="shortlist-sl-[0-9a-z-]+\.html"',
        shortlist.headers["content-disposition"],
    )


def test_the_api_answers_a_pdf(store: Store) -> None:
    pango_or_skip()
    api = client(store.settings)
    response = api.get(
        "/api/v1/creators/c1/audit/report?format=pdf", headers=store.tenants.auth(Role.auditor)
    )
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response.headers["content-disposition"] == 'attachment; filename="audit-c1.pdf"'


def test_the_api_refuses_an_unknown_format_naming_the_field(store: Store) -> None:
    api = client(store.settings)
    response = api.get(
        "/api/v1/creators/c1/audit/report?format=docx", headers=store.tenants.auth(Role.analyst)
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "query.format"


def test_the_api_answers_not_found_across_workspaces(store: Store) -> None:
    api = client(store.settings)
    globex = store.tenants.auth(Role.admin, workspace=B)
    for path in (
        "/api/v1/creators/c1/audit/report",
        "/api/v1/creators/c1/audit/report?format=pdf",
        f"/api/v1/shortlists/{store.shortlist}/report",
        f"/api/v1/shortlists/{store.shortlist}/report?format=pdf",
        "/api/v1/creators/c2/audit/report",  # A's own, never audited: 404 for A too
    ):
        response = api.get(path, headers=globex)
        assert response.status_code == 404, path
        assert "Ana Glow" not in response.text and "br1" not in response.text
    mine = api.get("/api/v1/creators/c2/audit/report", headers=store.tenants.auth(Role.admin))
    assert mine.status_code == 404
    assert api.get("/api/v1/creators/c1/audit/report").status_code == 401


def test_openapi_declares_the_report_media_types(store: Store) -> None:
    paths = client(store.settings).get("/openapi.json").json()["paths"]
    for route in (
        "/api/v1/creators/{creator_id}/audit/report",
        "/api/v1/shortlists/{shortlist_id}/report",
    ):
        operation = paths[route]["get"]
        assert set(operation["responses"]["200"]["content"]) == {"text/html", "application/pdf"}
        assert "404" in operation["responses"]
        names = {p["name"]: p for p in operation["parameters"]}
        assert names["format"]["in"] == "query"


# ------------------------------------------------------------------ the dashboard


def test_the_creator_page_links_the_downloads(store: Store) -> None:
    page = signed_in(store, "acme/analyst").get("/creators/c1").text
    assert 'href="/creators/c1/report.pdf"' in page and 'href="/creators/c1/report.html"' in page
    parsed = Page(page)
    assert parsed.th_without_scope == 0


def test_the_shortlist_page_links_its_downloads(store: Store) -> None:
    api = signed_in(store, "acme/analyst")
    page = api.get(f"/shortlists/{store.shortlist}").text
    for suffix in ("pdf", "html"):
        link = f'href="/shortlists/{store.shortlist}/report.{suffix}"'
        assert link in page
    assert api.get(f"/shortlists/{store.shortlist}/report.html").status_code == 200


@pytest.mark.parametrize("who", ["acme/analyst", "acme/auditor", "acme/creator"])
def test_readers_and_the_creator_download_the_audit_report(store: Store, who: str) -> None:
    response = signed_in(store, who).get("/creators/c1/report.html")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="audit-c1.html"'
    assert "Audience audit: Ana Glow" in response.text


def test_the_dashboard_pdf_download(store: Store) -> None:
    pango_or_skip()
    c = signed_in(store, "acme/creator")
    response = c.get("/creators/c1/report.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    shortlist = signed_in(store, "acme/analyst").get(f"/shortlists/{store.shortlist}/report.pdf")
    assert shortlist.status_code == 200 and shortlist.content.startswith(b"%PDF-")


def test_a_creator_gets_only_their_own_report(store: Store) -> None:
    c = signed_in(store, "acme/creator")
    assert c.get("/creators/c2/report.html").status_code == 404
    assert c.get("/creators/c2/report.pdf").status_code == 404
    assert c.get(f"/shortlists/{store.shortlist}/report.html").status_code == 403
    never_audited = signed_in(store, "acme/creator2").get("/creators/c2/report.html")
    assert never_audited.status_code == 404


def test_the_dashboard_shortlist_report_and_another_workspace(store: Store) -> None:
    analyst = signed_in(store, "acme/analyst")
    response = analyst.get(f"/shortlists/{store.shortlist}/report.html")
    assert response.status_code == 200 and "Shortlist for br1" in response.text
    globex = signed_in(store, "globex/analyst")
    for path in (
        "/creators/c1/report.html",
        "/creators/c1/report.pdf",
        f"/shortlists/{store.shortlist}/report.html",
        f"/shortlists/{store.shortlist}/report.pdf",
    ):
        answer = globex.get(path)
        assert answer.status_code == 404, path
        assert "Ana Glow" not in answer.text
    assert analyst.get(f"/shortlists/{store.tenants.b_shortlists[0]}/report.html").status_code == (
        404
    )


def test_the_downloads_need_a_login(store: Store) -> None:
    c = TestClient(create_web_app(store.settings), base_url=HTTPS)
    response = c.get("/creators/c1/report.html", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"


def test_the_follower_chart_leaves_room_for_long_counts() -> None:
    """The y-axis labels end at the plot's left edge: a seven-digit count must not be cut off
    at the chart's border (it was, for any count over 99,999, in the HTML and the PDF)."""
    from datetime import date, timedelta

    from trustreach.audience import render_audit_html
    from trustreach.audience._types import AudienceQuality, CreatorAudit

    start = date(2026, 1, 1)
    history = tuple((start + timedelta(days=i), 1_204_311 + 900 * i) for i in range(30))
    page = render_audit_html(
        CreatorAudit(
            workspace="w",
            creator_id="c1",
            display_name="Ana Glow",
            generated_at="2026-02-01",
            fake_share=None,
            signals=(),
            spikes=(),
            quality=AudienceQuality(80.0, ()),
            follower_history=history,
            fake_probabilities=(),
            engagement_rate=None,
            peer_band="1M+",
            peer_engagement_rate=None,
            top_accounts=(),
        )
    )
    ticks = re.findall(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="end">([\d,]+)</text>', page)
    assert len(ticks) == 3, ticks
    for x, label in ticks:
        assert float(x) >= 6.5 * len(label), (x, label)  # 11 px digits are about 6.5 px wide


def test_an_audit_stored_by_another_version_still_renders(store: Store) -> None:
    """Keys the running version does not know (a later version's) are left out, missing ones
    take their defaults, instead of the report failing."""
    from trustreach.audience import render_audit_html
    from trustreach.services._reports import _audit_from_evidence

    evidence = services.creator_evidence("c1", workspace=A, settings=store.settings).evidence
    assert evidence is not None
    changed = dict(evidence)
    changed["quality"] = {
        **evidence["quality"],
        "components": [{**c, "added_later": 1} for c in evidence["quality"]["components"]],
    }
    if evidence.get("fake_share"):
        share = {**evidence["fake_share"], "added_later": True}
        share.pop("field_profile", None)
        changed["fake_share"] = share
    changed.pop("insufficient_data", None)
    page = render_audit_html(_audit_from_evidence(changed, 7, []))
    assert "Audience audit: Ana Glow" in page and "audit record #7" in page
