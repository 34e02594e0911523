"""How the chapters train their networks, and the tagger recipes they report.

* :mod:`~companion.training.loop` — :func:`tagging_loss`, :func:`train_tagger`,
  :func:`predict_tags`, :func:`tag_probabilities` (chapter 1) and :func:`train_and_select`,
  which keeps the epoch with the best span F1 on a validation split (chapter 2);
* :mod:`~companion.training.recipes` — :class:`Recipe`, :data:`RECIPES`,
  :func:`train_and_evaluate` and :func:`load_splits`: the taggers of chapters 2 and 3, as
  ``python -m companion.tag`` trains them;
* :mod:`~companion.training.recall` — :func:`train_recall` and :func:`accuracy`: the recall
  task of chapter 3;
* :mod:`~companion.training.checks` — :func:`require_finite_tensors`: every trainer stops, with
  a ``ValueError`` that says where, at the first loss or weight that is NaN or inf.

Chapter 4's PyTorch trainer, the twin of the NumPy one, is
:func:`companion.models.char_rnn.train_char_model`.
"""
from .checks import require_finite_tensors
from .loop import Selection, predict_tags, tag_probabilities, tagging_loss, train_and_select, train_tagger
from .recall import accuracy, train_recall
from .recipes import RECIPES, Recipe, TaggingResult, load_splits, require_data_source, train_and_evaluate

__all__ = [
    "RECIPES",
    "Recipe",
    "Selection",
    "TaggingResult",
    "accuracy",
    "load_splits",
    "predict_tags",
    "require_data_source",
    "require_finite_tensors",
    "tag_probabilities",
    "tagging_loss",
    "train_and_evaluate",
    "train_and_select",
    "train_recall",
    "train_tagger",
]
