"""``python -m analysis``: the command line (see :mod:`analysis.pipeline.cli`). A single render
goes to a running render service first (:func:`analysis.pipeline.service.forward`), and a scenario
batch starts its kernels' template (:func:`analysis.pipeline.early.start`), both before the
command line's own imports (pandas and the report stack, about half a second)."""

import sys

try:
    from .pipeline.early import end, is_batch, start
    from .pipeline.service import forward

    start(sys.argv[1:])

    code = forward(sys.argv[1:])
    if code is None:
        from .pipeline.cli import main

        code = main()
except KeyboardInterrupt:  # Ctrl-C while Python imports, before the command handles it: nothing started yet
    print("interrupted", file=sys.stderr)
    code = 130
if is_batch(sys.argv[1:]) and isinstance(code, int):
    end(code)  # without the interpreter's teardown
sys.exit(code)
