r"""Labelled-bracket scores of constituency trees, as EVALB computes them (chapter 6; Sekine and Collins 1997).

A tree's brackets are its constituents, each a label and the span of words it covers;
:func:`bracket_spans` lists them and :func:`bracket_scores` compares a parser's trees with the
gold ones by their brackets' precision, recall and F1, as EVALB does with its ``COLLINS.prm``
parameters (or exactly, with ``style="plain"``). The trees are :class:`~companion.trees.Tree`\ s.
"""
from __future__ import annotations

from collections import Counter
from typing import NamedTuple, Sequence

from ._checks import is_integer, require_choice
from .trees import NONE_TAG, Tree, _bare_label, _events, _require_tree, words

COLLINS_DELETED_TAGS = frozenset({",", ":", "``", "''", ".", NONE_TAG})
"""The tags whose words ``COLLINS.prm`` deletes before scoring: punctuation and empty elements (chapter 6)."""
EQUIVALENT_LABELS = {"PRT": "ADVP"}
"""Labels that ``COLLINS.prm`` counts as one (``EQ_LABEL ADVP PRT``); chapter 6."""
SCORING_STYLES = ("collins", "plain")
"""The bracket-scoring definitions of :func:`bracket_scores` (chapter 6)."""

_UNCOUNTED_LABELS = frozenset({"", "TOP"})


class Bracket(NamedTuple):
    """One constituent as EVALB counts it (chapter 6): its ``label`` and the words ``start`` to ``end`` it covers (``end`` excluded)."""

    label: str
    start: int
    end: int


def bracket_spans(tree: Tree, *, deleted=()) -> list[Bracket]:
    """The constituents of ``tree`` as labelled word spans, outermost first (pre-order); chapter 6.

    Words are numbered from 0 once those at the positions ``deleted`` (of ``words(tree)``) are
    removed; a constituent covers words ``start`` to ``end - 1``. Left out, as EVALB leaves them
    out: preterminals, constituents left without a word, and brackets labelled ``""`` or
    ``TOP``; the sentence's top phrase (``S``) is kept. Labels are returned as they are. Raises
    ``ValueError`` for something other than a :class:`~companion.trees.Tree`, or ``deleted`` that is not a
    collection of word positions.
    """
    n_words = len(words(tree))
    if isinstance(deleted, (str, bytes)) or not hasattr(deleted, "__iter__") or not all(
        is_integer(k) and 0 <= k < n_words for k in deleted
    ):
        raise ValueError(f"deleted: expected a collection of word positions in 0..{n_words - 1}, got {deleted!r:.80}")
    deleted = set(deleted)
    spans: list = []
    open_at: list[tuple[int, int]] = []
    index = position = 0
    for kind, node in _events(tree):
        if kind == "word":
            position += index not in deleted
            index += 1
        elif kind == "open":
            open_at.append((position, len(spans)))
            spans.append(None)  # filled in when the phrase closes, so that the list stays in pre-order
        else:
            start, slot = open_at.pop()
            spans[slot] = Bracket(node.label, start, position)
    return [b for b in spans if b.end > b.start and b.label not in _UNCOUNTED_LABELS]


class BracketScores(NamedTuple):
    """Labelled bracket scores over a corpus, as EVALB reports them (chapter 6): ``precision``, ``recall``, ``f1`` and ``exact_match`` in [0, 1], and the counts they come from."""

    precision: float
    recall: float
    f1: float
    exact_match: float
    matched: int
    gold: int
    predicted: int
    crossing: int
    sentences: int


def _require_trees(name: str, trees) -> list[Tree]:
    if isinstance(trees, Tree) or not isinstance(trees, Sequence) or not trees:
        raise ValueError(f"{name}: expected a non-empty list of Trees, got {trees!r:.60}")
    return [_require_tree(f"{name}[{i}]", tree) for i, tree in enumerate(trees)]


def _collins_label(label: str) -> str:
    bare = _bare_label(label)
    return EQUIVALENT_LABELS.get(bare, bare)


def bracket_scores(gold_trees: Sequence[Tree], predicted_trees: Sequence[Tree], *, style: str = "collins") -> BracketScores:
    r"""Labelled bracket precision, recall, F1 and exact match of predicted trees against gold ones, EVALB's definition (chapter 6).

    A sentence's constituents are its :func:`bracket_spans` (label, start, end), a multiset: a
    bracket matches at most one equal bracket of the other tree, so the unary chain
    ``(NP (NP ...))`` holds two. With :math:`m` matched, :math:`g` gold and :math:`p` predicted
    brackets over the corpus (a ratio is 0 where its denominator is),

    .. math::  P = m / p, \qquad R = m / g, \qquad F_1 = 2PR / (P + R)

    ``exact_match`` is the fraction of sentences with equal multisets; ``crossing`` counts the
    predicted brackets that overlap a gold one without either holding the other.

    ``style="collins"`` is EVALB with ``COLLINS.prm`` (Sekine and Collins 1997), the parsing
    literature's standard: the words whose **gold** tag is in :data:`COLLINS_DELETED_TAGS`
    (five punctuation tags and ``-NONE-``) leave both trees before spans are counted, labels lose
    their function tags, ``PRT`` counts as ``ADVP``, ``TOP`` is not counted. (EVALB goes by each
    tree's own tags; predicted trees carry ``XX``, so the gold tags decide.) ``style="plain"``
    deletes no word and compares labels as they are.

    Raises ``ValueError`` if either argument is not a non-empty list of :class:`~companion.trees.Tree`, their
    lengths differ, a predicted tree's words differ from its gold tree's (in number or in a
    word), or ``style`` is not in :data:`SCORING_STYLES`.
    """
    gold_trees = _require_trees("gold_trees", gold_trees)
    predicted_trees = _require_trees("predicted_trees", predicted_trees)
    require_choice("style", style, SCORING_STYLES)
    if len(gold_trees) != len(predicted_trees):
        raise ValueError(f"predicted_trees: expected one tree per gold tree ({len(gold_trees)}), got {len(predicted_trees)}")
    matched = n_gold = n_predicted = exact = crossing = 0
    for i, (gold, predicted) in enumerate(zip(gold_trees, predicted_trees)):
        expected, got = words(gold), words(predicted)
        if expected != got:
            raise ValueError(
                f"predicted_trees[{i}]: expected the {len(expected)} words of gold_trees[{i}], got "
                + (f"{len(got)} words" if len(got) != len(expected) else f"{next(b for a, b in zip(expected, got) if a != b)!r} for a word")
            )
        collins = style == "collins"
        tags = (node.label for kind, node in _events(gold) if kind == "word")
        deleted = {k for k, tag in enumerate(tags) if tag in COLLINS_DELETED_TAGS} if collins else ()
        brackets = [
            Counter((_collins_label(b.label) if collins else b.label, b.start, b.end) for b in bracket_spans(tree, deleted=deleted))
            for tree in (gold, predicted)
        ]
        matched += sum((brackets[0] & brackets[1]).values())
        n_gold += sum(brackets[0].values())
        n_predicted += sum(brackets[1].values())
        exact += brackets[0] == brackets[1]
        crossing += sum(
            count for (_, s, e), count in brackets[1].items()
            if any(gs < s < ge < e or s < gs < e < ge for _, gs, ge in brackets[0])
        )
    precision = matched / n_predicted if n_predicted else 0.0
    recall = matched / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return BracketScores(precision, recall, f1, exact / len(gold_trees), matched, n_gold, n_predicted, crossing, len(gold_trees))
