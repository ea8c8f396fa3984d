"""``python -m analysis``: the command line (see :mod:`analysis.pipeline.cli`)."""

import sys

from .pipeline.cli import main

sys.exit(main())
