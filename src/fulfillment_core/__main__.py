"""``python -m fulfillment_core``: the same as the ``fulfillment-core`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
