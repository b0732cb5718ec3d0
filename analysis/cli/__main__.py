"""``python -m analysis.cli``: the ``tradeoffs`` command without the console script.

Handy with interpreter options, e.g. ``python -X importtime -m analysis.cli rank --help``.
"""

from __future__ import annotations

import sys

from analysis.cli import main

if __name__ == "__main__":
    sys.exit(main())
