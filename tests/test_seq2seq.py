"""Chapter 6's encoder–decoder (companion.seq2seq), its beam search (companion.decoding) and its
trainer: padding changes nothing, both layouts agree, attention weights are a distribution over
the real source steps, beam search equals exhaustive search when the beam holds everything, and
bad input is named."""
import itertools
import math

import numpy as np
import pytest
import torch

from companion.attention import GeneralAttention, dot_product_attention
from companion.decoding import Hypothesis, beam_search, length_normalised
from companion.seq2seq import Seq2Seq, select_state, translate
from companion.training.seq2seq_training import (
    seq2seq_loss,
    sequence_loss,
    source_batch,
    teacher_forcing_batch,
    train_seq2seq,
)

F64 = torch.float64
PAD, BOS, EOS = 0, 1, 2
VARIANTS = [
    dict(attention=None, context_mode="initial_state"),
    dict(attention=None, context_mode="every_step"),
    dict(attention="additive", attention_size=5),
    dict(attention="dot"),
    dict(attention="general", bidirectional=True),
    dict(attention="additive", cell="lstm", context_mode="every_step"),
]


def model(seed=0, **options):
    torch.manual_seed(seed)
    return Seq2Seq(9, 8, 4, 6, dtype=F64, **options)


SOURCES = [[3, 4, 5, 6], [7, 3], [8, 8, 8]]
TARGETS = [[3, 4], [5, 6, 7], []]


@pytest.mark.parametrize("options", VARIANTS, ids=lambda o: "-".join(str(v) for v in o.values()))
def test_padding_changes_nothing(options):
    net = model(**options)
    source, lengths = source_batch(SOURCES)
    inputs, _ = teacher_forcing_batch(TARGETS, BOS, EOS)
    logits, weights = net(source, lengths, inputs)
    assert logits.shape == (4, 3, 8)
    for b, (s, t) in enumerate(zip(SOURCES, TARGETS)):
        alone_source, alone_lengths = source_batch([s])
        alone_inputs, _ = teacher_forcing_batch([t], BOS, EOS)
        alone, alone_weights = net(alone_source, alone_lengths, alone_inputs)
        steps = len(t) + 1
        torch.testing.assert_close(logits[:steps, b], alone[:, 0], rtol=0, atol=1e-12)
        if weights is not None:
            torch.testing.assert_close(weights[:steps, b, : len(s)], alone_weights[:, 0], rtol=0, atol=1e-12)


@pytest.mark.parametrize("options", VARIANTS[2:], ids=lambda o: "-".join(str(v) for v in o.values()))
def test_attention_weights_are_a_distribution_over_real_steps(options):
    net = model(**options)
    source, lengths = source_batch(SOURCES)
    inputs, _ = teacher_forcing_batch(TARGETS, BOS, EOS)
    _, weights = net(source, lengths, inputs)
    assert weights.shape == (4, 3, 4)  # (T, B, S)
    for b, length in enumerate(lengths.tolist()):
        assert torch.all(weights[:, b, length:] == 0)
        torch.testing.assert_close(weights[:, b].sum(-1), torch.ones(4, dtype=F64))


def test_batch_first_agrees_with_time_major():
    net = model(attention="general")
    first = model(attention="general", batch_first=True)
    first.load_state_dict(net.state_dict())
    source, lengths = source_batch(SOURCES)
    inputs, _ = teacher_forcing_batch(TARGETS, BOS, EOS)
    logits, weights = net(source, lengths, inputs)
    logits_bf, weights_bf = first(source.T, lengths, inputs.T)
    torch.testing.assert_close(logits_bf, logits.transpose(0, 1), rtol=0, atol=0)
    torch.testing.assert_close(weights_bf, weights.transpose(0, 1), rtol=0, atol=0)


def test_bidirectional_context_is_forward_last_and_backward_first():
    net = model(attention="general", bidirectional=True)
    source, lengths = source_batch(SOURCES)
    encoded = net.encode(source, lengths)
    for b, length in enumerate(lengths.tolist()):
        forward_last = encoded.keys[length - 1, b, :6]
        backward_first = encoded.keys[0, b, 6:]
        torch.testing.assert_close(encoded.context[b], torch.cat([forward_last, backward_first]))
        assert torch.all(encoded.keys[length:, b] == 0)


def test_context_modes_reach_the_decoder_as_documented():
    every = model(context_mode="every_step")
    encoded = every.encode(*source_batch(SOURCES))
    assert torch.all(every.initial_state(encoded) == 0)
    assert every.decoder.input_size == 4 + 6
    initial = model(context_mode="initial_state")
    encoded = initial.encode(*source_batch(SOURCES))
    torch.testing.assert_close(initial.initial_state(encoded), torch.tanh(initial.bridge(encoded.context)))
    assert initial.decoder.input_size == 4


