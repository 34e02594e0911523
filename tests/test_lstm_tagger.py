"""LSTM, GRU and BiLSTM slot taggers (chapter 3): torch's packed layers against the scratch ones,
character features, word dropout, and the recipes' arguments."""
import pytest
import torch

from companion.data import TaggedSentence, make_batch, tagset_of
from companion.encoding import (
    CHARACTER_PAD_ID,
    CHARACTER_UNKNOWN_ID,
    Vocabulary,
    WordsAndCharacters,
    word_characters,
)
from companion.models import TAGGER_BODIES, CharacterCNN, SlotTagger
from companion.layers import GRU, LSTM, ElmanRNN, PackedGRU, PackedLSTM, PackedRNN
from companion.training import tagging_loss

DOUBLE = torch.float64
PAIRS = {"elman": (ElmanRNN, PackedRNN), "lstm": (LSTM, PackedLSTM), "gru": (GRU, PackedGRU)}
SENTENCES = [
    TaggedSentence(("fly", "from", "boston", "to", "denver"), ("O", "O", "B-from", "O", "B-to")),
    TaggedSentence(("flight", "dl838"), ("O", "B-number")),
    TaggedSentence(("to", "o'hare", "at", "8pm"), ("O", "B-to", "O", "B-time")),
]


def _parts(state):
    return state if isinstance(state, tuple) else (state,)


@pytest.mark.parametrize("kind", list(PAIRS))
@pytest.mark.parametrize("num_layers, bidirectional, batch_first", [(1, False, False), (2, True, False), (2, True, True)])
def test_packed_torch_layers_equal_the_scratch_ones_on_padded_batches(kind, num_layers, bidirectional, batch_first):
    scratch_kind, packed_kind = PAIRS[kind]
    torch.manual_seed(0)
    packed = packed_kind(3, 4, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first, dtype=DOUBLE)
    scratch = scratch_kind(3, 4, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first, dtype=DOUBLE)
    scratch.load_state_dict(packed.state_dict())
    lengths = torch.tensor([2, 6, 4])
    x = torch.randn(3, 6, 3, dtype=DOUBLE) if batch_first else torch.randn(6, 3, 3, dtype=DOUBLE)
    for given in (None, lengths):
        out, state = packed(x, lengths=given)
        expected_out, expected_state = scratch(x, lengths=given)
        torch.testing.assert_close(out, expected_out, rtol=0, atol=1e-12)
        for part, expected in zip(_parts(state), _parts(expected_state), strict=True):
            torch.testing.assert_close(part, expected, rtol=0, atol=1e-12)
    time_major = out.transpose(0, 1) if batch_first else out
    assert time_major[2:, 0].abs().max() == 0 and time_major[4:, 2].abs().max() == 0  # zero after each sequence's end
    assert isinstance(packed, torch.nn.RNNBase)


def test_packed_layers_check_their_input_like_the_scratch_ones():
    with pytest.raises(ValueError, match=r"lengths: expected every length in 1..5"):
        PackedLSTM(3, 4)(torch.zeros(5, 2, 3), lengths=[5, 6])
    with pytest.raises(ValueError, match=r"input: expected 3 features"):
        PackedGRU(3, 4)(torch.zeros(5, 2, 7))


def _tagger(body, implementation, **options):
    torch.manual_seed(0)
    return SlotTagger(12, 5, body=body, embedding_size=6, window_radius=1, hidden_size=4,
                      implementation=implementation, **options).double()


@pytest.mark.parametrize("body", ["elman", "bielman", "lstm", "bilstm", "gru", "bigru"])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_torch_and_scratch_taggers_with_the_same_weights_give_the_same_scores(body, num_layers):
    scratch = _tagger(body, "scratch", num_layers=num_layers)
    fast = _tagger(body, "torch", num_layers=num_layers)
    assert scratch.state_dict().keys() == fast.state_dict().keys()
    with torch.no_grad():
        for parameter in fast.parameters():
            parameter.uniform_(-0.5, 0.5)
    scratch.load_state_dict(fast.state_dict())
    ids = torch.randint(1, 12, (6, 3))
    lengths = torch.tensor([6, 2, 4])
    ids[2:, 1], ids[4:, 2] = 0, 0
    tags = torch.randint(0, 5, (6, 3))
    scores = [model(ids, lengths=lengths) for model in (scratch, fast)]
    torch.testing.assert_close(scores[1], scores[0], rtol=0, atol=1e-12)
    for model, score in zip((scratch, fast), scores):
        tagging_loss(score, tags).backward()
    for (name, a), (_, b) in zip(scratch.named_parameters(), fast.named_parameters()):
        torch.testing.assert_close(b.grad, a.grad, rtol=0, atol=1e-12, msg=name)


