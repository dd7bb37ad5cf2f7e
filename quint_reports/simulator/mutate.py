"""Changes over time, for incremental syncs: new sessions, and running sessions moving on.

Each call moves the simulated clock forward (``Org.now_ts``) and draws from
its own stream (seed and call number), so a sequence of calls is
reproducible. Invariants kept: an ended parent has only ended descendants,
and everything new happens after the previous "now".
"""

from __future__ import annotations

import random

from quint_reports.simulator.generate import Generator
from quint_reports.simulator.live import descendants
from quint_reports.simulator.org import Session
from quint_reports.simulator.vocab import iso

ADD_HOURS = 6
"""How far ``add_sessions`` moves the clock; new sessions start within that span."""
ADVANCE_HOURS = 1
"""How far ``advance`` moves the clock."""


def add_sessions(gen: Generator, seed: int, call: int, n: int) -> list[str]:
    """Add ``n`` sessions in new trees, all started after the current simulated time.

    Args:
        gen: the organisation's generator.
        seed: the simulator's seed.
        call: the mutation's sequence number (keeps successive calls distinct).
        n: how many sessions to add.

    Returns:
        The ids of the new sessions.
    """
    org = gen.org
    before = len(org.sessions)
    lo = org.now_ts + 60
    now = org.now_ts + ADD_HOURS * 3600
    made, tree = 0, 0
    while made < n:
        rng = random.Random(f"{seed}:add:{call}:{tree}")
        made += gen.tree(rng, n - made, lo=lo, now=now)
        tree += 1
    org.now_ts = now
    org.finalize()
    return [s.id for s in org.sessions[before:]]


def _end(s: Session, ts: int) -> None:
    s.ended_ts = ts
    s.record["state"] = "ended"
    s.record["ended_at"] = iso(ts)


def advance(gen: Generator, seed: int, call: int, share: float) -> list[str]:
    """Let ``share`` of the not-ended sessions gain events, switch between active and idle, or end.

    A session that ends takes its still-running descendants with it (same
    ``ended_at``), so children stay inside their parent's window.

    Args:
        gen: the organisation's generator.
        seed: the simulator's seed.
        call: the mutation's sequence number.
        share: fraction (0 to 1) of the not-ended sessions to change.

    Returns:
        Ids of the sessions whose served resources changed (including parents whose
        ``children`` records changed).
    """
    if not 0.0 <= share <= 1.0:
        raise ValueError("share must lie in [0, 1]")
    org = gen.org
    rng = random.Random(f"{seed}:advance:{call}")
    old_now, now = org.now_ts, org.now_ts + ADVANCE_HOURS * 3600
    running = [s for s in org.ordered if s.ended_ts is None]
    chosen = sorted(rng.sample(running, round(share * len(running))), key=lambda s: (s.started_ts, s.id))
    changed: dict[str, Session] = {}
    for s in chosen:
        if s.ended_ts is not None:
            continue  # ended with an ancestor earlier in this call
        if rng.random() < 0.8:
            t0 = max(s.last_ts, old_now) + 1
            gen.events(rng, s, 1 + int(rng.expovariate(0.1)), t0, now - 1)
        if rng.random() < 0.5:
            for victim in [s, *descendants(org, s)]:
                if victim.ended_ts is None:
                    org.score_pending(victim)
                    _end(victim, now)
                    changed[victim.id] = victim
        else:
            s.record["state"] = "active" if rng.random() < 0.6 else "idle"
        changed[s.id] = s
    for s in list(changed.values()):
        if s.link is not None and s.link in org.by_id:
            changed.setdefault(s.link, org.by_id[s.link])
    org.now_ts = now
    org.finalize()
    return sorted(changed)
