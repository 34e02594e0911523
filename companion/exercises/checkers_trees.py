"""The checker of chapter 6's coding exercise on parsing as translation: a tree written as the token sequence of Vinyals et al.

The checker returns a :class:`~companion.exercises.harness.Feedback`, runs the student's code
through :func:`~companion.exercises.harness.run_student` (a time limit, every exception
reported) and compares with the companion's own :func:`~companion.trees.linearize`.
"""
from __future__ import annotations

from typing import Callable

from ..data.grammar import generate_trees
from ..trees import Tree, linearize, parse_bracketed
from .harness import DEFAULT_TIMEOUT, Feedback, compare_lists, require_timeout

# The page's Treebank sentence (phrases inside phrases), the shortest sentence, a phrase of
# one phrase (S over VP over one word: a preterminal is not the only child that ends a
# branch), and three sentences of the page's grammar.
_WRITTEN = (
    "(S (NP (NNP Mr.) (NNP Baris)) (VP (VBZ is) (NP (NP (DT a) (NN lawyer)) (PP (IN in) "
    "(NP (NNP New) (NNP York))))) (. .))",
    "(S (NP (NNP Mary)) (VP (VBD slept)) (. .))",
    "(S (VP (VB Go)) (. .))",
)
CASES: tuple[tuple[Tree], ...] = tuple(
    [(parse_bracketed(text)[0],) for text in _WRITTEN] + [(tree,) for tree in generate_trees(3, seed=0, max_words=12)]
)


def _walk(tree: Tree, word: Callable[[Tree], list], closer: Callable[[Tree], list]) -> list:
    if tree.is_preterminal:
        return word(tree)
    tokens = ["(" + tree.label]
    for child in tree.children:
        tokens += _walk(child, word, closer)
    return tokens + closer(tree)


def _closer(tree: Tree) -> list:
    return [")" + tree.label]


_MISTAKES = (
    (lambda tree: list(linearize(tree, pos=None)),
     "every word is written as XX, whatever its tag: the tags are what the parser is not told."),
    (lambda tree: _walk(tree, lambda n: [n.children[0]], _closer),
     "every word is written as XX, not as the word itself: the words are the source, not the target."),
    (lambda tree: _walk(tree, lambda n: ["(" + n.label, "XX", ")" + n.label], _closer),
     "a word's tag is not a phrase: a node with node.is_preterminal true gives XX alone, no brackets."),
    (lambda tree: _walk(tree, lambda n: ["XX"], lambda n: [")"]),
     "a closing bracket carries its phrase's label too: ')' + label, as in ')NP'."),
    (lambda tree: _walk(tree, lambda n: ["XX"], lambda n: []),
     "every phrase that opens must close: append ')' + label after its children."),
    (lambda tree: list(linearize(tree))[1:-1],
     "the whole sentence is a phrase too: the sequence starts with '(S' and ends with ')S'."),
)


def check_linearize(my_linearize: Callable, *, timeout: float = DEFAULT_TIMEOUT) -> Feedback:
    r"""Chapter 6, exercise "Linearise a tree yourself": ``my_linearize(tree)`` must return the tree's target sequence.

    The sequence of Vinyals et al. (2015), depth first and left to right: ``"(" + label`` on
    entering a phrase, ``")" + label`` on leaving it, ``"XX"`` for each word, so :math:`n`
    words under :math:`c` phrases give :math:`n + 2c` tokens; what
    :func:`~companion.trees.linearize` returns (a list or a tuple of strings). Six cleaned
    trees: the page's Treebank sentence, the shortest sentence, a phrase whose only child is a
    phrase, and three sentences of the page's grammar. Hints name tags or words written instead
    of ``XX``, brackets around a word's tag, closers without their label, phrases never closed,
    and the sentence's own bracket left out. Each call may take ``timeout`` seconds. Raises
    ``ValueError`` for a bad ``timeout`` only.
    """
    timeout = require_timeout(timeout)
    failed = compare_lists(
        my_linearize, CASES, lambda tree: list(linearize(tree)),
        lambda tree: f"for the tree {tree}:", "tokens (str)", _MISTAKES, timeout,
    )
    if failed is not None:
        return failed
    return Feedback(True, f"your sequences equal linearize's on {len(CASES)} trees: '(' + label on "
                          "entering a phrase, ')' + label on leaving it, XX for each word.")
