r"""A small probabilistic grammar of English that we wrote, its seeded trees, and a parse counter that shows it unambiguous (chapter 6).

Parsing as translation (Vinyals et al. 2015) needs many sentences with their trees; the Penn
Treebank sample (:mod:`companion.data.treebank`) is too small to learn from in a few minutes.
This grammar makes as many as wanted, with the Penn Treebank's labels, as
:class:`~companion.trees.Tree`\ s that :func:`~companion.trees.linearize` and
:func:`~companion.tree_scores.bracket_scores` take unchanged. Each rule of a symbol is picked
with the probability written beside it, each word of a word class uniformly; a symbol's node
has the symbol's name as its label unless the last column says otherwise ("spliced": the
symbol makes no node, its children join its parent's):

.. code-block:: text

   S         -> NP VP .                0.85
   S         -> CLAUSE , CC CLAUSE .   0.15
   CLAUSE    -> NP VP                  1.00  labelled S
   NP        -> BASE                   0.70
   NP        -> NPB PP_N               0.18
   NP        -> NPB SBAR_REL           0.12
   NPB       -> BASE                   1.00  labelled NP
   BASE      -> DT NN                  0.35  spliced
   BASE      -> DT JJ NN               0.20  spliced
   BASE      -> DT JJ JJ NN            0.05  spliced
   BASE      -> DT_PL NNS              0.15  spliced
   BASE      -> DT_PL JJ NNS           0.10  spliced
   BASE      -> NNP                    0.15  spliced
   PP_N      -> IN_N NP                1.00  labelled PP
   PP_V      -> IN_V NP                1.00  labelled PP
   SBAR_REL  -> WHNP S_REL             1.00  labelled SBAR
   WHNP      -> WDT                    1.00
   S_REL     -> VP_REL                 1.00  labelled S
   VP_REL    -> VBD_T NP               0.60  labelled VP
   VP_REL    -> VBD_I                  0.40  labelled VP
   VP        -> VBD_I                  0.15
   VP        -> VBD_I PP_V             0.12
   VP        -> VBD_I PP_V PP_V        0.03
   VP        -> VBD_T NP               0.35
   VP        -> VBD_T NP PP_V          0.20
   VP        -> VBD_T NP PP_V PP_V     0.05
   VP        -> VBD_S SBAR_COMP        0.10
   SBAR_COMP -> IN_C CLAUSE            1.00  labelled SBAR

and the word classes (:data:`GRAMMAR_LEXICON`; tag, then words):

.. code-block:: text

   DT     DT    the a every this
   DT_PL  DT    the some
   JJ     JJ    big small tall young red happy quiet clever
   NN     NN    dog cat man woman teacher student bird car house garden river city book
                letter box table
   NNS    NNS   dogs cats children teachers students birds books letters
   NNP    NNP   Mary John Alice Bob
   IN_N   IN    of with near
   IN_V   IN    after before during into across
   IN_C   IN    that
   WDT    WDT   that which
   VBD_T  VBD   saw chased liked found followed visited carried watched
   VBD_I  VBD   slept laughed arrived waited smiled fell
   VBD_S  VBD   said thought knew
   CC     CC    and but
   ,      ,     ,
   .      .     .

Design choices:

* **Recursion** through prepositional phrases, relative clauses ("the dog that chased the
  cat") and clauses as objects ("Mary said that the dog slept"), so sentences range from three
  words ("Mary slept .") to as many as allowed, and trees nest several levels deep.
* **No ambiguity, by lexical selection.** In English "saw the man with the telescope" has two
  trees. Here every word decides its attachment: *of, with, near* only modify the noun just
  before them (``PP_N``), *after, before, during, into, across* only the verb of their clause
  (``PP_V``); a relative clause only follows a noun and takes no ``PP_V``; a verb of saying
  takes a clause and nothing else; commas appear only between two coordinated clauses. So every
  sentence has exactly one tree: :func:`count_parses` counts the derivations of a sentence with
  a chart parser, and finds one for every generated sentence (the tests check thousands).
* **Penn Treebank labels and shapes**: a noun phrase with a modifier is an ``NP`` holding an
  ``NP`` (``(NP (NP the dog) (PP of (NP the city)))``), a relative clause is
  ``(SBAR (WHNP (WDT that)) (S (VP ...)))`` (the Treebank's trace is left out, as
  :func:`~companion.trees.clean_tree` would remove it), a sentence ends with ``(. .)``.
"""
from __future__ import annotations

