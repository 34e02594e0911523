"""Scores: span-level F1 for taggers as conlleval computes it (via seqeval), per-word confusions, edit-distance rates for recognisers, and key-phrase scores.

Every function takes tags as a list of tag sequences, one per sentence (``[s.tags for s in
sentences]``), gold and predicted aligned sentence by sentence and word by word; tags are BIO
tags (``O``, ``B-<slot>``, ``I-<slot>``) except in :func:`confusion_table`. Tag ids, padding
included (:data:`~companion.data.tagging.PAD_TAG_ID`), are not tags: decode them first. Each
input is checked by :func:`~companion.data.tagging.require_tag_sequences` and rejected with a
``ValueError`` naming the argument, so that one sentence passed without its list, or tags of
another scheme, never score a silent 0. :func:`keyphrase_scores` compares phrases, not tags.
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple, Sequence

import pandas as pd
from rapidfuzz.distance import Levenshtein
from seqeval.metrics import classification_report, f1_score
from seqeval.metrics.sequence_labeling import get_entities

from .data.inspec import tokenize
from .data.tagging import require_tag_sequence, require_tag_sequences, require_tagged_sentences


def _aligned(gold, predicted, name: str = "predicted", bio: bool = True) -> tuple[list, list]:
    gold = require_tag_sequences("gold", gold, bio)
    return gold, require_tag_sequences(name, predicted, bio, like=gold)


def _gold_of(sentences) -> tuple[list, list[list[str]]]:
    """Gold sentences and their tags, checked; a bad tag is named by its place in ``sentences``."""
    sentences = require_tagged_sentences("sentences", sentences)
    return sentences, [require_tag_sequence(f"sentences[{i}].tags", s.tags) for i, s in enumerate(sentences)]


def span_f1(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> float:
    r"""Micro-averaged span F1 over BIO-tagged sentences, as the CoNLL ``conlleval`` script counts it (chapter 1).

    A predicted slot counts as correct only if its type and both of its boundaries match a gold
    slot. With P and R the precision and recall over slots,

    .. math::  F_1 = \frac{2PR}{P + R}

    ``gold`` and ``predicted`` are lists of BIO tag sequences, one per sentence; the result is in
    [0, 1]. Raises ``ValueError`` if either is not such a list (a single sentence not wrapped in
    a list, a tag that is not ``O``/``B-<slot>``/``I-<slot>``, a tag id), or if they differ in
    the number of sentences or of words in a sentence.
    """
    return float(f1_score(*_aligned(gold, predicted)))


def span_report(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> pd.DataFrame:
    """Precision, recall, F1 and support of every slot type, plus the micro average (chapters 1 and 2).

    One row per slot type and a ``micro avg`` row; columns ``precision``, ``recall``, ``f1`` (in
    [0, 1]) and ``support`` (gold slots). Raises ``ValueError`` for the inputs :func:`span_f1`
    rejects.
    """
    report = classification_report(*_aligned(gold, predicted), output_dict=True, zero_division=0)
    table = pd.DataFrame(report).T.rename(columns={"f1-score": "f1"})
    table["support"] = table["support"].astype(int)
    return table.loc[[k for k in table.index if k not in ("macro avg", "weighted avg")]]


def confusion_table(
    gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], labels: Sequence[str]
) -> pd.DataFrame:
    """Counts of (gold tag, predicted tag) over all words: rows gold, columns predicted (chapter 1).

    ``gold`` and ``predicted`` are lists of tag sequences, one per sentence, aligned word by
    word; the tags may be any labels (not only BIO tags), and ``labels`` lists them all, in the
    order of the rows and columns (a :class:`~companion.data.tagging.TagSet` will do).

    Raises ``ValueError`` if ``gold`` or ``predicted`` is not a list of tag sequences (a single
    sentence not wrapped in a list, a tag that is not a string), if they are not aligned, if
    ``labels`` is not a non-empty collection of distinct strings, or if a tag is not among
    ``labels``.
    """
    gold, predicted = _aligned(gold, predicted, bio=False)
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__iter__"):
        raise ValueError(f"labels: expected a list of tags, got {type(labels).__name__}: {labels!r}")
    labels = require_tag_sequence("labels", list(labels), bio=False)
    if len(set(labels)) != len(labels):
        repeated = sorted({tag for tag in labels if labels.count(tag) > 1})
        raise ValueError(f"labels: expected distinct tags, got repeated {repeated}")
    known = set(labels)
    table = pd.DataFrame(0, index=pd.Index(labels, name="gold"), columns=pd.Index(labels, name="predicted"))
    for i, (g_sentence, p_sentence) in enumerate(zip(gold, predicted)):
        for j, (g, p) in enumerate(zip(g_sentence, p_sentence)):
            for name, tag in (("gold", g), ("predicted", p)):
                if tag not in known:
                    raise ValueError(f"{name}[{i}][{j}]: expected one of labels {labels}, got {tag!r}")
            table.loc[g, p] += 1
    return table


def write_conll(path: str | Path, sentences, predicted: Sequence[Sequence[str]]) -> None:
    """Write predictions in the CoNLL evaluation format: ``word gold predicted`` per line, a blank line between sentences.

    The file can be scored by the original ``conlleval`` script, whose span F1 equals :func:`span_f1`
    (``python -m companion.tag --predictions``, chapter 2). ``sentences`` are the gold
    :class:`~companion.data.tagging.TaggedSentence` objects, ``predicted`` one BIO tag sequence
    per sentence. The file is UTF-8 with LF line ends on every system.

    Raises ``ValueError`` if ``path`` is not a path, ``sentences`` not a list of tagged sentences
    with BIO tags, or ``predicted`` not aligned with them (see :func:`span_f1`).
    """
    if not isinstance(path, (str, Path)):
        raise ValueError(f"path: expected a file path, got {type(path).__name__}: {path!r}")
    sentences, gold = _gold_of(sentences)
    predicted = require_tag_sequences("predicted", predicted, like=gold)
    lines = []
    for sentence, tags in zip(sentences, predicted):
        lines += [f"{w} {g} {p}" for w, g, p in zip(sentence.words, sentence.tags, tags)] + [""]
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write("\n".join(lines))


def slot_spans(tags: Sequence[str]) -> set[tuple[str, int, int]]:
    """The slots of one tagged sentence as ``(type, first word, last word)``, as conlleval reads BIO tags (chapter 2).

    Word positions count from 0; an ``I-`` tag that follows no ``B-`` tag of its type opens a
    slot, as in conlleval. Raises ``ValueError`` if ``tags`` is not one sentence's list of BIO
    tags (a string, a list of sentences, a tag outside ``O``/``B-<slot>``/``I-<slot>``).
    """
    tags = require_tag_sequence("tags", tags)
    return {(kind, start, end) for kind, start, end in get_entities(tags)}


def slot_differences(
    sentences: Sequence, first: Sequence[Sequence[str]], second: Sequence[Sequence[str]]
) -> pd.DataFrame:
    """The gold slots that exactly one of two taggers finds (chapter 2's error analysis).

    ``sentences`` carry ``words`` and gold ``tags``; ``first`` and ``second`` are two taggers'
    predictions for them. A slot is found when the tagger predicts its type and both boundaries
    (the span F1 criterion). One row per slot found by one tagger and missed by the other, with
    columns ``sentence`` (index), ``slot`` (type), ``words`` (the slot's words), ``found_by``
    (``"first"`` or ``"second"``), ``first_tags`` and ``second_tags`` (each tagger's tags over
    the slot's words), and ``utterance`` (the whole sentence).

    Raises ``ValueError`` if ``sentences`` is not a list of tagged sentences with BIO tags, or
    ``first`` or ``second`` is not aligned with them (see :func:`span_f1`).
    """
    sentences, gold = _gold_of(sentences)
    first = require_tag_sequences("first", first, like=gold)
    second = require_tag_sequences("second", second, like=gold)
    rows = []
    for index, (sentence, first_tags, second_tags) in enumerate(zip(sentences, first, second)):
        gold_slots = slot_spans(sentence.tags)
        found = {"first": gold_slots & slot_spans(first_tags), "second": gold_slots & slot_spans(second_tags)}
        for finder, other in (("first", "second"), ("second", "first")):
            for kind, start, end in sorted(found[finder] - found[other], key=lambda slot: slot[1]):
                rows.append({
                    "sentence": index,
                    "slot": kind,
                    "words": " ".join(sentence.words[start : end + 1]),
                    "found_by": finder,
                    "first_tags": " ".join(first_tags[start : end + 1]),
                    "second_tags": " ".join(second_tags[start : end + 1]),
                    "utterance": " ".join(sentence.words),
                })
    columns = ["sentence", "slot", "words", "found_by", "first_tags", "second_tags", "utterance"]
    return pd.DataFrame(rows, columns=columns)


def _label_sequences(name: str, value) -> list[tuple]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValueError(f"{name}: expected a list of label sequences, one per utterance, got {type(value).__name__}: {value!r}")
    sequences = []
    for i, labels in enumerate(value):
        if isinstance(labels, (str, bytes)) or not isinstance(labels, Sequence):
            raise ValueError(
                f"{name}[{i}]: expected a sequence of labels (a list or tuple), got {type(labels).__name__}: {labels!r}"
            )
        sequences.append(tuple(labels))
    return sequences


def label_error_rate(references: Sequence[Sequence], hypotheses: Sequence[Sequence]) -> float:
    r"""The label error rate of a recogniser: edits needed over labels said, summed over utterances (chapter 6).

    With :math:`d(r, h)` the Levenshtein distance (the fewest substitutions, deletions and
    insertions that turn the hypothesis :math:`h` into the reference :math:`r`, computed by
    ``rapidfuzz``),

    .. math::  \mathrm{LER} = \frac{\sum_n d(r_n, h_n)}{\sum_n |r_n|}

    the measure of Graves et al. (2006); for spoken digits it is the digit error rate, for words
    the word error rate. It can exceed 1 when a hypothesis inserts many labels. ``references``
    and ``hypotheses`` are lists of label sequences (lists or tuples of digits, words, ids), one
    per utterance, in the same order. Raises ``ValueError`` if either is not such a list (a
    single sequence not wrapped in a list, a string), if they differ in length, or if the
    references hold no label at all.
    """
    references = _label_sequences("references", references)
    hypotheses = _label_sequences("hypotheses", hypotheses)
    if len(references) != len(hypotheses):
        raise ValueError(
            f"hypotheses: expected one per reference ({len(references)}), got {len(hypotheses)}"
        )
    said = sum(len(r) for r in references)
    if said == 0:
        raise ValueError("references: expected at least one label in all, got only empty sequences")
    edits = sum(Levenshtein.distance(r, h) for r, h in zip(references, hypotheses))
    return edits / said


class KeyphraseScores(NamedTuple):
    """Phrase-level precision, recall and F1 (fractions in [0, 1]) and the counts behind them (chapter 6)."""

    precision: float
    recall: float
    f1: float
    correct: int
    predicted: int
    gold: int


def _phrase_sets(name: str, value) -> list[set[str]]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValueError(f"{name}: expected a list of phrase lists, one per document, got {type(value).__name__}: {value!r:.60}")
    sets = []
    for i, phrases in enumerate(value):
        if isinstance(phrases, (str, bytes)) or not hasattr(phrases, "__iter__"):
            raise ValueError(
                f"{name}[{i}]: expected the phrases of one document (a list of str), got "
                f"{type(phrases).__name__}: {phrases!r:.60}"
            )
        normalized = set()
        for j, phrase in enumerate(phrases):
            if not isinstance(phrase, str):
                raise ValueError(f"{name}[{i}][{j}]: expected a phrase (a str), got {type(phrase).__name__}: {phrase!r:.60}")
            tokens = tokenize(phrase)
            if not tokens:
                raise ValueError(f"{name}[{i}][{j}]: expected a phrase with at least one token, got {phrase!r}")
            normalized.add(" ".join(tokens))
        sets.append(normalized)
    return sets


def keyphrase_scores(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> KeyphraseScores:
    r"""Micro-averaged precision, recall and F1 of predicted key phrases against gold ones, over documents (chapter 6).

    Each phrase is normalised by :func:`~companion.data.inspec.tokenize` (lower case, punctuation
    split off) and its tokens joined by spaces, so ``"Neural  Networks"`` equals ``"neural
    networks"``; a phrase given twice for one document counts once. With :math:`G_d` and
    :math:`P_d` the sets of gold and predicted phrases of document :math:`d`,

    .. math::  P = \frac{\sum_d |G_d \cap P_d|}{\sum_d |P_d|}, \qquad
               R = \frac{\sum_d |G_d \cap P_d|}{\sum_d |G_d|}, \qquad
               F_1 = \frac{2PR}{P + R}

    with :math:`P = 0` when nothing is predicted and :math:`F_1 = 0` when :math:`P + R = 0`.
    Matching is exact after normalisation: no stemming ("network" is not "networks"), and a
    phrase that shares only some words with a gold one counts as wrong, the strict measure of
    Hulth (2003) without her stemmer. ``gold`` and ``predicted`` are lists with one list of
    phrase strings per document, in the same order; pass all gold phrases, or only those
    present in the text (:func:`~companion.data.inspec.present_keyphrases`), to get recall
    against either. Raises ``ValueError`` if either is not such a list (a single document's
    phrases not wrapped in a list, a phrase that is not a string or has no token), if they
    differ in length, or if the gold lists hold no phrase at all.
    """
    gold_sets = _phrase_sets("gold", gold)
    predicted_sets = _phrase_sets("predicted", predicted)
    if len(predicted_sets) != len(gold_sets):
        raise ValueError(f"predicted: expected one phrase list per gold document ({len(gold_sets)}), got {len(predicted_sets)}")
    total_gold = sum(len(g) for g in gold_sets)
    if total_gold == 0:
        raise ValueError("gold: expected at least one phrase in all, got only empty lists")
    total_predicted = sum(len(p) for p in predicted_sets)
    correct = sum(len(g & p) for g, p in zip(gold_sets, predicted_sets))
    precision = correct / total_predicted if total_predicted else 0.0
    recall = correct / total_gold
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return KeyphraseScores(precision, recall, f1, correct, total_predicted, total_gold)
