"""Deterministic randomness for the generator, as SQL expressions.

Everything is computed in DuckDB SQL, vectorised; nothing uses random(). Two kinds of draws:

- Attributes that only need to look random (a time of day, an account, a contact, a persona)
  come from hash(seed, keys..., salt) mapped to [0, 1): `uniform()`. The salt is a stable
  number derived from a name (crc32), so every call site draws independently.
- Decisions whose share matters (does this demo request get a meeting? which lag?) are
  stratified rather than independent coin flips, so that small volumes still show the
  planned rates: the n-th row of a stratum, in time order, converts when
  frac(n * alpha + offset) < rate, alpha irrational (a Weyl sequence), offset a hash of the
  seed, the stratum and the decision: `weyl()`. Ranking in time order makes (time, decision)
  a low-discrepancy point set, so any window of time (a week, a month) gets its planned share
  of conversions and of each lag. A decision and its lag share a rank and use the two steps of
  the R2 sequence, so they are jointly well distributed too (see DECISIONS).

Every window that numbers rows (row_number) orders by a unique key, and every aggregate that
feeds a decision is over integers, so the output is byte-for-byte the same for a seed whatever
the number of threads.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

TWO_TO_64 = "18446744073709551616.0::double"

# Weyl steps. A decision and its lag are taken on the same rank, so their steps must be
# jointly well distributed, not only each on its own: two steps close to a small-integer
# relation (say 0.732 and 0.236, nearly 3:1) decide in step for dozens of ranks and leave
# weekly patterns. The pair is the R2 sequence's (1/p, 1/p^2, p the plastic number), the
# best-known two-dimensional Kronecker sequence; a decision taken alone on its rank uses the
# golden ratio's step.
GOLDEN = 0.6180339887498949
R2_FIRST = 0.7548776662466927
R2_SECOND = 0.5698402909980532

# Every stratified decision, by name, with its step.
DECISIONS: dict[str, float] = {
    "demo": GOLDEN,
    "schedule": R2_FIRST,
    "schedule_lag": R2_SECOND,
    "meeting_lag": GOLDEN,
    "opportunity": R2_FIRST,
    "opportunity_lag": R2_SECOND,
    "qualify": R2_FIRST,
    "qualify_lag": R2_SECOND,
    "win": R2_FIRST,
    "close_lag": R2_SECOND,
    "amount": GOLDEN,
    "abm_drop": GOLDEN,
    "accept": R2_FIRST,
    "decision_lag": R2_SECOND,
    "activation": R2_FIRST,
    "activation_lag": R2_SECOND,
    "pqa": R2_FIRST,
    "pqa_lag": R2_SECOND,
    "arr": GOLDEN,
}


def alpha(decision: str) -> float:
    """The Weyl step of a decision."""
    return DECISIONS[decision]


def salt(name: str) -> int:
    """A stable number for a name, so that draws at different call sites are independent."""
    return zlib.crc32(name.encode("utf-8"))


def hash_sql(seed: int, keys: Sequence[str | int], name: str) -> str:
    """SQL for hash(seed, keys..., salt(name)), an unsigned 64-bit integer."""
    args = ", ".join(str(k) for k in (*keys, salt(name)))
    return f"hash({seed}::bigint, {args})"


def uniform(seed: int, keys: Sequence[str | int], name: str) -> str:
    """SQL for a uniform draw in [0, 1) from the hash of seed, keys and name."""
    return f"({hash_sql(seed, keys, name)} / {TWO_TO_64})"


def weyl(seed: int, rank: str, decision: str, partition: Sequence[str | int]) -> str:
    """SQL for frac(rank * alpha + offset), the offset a hash of seed, partition and decision."""
    offset = uniform(seed, partition, "weyl_" + decision)
    expr = f"({rank} * {alpha(decision)!r}::double + {offset})"
    return f"({expr} - floor({expr}))"


def pick(u: str, weights: Sequence[float]) -> str:
    """SQL CASE mapping a draw u in [0, 1) to the index of a weight (cumulative shares)."""
    total = sum(weights)
    whens = []
    cumulative = 0.0
    for i, weight in enumerate(weights[:-1]):
        cumulative += weight / total
        whens.append(f"when {u} < {cumulative!r} then {i}")
    if not whens:
        return "0"
    return f"(case {' '.join(whens)} else {len(weights) - 1} end)"
