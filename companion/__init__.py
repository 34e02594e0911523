"""The executable companion of the course on recurrent neural networks: what each chapter runs.

The package, module by module, with the chapters that use each (chapter 1: slot filling and
memory; 2: RNN variants on ATIS; 3: the LSTM and its family; 4: backpropagation through time in
NumPy; 5: why RNNs are hard to train, and networks built to remember; 6: applications —
sentiment, key terms, speech recognition with CTC, and sequence to sequence):

* :mod:`~companion.cells` — one time step: ``elman_step``, ``jordan_step``, ``lstm_step``,
  ``gru_step`` and the cells that hold their weights (chapters 1 to 3); ``leaky_step``,
  ``scrn_step``, ``clockwork_step`` and the Clockwork RNN's schedule (chapter 5);
* :mod:`~companion.lstm_variants` — the LSTM's variants, peepholes, coupled gates, no forget
  gate, a forget-gate bias, set up once for cell and layer (chapter 3);
* :mod:`~companion.layers` (a package) — cells run along a sequence: the loop over time,
  stacked and bidirectional layers, the Jordan network, torch-backed twins and one factory
  (chapters 1 to 3); the IRNN, leaky units, the SCRN and the Clockwork RNN (chapter 5);
* :mod:`~companion.reservoir` — echo state networks: a fixed random reservoir and a read-out
  fitted by ridge regression, and the spectral radius (chapter 5);
* :mod:`~companion.attention` — additive, dot-product and bilinear attention with masks, and attention
  pooling of a sequence into one vector (chapter 6);
* :mod:`~companion.ctc` — connectionist temporal classification in NumPy: the collapse, the
  forward–backward algorithm in log space, the loss and its gradient, alignments (chapter 6);
* :mod:`~companion.decoding` — CTC's best-path decoding and prefix beam search, and beam
  search with length normalisation over a decoder's tokens (chapter 6);
* :mod:`~companion.seq2seq` — the encoder–decoder over token ids, with either context mode and
  with or without attention, and its greedy or beam-search decoding (chapter 6);
* :mod:`~companion.memory_cell` — the lecture's single LSTM memory cell in plain floats
  (chapter 3);
* :mod:`~companion.models` (a package) — the networks the chapters train:
  :mod:`~companion.models.networks` (chapter 1), :mod:`~companion.models.shapes` (the four
  shapes of sequence problems, chapter 2), :mod:`~companion.models.taggers` (the slot taggers
  of chapters 2 and 3) and :mod:`~companion.models.char_rnn` (chapter 4's character model in
  PyTorch); :mod:`~companion.models.classifiers`, :mod:`~companion.models.key_terms` and
  :mod:`~companion.models.speech` (sentence classifiers, the key-term tagger and the CTC
  recogniser of chapter 6);
* :mod:`~companion.bptt` (a package) — backpropagation through time written in NumPy alone, for
  the Elman RNN and the LSTM; it imports no torch (chapter 4);
* :mod:`~companion.data` (a package) — tagged sentences, tag sets and padded batches, the
  generated booking corpus (chapter 1), ATIS (chapters 2 and 3), the recall task (chapter 3)
  and Tiny Shakespeare (chapter 4), pinned and checked by sha256; the adding problem, the
  copy-memory task and the Mackey–Glass series, generated (chapter 5); the Free Spoken Digit
  Dataset and log-mel features, sentence polarity and the Inspec abstracts (chapter 6);
* :mod:`~companion.encoding` — words as vectors or ids: 1-of-N and word hashing (chapter 1),
  vocabularies and context windows (chapter 2), character ids (chapter 3);
* :mod:`~companion.training` (a package) — training loops, the tagger recipes and the recall
  trainer (chapters 1 to 3); gradient clipping, the gradient probe ‖∂L/∂h_k‖, the one-unit
  error surface and the trainers of the adding and copy tasks (chapter 5); the trainers of
  sentence classifiers and of CTC recognisers, and CTC's decoding of a recording; the
  encoder–decoder's teacher-forced trainer (chapter 6);
* :mod:`~companion.metrics` — span F1 as conlleval computes it, and confusions (chapters 1 to 3);
  the label error rate by edit distance and key-phrase scores (chapter 6);
* :mod:`~companion.plots`, :mod:`~companion.diagrams` and :mod:`~companion.tables` — the
  figures, diagrams and tables the chapters show (chapters 1 to 6);
* :mod:`~companion.widgets` — interactive figures that still show their result on a static
  page (chapter 3);
* :mod:`~companion.progress` — progress bars with a bounded number of redraws, for every long
  loop (chapters 1 to 6);
* :mod:`~companion.exercises` (a package) — one checker for each coding exercise of
  chapters 1 to 6, and the student copies of the chapters;
* :mod:`~companion.tag` — the command line, ``python -m companion.tag``, that trains and scores
  the slot taggers of chapters 2 and 3;
* :mod:`~companion.device` — where to run, and seeds (chapters 1 to 3).

The six LSTMs. The package computes the LSTM six times, each for a reason of its own:
:class:`~companion.memory_cell.MemoryCell` is the lecture's cell (chapter 3), one number in
plain Python floats, so that every step of the worked example can be checked by hand;
:func:`~companion.cells.lstm_step` and :class:`~companion.cells.LSTMCell` (chapter 3) are the one
home of the LSTM's equations and of its variants, ``LSTMCell`` being the twin of
``torch.nn.LSTMCell``; :class:`companion.layers.LSTM` (chapter 3) stacks it and runs it in both
directions, the readable twin of ``torch.nn.LSTM`` and the only layer that runs the variants;
:class:`~companion.layers.PackedLSTM` (chapter 3) is ``torch.nn.LSTM`` called the same way, for
speed; the NumPy LSTM of :mod:`companion.bptt`, :func:`~companion.bptt.lstm_forward` and
:func:`~companion.bptt.lstm_backward` (chapter 4), writes its gradient by hand; and
:class:`~companion.models.char_rnn.CharRNN` with ``cell="lstm"`` (chapter 4) is the torch twin
that the NumPy LSTM is checked against.
"""

__version__ = "0.1.0"