def test_general_attention_with_identity_is_the_dot_product():
    attention = GeneralAttention(3, 3, dtype=F64)
    with torch.no_grad():
        attention.key_projection.weight.copy_(torch.eye(3, dtype=F64))
    generator = torch.Generator().manual_seed(0)
    query = torch.randn(2, 3, dtype=F64, generator=generator)
    keys = torch.randn(5, 2, 3, dtype=F64, generator=generator)
    expected = dot_product_attention(query, keys, lengths=[5, 2], scale=False)
    got = attention(query, keys, lengths=[5, 2])
    for a, b in zip(got, expected):
        torch.testing.assert_close(a, b)
    assert torch.all(got[1][2:, 1] == 0)


def test_sequence_loss_is_the_mean_over_real_targets():
    generator = torch.Generator().manual_seed(1)
    logits = torch.randn(3, 2, 5, dtype=F64, generator=generator)
    targets = torch.tensor([[3, 4], [2, 0], [0, 0]])
    log_p = torch.log_softmax(logits, -1)
    expected = -(log_p[0, 0, 3] + log_p[0, 1, 4] + log_p[1, 0, 2]) / 3
    torch.testing.assert_close(sequence_loss(logits, targets), expected)


def test_teacher_forcing_shifts_by_one():
    inputs, targets = teacher_forcing_batch([[5, 6], []], BOS, EOS)
    assert inputs.T.tolist() == [[1, 5, 6], [1, 0, 0]]
    assert targets.T.tolist() == [[5, 6, 2], [2, 0, 0]]


# --- beam search ------------------------------------------------------------------------------


def table_step(table):
    """A decoder given by a table: the next-token log-probabilities depend on the tokens so far."""

    def step(previous, states):
        rows, following = [], []
        for token, history in zip(previous, states):
            history = history + (token,)
            rows.append(table(history))
            following.append(history)
        return np.array(rows), following

    return step


def random_table(vocab=4, seed=0):
    cache = {}

    def table(history):
        if history not in cache:
            rng = np.random.default_rng(abs(hash((seed,) + history)) % 2**32)
            logits = rng.normal(size=vocab) * 1.5
            cache[history] = logits - np.log(np.exp(logits).sum())
        return cache[history]

    return table


def exhaustive_best(table, vocab, max_length, length_penalty, bos=BOS, eos=EOS):
    best = None
    words = [t for t in range(vocab) if t != eos]
    for n in range(max_length):
        for tokens in itertools.product(words, repeat=n):
            history, log_prob = (bos,), 0.0
            for token in tokens + (eos,):
                log_prob += table(history)[token]
                history += (token,)
            score = length_normalised(log_prob, n + 1, length_penalty)
            if best is None or score > best[0] + 1e-12:
                best = (score, tokens)
    return best


@pytest.mark.parametrize("length_penalty", [0.0, 1.0])
@pytest.mark.parametrize("seed", range(4))
def test_beam_search_with_a_wide_beam_is_exhaustive(seed, length_penalty):
    table = random_table(seed=seed)
    best = exhaustive_best(table, 4, 4, length_penalty)
    result = beam_search(table_step(table), [()], BOS, EOS, beam_width=200, max_length=4, length_penalty=length_penalty)
    top = result[0][0]
    assert top.finished and top.tokens == best[1]
    assert top.score == pytest.approx(best[0])


def test_width_one_is_greedy():
    table = random_table(seed=7)
    history, tokens = (BOS,), []
    for _ in range(6):
        token = int(np.argmax(table(history)))
        if token == EOS:
            break
        tokens.append(token)
        history += (token,)
    result = beam_search(table_step(table), [()], BOS, EOS, beam_width=1, max_length=6)
    assert result[0][0].tokens == tuple(tokens)


def test_a_wider_beam_finds_what_greedy_misses():
    # Greedy takes "a" (0.6) and then can only end with probability 0.3; "b" (0.4) then EOS (1.0) is better.
    probabilities = {(BOS,): [0, 0, 0, 0.6, 0.4], (BOS, 3): [0, 0, 0.3, 0.35, 0.35], (BOS, 4): [0, 0, 1.0, 0, 0]}

    def table(history):
        with np.errstate(divide="ignore"):
            return np.log(np.array(probabilities.get(history, [0, 0, 1.0, 0, 0])))

    greedy = beam_search(table_step(table), [()], BOS, EOS, beam_width=1, max_length=3, length_penalty=0)[0][0]
    wide = beam_search(table_step(table), [()], BOS, EOS, beam_width=2, max_length=3, length_penalty=0)[0][0]
    assert wide.tokens == (4,) and wide.log_prob == pytest.approx(math.log(0.4))
    assert greedy.tokens[0] == 3 and greedy.log_prob < wide.log_prob


