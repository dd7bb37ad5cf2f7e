"""What ``--fail-on`` accepts; light enough for the CLI to build its options without pandas."""

FAIL_ON: dict[str, tuple[str, ...]] = {
    "error": ("error",),
    "warning": ("error", "warning"),
    "never": (),
}
"""``--fail-on`` value -> the severities that count as failing."""