import random
from functools import lru_cache
from typing import Collection, Sequence

from .._checks import is_integer, require_non_negative_int, require_positive_int
from ..trees import Tree, words as tree_words

GRAMMAR_START = "S"
"""The grammar's start symbol; its trees' root is labelled ``S`` (chapter 6)."""

GRAMMAR_RULES: dict[str, tuple[tuple[tuple[str, ...], float], ...]] = {
    "S": ((("NP", "VP", "."), 0.85), (("CLAUSE", ",", "CC", "CLAUSE", "."), 0.15)),
    "CLAUSE": ((("NP", "VP"), 1.0),),
    "NP": ((("BASE",), 0.70), (("NPB", "PP_N"), 0.18), (("NPB", "SBAR_REL"), 0.12)),
    "NPB": ((("BASE",), 1.0),),
    "BASE": (
        (("DT", "NN"), 0.35), (("DT", "JJ", "NN"), 0.20), (("DT", "JJ", "JJ", "NN"), 0.05),
        (("DT_PL", "NNS"), 0.15), (("DT_PL", "JJ", "NNS"), 0.10), (("NNP",), 0.15),
    ),
    "PP_N": ((("IN_N", "NP"), 1.0),),
    "PP_V": ((("IN_V", "NP"), 1.0),),
    "SBAR_REL": ((("WHNP", "S_REL"), 1.0),),
    "WHNP": ((("WDT",), 1.0),),
    "S_REL": ((("VP_REL",), 1.0),),
    "VP_REL": ((("VBD_T", "NP"), 0.60), (("VBD_I",), 0.40)),
    "VP": (
        (("VBD_I",), 0.15), (("VBD_I", "PP_V"), 0.12), (("VBD_I", "PP_V", "PP_V"), 0.03),
        (("VBD_T", "NP"), 0.35), (("VBD_T", "NP", "PP_V"), 0.20), (("VBD_T", "NP", "PP_V", "PP_V"), 0.05),
        (("VBD_S", "SBAR_COMP"), 0.10),
    ),
    "SBAR_COMP": ((("IN_C", "CLAUSE"), 1.0),),
}
"""The rules of the grammar (chapter 6): each phrase symbol's right-hand sides, with the probability of each (they sum to 1).

:meta hide-value:
"""

GRAMMAR_LABELS = {
    "S": "S", "CLAUSE": "S", "NP": "NP", "NPB": "NP", "BASE": None, "PP_N": "PP", "PP_V": "PP",
    "SBAR_REL": "SBAR", "WHNP": "WHNP", "S_REL": "S", "VP_REL": "VP", "VP": "VP", "SBAR_COMP": "SBAR",
}
"""The Penn Treebank label of each phrase symbol's node; ``None``: the symbol makes no node, its children join its parent's (chapter 6)."""

