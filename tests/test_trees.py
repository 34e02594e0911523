"""Constituency trees (chapter 6): reading Penn brackets, cleaning, linearising and rebuilding, and EVALB bracket scores worked by hand."""
import random

import pytest

from companion.tree_scores import COLLINS_DELETED_TAGS, SCORING_STYLES, Bracket, bracket_scores, bracket_spans
from companion.trees import (
    Tree,
    clean_tree,
    delinearize,
    linearize,
    parse_bracketed,
    words,
)


def tree(text):
    (parsed,) = parse_bracketed(text)
    return parsed


# ---- the tree type and the reader ----------------------------------------------------------


def test_a_tree_is_a_value_with_penn_brackets_as_its_text():
    dog = Tree("NN", ["dog"])
    assert dog.children == ("dog",) and dog.is_preterminal
    noun_phrase = Tree("NP", (Tree("DT", ("the",)), dog))
    assert not noun_phrase.is_preterminal
    assert str(noun_phrase) == "(NP (DT the) (NN dog))"
    assert noun_phrase == tree("(NP (DT the)\n   (NN dog))") and hash(noun_phrase) == hash(tree("(NP (DT the) (NN dog))"))
    assert repr(dog) == "<Tree (NN dog)>"
    with pytest.raises(AttributeError):
        dog.label = "NNS"


def test_several_trees_and_the_unlabelled_root_are_read():
    trees = parse_bracketed("( (S (NP (NNP John)) (VP (VBZ sleeps))) )\n\n(FRAG (NP (NN Yes)))")
    assert [t.label for t in trees] == ["", "FRAG"]
    assert str(trees[0]) == "( (S (NP (NNP John)) (VP (VBZ sleeps))))"
    assert parse_bracketed(str(trees[0])) == [trees[0]]
    assert words(trees[0]) == ("John", "sleeps")


@pytest.mark.parametrize("text, message", [
    ("(S (NP (NN x))", r"unbalanced brackets: the '\(' at line 1, column 1 is never closed"),
    ("(S (NN x)))", r"unbalanced brackets: the '\)' at line 1, column 11 closes nothing"),
    ("(S\n  (NP (NN x))\n  ( (VP (VB go))))", r"expected a label after the '\(' at line 3, column 3, got none"),
    ("(NP)", r"expected a word or subtrees in the bracket \(NP at line 1, column 1"),
    ("()", r"expected a word or subtrees in the bracket \( at line 1, column 1"),
    ("(S (NN x y))", r"the bracket at line 1, column 4: children: expected subtrees, or one word"),
    ("(S (NN x) y)", r"the bracket at line 1, column 1: children: expected subtrees, or one word"),
    ("word (S (NN x))", r"expected '\(' to open a tree, got the word 'word' at line 1, column 1"),
    ("  \n ", "expected at least one bracketed tree, got none"),
])
def test_malformed_brackets_are_named_with_their_place(text, message):
    with pytest.raises(ValueError, match=message):
        parse_bracketed(text)


@pytest.mark.parametrize("call, message", [
    (lambda: parse_bracketed(b"(S (NN x))"), "text: expected a string"),
    (lambda: Tree("NP", ()), "children: expected a non-empty tuple"),
    (lambda: Tree("NN", "dog"), "children: expected a non-empty tuple"),
    (lambda: Tree("NN", ("big", "dog")), "children: expected subtrees, or one word"),
    (lambda: Tree("NN", ("big dog",)), "children: expected subtrees, or one word"),
    (lambda: Tree("", ("dog",)), "label: expected the part-of-speech tag of the word 'dog'"),
    (lambda: Tree("N P", (Tree("NN", ("x",)),)), "label: expected a string without spaces or brackets"),
    (lambda: Tree(3, (Tree("NN", ("x",)),)), "label: expected a string"),
    (lambda: Tree("NP", (Tree("NN", ("x",)), 5)), "children: expected Trees or one word"),
    (lambda: words("(NN x)"), "tree: expected a Tree, got str"),
])
def test_bad_trees_are_rejected_with_their_argument_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---- cleaning and linearising --------------------------------------------------------------