def test_early_endings_do_not_stop_the_search_before_the_best_output_ends():
    # Width 2, mean log-probability per token. Two poor outputs end within two steps ("" and
    # "4"), while the best one, "3 3", is still live; the search must go on until it ends too
    # and outranks them, as greedy decoding finds it.
    probabilities = {
        (BOS,): [0, 0, 0.25, 0.6, 0.15],
        (BOS, 3): [0, 0, 0.05, 0.9, 0.05],
        (BOS, 4): [0, 0, 0.5, 0, 0.5],
        (BOS, 3, 3): [0, 0, 1.0, 0, 0],
    }

    def table(history):
        with np.errstate(divide="ignore"):
            return np.log(np.array(probabilities.get(history, [0, 0, 1.0, 0, 0])))

    greedy = beam_search(table_step(table), [()], BOS, EOS, beam_width=1, max_length=5)[0][0]
    wide = beam_search(table_step(table), [()], BOS, EOS, beam_width=2, max_length=5)[0]
    assert greedy.tokens == (3, 3) and greedy.finished
    assert wide[0].tokens == (3, 3) and wide[0].finished
    assert wide[0].score == pytest.approx(math.log(0.6 * 0.9) / 3)
    assert all(h.finished for h in wide) and wide[1].score < wide[0].score


def test_hypotheses_cut_off_at_max_length_are_unfinished():
    never_ends = lambda history: np.log(np.array([1e-9, 1e-9, 1e-9, 0.5, 0.5]))  # EOS almost never
    result = beam_search(table_step(never_ends), [()], BOS, EOS, beam_width=2, max_length=3)
    assert len(result[0]) == 2 and all(isinstance(h, Hypothesis) for h in result[0])
    assert all(not h.finished and len(h.tokens) == 3 for h in result[0])
    assert result[0][0].log_prob == pytest.approx(3 * math.log(0.5))


@pytest.mark.parametrize("options", VARIANTS, ids=lambda o: "-".join(str(v) for v in o.values()))
def test_translate_greedy_equals_a_step_by_step_argmax(options):
    net = model(**options)
    source, lengths = source_batch(SOURCES)
    results = translate(net, source, lengths, BOS, EOS, beam_width=1, max_length=5)
    for b, s in enumerate(SOURCES):
        encoded = net.encode(*source_batch([s]))
        state, previous, tokens = net.initial_state(encoded), torch.tensor([BOS]), []
        for _ in range(5):
            logits, state, _ = net.decode_step(previous, state, encoded)
            token = int(logits.argmax())
            if token == EOS:
                break
            tokens.append(token)
            previous = torch.tensor([token])
        best = results[b][0]
        assert best.tokens == tuple(tokens)
        if net.attention is not None:
            assert best.weights.shape == (len(tokens) + best.finished, len(s))
            np.testing.assert_allclose(best.weights.sum(1), 1.0)
        else:
            assert best.weights is None


def test_translate_beam_scores_are_the_model_log_probabilities():
    net = model(attention="additive")
    source, lengths = source_batch(SOURCES[:1])
    hypotheses = translate(net, source, lengths, BOS, EOS, beam_width=3, max_length=4, length_penalty=0.5)[0]
    assert len(hypotheses) == 3
    for h in hypotheses:
        inputs, targets = teacher_forcing_batch([list(h.tokens)], BOS, EOS)
        with torch.no_grad():
            logits, _ = net(source, lengths, inputs)
        log_p = torch.log_softmax(logits[:, 0], -1)
        steps = len(h.tokens) + h.finished  # an unfinished one has not paid for EOS
        expected = float(log_p[torch.arange(steps), targets[:steps, 0]].sum())
        assert h.log_prob == pytest.approx(expected, abs=1e-9)
        assert h.score == pytest.approx(expected / steps**0.5, abs=1e-9)


def test_training_learns_to_reverse():
    rng = np.random.default_rng(0)
    pairs = []
    for _ in range(600):
        s = rng.integers(3, 9, size=rng.integers(1, 5)).tolist()
        pairs.append((s, s[::-1]))
    torch.manual_seed(0)
    net = Seq2Seq(9, 9, 8, 32, attention="dot")
    before = seq2seq_loss(net, pairs[500:], BOS, EOS)
    result = train_seq2seq(net, pairs[:500], pairs[500:], BOS, EOS, epochs=8, lr=0.01, progress=False, device="cpu")
    assert result.valid_loss < 0.5 * before
    assert result.valid_loss == min(result.valid_losses)
    assert result.valid_loss == pytest.approx(seq2seq_loss(net, pairs[500:], BOS, EOS))


def test_select_state_picks_rows_of_gru_and_lstm_states():
    h = torch.arange(6.0).reshape(3, 2)
    assert select_state(h, torch.tensor([2, 0])).tolist() == [[4, 5], [0, 1]]
    picked = select_state((h, -h), torch.tensor([1]))
    assert picked[0].tolist() == [[2, 3]] and picked[1].tolist() == [[-2, -3]]


