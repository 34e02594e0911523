"""The four shapes of sequence problems (chapter 2): shapes, equations, training, bad input, CUDA."""
import pytest
import torch
import torch.nn.functional as F

from companion.models import ElmanNetwork
from companion.layers import ElmanRNN
from companion.models import AlignedSequenceToSequence, EncoderDecoder, SequenceToVector, VectorToSequence

B, T, S = 3, 5, 4
LENGTHS = [5, 2, 4]


def sequence(steps, batch, features, batch_first=False, dtype=torch.float32, device="cpu"):
    shape = (batch, steps, features) if batch_first else (steps, batch, features)
    return torch.randn(*shape, dtype=dtype, device=device)


def time_major(tensor, batch_first):
    return tensor.transpose(0, 1) if batch_first else tensor


# --- shapes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("steps_mode", ["first", "every"])
@pytest.mark.parametrize("steps", [1, T])
def test_vector_to_sequence_shape(batch_first, steps_mode, steps):
    model = VectorToSequence(3, 8, 2, steps_mode, batch_first=batch_first)
    out = model(torch.randn(B, 3), steps)
    assert out.shape == ((B, steps, 2) if batch_first else (steps, B, 2))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths", [None, LENGTHS])
def test_sequence_to_vector_shape(batch_first, lengths):
    model = SequenceToVector(3, 8, 2, batch_first=batch_first)
    assert model(sequence(T, B, 3, batch_first), lengths).shape == (B, 2)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths", [None, LENGTHS])
def test_aligned_sequence_to_sequence_shape(batch_first, lengths):
    model = AlignedSequenceToSequence(3, 8, 2, batch_first=batch_first)
    assert isinstance(model.rnn, ElmanRNN) and model.rnn.nonlinearity == "tanh"
    out = model(sequence(T, B, 3, batch_first), lengths)
    assert out.shape == ((B, T, 2) if batch_first else (T, B, 2))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("context_mode", ["initial_state", "every_step"])
@pytest.mark.parametrize("source_lengths", [None, [4, 1, 3]])
def test_encoder_decoder_shape(batch_first, context_mode, source_lengths):
    model = EncoderDecoder(3, 8, 2, 6, context_mode, batch_first=batch_first)
    out = model(sequence(S, B, 3, batch_first), sequence(T, B, 6, batch_first), source_lengths)
    assert out.shape == ((B, T, 2) if batch_first else (T, B, 2))
    assert model.context(sequence(S, B, 3, batch_first), source_lengths).shape == (B, 8)


# --- what each model computes ----------------------------------------------------------------


@pytest.mark.parametrize("batch_first", [False, True])
def test_first_mode_feeds_the_vector_then_zeros(batch_first):
    torch.manual_seed(0)
    model = VectorToSequence(3, 8, 2, "first", batch_first=batch_first).double()
    vector = torch.randn(B, 3, dtype=torch.float64)
    explicit = torch.cat([vector.unsqueeze(0), torch.zeros(T - 1, B, 3, dtype=torch.float64)])
    expected = model.readout(model.rnn(time_major(explicit, batch_first))[0])
    out = model(vector, T)
    torch.testing.assert_close(out, expected, rtol=0, atol=0)
    torch.testing.assert_close(time_major(out, batch_first)[1], time_major(expected, batch_first)[1], rtol=0, atol=0)
    assert torch.equal(time_major(model.input_sequence(vector, T), batch_first), explicit)


def test_every_mode_feeds_the_vector_at_every_step():
    torch.manual_seed(0)
    model = VectorToSequence(3, 8, 2, "every").double()
    vector = torch.randn(B, 3, dtype=torch.float64)
    explicit = vector.unsqueeze(0).repeat(T, 1, 1)
    torch.testing.assert_close(model(vector, T), model.readout(model.rnn(explicit)[0]), rtol=0, atol=0)