def test_bidirectional_lstm_tagger_with_characters_same_in_both_implementations():
    words = Vocabulary(["fly", "from", "boston", "to", "denver", "flight"], map_digits=True)
    encoder = WordsAndCharacters.from_sentences(words, [s.words for s in SENTENCES[:2]], max_word_length=8)
    options = dict(char_filters=3, num_characters=encoder.num_characters, char_embedding_size=4)
    scratch, fast = _tagger("bilstm", "scratch", **options), _tagger("bilstm", "torch", **options)
    scratch.load_state_dict(fast.state_dict())
    tagset = tagset_of(SENTENCES)
    batch = make_batch(SENTENCES, encoder, tagset)
    assert batch.inputs.shape == (5, 3, 9)
    torch.testing.assert_close(
        fast(batch.inputs, lengths=batch.lengths), scratch(batch.inputs, lengths=batch.lengths), rtol=0, atol=1e-12
    )


def test_words_and_characters_encoding():
    words = Vocabulary(["flight", "to", "denver"], map_digits=True)
    encoder = WordsAndCharacters.from_sentences(words, [["flight", "dl838"], ["to", "denver"]], max_word_length=4)
    assert encoder.characters == tuple(dict.fromkeys("flightdl000todenver"))
    assert word_characters("dl838", map_digits=True) == ["d", "l", "0", "0", "0"]
    assert word_characters("dl838") == list("dl838")
    rows = encoder.encode_sentence(["flight", "ua12", "zz"])
    assert rows.shape == (3, 5) and rows.dtype == torch.long
    assert rows[0, 0] == words.index("flight") and rows[1, 0] == rows[2, 0] == words.unknown_id
    index = {c: i + 2 for i, c in enumerate(encoder.characters)}
    assert rows[0, 1:].tolist() == [index[c] for c in "flig"]  # truncated to max_word_length
    assert rows[1, 1:].tolist() == [CHARACTER_UNKNOWN_ID, CHARACTER_UNKNOWN_ID, index["0"], index["0"]]
    assert rows[2, 1:].tolist() == [CHARACTER_UNKNOWN_ID] * 2 + [CHARACTER_PAD_ID] * 2
    assert encoder.num_characters == len(encoder.characters) + 2 and len(encoder) == len(words)


def test_character_cnn_follows_its_equation_and_ignores_padding():
    torch.manual_seed(0)
    cnn = CharacterCNN(6, embedding_size=3, filters=4, width=3).double()
    word = torch.tensor([2, 3, 4])
    u = cnn.embedding(word)  # (n, E)
    padded = torch.cat([torch.zeros(1, 3, dtype=DOUBLE), u, torch.zeros(1, 3, dtype=DOUBLE)])
    weight, bias = cnn.convolution.weight.transpose(1, 2).reshape(4, -1), cnn.convolution.bias  # W (F, width·E), b
    z = torch.stack([weight @ padded[j : j + 3].reshape(-1) + bias for j in range(3)])  # z_j = W [u_{j-1}; u_j; u_{j+1}] + b
    expected = torch.tanh(z.max(dim=0).values)
    batch = torch.tensor([[[2, 3, 4, 0, 0], [0, 0, 0, 0, 0]], [[5, 0, 0, 0, 0], [2, 3, 4, 5, 1]]])
    vectors = cnn(batch)
    assert vectors.shape == (2, 2, 4)
    torch.testing.assert_close(vectors[0, 0], expected, rtol=0, atol=1e-12)
    assert vectors[0, 1].abs().max() == 0  # a padded word is a zero vector, as the context window needs
    torch.testing.assert_close(cnn(torch.tensor([[2, 3, 4]]))[0], expected, rtol=0, atol=1e-12)


