"""Progress bars that a notebook can afford.

Every long loop in the course shows a ``tqdm`` bar. In Jupyter, ``tqdm.auto`` draws an
ipywidgets bar, and each redraw is a few messages from the kernel to the front end. A
client that reads those messages only after the cell ends (nbval does) buffers them in
ZeroMQ queues of about a thousand messages, and the kernel drops what does not fit,
including the message that says the cell has finished. A bar that redraws ten times a
second over a few minutes of training is enough to lose it.

:func:`progress_bar` therefore bounds the number of redraws of a bar, whatever its length
or speed: it redraws after every ``total / redraws`` steps and at most once per
``min_seconds``.
"""

from __future__ import annotations

import math
from typing import Any

from tqdm.auto import tqdm

from ._checks import require_non_negative_int, require_positive_int

DEFAULT_REDRAWS = 25
DEFAULT_MIN_SECONDS = 0.5


def progress_bar(
    total: int | None,
    desc: str,
    *,
    redraws: int = DEFAULT_REDRAWS,
    min_seconds: float = DEFAULT_MIN_SECONDS,
    **options: Any,
) -> tqdm:
    """A ``tqdm.auto`` bar that redraws at most about ``redraws`` times.

    ``total`` may be ``None`` (a download without a known size); the bar then redraws at
    most once per ``min_seconds``. Other keyword arguments go to ``tqdm`` unchanged.
    Update a bar's postfix with ``set_postfix(..., refresh=False)``, so that the postfix
    rides on the next redraw instead of adding its own. Every chapter's long loops use it
    (chapters 1 to 4).

    Raises ``ValueError`` if ``total`` is not ``None`` or a non-negative integer, ``redraws`` is
    not a positive integer, or ``min_seconds`` is not a non-negative number.
    """
    if total is not None:
        require_non_negative_int("total", total, "an empty loop; None: an unknown length")
    require_positive_int("redraws", redraws)
    if isinstance(min_seconds, bool) or not isinstance(min_seconds, (int, float)) or not min_seconds >= 0:
        raise ValueError(f"min_seconds: expected a non-negative number of seconds, got {min_seconds!r}")
    steps_per_redraw = max(1, math.ceil(total / redraws)) if total else 1
    return tqdm(
        total=total,
        desc=desc,
        miniters=steps_per_redraw,
        mininterval=min_seconds,
        # tqdm's monitor thread resets miniters to 1 after `maxinterval` seconds without a
        # redraw, which would undo the bound on slow steps.
        maxinterval=math.inf,
        **options,
    )
