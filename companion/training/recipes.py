"""The tagger recipes the chapters report, and the run that trains and scores one (chapters 2 and 3).

A :class:`Recipe` fixes everything that decides a tagger's score; :func:`train_and_evaluate`
builds the vocabulary and the tagger, trains on ``train``, keeps the epoch with the best span F1
on ``valid`` (:func:`~companion.training.train_and_select`) and scores it on ``test``;
:func:`load_splits` reads the three splits. The command line ``python -m companion.tag`` runs
them. Each recipe's defaults reproduce the number its chapter reports on the same kind of
processor; another gives other digits, within the spread of the seeds the chapter shows.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..data import TaggedSentence, make_batches, tagset_of
from ..data.atis import SLOT_FOLDER_FILES, load_atis, read_slot_folder, word_vocabulary
from ..device import pick_device, seed_everything
from ..encoding import WordsAndCharacters
from ..metrics import span_f1
from ..models.taggers import SlotTagger
from .loop import predict_tags, train_and_select

SPLITS = ("train", "valid", "test")


@dataclass(frozen=True)
class Recipe:
    """Everything that decides a tagger's score: its shape and how it is trained (chapters 2 and 3).

    The fields are :class:`~companion.models.SlotTagger`'s arguments (``body``, ``num_layers``,
    sizes, ``dropout``, ``implementation``, ``output_dropout``, ``word_dropout``, ``char_filters``
    and ``char_embedding_size``; 0 filters: no character features), the vocabulary's
    (``map_digits``, ``min_count``) and Adam's (``epochs``, ``lr``, ``batch_size``). A recipe
    is checked where it is used: :func:`train_and_evaluate` raises ``ValueError`` for a value
    that the tagger or the trainer rejects.
    """

    body: str
    num_layers: int = 1
    embedding_size: int = 100
    window_radius: int = 3
    hidden_size: int = 200
    epochs: int = 25
    lr: float = 0.003
    batch_size: int = 64
    map_digits: bool = True
    min_count: int = 1
    dropout: float = 0.0
    # Chapter 3: how the body is run, dropout before the read-out and on word ids, character features.
    implementation: str = "scratch"
    output_dropout: float = 0.0
    word_dropout: float = 0.0
    char_filters: int = 0
    char_embedding_size: int = 25


# Measured on ATIS with the command line (test F1, selected on valid, on a 2-core CPU; seeds
# 0 / 1 / 2): elman 94.02 / 94.31 / 94.08, jordan 93.46 / 93.30 / 93.02, bielman
# 94.50 / 94.41 / 93.97, bielman2 94.07 / 95.12 / 94.98; another processor gives other digits
# within about a point.
# Dropout 0.5 helped every model. The bidirectional ones need a narrower window (their backward
# memory already reads the rest of the sentence: bielman with +-3 gave valid 95.76 against
# 96.46 with +-1, seed 0) and fewer hidden units. The Elman and bidirectional bodies train with
# their torch twins (the same function of the same weights, checked by the tests), the Jordan
# network with the scratch loop (torch has no twin of it).
#
# Chapter 3 (same protocol; torch's fused LSTM/GRU layers, which compute what the scratch ones
# do): lstm 94.77 (valid 96.47; seeds 1 and 2 with one thread: 94.08, 94.28), gru 94.06 (95.80),
# bilstm 95.07 (97.19; seeds 1 and 2 with one thread: 95.19, 94.82),
# bilstm2 95.24 (96.90), bigru 94.94 (96.84), beside Yao et al. (2014): LSTM 94.85, deep LSTM
# 95.08 (on another ATIS split). Chosen on valid only. Without character features the BiLSTM
# reached valid 97.02, test 94.90 in 25 epochs; character features with min_count=2 (so that
# <unk> is trained on the rare words) gave the best valid score, at epoch 18. Dropout before
# the read-out, word dropout, other embedding, hidden and filter sizes, learning rates and batch
# sizes all moved valid F1 by less than a change of seed does (about ±0.2). The unidirectional
# ones keep chapter 2's look-ahead window; with it, character features did not help the LSTM
# on valid. Training takes about 40-50 s (lstm, gru, bigru) and 60-75 s (bilstm, bilstm2) with
# 2 CPU threads.
#: The tagger recipes by name, as ``python -m companion.tag --model NAME`` trains them: chapter 2
#: reports ``elman``, ``jordan``, ``bielman`` and ``bielman2``, chapter 3 ``lstm``, ``gru`` and
#: ``bilstm``; ``ffn``, ``elman2``, ``bilstm2`` and ``bigru`` are further taggers of the same
#: families for the command line. A dict of name to :class:`Recipe`.
#:
#: :meta hide-value:
RECIPES: dict[str, Recipe] = {
    "ffn": Recipe("ffn", dropout=0.5),
    "elman": Recipe("elman", dropout=0.5, implementation="torch"),
    "elman2": Recipe("elman", num_layers=2, dropout=0.5, implementation="torch"),
    "jordan": Recipe("jordan", dropout=0.5),
    "bielman": Recipe("bielman", window_radius=1, hidden_size=100, dropout=0.5, implementation="torch"),
    "bielman2": Recipe("bielman", num_layers=2, window_radius=0, hidden_size=100, dropout=0.5, implementation="torch"),
    "lstm": Recipe("lstm", window_radius=2, hidden_size=100, epochs=25, dropout=0.5, implementation="torch"),
    "gru": Recipe("gru", window_radius=2, hidden_size=100, epochs=25, dropout=0.5, implementation="torch"),
    "bilstm": Recipe(
        "bilstm", window_radius=1, hidden_size=100, epochs=18, dropout=0.5, min_count=2, char_filters=50,
        implementation="torch",
    ),
    "bilstm2": Recipe(
        "bilstm", num_layers=2, window_radius=0, hidden_size=100, epochs=20, dropout=0.5, char_filters=50,
        implementation="torch",
    ),
    "bigru": Recipe("bigru", window_radius=1, hidden_size=100, epochs=15, dropout=0.5, char_filters=50, implementation="torch"),
}


@dataclass
class TaggingResult:
    """A trained tagger, its scores and its test predictions: the result of :func:`train_and_evaluate` (chapters 2 and 3).

    ``valid_f1`` and ``test_f1`` are span F1 (fractions, not percentages) of the kept epoch
    ``best_epoch`` (1-based); ``seconds`` the time of training and selection; ``losses`` the
    mean training loss of every epoch, in nats per word.
    """

    model: SlotTagger
    valid_f1: float
    test_f1: float
    best_epoch: int
    seconds: float
    test_predictions: list[list[str]]
    losses: list[float] = field(default_factory=list)


def train_and_evaluate(
    recipe: Recipe,
    train: list[TaggedSentence],
    valid: list[TaggedSentence],
    test: list[TaggedSentence],
    seed: int = 0,
    device=None,
    progress: bool = True,
    desc: str = "training",
) -> TaggingResult:
    """Train ``recipe`` on ``train``, keep the epoch with the best span F1 on ``valid``, score it on ``test``.

    The vocabulary comes from ``train`` alone; the tag set from all three splits (the slot
    inventory belongs to the task, and ATIS's test split has tags that train lacks). With
    ``recipe.char_filters`` the words are encoded with their characters
    (:class:`~companion.encoding.WordsAndCharacters`, inventory from ``train``) and the tagger
    reads them through a :class:`~companion.models.CharacterCNN` (chapter 3). ``seconds`` is the
    time of training and selection.

    Raises ``ValueError`` if ``recipe`` is not a :class:`Recipe`, and, naming the epoch and batch,
    if training diverges (a loss or a weight NaN or inf: a learning rate too large).
    """
    if not isinstance(recipe, Recipe):
        raise ValueError(f"recipe: expected a Recipe (e.g. RECIPES['elman']), got {type(recipe).__name__}")
    device = pick_device() if device is None else torch.device(device)
    vocabulary = word_vocabulary(train, min_count=recipe.min_count, map_digits=recipe.map_digits)
    encoder = vocabulary
    if recipe.char_filters:
        encoder = WordsAndCharacters.from_sentences(vocabulary, [s.words for s in train])
    tagset = tagset_of(train + valid + test)
    batches = make_batches(train, encoder, tagset, recipe.batch_size, shuffle_seed=seed, by_length=True)
    seed_everything(seed)
    model = SlotTagger(
        len(vocabulary), len(tagset), body=recipe.body, embedding_size=recipe.embedding_size,
        window_radius=recipe.window_radius, hidden_size=recipe.hidden_size,
        num_layers=recipe.num_layers, padding_id=vocabulary.pad_id, dropout=recipe.dropout,
        implementation=recipe.implementation, output_dropout=recipe.output_dropout,
        word_dropout=recipe.word_dropout, unknown_id=vocabulary.unknown_id,
        char_filters=recipe.char_filters, char_embedding_size=recipe.char_embedding_size,
        num_characters=encoder.num_characters if recipe.char_filters else None,
    )
    start = time.perf_counter()
    selection = train_and_select(
        model, batches, valid, encoder, tagset, recipe.epochs, lr=recipe.lr, seed=seed, device=device,
        progress=progress, desc=desc,
    )
    seconds = time.perf_counter() - start
    predictions = predict_tags(model, test, encoder, tagset)
    return TaggingResult(
        model, selection.valid_f1, span_f1([s.tags for s in test], predictions), selection.best_epoch,
        seconds, predictions, selection.losses,
    )


def require_data_source(name: str, data) -> None:
    """Raises ``ValueError`` naming ``name`` unless ``data`` is ``"atis"`` or a folder with the three splits (chapters 2 and 3).

    The folder must hold ``train/``, ``valid/`` and ``test/``, each with ``seq.in``, ``seq.out``
    and ``label`` (the layout :func:`~companion.data.atis.read_slot_folder` reads). Nothing is
    read: the files' contents are checked when :func:`load_splits` reads them.
    """
    if data == "atis":
        return
    expected = "'atis' or a folder with train/, valid/ and test/, each holding " + ", ".join(SLOT_FOLDER_FILES)
    if not isinstance(data, (str, Path)) or not Path(data).is_dir():
        raise ValueError(f"{name}: expected {expected}, got {str(data)!r}")
    missing = [str(Path(data, split, file)) for split in SPLITS for file in SLOT_FOLDER_FILES
               if not Path(data, split, file).is_file()]
    if missing:
        raise ValueError(f"{name}: expected {expected}, got {str(data)!r}, which lacks {', '.join(missing)}")


def load_splits(data: str | Path) -> tuple[list[TaggedSentence], list[TaggedSentence], list[TaggedSentence]]:
    """``(train, valid, test)`` of ``"atis"`` (pinned download, or ``COMPANION_DATA_MIRROR``) or of a folder in the ``seq.in``/``seq.out``/``label`` layout (chapters 2 and 3).

    Each split is a list of :class:`~companion.data.TaggedSentence`.

    Raises ``ValueError`` if ``data`` is neither (:func:`require_data_source`), or naming the
    file and line of a malformed line.
    """
    require_data_source("data", data)
    if data == "atis":
        return tuple(load_atis(split) for split in SPLITS)
    return tuple(read_slot_folder(data, split) for split in SPLITS)
