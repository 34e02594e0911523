"""The executable companion of the course on recurrent neural networks.

Split by concept: ``cells`` (one step), ``runners`` (steps along a sequence, stacked layers),
``models`` (networks the chapters train), ``encoding`` and ``data`` (inputs and corpora),
``shapes`` (the four shapes of sequence problems), ``training``, ``progress`` (progress bars
with a bounded number of redraws), ``metrics``, ``tables``,
``plots``, ``widgets`` (interactive figures that still show their result on a static page),
``exercises`` (checkers and student copies), ``tag`` (the slot-filling command line) and
``device`` (where to run, and seeds). ``memory_cell`` is the lecture's single LSTM cell, and
``bptt`` is backpropagation through time written in NumPy alone (chapter 4; it imports no torch).
"""

__version__ = "0.1.0"
