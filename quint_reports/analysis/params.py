"""Notebook parameters as papermill (``-p`` / ``-y``) or a caller passes them, made into what the API takes."""

from __future__ import annotations

from collections.abc import Iterable

from quint_reports.exceptions import ConfigError


def model_list(models: str | Iterable[str] | None) -> list[str] | None:
    """The models to show: ``None`` (every model), one name, a comma-separated string or a list.

    ``papermill -p models gpt-4o`` passes a string, ``-y 'models: [a, b]'`` a list; both mean the same.
    Blank entries are dropped; an empty result means every model.

    Raises:
        ConfigError: an entry is not text.
    """
    if models is None:
        return None
    items = models.split(",") if isinstance(models, str) else list(models)
    names: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ConfigError(f"models: each entry must be a model name (text), got {item!r}")
        if item.strip():
            names.append(item.strip())
    return names or None
