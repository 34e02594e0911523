"""Scratch layers and their torch-backed twins check ``input``, ``hx`` and ``lengths`` with the same code.

Before, ``PackedGRU(3, 4)(torch.randn(5, 2, 3), torch.zeros(1, 2, 4, dtype=torch.float64),
lengths=[5, 3])`` failed deep inside torch ("mat1 and mat2 must have the same dtype") where the
scratch ``GRU`` named ``hx``. Every pair below must refuse the same call with the same words, and
treat the edge cases (an empty batch, batch_first, a zero length) alike.
"""
import pytest
import torch

from companion.layers import GRU, LSTM, ElmanRNN, PackedGRU, PackedLSTM, PackedRNN, recurrent_layer

PAIRS = {"elman": (ElmanRNN, PackedRNN), "lstm": (LSTM, PackedLSTM), "gru": (GRU, PackedGRU)}
DOUBLE = torch.float64


def test_the_issue_call_names_hx():
    with pytest.raises(ValueError, match=r"hx: expected dtype torch.float32"):
        PackedGRU(3, 4)(torch.randn(5, 2, 3), torch.zeros(1, 2, 4, dtype=DOUBLE), lengths=[5, 3])


def state(cell, shape, dtype=torch.float32):
    h = torch.zeros(*shape, dtype=dtype)
    return (h, h.clone()) if cell == "lstm" else h


def hx_name(cell):
    return r"hx\[0\] \(h_0\)" if cell == "lstm" else "hx"


BAD_CALLS = {
    "hx of another dtype": lambda cell: (torch.randn(5, 2, 3), state(cell, (1, 2, 4), DOUBLE), [5, 3], "{hx}: expected dtype torch.float32"),
    "hx of another batch": lambda cell: (torch.randn(5, 2, 3), state(cell, (1, 3, 4)), None, r"{hx}: expected shape \(1, 2, 4\) \(layers, batch, hidden\), got shape \(1, 3, 4\)"),
    "hx without layer axis": lambda cell: (torch.randn(5, 2, 3), state(cell, (2, 4)), [5, 3], r"{hx}: expected shape \(1, 2, 4\)"),
    "hx not a tensor": lambda cell: (torch.randn(5, 2, 3), ([0.0],) * (2 if cell == "lstm" else 1) if cell == "lstm" else [0.0], None, "{hx}: expected a torch.Tensor, got list"),
    "input of another dtype": lambda cell: (torch.randn(5, 2, 3, dtype=DOUBLE), None, None, "input: expected dtype torch.float32"),
    "input of other features": lambda cell: (torch.randn(5, 2, 4), None, None, r"input: expected 3 features in the last dimension \(time, batch, features\), got shape \(5, 2, 4\)"),
    "input of rank 2": lambda cell: (torch.randn(5, 3), None, None, r"input: expected a 3-D tensor"),
    "input without steps": lambda cell: (torch.randn(0, 2, 3), None, None, "input: expected at least one time step"),
    "a zero length": lambda cell: (torch.randn(5, 2, 3), None, [5, 0], r"lengths: expected every length in 1..5 \(the padded time dimension\), got min 0, max 5"),
    "a length past the end": lambda cell: (torch.randn(5, 2, 3), None, [6, 3], r"lengths: expected every length in 1..5"),
    "one length too few": lambda cell: (torch.randn(5, 2, 3), None, [5], r"lengths: expected a 1-D sequence of 2 lengths"),
    "float lengths": lambda cell: (torch.randn(5, 2, 3), None, [5.0, 3.0], "lengths: expected integer lengths"),
}


@pytest.mark.parametrize("cell", list(PAIRS))
@pytest.mark.parametrize("case", list(BAD_CALLS))
def test_scratch_and_torch_layers_refuse_the_same_calls_with_the_same_words(cell, case):
    input, hx, lengths, message = BAD_CALLS[case](cell)
    message = message.replace("{hx}", hx_name(cell))
    messages = []
    for kind in PAIRS[cell]:
        torch.manual_seed(0)
        with pytest.raises(ValueError, match=message) as raised:
            kind(3, 4)(input, hx, lengths=lengths)
        messages.append(str(raised.value))
    assert messages[0] == messages[1]


def test_an_lstm_state_that_is_not_a_pair_is_refused_alike():
    for kind in PAIRS["lstm"]:
        with pytest.raises(ValueError, match=r"hx: expected a pair \(h_0, c_0\) of tensors, got Tensor"):
            kind(3, 4)(torch.randn(5, 2, 3), torch.zeros(1, 2, 4))


@pytest.mark.parametrize("cell", list(PAIRS))
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("with_lengths", [False, True])
def test_an_empty_batch_gives_empty_outputs_in_both(cell, batch_first, with_lengths):
    input = torch.randn(0, 5, 3) if batch_first else torch.randn(5, 0, 3)
    lengths = torch.zeros(0, dtype=torch.long) if with_lengths else None
    shapes = []
    for kind in PAIRS[cell]:
        output, h_n = kind(3, 4, batch_first=batch_first)(input, lengths=lengths)
        h_n = h_n[0] if cell == "lstm" else h_n
        shapes.append((tuple(output.shape), tuple(h_n.shape)))
    assert shapes[0] == shapes[1] == (((0, 5, 4) if batch_first else (5, 0, 4)), (1, 0, 4))


