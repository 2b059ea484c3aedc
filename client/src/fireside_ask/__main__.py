"""``python -m fireside_ask``: the same as the ``fireside-ask`` command."""

import sys

from .cli import main

sys.exit(main())
