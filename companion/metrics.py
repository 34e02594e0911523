"""Scores: span-level F1 for taggers as conlleval computes it (via seqeval), per-word confusions, edit-distance rates for recognisers, key-phrase scores, and BLEU for translations (via sacreBLEU).

Every function takes tags as a list of tag sequences, one per sentence (``[s.tags for s in
sentences]``), gold and predicted aligned sentence by sentence and word by word; tags are BIO
tags (``O``, ``B-<slot>``, ``I-<slot>``) except in :func:`confusion_table`. Tag ids, padding
included (:data:`~companion.data.tagging.PAD_TAG_ID`), are not tags: decode them first. Each
input is checked by :func:`~companion.data.tagging.require_tag_sequences` and rejected with a
``ValueError`` naming the argument, so that one sentence passed without its list, or tags of
another scheme, never score a silent 0. :func:`keyphrase_scores` compares phrases, not tags;
:func:`corpus_bleu` and :func:`bleu_by_length` compare sentences (chapter 6).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import NamedTuple, Sequence

import pandas as pd
from rapidfuzz.distance import Levenshtein
from sacrebleu.metrics import BLEU
from seqeval.metrics import classification_report, f1_score
from seqeval.metrics.sequence_labeling import get_entities

from ._checks import is_integer, require_choice
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


def _reference_lists(references, hypotheses) -> list[list[str]]:
    if isinstance(references, (str, bytes)) or not isinstance(references, Sequence):
        raise ValueError(
            f"references: expected a list of one reference or a list of references per hypothesis, "
            f"got {type(references).__name__}"
        )
    if isinstance(hypotheses, (str, bytes)) or not isinstance(hypotheses, Sequence):
        raise ValueError(f"hypotheses: expected a list of translations (str), got {type(hypotheses).__name__}")
    if not references:
        raise ValueError("references: expected at least one sentence, got an empty list")
    if len(hypotheses) != len(references):
        raise ValueError(f"hypotheses: expected one per reference entry ({len(references)}), got {len(hypotheses)}")
    for i, hypothesis in enumerate(hypotheses):
        if not isinstance(hypothesis, str):
            raise ValueError(
                f"hypotheses[{i}]: expected a translation as one str (join tokens with spaces), "
                f"got {type(hypothesis).__name__}: {hypothesis!r:.60}"
            )
    lists = []
    for i, entry in enumerate(references):
        options = [entry] if isinstance(entry, str) else entry
        if isinstance(options, bytes) or not isinstance(options, Sequence) or not options:
            raise ValueError(f"references[{i}]: expected a str or a non-empty list of str, got {entry!r:.60}")
        for j, reference in enumerate(options):
            where = f"references[{i}]" if isinstance(entry, str) else f"references[{i}][{j}]"
            if not isinstance(reference, str) or not reference.strip():
                raise ValueError(f"{where}: expected a non-empty sentence (str), got {reference!r:.60}")
        lists.append(list(options))
    return lists


def _bleu(lists: list[list[str]], hypotheses: Sequence[str], lowercase: bool, tokenize: str) -> float:
    # sacreBLEU takes reference streams (stream k holds every sentence's k-th reference) and
    # skips a None, so sentences with fewer references are padded with None, never with "".
    streams = [[refs[k] if k < len(refs) else None for refs in lists] for k in range(max(map(len, lists)))]
    # force: tokens joined by spaces are scored as the sentence they came from (13a gives them
    # back unchanged), so sacreBLEU's "forgot to detokenize" message would only be noise.
    bleu = BLEU(lowercase=lowercase, tokenize=tokenize, force=True)
    return float(bleu.corpus_score(list(hypotheses), streams).score)


def _bleu_options(lowercase, tokenize) -> None:
    if not isinstance(lowercase, bool):
        raise ValueError(f"lowercase: expected True or False, got {lowercase!r}")
    require_choice("tokenize", tokenize, tuple(BLEU.TOKENIZERS))


def corpus_bleu(references: Sequence, hypotheses: Sequence[str], *, lowercase: bool = False, tokenize: str = "13a") -> float:
    r"""Corpus BLEU of translations against one or several references each, in [0, 100], computed by sacreBLEU (chapter 6).

    With :math:`p_n` the modified n-gram precisions over the whole corpus (each hypothesis
    n-gram counted at most as often as in the reference that holds it most often),
    :math:`c` the hypotheses' length and :math:`r` the references' (for each sentence, the
    reference length closest to its hypothesis'),

    .. math::  \mathrm{BLEU} = 100 \cdot \min\left(1, e^{1 - r/c}\right) \exp\Big(\tfrac14 \sum_{n=1}^{4} \log p_n\Big)

    (Papineni et al. 2002), as ``sacrebleu.metrics.BLEU`` computes it (Post 2018): sums over
    the corpus, not a mean of sentence scores. ``references[i]`` is one reference string for
    ``hypotheses[i]``, or a list of them (Tatoeba's several translations of one source:
    :func:`~companion.data.tatoeba.group_references`); an n-gram then counts if any reference
    holds it. Sentences may have different numbers of references.

    Both sides are tokenized by ``tokenize`` (``"13a"``, the WMT standard, by default; see
    ``BLEU.TOKENIZERS``) and compared case-sensitively unless ``lowercase``. For the
    lower-cased tokens of :func:`~companion.data.tatoeba.english_tokens`, pass the tokens joined
    by spaces and ``lowercase=True`` with the corpus's English sentences as references: 13a
    gives those tokens back unchanged, so no detokenizer is needed.

    Raises ``ValueError`` naming the argument if ``references`` is not a non-empty list of
    strings or non-empty lists of strings, a reference is empty, ``hypotheses`` is not a list
    of strings (a list of tokens must be joined first) or differs in length, ``lowercase`` is
    not a bool, or ``tokenize`` is not one of sacreBLEU's tokenizers.
    """
    lists = _reference_lists(references, hypotheses)
    _bleu_options(lowercase, tokenize)
    return _bleu(lists, hypotheses, lowercase, tokenize)


def bleu_by_length(
    references: Sequence, hypotheses: Sequence[str], source_lengths: Sequence[int], bins: Sequence[int],
    *, lowercase: bool = False, tokenize: str = "13a",
) -> pd.DataFrame:
    r"""Corpus BLEU of the sentences in each band of source length, with their counts: Bahdanau et al. (2015), Fig. 2 (chapter 6).

    ``bins`` are increasing integer edges :math:`e_0 < e_1 < \dots < e_K`; band :math:`k`
    holds the sentences whose source length :math:`n` has :math:`e_{k-1} < n \le e_k`, so
    ``bins=(0, 10, 20, 30)`` gives the bands 1–10, 11–20 and 21–30 (closed on the right, as
    ``pandas.cut``). ``source_lengths[i]`` is the length of the source of ``hypotheses[i]``
    in the unit the page plots (Chinese characters, say); every length must fall in a band,
    so that no sentence is silently left out. Each band's score is :func:`corpus_bleu` over
    its sentences (not a mean of sentence scores); a band with few sentences gives a noisy
    score, hence the counts.

    One row per band, in order, with columns ``band`` (``"1–10"``), ``low`` and ``high``
    (the shortest and longest length it holds), ``sentences`` (how many) and ``bleu``
    (0 to 100; NaN for an empty band).

    Raises ``ValueError`` as :func:`corpus_bleu` does, and for ``source_lengths`` that are not
    one non-negative integer per hypothesis, ``bins`` that are not at least two strictly
    increasing integers, or a length outside the bands.
    """
    lists = _reference_lists(references, hypotheses)
    _bleu_options(lowercase, tokenize)
    if isinstance(source_lengths, (str, bytes)) or not hasattr(source_lengths, "__len__"):
        raise ValueError(f"source_lengths: expected one integer per hypothesis, got {type(source_lengths).__name__}")
    lengths = list(source_lengths)
    if len(lengths) != len(lists) or not all(is_integer(n) and n >= 0 for n in lengths):
        raise ValueError(
            f"source_lengths: expected one non-negative integer per hypothesis ({len(lists)}), got {lengths!r:.80}"
        )
    iterable = hasattr(bins, "__iter__") and not isinstance(bins, (str, bytes))
    edges = [int(e) for e in bins] if iterable and all(is_integer(e) for e in bins) else []
    if len(edges) < 2 or any(a >= b for a, b in zip(edges, edges[1:])):
        raise ValueError(f"bins: expected at least two strictly increasing integer edges, such as (0, 10, 20), got {bins!r}")
    for i, n in enumerate(lengths):
        if not edges[0] < n <= edges[-1]:
            raise ValueError(f"source_lengths[{i}]: expected a length in {edges[0] + 1}..{edges[-1]} (the bands of bins), got {n}")
    rows = []
    for low, high in zip(edges, edges[1:]):
        chosen = [i for i, n in enumerate(lengths) if low < n <= high]
        score = _bleu([lists[i] for i in chosen], [hypotheses[i] for i in chosen], lowercase, tokenize) if chosen else math.nan
        rows.append({"band": f"{low + 1}–{high}", "low": int(low) + 1, "high": int(high), "sentences": len(chosen), "bleu": score})
    return pd.DataFrame(rows, columns=["band", "low", "high", "sentences", "bleu"])
