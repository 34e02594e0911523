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
  a ``ValueError`` that says where, at the first loss or weight that is NaN or inf;
* :mod:`~companion.training.clipping` — :func:`gradient_norm`, :func:`clip_grad_norm` (Pascanu
  et al. 2013) and :func:`clip_grad_value` (chapter 5);
* :mod:`~companion.training.gradient_flow` — :func:`state_gradient_norms`, the norm of
  ∂L/∂h_k at every step of any recurrent layer, and :func:`step_by_step` (chapter 5);
  :func:`~companion.reservoir.spectral_radius` is importable from here too;
* :mod:`~companion.training.error_surface` — :func:`one_unit_loss` and :func:`descend`: the
  rough error surface of a one-unit RNN, and gradient descent on it with and without clipping
  (chapter 5);
* :mod:`~companion.training.tasks` — :func:`train_adding`, :func:`train_copy`,
  :func:`adding_mse` and :func:`copy_accuracy`: networks trained on the adding problem and
  the copy-memory task, with each kind of clipping (chapter 5);
* :mod:`~companion.training.classify` — :func:`train_classifier`, :func:`predict_proba` and
  :func:`classifier_accuracy`: sentence classifiers (chapter 6);
* :mod:`~companion.training.ctc_training` — :func:`train_ctc`, :func:`recognise` and
  :func:`ctc_log_probs`: a speech recogniser trained with CTC, and its decoding (chapter 6);
* :mod:`~companion.training.seq2seq_training` — :func:`train_seq2seq`, :func:`seq2seq_loss`,
  :func:`sequence_loss`, :func:`source_batch` and :func:`teacher_forcing_batch`: an
  encoder–decoder trained with teacher forcing (chapter 6);
* :mod:`~companion.training.autoencoding` — :func:`train_autoencoder`,
  :func:`encode_recordings` and :func:`nearest_neighbour_accuracy`: a sequence auto-encoder of
  spoken words, and how well its vectors tell digits apart (chapter 6).

Chapter 4's PyTorch trainer, the twin of the NumPy one, is
:func:`companion.models.char_rnn.train_char_model`.
"""
from .checks import require_finite_tensors
from ..reservoir import spectral_radius
from .clipping import clip_grad_norm, clip_grad_value, gradient_norm
from .error_surface import DescentPath, descend, one_unit_loss
from .gradient_flow import state_gradient_norms, step_by_step
from .loop import Selection, predict_tags, tag_probabilities, tagging_loss, train_and_select, train_tagger
from .recall import accuracy, train_recall
from .recipes import RECIPES, Recipe, TaggingResult, load_splits, require_data_source, train_and_evaluate
from .classify import ClassifierTraining, classifier_accuracy, predict_proba, train_classifier
from .ctc_training import CTCRun, ctc_log_probs, recognise, train_ctc
from .autoencoding import AutoencoderRun, encode_recordings, nearest_neighbour_accuracy, train_autoencoder
from .seq2seq_training import (
    Seq2SeqTraining,
    seq2seq_loss,
    sequence_loss,
    source_batch,
    teacher_forcing_batch,
    train_seq2seq,
)
from .tasks import ADDING_SOLVED_MSE, COPY_SOLVED_ACCURACY, TaskRun, adding_mse, copy_accuracy, train_adding, train_copy

__all__ = [
    "ADDING_SOLVED_MSE",
    "COPY_SOLVED_ACCURACY",
    "DescentPath",
    "RECIPES",
    "Recipe",
    "Selection",
    "TaggingResult",
    "TaskRun",
    "accuracy",
    "adding_mse",
    "copy_accuracy",
    "descend",
    "clip_grad_norm",
    "clip_grad_value",
    "gradient_norm",
    "load_splits",
    "one_unit_loss",
    "predict_tags",
    "require_data_source",
    "require_finite_tensors",
    "spectral_radius",
    "state_gradient_norms",
    "step_by_step",
    "train_adding",
    "train_copy",
    "tag_probabilities",
    "tagging_loss",
    "train_and_evaluate",
    "train_and_select",
    "train_recall",
    "train_tagger",
    "ClassifierTraining",
    "classifier_accuracy",
    "predict_proba",
    "train_classifier",
    "CTCRun",
    "ctc_log_probs",
    "recognise",
    "train_ctc",
    "Seq2SeqTraining",
    "seq2seq_loss",
    "sequence_loss",
    "source_batch",
    "teacher_forcing_batch",
    "train_seq2seq",
    "AutoencoderRun",
    "encode_recordings",
    "nearest_neighbour_accuracy",
    "train_autoencoder",
]
