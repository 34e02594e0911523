"""The executable companion of the course on recurrent neural networks.

Split by concept: ``cells`` (one step), ``runners`` (steps along a sequence, stacked layers),
``models`` (networks the chapters train), ``encoding`` and ``data`` (inputs and corpora),
``shapes`` (the four shapes of sequence problems), ``training``, ``metrics``, ``tables``,
``plots``, ``exercises`` (checkers and student copies), ``tag`` (the slot-filling command line)
and ``device`` (where to run, and seeds).
"""

__version__ = "0.1.0"
