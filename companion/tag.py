"""Train and score a slot tagger from the command line, with the recipes the chapters report (chapters 2 and 3).

    python -m companion.tag --data atis --model elman --epochs 25 --device cpu --seed 0 --predictions out.txt

``--data`` is ``atis`` or a folder laid out as ``train|valid|test/seq.in|seq.out|label``;
``--model`` is one of :data:`companion.training.RECIPES`. The model is trained on ``train``, the
epoch with the best span F1 on ``valid`` is kept, and it is scored on ``test``: the last line
printed is ``test F1: NN.NN``. Each recipe's defaults reproduce the number its chapter reports
on the same kind of processor; another gives other digits, within the spread of the seeds the
chapter shows.

Every argument is checked before any data is read or any training starts: a bad one, or data
that cannot be read, is a usage error (exit status 2). Training that diverges (a loss or a
weight NaN or inf) stops with a one-line error and exit status 1.
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

from ._checks import require_non_negative_int, require_positive_float, require_positive_int
from .device import pick_device
from .metrics import write_conll
from .training import RECIPES, load_splits, require_data_source, train_and_evaluate

DEVICES = ("cpu", "cuda", "mps")


def _require_writable_file(name: str, path: Path) -> None:
    """Raises ``ValueError`` naming ``name`` unless ``path`` is a file that can be written, in an existing folder."""
    folder = path.parent
    if path.is_dir():
        raise ValueError(f"{name}: expected a file to write, got the folder {str(path)!r}")
    if not folder.is_dir():
        raise ValueError(f"{name}: expected a file in an existing folder, got {str(path)!r} (no folder {str(folder)!r})")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ValueError(f"{name}: expected a file that can be written, got {str(path)!r} (permission denied)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m companion.tag", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="atis", help="'atis' or a folder with train|valid|test/seq.in|seq.out|label")
    parser.add_argument("--model", required=True, choices=sorted(RECIPES), help="which tagger")
    parser.add_argument("--epochs", type=int, help="epochs (default: the recipe's)")
    parser.add_argument("--lr", type=float, help="Adam's learning rate (default: the recipe's)")
    parser.add_argument("--window-radius", type=int, help="words read on each side of the current one (default: the recipe's)")
    parser.add_argument("--hidden-size", type=int, help="hidden units per layer and direction (default: the recipe's)")
    parser.add_argument("--device", choices=DEVICES, help="where to train (default: the fastest present)")
    parser.add_argument("--seed", type=int, default=0, help="initial weights, batch order and dropout (default: 0)")
    parser.add_argument("--predictions", type=Path, help="write the test predictions here (CoNLL format)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``python -m companion.tag`` with ``argv`` (default: the command line's); returns the exit status (chapters 2 and 3).

    Trains the ``--model`` recipe of :data:`~companion.training.recipes.RECIPES` on ``--data``,
    keeps the epoch with the best span F1 on ``valid``, scores it on ``test`` and prints
    ``test F1: NN.NN`` last. Returns 0, or 1 (after a one-line error on stderr) if training
    diverges or the predictions cannot be written.

    Raises ``SystemExit`` with status 2, argparse's usage error, for a bad argument or data that
    cannot be read, before any training: the ``ValueError`` of the check that rejected it, which
    names the option (``--epochs: expected a positive integer, got 0``), becomes the message.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    # Every argument first: a mistake must not cost a download or a training run.
    checks = {
        "epochs": require_positive_int,
        "lr": require_positive_float,
        "window_radius": require_non_negative_int,
        "hidden_size": require_positive_int,
    }
    recipe = RECIPES[args.model]
    try:
        for name, check in checks.items():
            value = getattr(args, name)
            if value is not None:
                recipe = replace(recipe, **{name: check("--" + name.replace("_", "-"), value)})
        require_non_negative_int("--seed", args.seed)
        if args.predictions is not None:
            _require_writable_file("--predictions", args.predictions)
        require_data_source("--data", args.data)
    except ValueError as error:
        parser.error(str(error))
    try:
        device = pick_device(args.device)
    except ValueError as error:
        # pick_device names its own argument; the user typed --device.
        parser.error("--device: " + str(error).removeprefix("prefer: "))
    try:
        train, valid, test = load_splits(args.data)
    except (ValueError, OSError) as error:
        parser.error(str(error))
    try:
        result = train_and_evaluate(recipe, train, valid, test, seed=args.seed, device=device, desc=args.model)
        if args.predictions is not None:
            write_conll(args.predictions, test, result.test_predictions)
    except (ValueError, OSError) as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 1
    print(f"{args.model}: best valid F1 {100 * result.valid_f1:.2f} at epoch {result.best_epoch}, "
          f"{result.seconds:.0f} s on {device}")
    print(f"test F1: {100 * result.test_f1:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