def test_steps_modes_differ_after_the_first_step():
    torch.manual_seed(0)
    first = VectorToSequence(3, 8, 2, "first")
    every = VectorToSequence(3, 8, 2, "every")
    every.load_state_dict(first.state_dict())
    vector = torch.randn(B, 3)
    out_first, out_every = first(vector, T), every(vector, T)
    torch.testing.assert_close(out_first[0], out_every[0])
    assert not torch.allclose(out_first[1:], out_every[1:])


@pytest.mark.parametrize("batch_first", [False, True])
def test_sequence_to_vector_with_lengths_equals_each_sequence_alone(batch_first):
    torch.manual_seed(0)
    model = SequenceToVector(3, 8, 2, batch_first=batch_first).double()
    padded = torch.randn(T, B, 3, dtype=torch.float64)
    out = model(time_major(padded, batch_first), torch.tensor(LENGTHS))
    for b, length in enumerate(LENGTHS):
        alone = padded[:length, b : b + 1]
        expected = model(time_major(alone, batch_first))
        torch.testing.assert_close(out[b : b + 1], expected, rtol=0, atol=1e-12)


def test_sequence_to_vector_reads_out_the_final_memory():
    torch.manual_seed(0)
    model = SequenceToVector(3, 8, 2).double()
    x = torch.randn(T, B, 3, dtype=torch.float64)
    torch.testing.assert_close(model(x), model.readout(model.rnn(x)[0][-1]), rtol=0, atol=0)


def test_aligned_sequence_to_sequence_is_the_elman_network():
    torch.manual_seed(0)
    model = AlignedSequenceToSequence(3, 8, 2).double()
    network = ElmanNetwork(3, 8, 2).double()
    network.load_state_dict(model.state_dict())
    x = torch.randn(T, B, 3, dtype=torch.float64)
    torch.testing.assert_close(model(x, LENGTHS), network(x, LENGTHS), rtol=0, atol=0)


@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_decoder_initial_state_equals_manual_run(batch_first):
    torch.manual_seed(0)
    model = EncoderDecoder(3, 8, 2, 6, "initial_state", batch_first=batch_first).double()
    source = sequence(S, B, 3, batch_first, torch.float64)
    target_inputs = sequence(T, B, 6, batch_first, torch.float64)
    lengths = [4, 1, 3]
    encoder = ElmanRNN(3, 8, batch_first=batch_first).double()
    decoder = ElmanRNN(6, 8, batch_first=batch_first).double()
    encoder.load_state_dict(model.encoder.state_dict())
    decoder.load_state_dict(model.decoder.state_dict())
    _, context = encoder(source, lengths=lengths)
    expected = model.readout(decoder(target_inputs, context)[0])
    torch.testing.assert_close(model(source, target_inputs, lengths), expected, rtol=0, atol=0)


@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_decoder_every_step_appends_context_and_starts_from_zeros(batch_first):
    torch.manual_seed(0)
    model = EncoderDecoder(3, 8, 2, 6, "every_step", batch_first=batch_first).double()
    source = sequence(S, B, 3, batch_first, torch.float64)
    target_inputs = sequence(T, B, 6, batch_first, torch.float64)
    context = model.encoder(source)[1][-1]
    repeated = context.unsqueeze(1 if batch_first else 0).expand(*target_inputs.shape[:2], -1)
    decoder_output, _ = model.decoder(torch.cat([target_inputs, repeated], dim=-1))
    expected = model.readout(decoder_output)
    torch.testing.assert_close(model(source, target_inputs), expected, rtol=0, atol=0)


@pytest.mark.parametrize("context_mode", ["initial_state", "every_step"])
def test_encoder_decoder_source_lengths_equal_each_source_alone(context_mode):
    torch.manual_seed(0)
    model = EncoderDecoder(3, 8, 2, 6, context_mode).double()
    source = torch.randn(S, B, 3, dtype=torch.float64)
    target_inputs = torch.randn(T, B, 6, dtype=torch.float64)
    lengths = [4, 1, 3]
    out = model(source, target_inputs, lengths)
    for b, length in enumerate(lengths):
        alone = model(source[:length, b : b + 1], target_inputs[:, b : b + 1])
        torch.testing.assert_close(out[:, b : b + 1], alone, rtol=0, atol=1e-12)


