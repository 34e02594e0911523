"""`python -m companion.tag`: train, select on valid, score on test, write CoNLL predictions;
every argument checked before any data is read, divergence reported in one line."""
import re

import pytest
import torch

from companion.data import generate_booking_corpus
from companion.tag import main
from companion.training import RECIPES, Recipe, train_and_evaluate


def write_folder(root, sizes=(80, 20, 20)):
    for split, size, seed in zip(("train", "valid", "test"), sizes, (1, 2, 3)):
        folder = root / split
        folder.mkdir(parents=True)
        sentences = generate_booking_corpus(size, seed=seed)
        (folder / "seq.in").write_text("".join(" ".join(s.words) + "\n" for s in sentences))
        (folder / "seq.out").write_text("".join(" ".join(s.tags) + "\n" for s in sentences))
        (folder / "label").write_text("book_flight\n" * size)
    return root


def test_trains_scores_and_writes_conll(tmp_path, capsys):
    data = write_folder(tmp_path / "booking")
    out = tmp_path / "predictions.txt"
    assert main(["--data", str(data), "--model", "elman", "--epochs", "2", "--device", "cpu",
                 "--seed", "0", "--predictions", str(out)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.fullmatch(r"test F1: \d{1,3}\.\d\d", last)
    blocks = out.read_text().strip().split("\n\n")
    assert len(blocks) == 20
    first = generate_booking_corpus(20, seed=3)[0]
    lines = blocks[0].splitlines()
    assert [line.split()[:2] for line in lines] == [[w, t] for w, t in zip(first.words, first.tags)]
    assert all(len(line.split()) == 3 for block in blocks for line in block.splitlines())


CHAPTER_3_BODIES = {  # recipe: (torch layer, layers, bidirectional)
    "lstm": ("PackedLSTM", 1, False),
    "gru": ("PackedGRU", 1, False),
    "bilstm": ("PackedLSTM", 1, True),
    "bilstm2": ("PackedLSTM", 2, True),
    "bigru": ("PackedGRU", 1, True),
}


def test_every_recipe_builds_and_runs_one_epoch(tmp_path, capsys, monkeypatch):
    import companion.tag as tag

    models = {}
    original = tag.train_and_evaluate

    def spy(recipe, *args, desc="training", **kwargs):
        result = original(recipe, *args, desc=desc, **kwargs)
        models[desc] = result.model
        return result

    monkeypatch.setattr(tag, "train_and_evaluate", spy)
    data = write_folder(tmp_path / "booking", sizes=(20, 5, 5))
    for name in RECIPES:
        assert main(["--data", str(data), "--model", name, "--epochs", "1", "--device", "cpu"]) == 0
    assert capsys.readouterr().out.count("test F1:") == len(RECIPES)
    assert set(CHAPTER_3_BODIES) <= set(models)
    for name, (kind, layers, bidirectional) in CHAPTER_3_BODIES.items():
        body = models[name].body
        assert (type(body).__name__, body.num_layers, body.bidirectional) == (kind, layers, bidirectional), name
        assert (models[name].characters is not None) == (RECIPES[name].char_filters > 0), name


def test_malformed_data_names_the_file_and_line(tmp_path, capsys):
    data = write_folder(tmp_path / "booking", sizes=(5, 5, 5))
    seq_out = data / "valid" / "seq.out"
    lines = seq_out.read_text().splitlines()
    lines[2] = lines[2].rsplit(" ", 1)[0]  # one tag fewer than words
    seq_out.write_text("\n".join(lines) + "\n")
    with pytest.raises(SystemExit) as stop:
        main(["--data", str(data), "--model", "elman", "--epochs", "1", "--device", "cpu"])
    assert stop.value.code == 2
    error = capsys.readouterr().err
    assert "seq.out" in error and "line 3" in error


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--model", "transformer"], "invalid choice: 'transformer'"),
        (["--model", "elman", "--data", "no/such/folder"], "--data: expected 'atis' or a folder"),
        (["--model", "elman", "--epochs", "0"], "--epochs: expected a positive integer, got 0"),
        (["--model", "elman", "--device", "tpu"], "argument --device: invalid choice: 'tpu'"),
        (["--model", "elman", "--window-radius", "-1"], "--window-radius: expected a non-negative integer, got -1"),
        (["--model", "elman", "--hidden-size", "0"], "--hidden-size: expected a positive integer, got 0"),
    ],
)
def test_bad_arguments_fail_with_a_clear_message(arguments, message, capsys):
    with pytest.raises(SystemExit):
        main(arguments)
    assert message in capsys.readouterr().err


def test_train_and_evaluate_wants_a_recipe():
    with pytest.raises(ValueError, match=r"recipe: expected a Recipe \(e.g. RECIPES\['elman'\]\), got str"):
        train_and_evaluate("elman", [], [], [])


def test_overrides_reach_the_model(tmp_path, capsys, monkeypatch):
    import companion.tag as tag

    seen = {}
    original = tag.train_and_evaluate

    def spy(recipe, *args, **kwargs):
        seen["recipe"] = recipe
        return original(recipe, *args, **kwargs)

    monkeypatch.setattr(tag, "train_and_evaluate", spy)
    data = write_folder(tmp_path / "booking")
    assert main(["--data", str(data), "--model", "elman", "--epochs", "1", "--window-radius", "0",
                 "--hidden-size", "7", "--device", "cpu"]) == 0
    assert (seen["recipe"].window_radius, seen["recipe"].hidden_size, seen["recipe"].epochs) == (0, 7, 1)


