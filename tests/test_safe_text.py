"""Untrusted text: HTML escaping, file-name slugs, CSV formula neutralising."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from quint_reports.reporting.safe_text import (
    escape_html,
    escape_plotly,
    neutralise_cell,
    neutralise_frame,
    slugify,
    unique_slugs,
)

HOSTILE = [
    "../../etc/passwd",
    "..",
    ".",
    "",
    "/",
    "openai/gpt-4o",
    "OpenAI/GPT-4o",
    "openai gpt-4o",
    "gpt-4o",
    "GPT-4o",
    "модель-🤖",
    "modèle",
    "<script>window.__pwned=1</script>",
    "a\x00b",
    "C:\\Windows\\system32",
    "x" * 500,
    ".hidden",
    "name\nwith\nnewlines",
]

SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@pytest.mark.parametrize("name", HOSTILE, ids=range(len(HOSTILE)))
def test_slug_is_a_plain_file_name(name: str, tmp_path: Path) -> None:
    slug = slugify(name)
    assert SLUG.match(slug), slug
    assert ".." not in slug and "/" not in slug and "\\" not in slug
    assert len(slug) <= 69
    # The slug names a file directly inside the folder, nowhere else.
    target = (tmp_path / f"{slug}.html").resolve()
    assert target.parent == tmp_path.resolve()


def test_slugs_are_unique_even_when_names_fold_alike() -> None:
    slugs = unique_slugs(HOSTILE + HOSTILE)
    assert set(slugs) == set(HOSTILE)
    lowered = [s.lower() for s in slugs.values()]
    assert len(lowered) == len(set(lowered)) == len(HOSTILE)


def test_safe_names_keep_their_spelling_and_slugs_are_stable() -> None:
    assert slugify("claude-sonnet-4-20250514") == "claude-sonnet-4-20250514"
    assert slugify("cursor") == "cursor"
    assert slugify("openai/gpt-4o").startswith("openai-gpt-4o-")
    assert slugify("openai/gpt-4o") == slugify("openai/gpt-4o")
    assert slugify(None) == slugify("")


def test_escape_html() -> None:
    assert escape_html('<img src=x onerror="a()">&') == "&lt;img src=x onerror=&quot;a()&quot;&gt;&amp;"
    assert escape_html("it's") == "it&#x27;s"
    assert escape_html(None) == ""
    assert escape_html(float("nan")) == ""
    assert escape_html(42) == "42"


def test_escape_plotly_leaves_quotes_which_plotly_would_show_as_entities() -> None:
    assert escape_plotly('<b>"x" & y</b>') == '&lt;b&gt;"x" &amp; y&lt;/b&gt;'
    assert escape_plotly(None) == ""


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","y")'])
def test_formula_cells_are_neutralised(cell: str) -> None:
    assert neutralise_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["claude", "a=b", " =1", "", 5, -3.5, None])
def test_other_cells_are_untouched(cell: object) -> None:
    assert neutralise_cell(cell) == cell


def test_frame_neutralises_text_columns_only() -> None:
    frame = pd.DataFrame(
        {
            "model": ["=cmd|'/c calc'!A1", "gpt", None],
            "name": pd.array(["@x", "-y", "ok"], dtype="string"),
            "delta": [-1, 2, -3],
            "ratio": [-0.5, 0.1, float("nan")],
        }
    )
    out = neutralise_frame(frame)
    assert out["model"].tolist()[:2] == ["'=cmd|'/c calc'!A1", "gpt"]
    assert out["model"].isna().tolist()[2]
    assert out["name"].tolist() == ["'@x", "'-y", "ok"]
    assert out["delta"].tolist() == [-1, 2, -3]
    assert out["delta"].dtype == frame["delta"].dtype
    assert out["ratio"].dtype == frame["ratio"].dtype
    assert frame["model"].iloc[0].startswith("=")  # the input is not modified
