"""`python -m companion.tag`: train, select on valid, score on test, write CoNLL predictions."""
import re

import pytest

from companion.data import generate_booking_corpus
from companion.tag import RECIPES, main


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
        (["--model", "elman", "--epochs", "0"], "--epochs: expected a positive number, got 0"),
        (["--model", "elman", "--device", "tpu"], "prefer: expected one of"),
        (["--model", "elman", "--window-radius", "-1"], "--window-radius: expected a non-negative integer, got -1"),
        (["--model", "elman", "--hidden-size", "0"], "--hidden-size: expected a positive number, got 0"),
    ],
)
def test_bad_arguments_fail_with_a_clear_message(arguments, message, capsys):
    with pytest.raises(SystemExit):
        main(arguments)
    assert message in capsys.readouterr().err


def test_train_and_evaluate_wants_a_recipe():
    from companion.tag import train_and_evaluate

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
    from companion.tag import Recipe

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
