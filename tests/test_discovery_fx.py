"""Dated exchange rates: fees in another currency than the budget's are converted and said."""

from __future__ import annotations

import fnmatch
import json
import tomllib
from pathlib import Path

import pytest
import yaml
from tests._main import run_main
from typer.testing import CliRunner

from trustreach import services
from trustreach.cli import app
from trustreach.core import Settings
from trustreach.discovery import (
    Brief,
    Component,
    FxRatesError,
    load_fx_rates,
    reference_fx_rates,
)
from trustreach.synth import generate_world

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, seed=11, creators=40, followers_per_creator=40, days=60)
    return out


def _brief(currency: str = "GBP", amount: float = 50_000, **update: object) -> Brief:
    data: dict[str, object] = {
        "brief_id": "fx",
        "brand": "Test",
        "objective": "engagement",
        "category": "general",
        "platforms": ["instagram", "tiktok", "youtube"],
        "topics": ["skincare routines"],
        "budget": {"amount": amount, "currency": currency},
        "content_language": "en",
        "weights": {"topic_fit": 0},  # everyone in the pool: the test is about cost
    }
    data.update(update)
    return Brief.model_validate(data)


# --------------------------------------------------------------------------- the table


def test_reference_snapshot_is_dated_sourced_and_packaged() -> None:
    fx = reference_fx_rates()
    assert fx.base == "EUR" and fx.rates["EUR"] == 1.0
    assert {"USD", "GBP"} <= set(fx.rates)
    assert len(set(fx.dates.values())) == 1  # one day's reference rates
    assert all("ECB" in source for source in fx.sources.values())
    usd_gbp = fx.conversion("USD", "GBP")
    assert usd_gbp is not None
    assert usd_gbp.factor == pytest.approx(fx.rates["GBP"] / fx.rates["USD"])
    assert usd_gbp.on == next(iter(fx.dates.values()))
    # the package build ships the snapshot (pyproject package-data covers it)
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = data["tool"]["setuptools"]["package-data"]["trustreach"]
    assert any(fnmatch.fnmatch("discovery/fx_rates.csv", pattern) for pattern in patterns)


@pytest.mark.parametrize("suffix", [".csv", ".yaml", ".json", "mapping.yaml"])
def test_tables_load_from_csv_yaml_and_json(tmp_path: Path, suffix: str) -> None:
    rows = [
        {"currency": "USD", "rate": 1.25, "base": "GBP", "date": "2025-06-30", "source": "desk"},
        {"currency": "EUR", "rate": 1.17, "base": "GBP", "date": "2025-06-27", "source": "desk"},
    ]
    path = tmp_path / f"rates{suffix}"
    if suffix == ".csv":
        lines = ["currency,rate,base,date,source"]
        lines += [",".join(str(r[k]) for k in ("currency", "rate", "base", "date", "source"))
                  for r in rows]  # fmt: skip
        path.write_text("\n".join(lines) + "\n")
    elif suffix == ".json":
        path.write_text(json.dumps(rows))
    elif suffix == ".yaml":
        path.write_text(yaml.safe_dump(rows))
    else:
        path.write_text(
            yaml.safe_dump(
                {
                    "base": "GBP",
                    "date": "2025-06-30",
                    "source": "desk",
                    "rates": {"USD": 1.25, "EUR": 1.17},
                }
            )
        )
    fx = load_fx_rates(path)
    assert fx.base == "GBP" and fx.rates["GBP"] == 1.0
    conversion = fx.conversion("USD", "EUR")
    assert conversion is not None and conversion.factor == pytest.approx(1.17 / 1.25)
    expected = "2025-06-30" if suffix == "mapping.yaml" else "2025-06-27"  # the older date
    assert conversion.on.isoformat() == expected
    assert "desk" in conversion.describe() and str(path) in fx.describe()


H = "currency,rate,base,date\n"
BAD_TABLES = [
    ("currency,rate,date\nUSD,1.2,2025-06-30\n", r"missing column\(s\) base"),
    (H + "USD,abc,GBP,2025-06-30\n", r"row 1: rate: 'abc' is not a positive"),
    (H + "USD,-1,GBP,2025-06-30\n", r"row 1: rate: '-1'"),
    (H + "usd,1.2,GBP,2025-06-30\n", r"row 1: currency: 'usd' is not an ISO 4217"),
    (H + "USD,1.2,GBP,30/06/2025\n", r"row 1: date: '30/06/2025' is not a date \(YYYY-MM-DD\)"),
    (
        H + "USD,1.2,GBP,2025-06-30\nEUR,1.1,USD,2025-06-30\n",
        r"base: every row needs the same base currency; found GBP, USD",
    ),
    (
        H + "USD,1.2,GBP,2025-06-30\nUSD,1.3,GBP,2025-06-30\n",
        r"row 2: currency: USD is listed twice",
    ),
    (H + "GBP,2,GBP,2025-06-30\n", r"row 1: rate: the base GBP itself must have rate 1"),
    (H, r"no rows"),
    (H + "USD,,GBP,2025-06-30\n", r"row 1: missing rate"),
]