@pytest.mark.gpu
def test_cuda_matches_cpu():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    net = model(attention="additive")
    source, lengths = source_batch(SOURCES)
    inputs, _ = teacher_forcing_batch(TARGETS, BOS, EOS)
    expected, _ = net(source, lengths, inputs)
    got, _ = net.cuda()(source.cuda(), lengths, inputs.cuda())
    torch.testing.assert_close(got.cpu(), expected)
    cpu_result = translate(net.cpu(), source, lengths, BOS, EOS, beam_width=2)
    gpu_result = translate(net.cuda(), source, lengths, BOS, EOS, beam_width=2)
    assert [r[0].tokens for r in cpu_result] == [r[0].tokens for r in gpu_result]


# --- bad input --------------------------------------------------------------------------------

BAD = [
    (lambda: Seq2Seq(0, 5, 4, 4), "source_vocab_size: expected a positive integer"),
    (lambda: Seq2Seq(5, 5, 4, 4, cell="rnn"), "cell: expected one of"),
    (lambda: Seq2Seq(5, 5, 4, 4, attention="cosine"), "attention: expected one of"),
    (lambda: Seq2Seq(5, 5, 4, 4, attention="dot", bidirectional=True), "attention: 'dot' needs keys"),
    (lambda: Seq2Seq(5, 5, 4, 4, attention="dot", attention_size=3), "attention_size: only additive attention"),
    (lambda: Seq2Seq(5, 5, 4, 4, padding_id=5), "padding_id: expected an id in both vocabularies"),
    (lambda: model().encode(torch.tensor([[1.0]]), [1]), "source: expected a 2-D integer tensor"),
    (lambda: model().encode(torch.tensor([[9]]), [1]), "source: expected ids in 0..8"),
    (lambda: model().encode(torch.tensor([[3]]), [2]), "source_lengths: expected every length in 1..1"),
    (lambda: model()(torch.tensor([[3]]), [1], torch.tensor([[1, 1]])), "target_inputs: expected batch size 1"),
    (lambda: source_batch([[3], []]), r"sequences\[1\]: expected at least one token"),
    (lambda: source_batch("abc"), "sequences: expected a non-empty list"),
    (lambda: teacher_forcing_batch([[3, 2]], BOS, EOS), r"sequences\[0\]: expected no BOS, EOS or padding id"),
    (lambda: teacher_forcing_batch([[3]], 1, 1), "expected three different ids"),
    (lambda: sequence_loss(torch.zeros(2, 1, 3), torch.zeros(2, 1, dtype=torch.long)), "targets: expected at least one"),
    (lambda: sequence_loss(torch.zeros(2, 1, 3), torch.zeros(1, 2, dtype=torch.long)), "targets: expected the shape of logits"),
    (lambda: beam_search(table_step(random_table()), [], BOS, EOS), "start_states: expected a non-empty list"),
    (lambda: beam_search(table_step(random_table()), [()], BOS, BOS), "eos_id: expected an id other than bos_id"),
    (lambda: beam_search(table_step(random_table()), [()], BOS, 7), "eos_id: expected a token id below"),
    (lambda: beam_search(table_step(random_table()), [()], BOS, EOS, beam_width=0), "beam_width: expected a positive"),
    (lambda: beam_search(table_step(random_table()), [()], BOS, EOS, length_penalty=-1), "length_penalty: expected a non-negative"),
    (lambda: beam_search(lambda p, s: (np.zeros((1, 4)) + 1, s), [()], BOS, EOS), "step: expected log-probabilities"),
    (lambda: beam_search(lambda p, s: (np.zeros((2, 4)), s), [()], BOS, EOS), r"step: expected log-probabilities of shape \(1, V\)"),
    (lambda: translate(torch.nn.GRU(2, 2), torch.tensor([[3]]), [1], BOS, EOS), "model: expected a Seq2Seq"),
    (lambda: translate(model(), torch.tensor([[3]]), [1], BOS, 8), "eos_id: expected a target id in 0..7"),
    (lambda: train_seq2seq(model(), [([3], [4])], [([3],)], BOS, EOS, 1), r"valid\[0\]: expected a pair"),
    (lambda: train_seq2seq(model(), [([], [4])], [([3], [4])], BOS, EOS, 1), r"train\[0\]: expected a source of at least one"),
    (lambda: train_seq2seq(model(), [([3], [8])], [([3], [4])], BOS, EOS, 1), r"train targets\[0\]: expected ids in 0..7"),
    (lambda: train_seq2seq(model(), [([3], [4])], [([3], [4])], BOS, EOS, 0), "epochs: expected a positive integer"),
]


@pytest.mark.parametrize("call, message", BAD, ids=[m[:40] for _, m in BAD])
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