def test_context_modes_give_different_outputs():
    torch.manual_seed(0)
    initial = EncoderDecoder(3, 8, 2, 6, "initial_state").double()
    every = EncoderDecoder(3, 8, 2, 6, "every_step").double()
    # Same encoder, read-out and decoder weights on the decoder inputs: only the use of c differs.
    every.encoder.load_state_dict(initial.encoder.state_dict())
    every.readout.load_state_dict(initial.readout.state_dict())
    with torch.no_grad():
        for name in ("weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
            getattr(every.decoder, name).copy_(getattr(initial.decoder, name))
        every.decoder.weight_ih_l0[:, :6].copy_(initial.decoder.weight_ih_l0)
    source = torch.randn(S, B, 3, dtype=torch.float64)
    target_inputs = torch.randn(T, B, 6, dtype=torch.float64)
    out_initial, out_every = initial(source, target_inputs), every(source, target_inputs)
    assert out_initial.shape == out_every.shape
    assert not torch.allclose(out_initial, out_every)
    # Each really depends on the source, through c.
    other_source = torch.randn(S, B, 3, dtype=torch.float64)
    assert not torch.allclose(initial(other_source, target_inputs), out_initial)
    assert not torch.allclose(every(other_source, target_inputs), out_every)


# --- every shape trains on a tiny task ---------------------------------------------------------


def train(model, batch_loss, steps, lr=1e-2):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        loss = batch_loss()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses[:10]) / 10, sum(losses[-10:]) / 10


def test_sequence_to_vector_learns_to_count_signs():
    """Target: the sum over a sequence's real steps of the sign of its first feature."""
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model = SequenceToVector(2, 16, 1)

    def batch_loss():
        x = torch.randn(6, 32, 2, generator=generator)
        lengths = torch.randint(1, 7, (32,), generator=generator)
        real = torch.arange(6).unsqueeze(1) < lengths
        target = (torch.sign(x[..., 0]) * real).sum(0).unsqueeze(1)
        return F.mse_loss(model(x, lengths), target)

    start, end = train(model, batch_loss, 200)
    assert end < 0.25 * start, (start, end)


@pytest.mark.parametrize("steps_mode", ["first", "every"])
def test_vector_to_sequence_learns_to_repeat_the_argmax(steps_mode):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model = VectorToSequence(4, 16, 4, steps_mode)

    def batch_loss():
        vector = torch.randn(32, 4, generator=generator)
        target = vector.argmax(1).expand(5, -1)
        return F.cross_entropy(model(vector, 5).reshape(-1, 4), target.reshape(-1))

    start, end = train(model, batch_loss, 180)
    assert end < 0.25 * start, (start, end)


def test_aligned_sequence_to_sequence_learns_the_previous_sign():
    """Target at step t: whether the input at step t−1 was positive (so memory is needed)."""
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model = AlignedSequenceToSequence(1, 16, 2)

    def batch_loss():
        x = torch.randn(6, 32, 1, generator=generator)
        previous = torch.cat([torch.zeros(1, 32), x[:-1, :, 0]])
        return F.cross_entropy(model(x).reshape(-1, 2), (previous > 0).long().reshape(-1))

    start, end = train(model, batch_loss, 120)
    assert end < 0.25 * start, (start, end)


@pytest.mark.parametrize("context_mode", ["initial_state", "every_step"])
def test_encoder_decoder_learns_to_reverse(context_mode):
    """Reverse 4 one-hot symbols out of 4; the decoder reads the previous target symbol (teacher forcing)."""
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    symbols, length, start_symbol = 4, 4, 4
    model = EncoderDecoder(symbols, 32, symbols, symbols + 1, context_mode)

    def batch(size=32):
        source = torch.randint(0, symbols, (length, size), generator=generator)
        target = source.flip(0)
        previous = torch.cat([torch.full((1, size), start_symbol), target[:-1]])
        return F.one_hot(source, symbols).float(), F.one_hot(previous, symbols + 1).float(), target

    def batch_loss():
        source, decoder_inputs, target = batch()
        return F.cross_entropy(model(source, decoder_inputs).reshape(-1, symbols), target.reshape(-1))

    start, end = train(model, batch_loss, 150)
    assert end < 0.1 * start, (start, end)
    source, decoder_inputs, target = batch(256)
    with torch.no_grad():
        accuracy = (model(source, decoder_inputs).argmax(-1) == target).float().mean().item()
    assert accuracy > 0.95


