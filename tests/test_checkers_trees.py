"""The checker of chapter 6's parsing exercise against a table of student answers: correct solutions,
each hinted mistake, a stub, a wrong type, an endless loop. A checker never raises because of the student."""
import pytest

from companion.exercises import check_linearize
from companion.exercises.checkers_trees import _MISTAKES, CASES
from companion.trees import linearize, words

TIMEOUT = 0.5  # seconds: the endless loop of the table ends in this time


def stub(tree):
    raise NotImplementedError  # your code here


def loops_for_ever(tree):
    while True:
        pass


def recursive(tree):
    if tree.is_preterminal:
        return ["XX"]
    tokens = ["(" + tree.label]
    for child in tree.children:
        tokens += recursive(child)
    return tokens + [")" + tree.label]


def with_a_stack(tree):
    tokens, stack = [], [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            tokens.append(node)
        elif node.is_preterminal:
            tokens.append("XX")
        else:
            stack += [")" + node.label, *reversed(node.children)]
            tokens.append("(" + node.label)
    return tokens


ANSWERS = [
    (recursive, True, "equal linearize's on 6 trees"),
    (with_a_stack, True, "equal linearize's"),
    (linearize, True, "equal linearize's"),
    *[(wrong, False, hint[:30]) for wrong, hint in _MISTAKES],
    (lambda tree: [], False, "expected ['(S', '(NP', 'XX', 'XX', ')NP'"),
    (lambda tree: " ".join(linearize(tree)), False, "expected a list of tokens (str), got a str"),
    (lambda tree: None, False, "expected a list of tokens (str)"),
    (lambda: [], False, "raised TypeError"),
    (stub, False, "still a stub"),
    (loops_for_ever, False, "did not finish within 0.5 seconds"),
    ("my_linearize", False, "the checker needs your function itself"),
]


@pytest.mark.parametrize("answer, passes, phrase", ANSWERS)
def test_verdicts(answer, passes, phrase):
    feedback = check_linearize(answer, timeout=TIMEOUT)
    assert feedback.passed is passes, feedback
    assert phrase in feedback.message, feedback.message


def test_each_mistake_fails_some_case_and_gets_its_own_hint():
    for index, (wrong, hint) in enumerate(_MISTAKES):
        assert any(wrong(tree) != list(linearize(tree)) for tree, in CASES)
        assert check_linearize(wrong, timeout=TIMEOUT).message.endswith(hint), index


def test_the_cases_are_the_ones_described():
    sentences = [" ".join(words(tree)) for tree, in CASES]
    assert sentences[:3] == ["Mr. Baris is a lawyer in New York .", "Mary slept .", "Go ."]
    assert len(set(sentences)) == len(CASES) == 6
    assert all(tree.label == "S" for tree, in CASES)


def test_a_bad_timeout_is_the_only_error():
    with pytest.raises(ValueError, match="timeout"):
        check_linearize(recursive, timeout=0)