RAW = """( (S
    (NP-SBJ-1 (NNP John) )
    (VP (VBZ has)
      (S (NP-SBJ (-NONE- *-1) ) (VP (TO to) (VP (VB go) )))
      (PRN (-LRB- -LRB-) (ADVP|PRT (RB away) ) (-RRB- -RRB-) )
      (NP=2 (-NONE- *T*-2) ))
    (. .) ))"""


def test_cleaning_removes_empty_elements_function_tags_and_the_root():
    cleaned = clean_tree(tree(RAW))
    assert str(cleaned) == (
        "(S (NP (NNP John)) (VP (VBZ has) (S (VP (TO to) (VP (VB go)))) "
        "(PRN (-LRB- -LRB-) (ADVP (RB away)) (-RRB- -RRB-))) (. .))"
    )
    assert clean_tree(cleaned) == cleaned


def test_cleaning_a_tree_of_empty_elements_only_fails():
    with pytest.raises(ValueError, match=r"tree: expected at least one word that is not an empty element"):
        clean_tree(tree("( (S (NP-SBJ (-NONE- *)) (VP (-NONE- *?*))) )"))
    with pytest.raises(ValueError, match="tree: expected a Tree"):
        clean_tree("(S (NN x))")


JOHN = tree("(S (NP (NNP John)) (VP (VBZ has) (NP (DT a) (NN dog))) (. .))")


def test_the_papers_example_is_linearised_with_labelled_closing_brackets():
    assert linearize(JOHN) == tuple("(S (NP XX )NP (VP XX (NP XX XX )NP )VP XX )S".split())
    assert linearize(JOHN, pos=None) == tuple("(S (NP NNP )NP (VP VBZ (NP DT NN )NP )VP . )S".split())
    assert linearize(JOHN, pos="POS") == tuple("(S (NP POS )NP (VP POS (NP POS POS )NP )VP POS )S".split())
    assert words(JOHN) == ("John", "has", "a", "dog", ".")


@pytest.mark.parametrize("call, message", [
    (lambda: linearize(JOHN, pos=""), "pos: expected a non-empty symbol"),
    (lambda: linearize(JOHN, pos="X X"), "pos: expected a non-empty symbol"),
    (lambda: linearize(JOHN, pos="(XX"), "pos: expected a non-empty symbol"),
    (lambda: linearize(JOHN, pos=1), "pos: expected a non-empty symbol"),
    (lambda: linearize(tree("( (S (NN x)))")), r"expected a label on every phrase.*clean it first"),
    (lambda: linearize(["(S"]), "tree: expected a Tree"),
])
def test_bad_linearize_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---- rebuilding predicted sequences -------------------------------------------------------

ABC = ("a", "b", "c")


def test_a_well_formed_sequence_gives_its_tree_back():
    rebuilt = delinearize(linearize(JOHN, pos=None), words(JOHN))
    assert rebuilt.tree == JOHN and rebuilt.well_formed and rebuilt.single_root
    assert rebuilt[2:8] == (0, 0, 0, 0, 0, 0)
    with_xx = delinearize(linearize(JOHN), words(JOHN))
    assert with_xx.well_formed and bracket_spans(with_xx.tree) == bracket_spans(JOHN)


@pytest.mark.parametrize("tokens, text, repairs", [
    # (added_openers, added_closers, mismatched_closers, extra_slots, missing_slots, empty_brackets)
    ("(S (NP XX XX", "(S (NP (XX a) (XX b)) (XX c))", (0, 2, 0, 0, 1, 0)),
    ("(NP XX )NP XX XX )S", "(S (NP (XX a)) (XX b) (XX c))", (1, 0, 0, 0, 0, 0)),
    ("(S (NP XX )VP XX XX )S", "(S (NP (XX a)) (XX b) (XX c))", (0, 0, 1, 0, 0, 0)),
    ("(S XX XX XX XX XX )S", "(S (XX a) (XX b) (XX c))", (0, 0, 0, 2, 0, 0)),
    ("(S (NP )NP XX XX XX )S", "(S (XX a) (XX b) (XX c))", (0, 0, 0, 0, 0, 1)),
    ("(S (NP XX XX )NP (VP XX )VP )S )S", "(S (S (NP (XX a) (XX b)) (VP (XX c))))", (1, 0, 0, 0, 0, 0)),
])
def test_each_repair_is_made_and_counted(tokens, text, repairs):
    rebuilt = delinearize(tokens.split(), ABC)
    assert str(rebuilt.tree) == text
    assert rebuilt[2:8] == repairs
    assert rebuilt.single_root and not rebuilt.well_formed


