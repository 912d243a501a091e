"""``python -m numba_causal``: the ``numba-causal`` command."""

import sys

from .cli import main

sys.exit(main())
