"""Text labels next to scatter points that do not collide, placed when the figure is built.

Plotly draws a trace's text at a fixed position (above, below...) whatever its neighbours do, so
the names of clustered candidates print on top of each other. :func:`place_labels` instead tries a
few positions around each point, in priority order, and keeps the first whose box stays inside the
plot and overlaps no other label and no marker; a label that fits nowhere is left out (the legend
and the hover text still name the point). A figure's pixel size is only known in the browser, so
the boxes are checked at several plausible plot sizes (:data:`PLOT_SIZES`): a placement is kept only
if it is clear at every one of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Plot-area sizes (width, height in pixels) at which labels must not collide: a full-width chart
#: on a 1000 px screen, on a laptop and on a large screen.
PLOT_SIZES: tuple[tuple[int, int], ...] = ((440, 290), (680, 320), (960, 350))
#: Width of one label character and height of a label (12 px font), in pixels.
CHAR_PX = 7.0
LINE_PX = 16.0
#: Half the size of the square a marker occupies, in pixels.
MARKER_PX = 8.0
_GAP = 4.0
#: Rings of positions tried around a point; beyond the first, a leader line joins label and point.
RINGS = 4


@dataclass(frozen=True)
class PlacedLabel:
    """One label: the point it names and where its box's centre sits, in pixels from the point.

    ``dx`` grows to the right and ``dy`` upwards; ``arrow`` says whether the label sits far
    enough from its point to need a leader line.
    """

    index: int
    text: str
    dx: float
    dy: float
    arrow: bool

    def box(self, u: float, v: float, size: tuple[int, int]) -> tuple[float, float, float, float]:
        """``(left, bottom, right, top)`` of the label in pixels for a point at ``(u, v)`` (0..1)."""
        return _box(u * size[0] + self.dx, v * size[1] + self.dy, self.text)


def _half_width(text: str) -> float:
    return len(text) * CHAR_PX / 2 + 2


def _box(cx: float, cy: float, text: str) -> tuple[float, float, float, float]:
    hw, hh = _half_width(text), LINE_PX / 2
    return (cx - hw, cy - hh, cx + hw, cy + hh)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _offsets(text: str) -> list[tuple[float, float, bool]]:
    """Label centres to try around a point, nearest first: above, below, beside, then diagonals.

    Rings further out carry a leader line.
    """
    hw = _half_width(text)
    near = LINE_PX / 2 + MARKER_PX + 2
    side = hw + MARKER_PX + _GAP
    out = []
    for ring in range(RINGS):
        up, out_x = near + 22 * ring, side + 18 * ring
        for sx, sy in ((0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1)):
            out.append((float(sx * out_x), float(sy * up), ring > 0))
    return out


def place_labels(
    u: Sequence[float],
    v: Sequence[float],
    texts: Sequence[str | None],
    *,
    sizes: Sequence[tuple[int, int]] = PLOT_SIZES,
) -> list[PlacedLabel]:
    """Positions for the labels of points at ``(u, v)``, in ``[0, 1]`` of the plot (0 = left, bottom).

    ``texts[i]`` is the label of point ``i`` (``None``: an unlabelled point, still an obstacle).
    Labels are placed in the order given (put the most important first); a label that cannot be
    placed clear of every label and marker at every size in ``sizes`` is left out.

    Examples
    --------
    >>> placed = place_labels([0.5, 0.5], [0.5, 0.5], ["a", "b"])  # two points on top of each other
    >>> [(p.text, p.dy > 0) for p in placed]
    [('a', True), ('b', False)]
    """
    u = np.asarray(u, dtype=float)
    v = np.asarray(v, dtype=float)
    m = MARKER_PX
    markers = [[(x * w - m, y * h - m, x * w + m, y * h + m) for x, y in zip(u, v, strict=True)] for w, h in sizes]
    placed: list[PlacedLabel] = []
    boxes: list[list[tuple[float, float, float, float]]] = [[] for _ in sizes]
    for i, text in enumerate(texts):
        if not text or not (np.isfinite(u[i]) and np.isfinite(v[i])):
            continue
        for dx, dy, arrow in _offsets(text):
            candidate = [_box(u[i] * w + dx, v[i] * h + dy, text) for w, h in sizes]
            if all(_clear(b, boxes[k], markers[k], sizes[k]) for k, b in enumerate(candidate)):
                placed.append(PlacedLabel(i, text, dx, dy, arrow))
                for k, b in enumerate(candidate):
                    boxes[k].append(b)
                break
    return placed


def _clear(box, labels, markers, size) -> bool:
    if box[0] < 0 or box[1] < 0 or box[2] > size[0] or box[3] > size[1]:
        return False
    return not any(_overlap(box, other) for other in labels) and not any(_overlap(box, m) for m in markers)