@pytest.mark.parametrize("cell", list(PAIRS))
@pytest.mark.parametrize("bidirectional", [False, True])
def test_batch_first_with_lengths_and_hx_agree(cell, bidirectional):
    torch.manual_seed(1)
    scratch = PAIRS[cell][0](3, 4, num_layers=2, batch_first=True, bidirectional=bidirectional).double()
    twin = PAIRS[cell][1](3, 4, num_layers=2, batch_first=True, bidirectional=bidirectional).double()
    twin.load_state_dict(scratch.state_dict())
    input = torch.randn(3, 6, 3, dtype=DOUBLE)
    hx = state(cell, (4 if bidirectional else 2, 3, 4), DOUBLE)
    hx = tuple(torch.randn_like(h) for h in hx) if cell == "lstm" else torch.randn_like(hx)
    lengths = [6, 2, 4]
    ours, theirs = scratch(input, hx, lengths=lengths), twin(input, hx, lengths=lengths)
    torch.testing.assert_close(ours[0], theirs[0])
    for a, b in zip(ours[1] if cell == "lstm" else [ours[1]], theirs[1] if cell == "lstm" else [theirs[1]]):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize("cell", list(PAIRS))
def test_the_factory_builds_both_implementations_with_the_same_weights(cell):
    layers = []
    for implementation in ("scratch", "torch"):
        torch.manual_seed(3)
        layers.append(recurrent_layer(cell, 3, 4, implementation=implementation, num_layers=2, bidirectional=True))
    assert isinstance(layers[0], PAIRS[cell][0]) and isinstance(layers[1], PAIRS[cell][1])
    for (name, a), (other, b) in zip(layers[0].state_dict().items(), layers[1].state_dict().items()):
        assert name == other
        torch.testing.assert_close(a, b)


def test_the_factory_shifts_the_forget_bias_of_every_layer_of_the_torch_lstm():
    torch.manual_seed(0)
    plain = recurrent_layer("lstm", 3, 4, implementation="torch", num_layers=2, bidirectional=True)
    torch.manual_seed(0)
    shifted = recurrent_layer("lstm", 3, 4, implementation="torch", num_layers=2, bidirectional=True, forget_bias=1.0)
    for name, bias in shifted.named_parameters():
        difference = bias - plain.get_parameter(name)
        expected = torch.zeros_like(bias)
        if name.startswith("bias_ih"):
            expected[4:8] = 1.0
        torch.testing.assert_close(difference, expected)


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(cell="rnn"), "cell: expected one of 'elman', 'lstm', 'gru', 'irnn', 'leaky', 'scrn', 'clockwork', got 'rnn'"),
        (dict(cell="lstm", implementation="cuda"), "implementation: expected one of 'scratch', 'torch', got 'cuda'"),
        (dict(cell="gru", forget_bias=1.0), "forget_bias: an LSTM option, expected cell='lstm', got cell='gru'"),
        (dict(cell="lstm", implementation="torch", coupled=True), "coupled: torch.nn.LSTM has no such variant"),
        (dict(cell="lstm", dropout=0.1), "dropout: not an option of a recurrent layer"),
    ],
)
def test_the_factory_refuses_what_it_cannot_build(options, message):
    cell = options.pop("cell")
    with pytest.raises(ValueError, match=message):
        recurrent_layer(cell, 3, 4, **options)


def every_layer():
    """One instance of every recurrent layer class the package exports, input size 3."""
    from companion import layers
    from companion.layers import Bidirectional, JordanRNN

    made = {name: getattr(layers, name)(3, 4) for name in ("ElmanRNN", "LSTM", "GRU", "PackedRNN", "PackedLSTM", "PackedGRU")}
    made["JordanRNN"] = JordanRNN(3, 4, 2)
    made["Bidirectional"] = Bidirectional(ElmanRNN(3, 4), ElmanRNN(3, 4))
    made.update(IRNN=layers.IRNN(3, 4), LeakyRNN=layers.LeakyRNN(3, 4), SCRN=layers.SCRN(3, 4, 2),
                ClockworkRNN=layers.ClockworkRNN(3, 4))
    return made


def test_every_exported_layer_class_is_covered():
    import inspect

    from companion import layers

    classes = {name for name in layers.__all__ if inspect.isclass(getattr(layers, name))}
    assert classes - {"StackedRecurrent"} == set(every_layer())


@pytest.mark.parametrize(
    "input, message",
    [
        (torch.zeros(5, 2, 3, dtype=DOUBLE), "input: expected dtype torch.float32"),
        (torch.zeros(5, 2, 4), "input: expected 3 features"),
        (torch.zeros(5, 3), "input: expected a 3-D tensor"),
        ([[0.0, 0.0, 0.0]], "input: expected a torch.Tensor, got list"),
    ],
)
def test_every_layer_checks_its_input_with_the_same_words(input, message):
    for name, layer in every_layer().items():
        with pytest.raises(ValueError, match=message):
            layer(input)


def test_a_batch_first_backward_layer_is_refused_like_a_batch_first_forward_one():
    from companion.layers import Bidirectional

    with pytest.raises(ValueError, match=r"backward_layer: expected a time-major layer \(batch_first=False\)"):
        Bidirectional(ElmanRNN(3, 4), ElmanRNN(3, 4, batch_first=True))
    with pytest.raises(ValueError, match=r"forward_layer: expected a time-major layer"):
        Bidirectional(ElmanRNN(3, 4, batch_first=True), ElmanRNN(3, 4))
