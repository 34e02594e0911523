import pytest
import torch

from companion.encoding import OTHER, OneOfN, TrigramHasher, Vocabulary, letter_trigrams


def test_one_of_n_has_an_other_dimension():
    encoder = OneOfN(["a", "apple", "bag"])
    assert encoder.size == 4
    assert encoder.encode("apple").tolist() == [0, 1, 0, 0]
    assert encoder.encode("Gandalf").tolist() == [0, 0, 0, 1]
    assert encoder.label(3) == OTHER
    assert encoder.encode_sentence(["a", "zzz"]).tolist() == [[1, 0, 0, 0], [0, 0, 0, 1]]


def test_one_of_n_from_sentences_keeps_first_appearance_order_and_min_count():
    encoder = OneOfN.from_sentences([["leave", "Taipei"], ["arrive", "Taipei"]])
    assert encoder.vocabulary == ("leave", "Taipei", "arrive")
    assert OneOfN.from_sentences([["leave", "Taipei"], ["arrive", "Taipei"]], min_count=2).vocabulary == ("Taipei",)


def test_letter_trigrams_as_in_the_lecture():
    assert letter_trigrams("apple") == ["#ap", "app", "ppl", "ple", "le#"]
    assert letter_trigrams("a") == ["#a#"]
    assert letter_trigrams("banana").count("ana") == 2


def test_trigram_hasher_counts_and_shares_dimensions():
    hasher = TrigramHasher.from_words(["Taipei", "Tainan", "banana"])
    assert hasher.size == len(hasher.trigrams) + 1
    banana = hasher.encode("banana")
    assert banana.sum() == 6 and banana.max() == 2
    taichung = hasher.encode("Taichung")
    assert taichung[hasher.trigrams.index("#Ta")] == 1 and taichung[hasher.trigrams.index("Tai")] == 1
    assert taichung[hasher.other_index] == len(letter_trigrams("Taichung")) - 2


def test_encoders_return_the_requested_dtype():
    assert OneOfN(["x"]).encode_sentence(["x"], dtype=torch.float64).dtype == torch.float64
    assert TrigramHasher(["#x#"]).encode("x", dtype=torch.float64).dtype == torch.float64


def test_context_window_joins_neighbours_with_zeros_beyond_the_edges():
    from companion.encoding import context_window

    e = torch.arange(1.0, 4.0).reshape(3, 1, 1)  # one sequence: 1, 2, 3
    windows = context_window(e, 1)[:, 0].tolist()
    assert windows == [[0, 1, 2], [1, 2, 3], [2, 3, 0]]
    assert torch.equal(context_window(e, 0), e)


# ------------------------------------------------------------------------------------------
# Vocabulary.from_sequences: the one place where a training set's words are counted



def test_from_sequences_keeps_words_seen_often_enough_in_order_of_first_appearance():
    vocab = Vocabulary.from_sequences([["b", "a", "b"], ["c", "a", "d"]], min_count=2)
    assert vocab.entries == ("<pad>", "<unk>", "b", "a")
    assert vocab.index("c") == vocab.unknown_id == 1 and vocab.pad_id == 0


def test_from_sequences_puts_the_specials_after_pad_and_unknown():
    vocab = Vocabulary.from_sequences([["(S", "XX", ")S"]], specials=("<s>", "</s>"))
    assert vocab.entries == ("<pad>", "<unk>", "<s>", "</s>", "(S", "XX", ")S")


def test_from_sequences_counts_words_after_digit_mapping():
    vocab = Vocabulary.from_sequences([["flight", "123"], ["flight", "456"]], min_count=2, map_digits=True)
    assert vocab.entries == ("<pad>", "<unk>", "flight", "DIGIT" * 3) and vocab.index("789") == 3


@pytest.mark.parametrize("call, message", [
    (lambda: Vocabulary.from_sequences([["a"]], min_count=0), r"min_count: expected a positive integer"),
    (lambda: Vocabulary.from_sequences([["a"]], min_count=3), r"min_count: expected a count that some word reaches \(at most 1\), got 3"),
    (lambda: Vocabulary.from_sequences([]), r"sequences: expected at least one sentence"),
    (lambda: Vocabulary.from_sequences("a b"), r"sequences: expected lists of words, got a str"),
    (lambda: Vocabulary.from_sequences([["a"], "b c"]), r"sequences\[1\]: expected a list of words, got str"),
    (lambda: Vocabulary.from_sequences([["a", "b c"]]), r"sequences\[0\]\[1\]: expected one non-empty word without spaces"),
    (lambda: Vocabulary.from_sequences([["a"]], specials="<s>"), r"specials: expected a list of words"),
    (lambda: Vocabulary.from_sequences([["a"]], specials=("<s>", "<s>")), r"specials: expected distinct entries other than"),
    (lambda: Vocabulary.from_sequences([["a"]], specials=("<pad>",)), r"specials: expected distinct entries other than"),
    (lambda: Vocabulary.from_sequences([["a"]], specials=("a",)), r"specials: expected entries that are not tokens of the text, got \['a'\]"),
])
def test_from_sequences_names_the_bad_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()
