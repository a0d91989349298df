"""The cell-key method: every published count is perturbed by noise keyed on the records it counts.

Decision and references: docs/decisions/0010-cell-key-disclosure-control.md; the rules in words:
docs/analytics.md ("Disclosure control").

Signatures (stable; the dashboard and the reports build on them)::

    record_key(family: str, record_id: int) -> int          # 0..N-1, secret and stable
    record_key_sql(family: str, field: str = "id") -> Expression   # the same in SQL (Sum() it)
    noise(count: int, cell_key: int) -> int                  # the published perturbation table (PTABLE)
    published(count: int, key_sum: int, *, exact: bool) -> Figure
    share(part: Figure, whole: Figure) -> str                # a percentage computed from published figures

    Figure(value: int | None, state: State)   .display -> "12" | "<5" | "—"

How it works:

- **Record key.** Each counted record (an intake, a household, a referral, a case ...) gets a key in
  0..N-1 from its primary key by a keyed affine hash ``((id mod P) * a + b) mod P mod N``, ``a`` and
  ``b`` derived (HMAC-SHA256) from the secret ``ANALYTICS_CELL_KEY_SECRET`` (falling back to
  ``SECRET_KEY``) and the family name. No column is stored; SQL and Python compute the same key.
- **Cell key.** A cell's key is the sum of its records' keys mod N. Sums are additive, so a rollup
  that keeps (count, key sum) per month and area can serve any union of its rows.
- **Noise.** ``noise(count, cell key)`` is read from the perturbation table: 0 stays 0; every other
  count moves by -4..+4 (never below 1), 0 for half the cell keys, and by the largest amount (±4) for
  one cell key in 4,096. The same records always give the same figure.
- **Display.** A perturbed value of 1-4 is shown as "<5" (the spec's rule, kept on top of the noise).
  Users who may see every record anyway (the coordination section) get the exact counts.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from django.conf import settings

THRESHOLD = 5
SMALL_DISPLAY = "<5"
NO_SHARE = "—"

# The modulus of the keyed hash (a Mersenne prime: every id is reduced mod P first, so the product
# (id mod P) * a stays below 2**62 and fits a signed 64-bit integer in SQLite and PostgreSQL).
P = 2**31 - 1
# Cell keys are 0..N-1.
N = 4096

# The perturbation table (ptable), published: for every count of 1 or more, how many of the N cell keys
# give each noise value. Symmetric (no bias for counts of 5 and more), half the cells unchanged, and the
# largest noise for one cell key in 4,096 in each direction. An attacker who combines figures can be
# certain of a count only where the largest noise was drawn (docs/analytics.md explains why).
MAX_NOISE = 4
NOISE_WEIGHTS: dict[int, int] = {0: 2048, 1: 737, -1: 737, 2: 246, -2: 246, 3: 40, -3: 40, 4: 1, -4: 1}


class State(StrEnum):
    SHOWN = "shown"
    SMALL = "small"  # a published value of 1-4, shown as "<5"
    WITHHELD = "withheld"  # not published (a share or an average without enough behind it), shown as "—"


@dataclass(frozen=True)
class Figure:
    """One published figure: the value when shown, otherwise only its state."""

    value: int | None
    state: State

    @property
    def display(self) -> str:
        if self.state is State.SMALL:
            return SMALL_DISPLAY
        if self.state is State.WITHHELD:
            return NO_SHARE
        return str(self.value)

    @property
    def suppressed(self) -> bool:
        return self.state is not State.SHOWN

    def __str__(self) -> str:
        return self.display


ZERO = Figure(0, State.SHOWN)


# --- record keys ---------------------------------------------------------------------------


def configured_secret() -> str:
    """The statistics secret: the setting, else the environment (empty when neither is set)."""
    return str(getattr(settings, "ANALYTICS_CELL_KEY_SECRET", "") or os.environ.get("ANALYTICS_CELL_KEY_SECRET", ""))


def _secret() -> bytes:
    return (configured_secret() or str(settings.SECRET_KEY)).encode()


@cache
def _coefficients(secret: bytes, family: str) -> tuple[int, int]:
    digest = hmac.new(secret, f"tsunagiai.analytics.cell-key:{family}".encode(), hashlib.sha256).digest()
    a = 1 + int.from_bytes(digest[:8], "big") % (P - 1)  # 1..P-1: a bijection of the residues
    b = int.from_bytes(digest[8:16], "big") % P
    return a, b


def coefficients(family: str) -> tuple[int, int]:
    return _coefficients(_secret(), family)


def key_fingerprint() -> str:
    """Changes when the secret changes (the rollup's key sums must then be computed again)."""
    return hashlib.sha256(b"fingerprint:" + _secret()).hexdigest()[:16]


def record_key(family: str, record_id: int) -> int:
    a, b = coefficients(family)
    return ((record_id % P) * a + b) % P % N


def record_key_sql(family: str, field: str = "id") -> Any:
    """The record key as an SQL expression (plain arithmetic: no function call per row on SQLite)."""
    from django.db.models import F, Value

    a, b = coefficients(family)
    return ((F(field) % Value(P)) * Value(a) + Value(b)) % Value(P) % Value(N)


# --- the perturbation table ------------------------------------------------------------------


@cache
def _rows() -> dict[int, tuple[int, ...]]:
    """For counts 1..MAX_NOISE (whose noise may not reach 0 or below) and for every larger count
    (key MAX_NOISE + 1): the noise of each cell key 0..N-1, laid out in blocks of cell keys."""
    order = sorted(NOISE_WEIGHTS, key=lambda d: (abs(d), d))  # 0, -1, 1, -2, 2 ... blocks in this order
    rows: dict[int, tuple[int, ...]] = {}
    for count in range(1, MAX_NOISE + 2):
        row: list[int] = []
        for d in order:
            # noise that would publish 0 or less is folded into "unchanged": zero means nobody
            row.extend([d if count + d >= 1 else 0] * NOISE_WEIGHTS[d])
        rows[count] = tuple(row)
    return rows


def noise(count: int, cell_key: int) -> int:
    """The perturbation for a count and its cell key (0 for a count of 0)."""
    if count <= 0:
        return 0
    return _rows()[min(count, MAX_NOISE + 1)][cell_key % N]


def perturbed(count: int, key_sum: int) -> int:
    return count + noise(count, key_sum % N)


def possible_counts(display: str) -> tuple[int, int | None]:
    """What a published figure tells anyone who knows this table: the least and greatest true count
    (None: no upper limit). "0" is exactly 0; "<5" is 1 to 4 + MAX_NOISE; a shown p is p-4..p+4 (≥ 1)."""
    if display == "0":
        return 0, 0
    if display == SMALL_DISPLAY:
        return 1, THRESHOLD - 1 + MAX_NOISE
    value = int(display)
    return max(1, value - MAX_NOISE), value + MAX_NOISE


def published(count: int, key_sum: int, *, exact: bool) -> Figure:
    """The figure to publish for a cell of ``count`` records whose keys add up to ``key_sum``."""
    if exact:
        return Figure(count, State.SHOWN)
    if count == 0:
        return ZERO
    value = perturbed(count, key_sum)
    if value < THRESHOLD:
        return Figure(None, State.SMALL)
    return Figure(value, State.SHOWN)


def share(part: Figure, whole: Figure) -> str:
    """A percentage computed only from published figures ("—" when either is "<5" or the whole is 0)."""
    if part.value is None or whole.value is None or whole.value == 0:
        return NO_SHARE
    return f"{min(100.0, 100 * part.value / whole.value):.1f}%"


def rate(part: Figure, whole: Figure) -> float | None:
    if part.value is None or whole.value is None or whole.value == 0:
        return None
    return min(1.0, part.value / whole.value)