def test_a_sequence_without_one_root_gets_an_unlabelled_one():
    rebuilt = delinearize("(NP XX )NP (VP XX XX )VP".split(), ABC)
    assert str(rebuilt.tree) == "( (NP (XX a)) (VP (XX b) (XX c)))"
    assert not rebuilt.single_root and not rebuilt.well_formed and rebuilt[2:8] == (0,) * 6
    nothing = delinearize([], ABC, fill="NN")
    assert str(nothing.tree) == "( (NN a) (NN b) (NN c))" and nothing.missing_slots == 3


def test_any_sequence_gives_a_tree_over_the_sentences_words():
    rng = random.Random(0)
    vocabulary = ["(S", "(NP", "(VP", ")S", ")NP", ")VP", "XX", "XX", "XX"]
    for _ in range(2000):
        tokens = [rng.choice(vocabulary) for _ in range(rng.randrange(0, 16))]
        sentence = [f"w{i}" for i in range(rng.randrange(1, 6))]
        rebuilt = delinearize(tokens, sentence)
        assert words(rebuilt.tree) == tuple(sentence)
        assert rebuilt.single_root == (rebuilt.tree.label != "")
        if rebuilt.well_formed:
            assert linearize(rebuilt.tree, pos=None) == tuple(tokens)


@pytest.mark.parametrize("call, message", [
    (lambda: delinearize("(S XX )S", ABC), "tokens: expected a sequence of tokens"),
    (lambda: delinearize(["(S", "(", ")S"], ABC), r"tokens\[1\]: expected '\(LABEL', '\)LABEL' or a tag symbol"),
    (lambda: delinearize(["(S", "X X"], ABC), r"tokens\[1\]"),
    (lambda: delinearize(["(S", "((NP"], ABC), r"tokens\[1\]"),
    (lambda: delinearize(["(S", 3], ABC), r"tokens\[1\]"),
    (lambda: delinearize(["XX"], []), "words: expected a non-empty sequence of words"),
    (lambda: delinearize(["XX"], "abc"), "words: expected a non-empty sequence of words"),
    (lambda: delinearize(["XX"], ["a b"]), r"words\[0\]: expected a non-empty word"),
    (lambda: delinearize(["XX"], ["(a"]), r"words\[0\]: expected a non-empty word"),
    (lambda: delinearize(["XX"], ["a"], fill=""), "fill: expected a non-empty symbol"),
])
def test_bad_delinearize_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---- bracket spans and scores, worked by hand ----------------------------------------------

DOG = tree("(S (NP (DT the) (NN dog)) (VP (VBD barked)) (. .))")
DOG_CROSSED = tree("(S (NP (XX the)) (VP (XX dog) (XX barked)) (XX .))")


def test_spans_are_word_ranges_in_pre_order_without_preterminals_or_the_root():
    assert bracket_spans(DOG) == [Bracket("S", 0, 4), Bracket("NP", 0, 2), Bracket("VP", 2, 3)]
    assert bracket_spans(DOG, deleted={3}) == [("S", 0, 3), ("NP", 0, 2), ("VP", 2, 3)]
    assert bracket_spans(DOG, deleted=[0, 1]) == [("S", 0, 2), ("VP", 0, 1)]
    assert bracket_spans(tree("( (S (NN x)))")) == [("S", 0, 1)]
    assert bracket_spans(tree("(TOP (S (NN x)))")) == [("S", 0, 1)]
    for bad in ({4}, {-1}, "0", {0.0}, 3):
        with pytest.raises(ValueError, match="deleted: expected a collection of word positions in 0..3"):
            bracket_spans(DOG, deleted=bad)


def test_a_crossing_bracket_matches_nothing_and_is_counted():
    # gold S(0,3) NP(0,2) VP(2,3) and predicted S(0,3) NP(0,1) VP(1,3), once "." is deleted:
    # only S matches; the predicted VP(1,3) crosses the gold NP(0,2).
    for style in SCORING_STYLES:
        scores = bracket_scores([DOG], [DOG_CROSSED], style=style)
        assert scores.precision == pytest.approx(1 / 3) and scores.recall == pytest.approx(1 / 3)
        assert scores.f1 == pytest.approx(1 / 3)
        assert (scores.matched, scores.gold, scores.predicted, scores.crossing) == (1, 3, 3, 1)
        assert scores.exact_match == 0.0 and scores.sentences == 1


