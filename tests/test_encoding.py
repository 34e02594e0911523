import torch

from companion.encoding import OTHER, OneOfN, TrigramHasher, letter_trigrams


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
