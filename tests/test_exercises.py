"""The chapter 1 checkers' verdicts and hints, the printed outputs of chapter 1, and student copies."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from companion.exercises import check_elman_step, check_letter_trigrams, strip_solutions

CHAPTER_1 = Path(__file__).resolve().parents[1] / "book" / "slot_filling.ipynb"


def test_trigram_checker_accepts_a_correct_answer_and_explains_mistakes():
    assert check_letter_trigrams(lambda w: [("#" + w + "#")[i : i + 3] for i in range(len(w))])
    no_boundary = check_letter_trigrams(lambda w: [w[i : i + 3] for i in range(len(w) - 2)])
    assert not no_boundary and "boundaries" in no_boundary.message
    as_set = check_letter_trigrams(lambda w: {("#" + w + "#")[i : i + 3] for i in range(len(w))})
    assert "set" in as_set.message
    too_many = check_letter_trigrams(lambda w: [("#" + w + "#")[i : i + 3] for i in range(len(w) + 2)])
    assert "two trigrams too many" in too_many.message

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
    raised = check_elman_step(lambda x, h, w_ih, w_hh, b: torch.tanh(w_ih @ h)).message
    assert "raised RuntimeError" in raised and "Shapes: W_ih is (H, F)" in raised


def test_the_beginners_loop_version_of_the_elman_step_is_correct():
    # float32 zeros filled from the inputs: the checker once passed float64 inputs and this raised
    # "Float did not match Double" inside the checker.
    def my_step(x, h, W_ih, W_hh, b):
        out = torch.zeros(W_ih.shape[0])
        for i in range(W_ih.shape[0]):
            out[i] = torch.tanh(W_ih[i] @ x + W_hh[i] @ h + b[i])
        return out

    verdict = check_elman_step(my_step)
    assert verdict, verdict.message
    assert verdict.message == "your Elman step matches the companion's on 3 random cases."


def test_the_beginners_loop_version_works_when_the_default_dtype_is_float64():
    def my_step(x, h, W_ih, W_hh, b):
        out = torch.zeros(W_ih.shape[0])
        for i in range(W_ih.shape[0]):
            out[i] = torch.tanh(W_ih[i] @ x + W_hh[i] @ h + b[i])
        return out

    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        assert check_elman_step(my_step)
        # a float32 answer from float64 inputs is judged at float32 precision
        assert check_elman_step(lambda x, h, w_ih, w_hh, b: torch.tanh(w_ih.float() @ x.float() + w_hh.float() @ h.float() + b.float()))
        nearly = check_elman_step(lambda x, h, w_ih, w_hh, b: torch.tanh(w_ih @ x + w_hh @ h + b) + 1e-9)
        assert not nearly and "largest difference 1e-09 at position 0" in nearly.message
    finally:
        torch.set_default_dtype(previous)


def test_a_float32_answer_off_by_more_than_float32_rounding_is_refused():
    off = check_elman_step(lambda x, h, w_ih, w_hh, b: torch.tanh(w_ih @ x + w_hh @ h + b) + 1e-3)
    assert not off and "largest difference 0.001 at position 0" in off.message


def _printed_outputs(notebook: Path) -> dict[str, str]:
    """The committed text output of each code cell of ``notebook``, keyed by its source."""
    cells = json.loads(notebook.read_text())["cells"]
    return {
        "".join(cell["source"]): "".join(output["data"]["text/plain"])
        for cell in cells
        if cell["cell_type"] == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "execute_result"
    }


def test_chapter_1_prints_the_same_verdicts_as_its_committed_outputs():
    printed = _printed_outputs(CHAPTER_1)

    def stub_trigrams(word):
        raise NotImplementedError  # your code here

    def my_trigrams(word):
        padded = "#" + word + "#"
        return [padded[i : i + 3] for i in range(len(padded) - 2)]

    def stub_step(x, h, W_ih, W_hh, b):
        raise NotImplementedError  # your code here

    def forgetful_step(x, h, W_ih, W_hh, b):
        return torch.tanh(W_ih @ x + b)

    def my_step(x, h, W_ih, W_hh, b):
        return torch.tanh(W_ih @ x + W_hh @ h + b)

    step_source = (
        "def my_step(x, h, W_ih, W_hh, b):\n    return torch.tanh(W_ih @ x + W_hh @ h + b)\n\n"
        "check_elman_step(my_step)"
    )
    verdicts = [  # (the cell's source, what the checker prints now)
        ("from companion.exercises import check_letter_trigrams\n\ncheck_letter_trigrams(my_trigrams)",
         check_letter_trigrams(stub_trigrams)),
        ('def my_trigrams(word):\n    padded = "#" + word + "#"\n'
         "    return [padded[i : i + 3] for i in range(len(padded) - 2)]\n\ncheck_letter_trigrams(my_trigrams)",
         check_letter_trigrams(my_trigrams)),
        ("from companion.exercises import check_elman_step\n\ncheck_elman_step(my_step)", check_elman_step(stub_step)),
        ("def forgetful_step(x, h, W_ih, W_hh, b):\n    return torch.tanh(W_ih @ x + b)\n\n"
         "check_elman_step(forgetful_step)", check_elman_step(forgetful_step)),
        (step_source, check_elman_step(my_step)),
    ]
    for source, verdict in verdicts:
        assert printed[source] == repr(verdict)


def test_student_copy_has_no_solutions(tmp_path):
    copy = tmp_path / "student.ipynb"
    assert strip_solutions(CHAPTER_1, copy) == 5
    cells = json.loads(copy.read_text())["cells"]
    text = "".join("".join(cell["source"]) for cell in cells)
    assert "{solution" not in text and "{exercise}" in text
    assert "raise NotImplementedError" in text and "W_hh @ h + b" not in text
    assert all(not cell.get("outputs") for cell in cells if cell["cell_type"] == "code")


def test_student_copy_from_the_command_line(tmp_path):
    # a Colab edition (book/_ext/myst_markdown.py): plain Markdown, solution cells tagged
    edition = tmp_path / "slot_filling.ipynb"
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "#### Exercise 1.1 (Count)\n\nCount."},
             {"cell_type": "markdown", "metadata": {"tags": ["solution"]}, "source": "<details>\n\n42\n\n</details>"},
             {"cell_type": "code", "metadata": {}, "source": "check(stub)", "outputs": [{"output_type": "stream",
              "name": "stdout", "text": "Not yet"}], "execution_count": 3}]
    edition.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    command = [sys.executable, "-m", "companion.exercises"]
    root = CHAPTER_1.parents[1]
    usage = subprocess.run(command, cwd=root, capture_output=True, text=True)
    assert usage.returncode != 0 and "usage: python -m companion.exercises" in usage.stderr
    copy = tmp_path / "student" / "slot_filling.ipynb"
    done = subprocess.run([*command, str(edition), str(copy)], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "written without its 1 solutions" in done.stdout
    kept = json.loads(copy.read_text())["cells"]
    assert [cell["source"] for cell in kept] == ["#### Exercise 1.1 (Count)\n\nCount.", "check(stub)"]
    assert kept[1]["outputs"] == [] and kept[1]["execution_count"] is None


@pytest.mark.parametrize("start, end", [(True, False), (False, True)])
def test_student_copy_refuses_an_unbalanced_solution(tmp_path, start, end):
    cells = []
    if start:
        cells.append({"cell_type": "markdown", "metadata": {}, "source": ["```{solution-start} ex\n```\n"]})
    if end:
        cells.append({"cell_type": "markdown", "metadata": {}, "source": ["```{solution-end}\n```\n"]})
    notebook = tmp_path / "chapter.ipynb"
    notebook.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    with pytest.raises(ValueError, match="notebook: a solution-"):
        strip_solutions(notebook, tmp_path / "copy.ipynb")


def test_student_copy_cuts_a_solution_that_shares_a_cell_with_its_exercise(tmp_path):
    # Chapter 2's exercises often hold their statement, the solution's start, the solution
    # and its end in one Markdown cell: the statement stays, the rest goes.
    shared = ("````{exercise} Counting\n:label: ex-a\n\nCount the weights.\n````\n\n"
              "````{solution-start} ex-a\n:class: dropdown\n````\nThere are 42.\n\n"
              "````{solution-end}\n````")
    opened = "````{exercise} Next\n:label: ex-b\n\nWrite it.\n````\n\n````{solution-start} ex-b\n````"
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": [shared]},
        {"cell_type": "markdown", "metadata": {}, "source": [opened]},
        {"cell_type": "code", "metadata": {}, "source": ["answer = 42"], "outputs": [], "execution_count": 1},
        {"cell_type": "markdown", "metadata": {}, "source": ["Because.\n\n````{solution-end}\n````\nAfter it."]},
    ]
    notebook = tmp_path / "chapter.ipynb"
    notebook.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    assert strip_solutions(notebook, tmp_path / "copy.ipynb") == 2
    kept = ["".join(cell["source"]) for cell in json.loads((tmp_path / "copy.ipynb").read_text())["cells"]]
    assert kept == ["````{exercise} Counting\n:label: ex-a\n\nCount the weights.\n````",
                    "````{exercise} Next\n:label: ex-b\n\nWrite it.\n````", "After it."]


def test_student_copy_of_a_missing_notebook_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="expected a readable file"):
        strip_solutions(tmp_path / "absent.ipynb", tmp_path / "copy.ipynb")


@pytest.mark.parametrize("text", ["not json", "[1]", '{"metadata": {}}'])
def test_student_copy_refuses_what_is_not_a_notebook(tmp_path, text):
    notebook = tmp_path / "chapter.ipynb"
    notebook.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="notebook: expected a Jupyter notebook"):
        strip_solutions(notebook, tmp_path / "copy.ipynb")


def test_the_student_copy_command_reports_a_missing_notebook_in_one_line(tmp_path):
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-m", "companion.exercises", str(tmp_path / "absent.ipynb"), str(tmp_path / "copy.ipynb")],
        capture_output=True, text=True,
    )
    assert run.returncode == 1
    assert run.stderr.startswith("python -m companion.exercises: error: ") and "Traceback" not in run.stderr