def test_a_unary_chain_holds_the_same_bracket_twice():
    chain = tree("(S (NP (NP (NNS dogs))) (VP (VBP bark)))")
    single = tree("(S (NP (XX dogs)) (VP (XX bark)))")
    scores = bracket_scores([chain], [single])
    assert (scores.matched, scores.gold, scores.predicted) == (3, 4, 3)
    assert scores.precision == 1.0 and scores.recall == 0.75 and scores.f1 == pytest.approx(6 / 7)
    reverse = bracket_scores([single], [chain])
    assert (reverse.precision, reverse.recall, reverse.exact_match) == (0.75, 1.0, 0.0)
    assert bracket_scores([chain], [chain]).exact_match == 1.0


IT_IS = tree("(S (NP (PRP it)) (VP (VBZ is)) (. .))")


def test_collins_deletes_punctuation_by_its_gold_tag_and_plain_does_not():
    attached = tree("(S (NP (XX it)) (VP (XX is) (XX .)))")
    collins, plain = (bracket_scores([IT_IS], [attached], style=style) for style in SCORING_STYLES)
    assert (collins.f1, collins.exact_match) == (1.0, 1.0)
    assert (plain.matched, plain.gold, plain.predicted, plain.exact_match) == (2, 3, 3, 0.0)
    only_punctuation = tree("(S (NP (XX it)) (VP (XX is)) (X (XX .)))")
    assert bracket_scores([IT_IS], [only_punctuation]).exact_match == 1.0
    assert bracket_scores([IT_IS], [only_punctuation], style="plain")[:2] == (0.75, 1.0)
    assert COLLINS_DELETED_TAGS == {",", ":", "``", "''", ".", "-NONE-"}


def test_collins_counts_prt_as_advp_and_ignores_function_tags():
    gold = tree("(S (NP-SBJ (PRP we)) (VP (VB give) (PRT (RP up))))")
    predicted = tree("(S (NP (XX we)) (VP (XX give) (ADVP (XX up))))")
    assert bracket_scores([gold], [predicted]).f1 == 1.0
    assert bracket_scores([gold], [predicted], style="plain").matched == 2


def test_scores_are_summed_over_the_corpus_before_dividing():
    scores = bracket_scores([DOG, IT_IS], [DOG_CROSSED, tree("(S (NP (XX it)) (VP (XX is) (XX .)))")])
    assert (scores.matched, scores.gold, scores.predicted, scores.crossing) == (4, 6, 6, 1)
    assert scores.f1 == pytest.approx(2 / 3) and scores.exact_match == 0.5 and scores.sentences == 2


def test_a_prediction_without_brackets_scores_zero_not_an_error():
    scores = bracket_scores([tree("(NP (NN x))")], [delinearize([], ["x"]).tree])
    assert (scores.precision, scores.recall, scores.f1, scores.predicted, scores.gold) == (0.0, 0.0, 0.0, 0, 1)


@pytest.mark.parametrize("call, message", [
    (lambda: bracket_scores([DOG], [DOG, DOG]), r"predicted_trees: expected one tree per gold tree \(1\), got 2"),
    (lambda: bracket_scores([DOG], [IT_IS]), r"predicted_trees\[0\]: expected the 4 words of gold_trees\[0\], got 3 words"),
    (lambda: bracket_scores([IT_IS], [tree("(S (NN it) (NN was) (NN .))")]), r"got 'was' for a word"),
    (lambda: bracket_scores([], []), "gold_trees: expected a non-empty list of Trees"),
    (lambda: bracket_scores(DOG, [DOG]), "gold_trees: expected a non-empty list of Trees"),
    (lambda: bracket_scores([DOG], ["(S)"]), r"predicted_trees\[0\]: expected a Tree"),
    (lambda: bracket_scores([DOG], [DOG], style="evalb"), "style: expected one of 'collins', 'plain'"),
])
def test_bad_score_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