GRAMMAR_LEXICON: dict[str, tuple[str, tuple[str, ...]]] = {
    "DT": ("DT", ("the", "a", "every", "this")),
    "DT_PL": ("DT", ("the", "some")),
    "JJ": ("JJ", ("big", "small", "tall", "young", "red", "happy", "quiet", "clever")),
    "NN": ("NN", ("dog", "cat", "man", "woman", "teacher", "student", "bird", "car", "house", "garden",
                  "river", "city", "book", "letter", "box", "table")),
    "NNS": ("NNS", ("dogs", "cats", "children", "teachers", "students", "birds", "books", "letters")),
    "NNP": ("NNP", ("Mary", "John", "Alice", "Bob")),
    "IN_N": ("IN", ("of", "with", "near")),
    "IN_V": ("IN", ("after", "before", "during", "into", "across")),
    "IN_C": ("IN", ("that",)),
    "WDT": ("WDT", ("that", "which")),
    "VBD_T": ("VBD", ("saw", "chased", "liked", "found", "followed", "visited", "carried", "watched")),
    "VBD_I": ("VBD", ("slept", "laughed", "arrived", "waited", "smiled", "fell")),
    "VBD_S": ("VBD", ("said", "thought", "knew")),
    "CC": ("CC", ("and", "but")),
    ",": (",", (",",)),
    ".": (".", (".",)),
}
"""The word classes of the grammar (chapter 6): each preterminal symbol's part-of-speech tag and its words, each drawn uniformly.

:meta hide-value:
"""

SHORTEST_SENTENCE = 3
"""The fewest words a sentence of the grammar has: a name, an intransitive verb and the full stop, "Mary slept ." (chapter 6)."""

_MAX_DEPTH = 40  # far beyond what the probabilities reach; a guard, not a limit in practice


def format_grammar() -> str:
    """The rules of :data:`GRAMMAR_RULES` as text, one rule a line, as the module's documentation writes them (chapter 6).

    Each line: the symbol, ``->``, its right-hand side, the rule's probability, and the label
    of the symbol's node where it differs from the symbol ("spliced": no node of its own).
    """
    lines = []
    for symbol, rules in GRAMMAR_RULES.items():
        label = GRAMMAR_LABELS[symbol]
        note = "spliced" if label is None else "" if label == symbol else f"labelled {label}"
        for rhs, probability in rules:
            lines.append(f"{symbol:<9} -> {' '.join(rhs):<22} {probability:.2f}  {note}".rstrip())
    return "\n".join(lines)


def _expand(symbol: str, rng: random.Random, depth: int) -> list:
    """The nodes ``symbol`` produces: one Tree, or for a spliced symbol (label None) its children."""
    if symbol in GRAMMAR_LEXICON:
        tag, choices = GRAMMAR_LEXICON[symbol]
        return [Tree(tag, (rng.choice(choices),))]
    if depth > _MAX_DEPTH:
        raise RecursionError  # caught by generate_trees, which draws again
    rules = GRAMMAR_RULES[symbol]
    rhs = rng.choices([r for r, _ in rules], weights=[p for _, p in rules])[0]
    children = [node for part in rhs for node in _expand(part, rng, depth + 1)]
    label = GRAMMAR_LABELS[symbol]
    return children if label is None else [Tree(label, tuple(children))]


def _require_exclude(exclude) -> set[tuple[str, ...]]:
    if isinstance(exclude, (str, bytes)) or not isinstance(exclude, Collection):
        raise ValueError(f"exclude: expected a collection of sentences (tuples of words), got {type(exclude).__name__}")
    sentences = set()
    for sentence in exclude:
        if isinstance(sentence, (str, bytes)) or not isinstance(sentence, Sequence) or not all(
            isinstance(word, str) for word in sentence
        ):
            raise ValueError(f"exclude: expected sentences as tuples of words, got {sentence!r:.60}")
        sentences.add(tuple(sentence))
    return sentences


