"""The generated grammar of chapter 6: seeded trees that linearise and come back, lengths held, one parse per sentence, and bad arguments refused."""
import pytest

from companion.data import grammar
from companion.data.grammar import (
    GRAMMAR_LABELS,
    GRAMMAR_LEXICON,
    GRAMMAR_RULES,
    SHORTEST_SENTENCE,
    count_parses,
    format_grammar,
    generate_trees,
)
from companion.tree_scores import bracket_scores
from companion.trees import Tree, delinearize, linearize, parse_bracketed, words


@pytest.fixture(scope="module")
def trees():
    return generate_trees(1500, seed=7, max_words=15)


def test_the_same_seed_gives_the_same_trees_and_another_seed_others():
    first = generate_trees(50, seed=3, max_words=12)
    assert first == generate_trees(50, seed=3, max_words=12)
    assert first != generate_trees(50, seed=4, max_words=12)
    assert all(isinstance(tree, Tree) and tree.label == "S" for tree in first)


def test_a_known_seed_gives_a_known_first_sentence():
    # Python's random.Random is the same on every platform, so a seed's trees are fixed.
    (tree,) = generate_trees(1, seed=0, max_words=15)
    assert " ".join(words(tree)) == "this book with John that liked some letters visited the letters ."
    assert parse_bracketed(str(tree)) == [tree]


def test_lengths_are_held_and_sentences_are_different(trees):
    lengths = [len(words(tree)) for tree in trees]
    assert min(lengths) >= SHORTEST_SENTENCE and max(lengths) <= 15
    assert len(set(lengths)) >= 10  # recursion: sentences of many lengths
    assert len({words(tree) for tree in trees}) == len(trees)
    long = generate_trees(40, seed=1, min_words=16, max_words=22)
    assert all(16 <= len(words(tree)) <= 22 for tree in long)


def test_excluded_sentences_are_never_drawn(trees):
    train = {words(tree) for tree in trees}
    held_out = generate_trees(300, seed=8, max_words=15, exclude=train)
    assert not train & {words(tree) for tree in held_out}


def test_every_linearisation_comes_back_as_its_tree(trees):
    for tree in trees:
        tokens = linearize(tree, pos=None)
        rebuilt = delinearize(tokens, words(tree))
        assert rebuilt.well_formed and rebuilt.tree == tree
        # with XX for every tag the brackets, and so the scores, are those of the tree
        xx = delinearize(linearize(tree), words(tree))
        assert xx.well_formed
    gold = trees[:200]
    predicted = [delinearize(linearize(tree), words(tree)).tree for tree in gold]
    assert bracket_scores(gold, predicted).f1 == 1.0


def test_every_generated_sentence_has_exactly_one_parse(trees):
    assert all(count_parses(words(tree)) == 1 for tree in trees)


def test_sentences_outside_the_grammar_have_no_parse():
    assert count_parses(["Mary", "slept", "."]) == 1
    assert count_parses(["Mary", "slept"]) == 0             # no full stop
    assert count_parses(["the", "dog", "slept", "the", "cat", "."]) == 0  # an intransitive verb with an object
    assert count_parses(["Mary", "saw", "John", "of", "the", "cat", "."]) == 1
    # "with" only modifies nouns, "after" only verbs: one attachment each
    assert count_parses("Mary saw the dog with the cat after the man .".split()) == 1


def test_the_documented_grammar_is_the_grammar():
    for line in format_grammar().splitlines():
        assert line in grammar.__doc__, line
    for symbol, rules in GRAMMAR_RULES.items():
        assert symbol in GRAMMAR_LABELS
        assert abs(sum(p for _, p in rules) - 1) < 1e-9, symbol
        for rhs, _ in rules:
            assert all(part in GRAMMAR_RULES or part in GRAMMAR_LEXICON for part in rhs), rhs
    for symbol, (tag, choices) in GRAMMAR_LEXICON.items():
        assert f"   {symbol:<6} {tag:<5} {' '.join(choices[:3])}" in grammar.__doc__, symbol


@pytest.mark.parametrize("kwargs, message", [
    ({"count": 0, "seed": 0}, r"count: expected a positive integer, got 0"),
    ({"count": 2.0, "seed": 0}, r"count: expected a positive integer, got 2.0"),
    ({"count": 5, "seed": -1}, r"seed: expected a non-negative integer, got -1"),
    ({"count": 5, "seed": "0"}, r"seed: expected a non-negative integer, got '0'"),
    ({"count": 5, "seed": 0, "max_words": 2}, r"max_words: expected an integer of at least min_words \(3\), got 2"),
    ({"count": 5, "seed": 0, "min_words": 2}, r"min_words: expected an integer of at least 3 .*got 2"),
    ({"count": 5, "seed": 0, "min_words": 10, "max_words": 9}, r"max_words: expected an integer of at least min_words \(10\), got 9"),
    ({"count": 5, "seed": 0, "max_words": True}, r"max_words: expected an integer"),
    ({"count": 5, "seed": 0, "exclude": "Mary slept ."}, r"exclude: expected a collection of sentences"),
    ({"count": 5, "seed": 0, "exclude": [("Mary", 3)]}, r"exclude: expected sentences as tuples of words"),
    ({"count": 30, "seed": 0, "max_words": 3}, r"count: expected at most as many sentences as can be drawn with 3 to 3 words"),
])
def test_bad_arguments_are_refused_by_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate_trees(**kwargs)


@pytest.mark.parametrize("bad", ["Mary slept .", [], None, ["Mary", 3]])
def test_count_parses_refuses_what_is_not_a_sentence(bad):
    with pytest.raises(ValueError, match="words: expected a non-empty sequence of words"):
        count_parses(bad)