@pytest.mark.parametrize(("text", "match"), BAD_TABLES)
def test_bad_tables_are_refused_naming_the_row_and_field(
    tmp_path: Path, text: str, match: str
) -> None:
    path = tmp_path / "rates.csv"
    path.write_text(text)
    with pytest.raises(FxRatesError, match=match):
        load_fx_rates(path)


def test_problems_are_all_listed_in_row_order(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text("currency,rate,base,date\nUSD,x,GBP,2025-06-30\nEU,1.1,GBP,2025-06-30\n")
    with pytest.raises(FxRatesError) as caught:
        load_fx_rates(path)
    message = str(caught.value)
    assert message.index("row 1: rate") < message.index("row 2: currency")


def test_unsupported_file_type_names_the_allowed_ones(tmp_path: Path) -> None:
    path = tmp_path / "rates.xlsx"
    path.write_text("")
    with pytest.raises(FxRatesError, match=r"allowed: \.csv, \.yaml, \.yml, \.json"):
        load_fx_rates(path)


HOSTILE_TABLES = [
    (
        "dup.json",
        '{"base": "GBP", "date": "2025-06-30", "base": "USD", "rates": {"USD": 1}}',
        r"rates\.json: key 'base' appears twice",
    ),
    (
        "dup.yaml",
        "base: GBP\ndate: 2025-06-30\nrates:\n  USD: 1.2\n  USD: 1.3\n",
        r"rates\.yaml: line 5: key 'USD' appears twice in one mapping \(first on line 4\)",
    ),
    (
        "bomb.yaml",
        "a: &a [1, 1]\nb: &b [*a, *a]\n",
        r"line 2: YAML aliases \(\*a\) are not allowed",
    ),
    ("deep.json", "[" * 50_000 + "]" * 50_000, r"nested deeper than 32 levels"),
    (
        "binary.csv",
        b"currency,rate,base,date\nUSD,1.2,GBP,2025-06-30\xff\n",
        r"rates\.csv: is not UTF-8 text: byte 0xff at offset 46 \(line 2\)",
    ),
    (
        "nan.json",
        '[{"currency": "USD", "rate": NaN, "base": "GBP", "date": "2025-06-30"}]',
        r"NaN is not a number JSON allows",
    ),
    (
        "dup.csv",
        "currency,rate,base,date,rate\nUSD,1.2,GBP,2025-06-30,9\n",
        r"rates\.csv: column rate appears twice in the header",
    ),
    (
        "extra.yaml",
        "base: GBP\ndate: 2025-06-30\nrates: {USD: 1.2}\nsorce: desk\n",
        r"rates\.yaml: unknown field\(s\) sorce; allowed: base, date, rates, source",
    ),
    ("big.csv", H + "USD,1.2,GBP,2025-06-30\n" * 20_000, r"is larger than the limit of"),
]


@pytest.mark.parametrize(
    ("name", "content", "match"), HOSTILE_TABLES, ids=[h[0] for h in HOSTILE_TABLES]
)
def test_hostile_tables_are_refused_clearly(
    tmp_path: Path, name: str, content: str | bytes, match: str
) -> None:
    path = tmp_path / ("rates" + name[name.index(".") :])
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(FxRatesError, match=match):
        load_fx_rates(path)


def test_a_folder_or_missing_table_is_refused(tmp_path: Path) -> None:
    (tmp_path / "rates.csv").mkdir()
    with pytest.raises(FxRatesError, match=r"rates\.csv: is a folder"):
        load_fx_rates(tmp_path / "rates.csv")
    with pytest.raises(FxRatesError, match=r"absent\.yaml does not exist"):
        load_fx_rates(tmp_path / "absent.yaml")


# --------------------------------------------------------------------------- ranking


def test_fees_in_other_currencies_are_converted_and_dated(
    world: Path, sqlite_settings: Settings
) -> None:
    services.import_path(world, workspace="w", settings=sqlite_settings)
    ranking = services.discover(
        _brief("GBP"), top_n=40, propose=False, workspace="w", settings=sqlite_settings
    ).ranking
    fx = reference_fx_rates()
    converted = 0
    for row in ranking.shortlist:
        cost = row.component("cost")
        currency = cost.numbers["currency"]
        if currency is None:  # no declared rate: nothing to convert
            assert cost.imputed and cost.detail == "no declared rate"
            continue
        if row.component("performance").imputed:
            continue
        assert not cost.imputed, cost.detail  # measured, whatever the currency
        if currency != "GBP":
            converted += 1
            conversion = fx.conversion(str(currency), "GBP")
            assert conversion is not None
            assert cost.numbers["fx_rate"] == pytest.approx(conversion.factor, rel=1e-5)
            assert cost.numbers["fx_date"] == conversion.on.isoformat()
            assert conversion.on.isoformat() in cost.detail and "GBP" in cost.detail
            assert "Cost:" in row.explanation or "cost" in row.explanation
    assert converted > 0
    assert ranking.model_versions["fx_rates"] == fx.describe()


def test_a_users_table_replaces_the_snapshot_and_gaps_are_said(
    world: Path, sqlite_settings: Settings, tmp_path: Path
) -> None:
    services.import_path(world, workspace="w", settings=sqlite_settings)

    def usd_costs(rates: str) -> list[Component]:
        path = tmp_path / "rates.yaml"
        path.write_text(f"base: GBP\ndate: 2025-06-30\nsource: treasury desk\nrates: {rates}\n")
        ranking = services.discover(
            _brief("GBP"),
            top_n=40,
            propose=False,
            workspace="w",
            settings=sqlite_settings,
            fx_rates=path,
        ).ranking
        costs = [row.component("cost") for row in ranking.shortlist]
        return [c for c in costs if c.numbers["currency"] == "USD"]

    with_usd = usd_costs("{USD: 1.25}")
    assert with_usd
    for cost in with_usd:
        assert cost.numbers["fx_rate"] == pytest.approx(0.8)
        assert cost.numbers["fx_date"] == "2025-06-30" and "treasury desk" in cost.detail
    without_usd = usd_costs("{EUR: 1.17}")  # no USD row: not measured, and the row says why
    assert without_usd
    for cost in without_usd:
        assert cost.imputed and "no exchange rate to GBP" in cost.detail


def test_the_budget_rule_compares_converted_fees(world: Path, sqlite_settings: Settings) -> None:
    services.import_path(world, workspace="w", settings=sqlite_settings)
    ranking = services.discover(
        _brief("GBP", amount=200), top_n=40, propose=False, workspace="w", settings=sqlite_settings
    ).ranking
    over = [f for f in ranking.excluded if f.rule_id == "brief-budget"]
    assert any("USD at 1 USD =" in f.reason for f in over)
    for finding in over:
        assert float(finding.numbers["rate"] or 0) > 200


# --------------------------------------------------------------------------- CLI


def test_cli_fx_rates_option(world: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"TRUSTREACH_DATA_DIR": str(tmp_path / "data")}
    assert runner.invoke(app, ["import", str(world), "-w", "w"], env=env).exit_code == 0
    brief = tmp_path / "brief.yaml"
    brief.write_text(yaml.safe_dump(_brief("GBP").model_dump(mode="json", exclude_none=True)))
    bad = tmp_path / "bad.csv"
    bad.write_text("currency,rate,base,date\nUSD,1.25,GBP,2025-06-31\n")
    refused = runner.invoke(
        app, ["discover", str(brief), "--dry-run", "--fx-rates", str(bad), "-w", "w"], env=env
    )
    assert refused.exit_code != 0 and isinstance(refused.exception, FxRatesError)
    assert "row 1: date: '2025-06-31' is not a date" in str(refused.exception)
    good = tmp_path / "good.csv"
    good.write_text("currency,rate,base,date,source\nUSD,1.25,GBP,2025-06-30,desk\n")
    result = runner.invoke(
        app,
        ["discover", str(brief), "--dry-run", "-f", "json", "--fx-rates", str(good), "-w", "w"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    dates = {
        c["numbers"].get("fx_date")
        for row in data["shortlist"]
        for c in row["components"]
        if c["name"] == "cost" and c["numbers"].get("currency") == "USD"
    }
    assert dates == {"2025-06-30"}
    assert str(good) in data["model_versions"]["fx_rates"]
    page = tmp_path / "shortlist.html"
    html = runner.invoke(
        app,
        ["discover", str(brief), "--dry-run", "-f", "html", "-o", str(page), "-w", "w"],
        env=env,
    )
    assert html.exit_code == 0, html.output
    snapshot = reference_fx_rates().conversion("USD", "GBP")
    assert snapshot is not None
    assert f"1 USD = {snapshot.factor:.4f} GBP" in page.read_text(encoding="utf-8")
    assert snapshot.on.isoformat() in page.read_text(encoding="utf-8")


def test_cli_refuses_a_hostile_table_in_one_line(tmp_path: Path) -> None:
    brief = tmp_path / "brief.yaml"
    brief.write_text(yaml.safe_dump(_brief("GBP").model_dump(mode="json", exclude_none=True)))
    table = tmp_path / "rates.yaml"
    table.write_text(
        "a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
        + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 11))
    )
    code, _, err = run_main("discover", str(brief), "--dry-run", "--fx-rates", str(table))
    assert code == 2, err
    assert err.strip().splitlines() == [
        f"error: exchange-rate table {table}: line 2: YAML aliases (*a0) are not allowed; "
        "write the value out"
    ]
