"""The chapters' exercises: checkers for the coding exercises, and student copies of the chapters.

Each checker returns a :class:`Feedback` whose text says what passed, or which case failed, what
was expected and a hint at the likely mistake. ``bool(feedback)`` is ``feedback.passed``, so a
grading script can collect results with ``[bool(check(f)) for check, f in ...]``.

Student code may do anything, so every checker calls it through one harness, :func:`run_student`
(``harness.py``): a time limit (``timeout`` seconds, a keyword of every checker), every exception
and ``SystemExit`` reported rather than raised, any real dtype or container of the right numbers
accepted (``answers.py``), and wrong types, shapes, NaN and values explained in words. The
checkers are in one module per chapter: ``checkers.py`` (chapter 1: letter trigrams, one Elman
step), ``checkers_variants.py`` (chapter 2: counting weights, reversing a padded batch, a
bidirectional Jordan network), ``checkers_gated.py`` (chapter 3: one GRU step, a peephole LSTM's
parameters), ``checkers_bptt.py`` (chapter 4: BPTT for the Jordan network, clipping by the
global norm), ``checkers_gradients.py`` (chapter 5: clipping torch gradients in place),
``checkers_memory.py`` (chapter 5: a Clockwork RNN's schedule, the echo test of a reservoir),
``checkers_sentiment.py`` (chapter 6: the n-grams of a sentence),
``checkers_key_terms.py`` (chapter 6: key phrases read back from BIO tags),
``checkers_ctc.py`` (chapter 6: collapsing a CTC path, counting alignments),
``checkers_seq2seq.py`` (chapter 6: attention with padding, one step of beam search),
``checkers_vectors.py`` (chapter 6: nearest neighbours by cosine distance) and
``checkers_trees.py`` (chapter 6: a tree as the token sequence of parsing as translation). ``strip_solutions``
(``student_copies.py``) writes a chapter's Colab edition without its solutions:
``python -m companion.exercises colab/book/slot_filling.ipynb student/slot_filling.ipynb``.
"""
from .answers import read_count, read_numbers
from .checkers import check_elman_step, check_letter_trigrams
from .checkers_bptt import check_clip, check_jordan_gradients
from .checkers_ctc import check_count_alignments, check_ctc_collapse
from .checkers_gated import check_gru_step, check_peephole_parameters
from .checkers_gradients import check_clip_grad_norm
from .checkers_key_terms import check_bio_phrases
from .checkers_memory import check_clockwork_schedule, check_echo_test
from .checkers_sentiment import check_ngrams
from .checkers_seq2seq import BEAM_BY_HAND_EXAMPLE, check_beam_step, check_masked_dot_attention
from .checkers_trees import check_linearize
from .checkers_vectors import check_cosine_neighbours
from .checkers_variants import check_bidirectional_jordan, check_reverse_padded, check_weight_counts
from .harness import DEFAULT_TIMEOUT, Feedback, Outcome, run_student
from .student_copies import strip_solutions

__all__ = [
    "BEAM_BY_HAND_EXAMPLE",
    "check_beam_step",
    "check_masked_dot_attention",
    "DEFAULT_TIMEOUT",
    "Feedback",
    "Outcome",
    "check_bio_phrases",
    "check_bidirectional_jordan",
    "check_clip",
    "check_clip_grad_norm",
    "check_clockwork_schedule",
    "check_cosine_neighbours",
    "check_count_alignments",
    "check_ctc_collapse",
    "check_echo_test",
    "check_elman_step",
    "check_gru_step",
    "check_jordan_gradients",
    "check_letter_trigrams",
    "check_linearize",
    "check_ngrams",
    "check_peephole_parameters",
    "check_reverse_padded",
    "check_weight_counts",
    "read_count",
    "read_numbers",
    "run_student",
    "strip_solutions",
]
