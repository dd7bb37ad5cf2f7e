"""Misbehaviour on demand: latency, 5xx, 429 with Retry-After, cut bodies, hangs.

Whether a request faults depends only on the seed, the request's path and
query, and how many times that exact path and query has been asked for
before. Concurrency therefore cannot change the outcome, and a path faults on
at most its first ``max_faults_per_path`` attempts, so a client that retries
always gets through and can land exactly the ground truth.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Faults:
    """Which faults the simulator injects into ``/v1/...`` requests (``/health`` and ``/ready`` never fault).

    Attributes:
        latency_ms: delay added to every request, in milliseconds.
        error_rate: share of attempts answered with 500, 502 or 503.
        rate_limit_rate: share of attempts answered with 429 and a ``Retry-After`` header.
        retry_after: the ``Retry-After`` value in seconds (0 is allowed: "no hint").
        cut_body_rate: share of attempts whose body stops half way (``Content-Length`` promises
            the full body, then the connection closes).
        hang_rate: share of attempts that get no answer for ``hang_seconds``, then a closed
            connection; a stopping server releases them at once.
        hang_seconds: how long a hung request waits.
        max_faults_per_path: only the first this-many attempts of one path and query can fault.
    """

    latency_ms: int = 0
    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    retry_after: int = 1
    cut_body_rate: float = 0.0
    hang_rate: float = 0.0
    hang_seconds: float = 30.0
    max_faults_per_path: int = 2

    def __post_init__(self) -> None:
        rates = (self.error_rate, self.rate_limit_rate, self.cut_body_rate, self.hang_rate)
        if any(not 0.0 <= r <= 1.0 for r in rates) or sum(rates) > 1.0 + 1e-9:
            raise ValueError("fault rates must each lie in [0, 1] and sum to at most 1")
        if self.latency_ms < 0 or self.retry_after < 0 or self.hang_seconds < 0 or self.max_faults_per_path < 0:
            raise ValueError("latency_ms, retry_after, hang_seconds and max_faults_per_path must not be negative")

    @property
    def any_rate(self) -> bool:
        """True when some fault besides latency can happen."""
        return (self.error_rate + self.rate_limit_rate + self.cut_body_rate + self.hang_rate) > 0


FAULT_KINDS = ("error", "rate_limit", "cut_body", "hang")


def _uniform(seed: int, key: str, attempt: int, salt: str) -> float:
    digest = hashlib.blake2b(f"{seed}|{salt}|{attempt}|{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def decide(faults: Faults, seed: int, key: str, attempt: int) -> tuple[str, int] | None:
    """Choose the fault for one attempt, or None for a normal answer.

    Args:
        faults: the switches.
        seed: the simulator's seed.
        key: the request's path and query string.
        attempt: how many times this key was requested before (0 for the first time).

    Returns:
        ``(kind, status)`` with kind in ``FAULT_KINDS`` (status is the HTTP status for
        ``error`` and ``rate_limit``, else 0), or None.
    """
    if attempt >= faults.max_faults_per_path or not faults.any_rate:
        return None
    u = _uniform(seed, key, attempt, "fault")
    edge = 0.0
    for kind, rate in zip(
        FAULT_KINDS, (faults.error_rate, faults.rate_limit_rate, faults.cut_body_rate, faults.hang_rate), strict=False
    ):
        edge += rate
        if u < edge:
            if kind == "error":
                return kind, (500, 502, 503)[int(_uniform(seed, key, attempt, "status") * 3)]
            return kind, 429 if kind == "rate_limit" else 0
    return None