def test_word_dropout_replaces_words_by_unknown_only_in_training():
    tagger = _tagger("lstm", "torch", word_dropout=0.999, unknown_id=1)
    ids = torch.tensor([[3, 4], [5, 0]])
    seen = {}
    tagger.embedding.register_forward_hook(lambda module, args, output: seen.update(ids=args[0]))
    tagger.train()
    tagger(ids, lengths=torch.tensor([2, 1]))
    assert seen["ids"].tolist() == [[1, 1], [1, 0]]  # padding stays padding
    tagger.eval()
    tagger(ids, lengths=torch.tensor([2, 1]))
    assert seen["ids"].tolist() == ids.tolist()


def test_every_body_is_listed():
    assert TAGGER_BODIES == ("ffn", "elman", "jordan", "bielman", "lstm", "bilstm", "gru", "bigru")


BAD = {
    "jordan in torch": (lambda: SlotTagger(10, 3, body="jordan", implementation="torch"), r"implementation: expected 'scratch' for body 'jordan' \(torch has no twin of it\), got 'torch'"),
    "unknown implementation": (lambda: SlotTagger(10, 3, body="lstm", implementation="cudnn"), r"implementation: expected one of 'scratch', 'torch', got 'cudnn'"),
    "negative embedding size": (lambda: SlotTagger(10, 3, embedding_size=-1), r"embedding_size: expected a positive integer, got -1"),
    "padding id outside the vocabulary": (lambda: SlotTagger(10, 3, padding_id=10), r"padding_id: expected an id in 0..9 \(below vocabulary_size\), got 10"),
    "characters without inventory": (lambda: SlotTagger(10, 3, body="lstm", char_filters=5), r"num_characters: expected the size of the character inventory \(with char_filters > 0\), got None"),
    "negative filters": (lambda: SlotTagger(10, 3, char_filters=-1), r"char_filters: expected a non-negative integer \(0: no character features\), got -1"),
    "word dropout without unk": (lambda: SlotTagger(10, 3, word_dropout=0.1), r"unknown_id: expected the id of <unk> in 0..9 \(with word_dropout > 0\), got None"),
    "output dropout of 1": (lambda: SlotTagger(10, 3, output_dropout=1.0), r"output_dropout: expected a fraction in \[0, 1\), got 1.0"),
    "word ids without characters": (lambda: SlotTagger(10, 3, char_filters=2, num_characters=5)(torch.ones(4, 2, dtype=torch.long)), r"input: expected a 3-D integer tensor \(time, batch, 1 \+ max_word_length\) of word and character ids \(see WordsAndCharacters\), got shape \(4, 2\)"),
    "even width": (lambda: CharacterCNN(5, width=2), r"width: expected a positive odd integer, got 2"),
    "float characters": (lambda: CharacterCNN(5)(torch.zeros(2, 3)), r"input: expected an integer tensor \(..., max_word_length\) of character ids, got shape \(2, 3\) and dtype torch.float32"),
    "encoder of a list": (lambda: WordsAndCharacters(["a"], ["a"]), r"words: expected a Vocabulary, got list"),
    "vocabulary without padding": (lambda: WordsAndCharacters(Vocabulary(["a"], padding=False), ["a"]), r"words: expected a vocabulary with <pad> id 0 \(padding=True\), got <pad> id None"),
    "two-letter character": (lambda: WordsAndCharacters(Vocabulary(["a"]), ["ab"]), r"characters: expected single non-space characters, got \['ab'\]"),
    "repeated character": (lambda: WordsAndCharacters(Vocabulary(["a"]), ["a", "a"]), r"characters: expected distinct characters, got repeated \['a'\]"),
    "zero word length": (lambda: WordsAndCharacters(Vocabulary(["a"]), ["a"], max_word_length=0), r"max_word_length: expected a positive integer, got 0"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_arguments_are_rejected_clearly(case):
    call, message = BAD[case]
    with pytest.raises(ValueError, match=message):
        call()
