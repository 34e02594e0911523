import torch

from companion.exercises import check_elman_step, check_letter_trigrams


def test_trigram_checker_accepts_a_correct_answer_and_explains_mistakes():
    assert check_letter_trigrams(lambda w: [("#" + w + "#")[i : i + 3] for i in range(len(w))])
    no_boundary = check_letter_trigrams(lambda w: [w[i : i + 3] for i in range(len(w) - 2)])
    assert not no_boundary and "boundaries" in no_boundary.message
    as_set = check_letter_trigrams(lambda w: {("#" + w + "#")[i : i + 3] for i in range(len(w))})
    assert "set" in as_set.message

    def unfinished(word):
        raise NotImplementedError

    assert "still a stub" in check_letter_trigrams(unfinished).message
    crashing = check_letter_trigrams(lambda w: w[100])
    assert "IndexError" in crashing.message and repr(crashing).startswith("Not yet: ")


def test_elman_step_checker_names_the_missing_piece():
    assert check_elman_step(lambda x, h, w_ih, w_hh, b: torch.tanh(w_ih @ x + w_hh @ h + b))
    assert "ignores the memory" in check_elman_step(lambda x, h, w_ih, w_hh, b: torch.tanh(w_ih @ x + b)).message
    assert "pre-activation" in check_elman_step(lambda x, h, w_ih, w_hh, b: w_ih @ x + w_hh @ h + b).message
    assert "bias" in check_elman_step(lambda x, h, w_ih, w_hh, b: torch.tanh(w_ih @ x + w_hh @ h)).message
    assert "raised" in check_elman_step(lambda x, h, w_ih, w_hh, b: torch.tanh(w_ih @ h)).message


def test_student_copy_has_no_solutions(tmp_path):
    import json
    from pathlib import Path

    from companion.exercises import strip_solutions

    chapter = Path(__file__).resolve().parents[1] / "book" / "slot_filling.ipynb"
    copy = tmp_path / "student.ipynb"
    assert strip_solutions(chapter, copy) == 5
    cells = json.loads(copy.read_text())["cells"]
    text = "".join("".join(cell["source"]) for cell in cells)
    assert "{solution" not in text and "{exercise}" in text
    assert "raise NotImplementedError" in text and "W_hh @ h + b" not in text
    assert all(not cell.get("outputs") for cell in cells if cell["cell_type"] == "code")
