"""Scores for taggers: span-level F1 as conlleval computes it (via seqeval), and per-word confusions."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd
from seqeval.metrics import classification_report, f1_score
from seqeval.metrics.sequence_labeling import get_entities


def _require_aligned(
    gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], name: str = "predicted"
) -> None:
    if len(gold) != len(predicted):
        raise ValueError(
            f"{name}: expected one tag sequence per gold sentence ({len(gold)}), got {len(predicted)}"
        )
    if not gold:
        raise ValueError("gold: expected at least one sentence, got an empty sequence")
    for i, (g, p) in enumerate(zip(gold, predicted)):
        if len(g) != len(p):
            raise ValueError(
                f"{name}[{i}]: expected {len(g)} tags (as many as gold[{i}]), got {len(p)}"
            )


def span_f1(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> float:
    r"""Micro-averaged span F1 over BIO-tagged sentences, as the CoNLL ``conlleval`` script counts it (chapter 1).

    A predicted slot counts as correct only if its type and both of its boundaries match a gold
    slot. With P and R the precision and recall over slots,

    .. math::  F_1 = \frac{2PR}{P + R}
    """
    _require_aligned(gold, predicted)
    return float(f1_score([list(g) for g in gold], [list(p) for p in predicted]))


def span_report(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> pd.DataFrame:
    """Precision, recall, F1 and support of every slot type, plus the micro average (chapters 1 and 2)."""
    _require_aligned(gold, predicted)
    report = classification_report(
        [list(g) for g in gold], [list(p) for p in predicted], output_dict=True, zero_division=0
    )
    table = pd.DataFrame(report).T.rename(columns={"f1-score": "f1"})
    table["support"] = table["support"].astype(int)
    return table.loc[[k for k in table.index if k not in ("macro avg", "weighted avg")]]


def confusion_table(
    gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], labels: Sequence[str]
) -> pd.DataFrame:
    """Counts of (gold tag, predicted tag) over all words: rows gold, columns predicted (chapter 1)."""
    _require_aligned(gold, predicted)
    labels = list(labels)
    known = set(labels)
    table = pd.DataFrame(0, index=pd.Index(labels, name="gold"), columns=pd.Index(labels, name="predicted"))
    for i, (g_sentence, p_sentence) in enumerate(zip(gold, predicted)):
        for g, p in zip(g_sentence, p_sentence):
            for name, tag in (("gold", g), ("predicted", p)):
                if tag not in known:
                    raise ValueError(f"{name}[{i}]: tag {tag!r} is not among labels {labels}")
            table.loc[g, p] += 1
    return table


def write_conll(path: str | Path, sentences, predicted: Sequence[Sequence[str]]) -> None:
    """Write predictions in the CoNLL evaluation format: ``word gold predicted`` per line, a blank line between sentences.

    The file can be scored by the original ``conlleval`` script, whose span F1 equals :func:`span_f1`
    (``python -m companion.tag --predictions``, chapter 2).
    """
    gold = [sentence.tags for sentence in sentences]
    _require_aligned(gold, predicted)
    lines = []
    for sentence, tags in zip(sentences, predicted):
        lines += [f"{w} {g} {p}" for w, g, p in zip(sentence.words, sentence.tags, tags)] + [""]
    Path(path).write_text("\n".join(lines))


def slot_spans(tags: Sequence[str]) -> set[tuple[str, int, int]]:
    """The slots of one tagged sentence as ``(type, first word, last word)``, as conlleval reads BIO tags (chapter 2)."""
    if isinstance(tags, str) or not isinstance(tags, Sequence):
        raise ValueError(f"tags: expected a list of BIO tags, got {type(tags).__name__}: {tags!r}")
    return {(kind, start, end) for kind, start, end in get_entities(list(tags))}


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
    """
    gold = [list(s.tags) for s in sentences]
    _require_aligned(gold, first, "first")
    _require_aligned(gold, second, "second")
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
