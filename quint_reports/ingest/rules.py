"""The record rules that validation and the SQL checks both apply, declared once.

``quint_reports.ingest.validate`` reads these constants; the view loader renders
them into SQL macros (``sql_macros()``), created in ``main`` before the staging
layer, which ``sql/staging`` and ``sql/checks`` call: ``rule_is_session_id(id)``,
``rule_is_event_id(id)``, ``rule_risk_score_valid(n)``, ``rule_required_fields(kind)``,
``rule_states()``, ``rule_decisions()``. A macro is expanded where it is called, so a
pattern stays a literal there and is compiled once, not once per row.
"""

from __future__ import annotations

UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
"""A well-formed UUID, any version: event ids, and one form of session id."""

EDGE_ID_PATTERN = r"[0-9]{1,10}-[0-9]{10,16}"
"""The edge-generated session id ``{rootPID}-{startUnixMs}`` (changelog v1.0.3), e.g. ``59247-1777085379101``."""

SESSION_ID_PATTERN = f"{UUID_PATTERN}|{EDGE_ID_PATTERN}"
"""Both documented session id forms."""

RISK_SCORE_RANGE = (0, 100)
"""A valid ``risk_score``: a JSON integer in this closed range."""

STATES = ("active", "idle", "ended")
"""Documented session states."""

DECISIONS = ("allow", "block")
"""Documented event policy decisions."""

REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "session": ("id", "session_name", "model", "platform", "state", "started_at"),
    "event": ("id", "action_type", "tool_name", "timestamp"),
}
"""Per record kind, the fields that may be neither absent nor null. Not required (the documented
examples omit them): ``signing_id``, ``parent_id``, ``ended_at``; an event's ``session_id``,
``agent_id``, ``arguments``, ``decision``. ``risk_score`` has rules of its own."""


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(_literal(v) for v in values) + "]"


def sql_macros() -> str:
    """The ``create or replace macro`` statements that carry these rules into SQL."""
    low, high = RISK_SCORE_RANGE
    required = " ".join(f"when {_literal(kind)} then {_list(fields)}" for kind, fields in REQUIRED_FIELDS.items())
    return "\n".join(
        [
            "-- Record rules shared with quint_reports.ingest.validate; rendered from quint_reports.ingest.rules.",
            f"create or replace macro rule_is_session_id(id) as regexp_full_match(id, {_literal(SESSION_ID_PATTERN)});",
            f"create or replace macro rule_is_event_id(id) as regexp_full_match(id, {_literal(UUID_PATTERN)});",
            f"create or replace macro rule_risk_score_valid(score) as score between {low} and {high};",
            f"create or replace macro rule_required_fields(record_kind) as case record_kind {required} end;",
            f"create or replace macro rule_states() as {_list(STATES)};",
            f"create or replace macro rule_decisions() as {_list(DECISIONS)};",
        ]
    )