def test_chapter_2_recipes_are_unchanged():
    chapter_2 = {name: RECIPES[name] for name in ("ffn", "elman", "elman2", "jordan", "bielman", "bielman2")}
    for name, recipe in chapter_2.items():
        assert (recipe.char_filters, recipe.output_dropout, recipe.word_dropout) == (0, 0.0, 0.0), name
    # Bodies with a torch twin train with it (chapter 2 checks the twin on the page); the
    # feed-forward and Jordan bodies have none.
    assert {name: recipe.implementation for name, recipe in chapter_2.items()} == {
        "ffn": "scratch", "elman": "torch", "elman2": "torch", "jordan": "scratch",
        "bielman": "torch", "bielman2": "torch"}
    assert chapter_2["bielman2"] == Recipe(
        "bielman", num_layers=2, window_radius=0, hidden_size=100, dropout=0.5, implementation="torch")


# --- every argument is checked before any data is read or any training starts ------------------


@pytest.fixture
def spied(monkeypatch):
    """Records whether the command read the splits or started training."""
    import companion.tag as tag

    calls = []
    for name in ("load_splits", "train_and_evaluate"):
        original = getattr(tag, name)
        monkeypatch.setattr(tag, name, lambda *args, _name=name, _original=original, **kwargs: (
            calls.append(_name), _original(*args, **kwargs))[1])
    return calls


def _missing_label(tmp_path):
    data = write_folder(tmp_path / "booking", sizes=(5, 5, 5))
    (data / "test" / "label").unlink()
    return data


BAD_FLAGS = {
    "lr inf": (["--lr", "inf"], "--lr: expected a positive finite number, got inf"),
    "lr nan": (["--lr", "nan"], "--lr: expected a positive finite number, got nan"),
    "lr zero": (["--lr", "0"], "--lr: expected a positive finite number, got 0.0"),
    "lr negative": (["--lr", "-0.1"], "--lr: expected a positive finite number, got -0.1"),
    "epochs negative": (["--epochs", "-3"], "--epochs: expected a positive integer, got -3"),
    "hidden size negative": (["--hidden-size", "-1"], "--hidden-size: expected a positive integer, got -1"),
    "window radius": (["--window-radius", "-2"], "--window-radius: expected a non-negative integer, got -2"),
    "seed negative": (["--seed", "-1"], "--seed: expected a non-negative integer, got -1"),
    "predictions in no folder": (["--predictions", "/no/such/dir/out.txt"],
                                 "--predictions: expected a file in an existing folder, got '/no/such/dir/out.txt'"),
    "predictions a folder": (["--predictions", "{tmp}"], "--predictions: expected a file to write, got the folder"),
}


@pytest.mark.parametrize("flags, message", BAD_FLAGS.values(), ids=BAD_FLAGS.keys())
def test_bad_flags_stop_before_data_or_training(flags, message, tmp_path, capsys, spied):
    data = write_folder(tmp_path / "booking", sizes=(5, 5, 5))
    flags = [flag.replace("{tmp}", str(tmp_path)) for flag in flags]
    with pytest.raises(SystemExit) as stop:
        main(["--data", str(data), "--model", "elman", "--epochs", "1", "--device", "cpu", *flags])
    assert stop.value.code == 2
    assert message in capsys.readouterr().err
    assert spied == []


def test_a_folder_without_the_three_splits_is_a_usage_error(tmp_path, capsys, spied):
    data = _missing_label(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main(["--data", str(data), "--model", "elman", "--device", "cpu"])
    assert stop.value.code == 2
    error = capsys.readouterr().err
    assert "--data: expected 'atis' or a folder with train/, valid/ and test/" in error
    assert str(data / "test" / "label") in error
    assert spied == []


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_an_absent_device_is_a_usage_error(tmp_path, capsys, spied):
    data = write_folder(tmp_path / "booking", sizes=(5, 5, 5))
    with pytest.raises(SystemExit) as stop:
        main(["--data", str(data), "--model", "elman", "--device", "cuda"])
    assert stop.value.code == 2
    assert "--device: device 'cuda' is not available here" in capsys.readouterr().err
    assert spied == []


def test_divergence_ends_with_one_line_and_exit_status_1(tmp_path, capsys):
    data = write_folder(tmp_path / "booking", sizes=(20, 5, 5))
    out = tmp_path / "predictions.txt"
    status = main(["--data", str(data), "--model", "elman", "--epochs", "2", "--device", "cpu",
                   "--lr", "1e308", "--predictions", str(out)])
    captured = capsys.readouterr()
    assert status == 1
    last = captured.err.strip().splitlines()[-1]
    assert re.fullmatch(r"python -m companion\.tag: error: (loss|params): expected finite value.*epoch 1, batch \d+.*; "
                        r"lower the learning rate, clip gradients, or look for NaN/inf in the inputs", last), last
    assert "Traceback" not in captured.err and "test F1" not in captured.out
    assert not out.exists()
