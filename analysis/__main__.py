"""``python -m analysis``: the command line (see :mod:`analysis.pipeline.cli`)."""

import sys

try:
    from .pipeline.cli import main

    code = main()
except KeyboardInterrupt:  # Ctrl-C while Python imports, before the command handles it: nothing started yet
    print("interrupted", file=sys.stderr)
    code = 130
sys.exit(code)