def generate_trees(
    count: int,
    *,
    seed: int,
    max_words: int = 15,
    min_words: int = SHORTEST_SENTENCE,
    exclude: Collection[Sequence[str]] = (),
) -> list[Tree]:
    """``count`` different trees drawn from the grammar, each of ``min_words`` to ``max_words`` words, none of whose sentences is in ``exclude`` (chapter 6).

    Trees are drawn from :data:`GRAMMAR_RULES` and :data:`GRAMMAR_LEXICON` with Python's
    ``random.Random(seed)``, so the same arguments give the same trees on every platform. A tree
    whose sentence is shorter than ``min_words`` or longer than ``max_words`` (the full stop
    counts as a word), repeats one already drawn, or is in ``exclude`` is dropped and another
    drawn: the result follows the grammar's distribution restricted to those sentences. Pass the
    training sentences as ``exclude`` to draw validation and test sentences that no model has
    seen, and a ``min_words`` above the training ``max_words`` to draw longer sentences than any
    seen.

    Raises ``ValueError`` for a ``count`` that is not a positive integer, a ``seed`` that is not
    a non-negative integer, a ``min_words`` that is not an integer of at least
    :data:`SHORTEST_SENTENCE` (3), a ``max_words`` that is not an integer of at least
    ``min_words``, ``exclude`` that is not a collection of word sequences, or when
    ``1000 * count`` draws do not give ``count`` different sentences (too few sentences fit the
    lengths and ``exclude``).
    """
    require_positive_int("count", count)
    require_non_negative_int("seed", seed)
    if not is_integer(min_words) or min_words < SHORTEST_SENTENCE:
        raise ValueError(
            f"min_words: expected an integer of at least {SHORTEST_SENTENCE} (the shortest sentence, "
            f"'Mary slept .'), got {min_words!r}"
        )
    if not is_integer(max_words) or max_words < min_words:
        raise ValueError(f"max_words: expected an integer of at least min_words ({min_words}), got {max_words!r}")
    seen = _require_exclude(exclude)
    rng = random.Random(seed)
    trees: list[Tree] = []
    for _ in range(1000 * count):
        try:
            (tree,) = _expand(GRAMMAR_START, rng, 0)
        except RecursionError:
            continue
        sentence = tree_words(tree)
        if not min_words <= len(sentence) <= max_words or sentence in seen:
            continue
        seen.add(sentence)
        trees.append(tree)
        if len(trees) == count:
            return trees
    raise ValueError(
        f"count: expected at most as many sentences as can be drawn with {min_words} to {max_words} words and "
        f"{len(seen) - len(trees)} excluded, got {count}; only {len(trees)} different ones came in "
        f"{1000 * count} draws"
    )


def count_parses(words: Sequence[str]) -> int:
    """How many derivations the grammar has for the sentence ``words``: 1 for every sentence it generates, 0 for one it cannot (chapter 6).

    A chart parser over spans: a phrase symbol covers words ``i`` to ``j`` in as many ways as
    its right-hand sides can be cut into pieces that their symbols cover (no rule is empty, so
    every piece holds a word). Since each tree comes from one derivation at least, a count of 1
    means the sentence has exactly one tree under the grammar. Raises ``ValueError`` for
    ``words`` that are not a non-empty sequence of strings.
    """
    if isinstance(words, (str, bytes)) or not isinstance(words, Sequence) or not words or not all(
        isinstance(word, str) for word in words
    ):
        raise ValueError(f"words: expected a non-empty sequence of words (strings), got {words!r:.60}")
    sentence = tuple(words)

    @lru_cache(maxsize=None)
    def covers(symbol: str, i: int, j: int) -> int:
        if symbol in GRAMMAR_LEXICON:
            return int(j == i + 1 and sentence[i] in GRAMMAR_LEXICON[symbol][1])
        return sum(sequence(rhs, i, j) for rhs, _ in GRAMMAR_RULES[symbol])

    @lru_cache(maxsize=None)
    def sequence(rhs: tuple[str, ...], i: int, j: int) -> int:
        if len(rhs) == 1:
            return covers(rhs[0], i, j)
        # the first symbol takes words i..k-1, the rest need at least one word each
        return sum(covers(rhs[0], i, k) * sequence(rhs[1:], k, j) for k in range(i + 1, j - len(rhs) + 2))

    return sequence((GRAMMAR_START,), 0, len(sentence))
