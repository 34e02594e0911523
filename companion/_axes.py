"""The Axes a figure or diagram draws on: the one given, or a new figure's (a helper of the package)."""
from __future__ import annotations

def require_axes(ax, figsize: tuple[float, float], **margins):
    """``ax`` if it is a matplotlib ``Axes``; if it is ``None``, the Axes of a new figure of
    ``figsize`` inches, with ``margins`` (``left``, ``right``, ``bottom``, ``top``, ``wspace``…)
    passed to ``Figure.subplots_adjust``. Raises ``ValueError`` naming ``ax`` for anything else,
    which matplotlib would otherwise reject halfway through a drawing with an ``AttributeError``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    if ax is None:
        figure, ax = plt.subplots(figsize=figsize)
        if margins:
            figure.subplots_adjust(**margins)
        return ax
    if not isinstance(ax, Axes):
        raise ValueError(f"ax: expected a matplotlib Axes or None, got {type(ax).__name__}")
    return ax
