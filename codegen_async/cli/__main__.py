"""``python -m codegen_async.cli``: the same as the ``codegen-client`` console script."""

from __future__ import annotations

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
