"""One colour per candidate, one for the Pareto front: the same meaning on every chart.

Candidates take colours in scorecard order from :data:`CANDIDATE_PALETTE` (Tableau 10, then the
lighter Tableau 20 tones), so a candidate keeps its colour on every page of the dashboard. A
runtime variant such as ``"lr[onnx]"`` takes the colour of its base candidate. Beyond
:data:`MAX_DISTINCT` candidates colours stop telling candidates apart, so charts colour by front
membership instead: :data:`FRONT_COLOUR` for the Pareto front, :data:`DOMINATED_COLOUR` for the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

CANDIDATE_PALETTE: tuple[str, ...] = (
    "#4E79A7",
    "#F28E2B",
    "#E15759",
    "#76B7B2",
    "#59A14F",
    "#EDC948",
    "#B07AA1",
    "#FF9DA7",
    "#9C755F",
    "#79706E",
    "#A0CBE8",
    "#FFBE7D",
    "#FF9D9A",
    "#86BCB6",
    "#8CD17D",
    "#F1CE63",
    "#D4A6C8",
    "#FABFD2",
    "#D7B5A6",
    "#BAB0AC",
)
#: The Pareto front: its line and the outline of its members, on every chart.
FRONT_COLOUR = "#1B1B1B"
#: Dominated candidates when there are too many to colour one by one.
DOMINATED_COLOUR = "#A8A8A8"
#: Reference lines that are not candidates (SLO, chance, perfect calibration, thresholds).
REFERENCE_COLOUR = "#C62828"
NEUTRAL_COLOUR = "#6B6B6B"
#: Above this many candidates, charts colour by front membership.
MAX_DISTINCT = len(CANDIDATE_PALETTE)


def candidate_colours(names: Iterable[str]) -> dict[str, str]:
    """``{candidate: colour}`` in the given (scorecard) order; cycles beyond the palette.

    Examples
    --------
    >>> candidate_colours(["a", "b"])
    {'a': '#4E79A7', 'b': '#F28E2B'}
    """
    return {str(n): CANDIDATE_PALETTE[i % len(CANDIDATE_PALETTE)] for i, n in enumerate(names)}


def base_name(name: str) -> str:
    """The candidate a runtime variant belongs to (``"lr[onnx]"`` -> ``"lr"``)."""
    return name.split("[", 1)[0] if name.endswith("]") and "[" in name else name


def colour_of(name: str, colours: Mapping[str, str] | None) -> str:
    """A candidate's colour (its base candidate's for a variant; neutral when unknown)."""
    if not colours:
        return NEUTRAL_COLOUR
    return colours.get(name) or colours.get(base_name(name)) or NEUTRAL_COLOUR