# --- bad arguments ---------------------------------------------------------------------------

V2S = VectorToSequence(3, 4, 2, "first")
S2V = SequenceToVector(3, 4, 2)
ALIGNED = AlignedSequenceToSequence(3, 4, 2)
ED = EncoderDecoder(3, 4, 2, 5, "initial_state")

BAD = {
    "unknown steps_mode": (lambda: VectorToSequence(3, 4, 2, "x"), r"steps_mode: expected one of 'first', 'every', got 'x'"),
    "zero input_size": (lambda: VectorToSequence(0, 4, 2, "first"), r"input_size: expected a positive integer, got 0"),
    "zero hidden_size": (lambda: SequenceToVector(3, 0, 2), r"hidden_size: expected a positive integer, got 0"),
    "negative output_size": (lambda: AlignedSequenceToSequence(3, 4, -1), r"output_size: expected a positive integer, got -1"),
    "float output_size": (lambda: SequenceToVector(3, 4, 2.0), r"output_size: expected a positive integer, got 2.0"),
    "zero decoder_input_size": (lambda: EncoderDecoder(3, 4, 2, 0, "every_step"), r"decoder_input_size: expected a positive integer, got 0"),
    "unknown context_mode": (lambda: EncoderDecoder(3, 4, 2, 5, "attention"), r"context_mode: expected one of 'initial_state', 'every_step', got 'attention'"),
    "zero steps": (lambda: V2S(torch.zeros(2, 3), 0), r"steps: expected a positive integer, got 0"),
    "float steps": (lambda: V2S(torch.zeros(2, 3), 2.5), r"steps: expected a positive integer, got 2.5"),
    "vector of rank 1": (lambda: V2S(torch.zeros(3), 4), r"vector: expected a 2-D tensor \(batch, features\) with features=3, got shape \(3\)"),
    "vector features": (lambda: V2S(torch.zeros(2, 4), 4), r"vector: expected a 2-D tensor \(batch, features\) with features=3, got shape \(2, 4\)"),
    "vector not a tensor": (lambda: V2S([[0.0, 0.0, 0.0]], 4), r"vector: expected a torch.Tensor, got list"),
    "vector integer": (lambda: V2S(torch.zeros(2, 3, dtype=torch.long), 4), r"vector: expected a floating-point tensor of dtype torch.float32, got dtype torch.int64"),
    "sequence rank": (lambda: S2V(torch.zeros(5, 3)), r"input: expected a 3-D tensor \(time, batch, features\) with features=3, got shape \(5, 3\)"),
    "sequence features": (lambda: S2V(torch.zeros(5, 2, 4)), r"input: expected 3 features in the last dimension \(time, batch, features\), got shape \(5, 2, 4\)"),
    "sequence dtype": (lambda: S2V(torch.zeros(5, 2, 3, dtype=torch.float64)), r"input: expected dtype torch.float32"),
    "sequence lengths": (lambda: S2V(torch.zeros(5, 2, 3), [5, 6]), r"lengths: expected every length in 1..5"),
    "aligned features": (lambda: ALIGNED(torch.zeros(5, 2, 4)), r"input: expected 3 features"),
    "aligned batch_first features": (lambda: AlignedSequenceToSequence(3, 4, 2, batch_first=True)(torch.zeros(2, 5, 4)), r"input: expected 3 features in the last dimension \(batch, time, features\)"),
    "source features": (lambda: ED(torch.zeros(4, 2, 5), torch.zeros(6, 2, 5)), r"source: expected 3 features in the last dimension \(time, batch, features\), got shape \(4, 2, 5\)"),
    "target_inputs features": (lambda: ED(torch.zeros(4, 2, 3), torch.zeros(6, 2, 3)), r"target_inputs: expected 5 features in the last dimension \(time, batch, features\), got shape \(6, 2, 3\)"),
    "target_inputs empty": (lambda: ED(torch.zeros(4, 2, 3), torch.zeros(0, 2, 5)), r"target_inputs: expected at least one time step"),
    "batch sizes differ": (lambda: ED(torch.zeros(4, 2, 3), torch.zeros(6, 3, 5)), r"target_inputs: expected batch size 2 \(the batch size of source\), got 3 \(shape \(6, 3, 5\)\)"),
    "batch sizes differ batch_first": (lambda: EncoderDecoder(3, 4, 2, 5, "every_step", batch_first=True)(torch.zeros(2, 4, 3), torch.zeros(3, 6, 5)), r"target_inputs: expected batch size 2 \(the batch size of source\), got 3"),
    "source dtype": (lambda: ED(torch.zeros(4, 2, 3, dtype=torch.float64), torch.zeros(6, 2, 5)), r"source: expected dtype torch.float32"),
    "source_lengths": (lambda: ED(torch.zeros(4, 2, 3), torch.zeros(6, 2, 5), [4]), r"lengths: expected a 1-D sequence of 2 lengths"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_arguments_raise_a_value_error(case):
    call, message = BAD[case]
    with pytest.raises(ValueError, match=message):
        call()


# --- CUDA ------------------------------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("batch_first", [False, True])
def test_every_shape_runs_on_cuda(batch_first):
    torch.manual_seed(0)
    cuda = torch.device("cuda")
    lengths = torch.tensor(LENGTHS)
    outputs = []
    for mode in ("first", "every"):
        model = VectorToSequence(3, 8, 2, mode, batch_first=batch_first).to(cuda)
        outputs.append(model(torch.randn(B, 3, device=cuda), T))
    model = SequenceToVector(3, 8, 2, batch_first=batch_first).to(cuda)
    outputs.append(model(sequence(T, B, 3, batch_first, device=cuda), lengths))
    model = AlignedSequenceToSequence(3, 8, 2, batch_first=batch_first).to(cuda)
    outputs.append(model(sequence(T, B, 3, batch_first, device=cuda), lengths))
    for mode in ("initial_state", "every_step"):
        model = EncoderDecoder(3, 8, 2, 6, mode, batch_first=batch_first).to(cuda)
        source, target_inputs = sequence(S, B, 3, batch_first, device=cuda), sequence(T, B, 6, batch_first, device=cuda)
        out = model(source, target_inputs, [4, 1, 3])
        out.sum().backward()
        assert all(p.grad.device.type == "cuda" for p in model.parameters())
        outputs.append(out)
    assert all(out.device.type == "cuda" and torch.isfinite(out).all() for out in outputs)


def test_aligned_sequence_to_sequence_draws_and_computes_as_chapter_1s_network():
    torch.manual_seed(5)
    aligned = AlignedSequenceToSequence(3, 8, 2)
    torch.manual_seed(5)
    network = ElmanNetwork(3, 8, 2)
    assert aligned.state_dict().keys() == network.state_dict().keys()
    for name, value in network.state_dict().items():
        assert torch.equal(aligned.state_dict()[name], value)
    x = torch.randn(5, 3, 3)
    torch.testing.assert_close(aligned(x, LENGTHS), network(x, LENGTHS))


@pytest.mark.parametrize("options", [dict(cell="gru", implementation="torch"), dict(cell="scrn", context_size=3)])
def test_aligned_sequence_to_sequence_takes_any_layer_of_the_factory(options):
    model = AlignedSequenceToSequence(3, 8, 5, **options)
    assert model(torch.randn(6, 4, 3)).shape == (6, 4, 5)
