"""The Jordan network and the generic bidirectional wrapper (chapter 2)."""
import pytest
import torch

from companion.layers import Bidirectional, ElmanRNN, JordanRNN

DOUBLE = torch.float64


def jordan_by_hand(layer: JordanRNN, x: torch.Tensor) -> torch.Tensor:
    """The Jordan equations written out for one unpadded batch, independently of the module."""
    fed_back = torch.zeros(x.shape[1], layer.output_size, dtype=x.dtype)
    scores = []
    for x_t in x:
        h = torch.tanh(x_t @ layer.weight_ih.T + layer.bias_ih + fed_back @ layer.weight_yh.T + layer.bias_yh)
        s = h @ layer.weight_hy.T + layer.bias_hy
        scores.append(s)
        fed_back = torch.softmax(s, dim=-1)
    return torch.stack(scores)


def test_jordan_follows_its_equations():
    torch.manual_seed(0)
    layer = JordanRNN(3, 5, 4, dtype=DOUBLE)
    x = torch.randn(7, 2, 3, dtype=DOUBLE)
    scores, y_n = layer(x)
    torch.testing.assert_close(scores, jordan_by_hand(layer, x), rtol=0, atol=1e-12)
    torch.testing.assert_close(y_n, torch.softmax(scores[-1], dim=-1), rtol=0, atol=1e-12)


def test_jordan_padded_batch_equals_each_sequence_alone_and_batch_first():
    torch.manual_seed(1)
    layer = JordanRNN(3, 5, 4, dtype=DOUBLE)
    x = torch.randn(6, 3, 3, dtype=DOUBLE)
    lengths = [6, 2, 4]
    scores, y_n = layer(x, lengths=lengths)
    for b, n in enumerate(lengths):
        alone, alone_y = layer(x[:n, b : b + 1])
        torch.testing.assert_close(scores[:n, b], alone[:, 0], rtol=0, atol=1e-12)
        assert torch.all(scores[n:, b] == 0)
        torch.testing.assert_close(y_n[b], alone_y[0], rtol=0, atol=1e-12)
    first = JordanRNN(3, 5, 4, batch_first=True, dtype=DOUBLE)
    first.load_state_dict(layer.state_dict())
    torch.testing.assert_close(first(x.transpose(0, 1))[0], layer(x)[0].transpose(0, 1), rtol=0, atol=0)


def test_jordan_feeds_back_its_output_not_its_memory():
    torch.manual_seed(2)
    layer = JordanRNN(2, 3, 4, dtype=DOUBLE)
    x = torch.randn(2, 1, 2, dtype=DOUBLE)
    before = layer(x)[0][1]
    with torch.no_grad():
        layer.weight_yh.zero_()  # cut the only path from step 1 to step 2
    after = layer(x)[0][1]
    assert not torch.allclose(before, after)
    assert torch.equal(after, layer(x[1:])[0][0])


def test_bidirectional_wrapper_equals_the_builtin_bidirectional_stack():
    torch.manual_seed(3)
    stack = ElmanRNN(3, 4, bidirectional=True, dtype=DOUBLE)
    forward_layer, backward_layer = ElmanRNN(3, 4, dtype=DOUBLE), ElmanRNN(3, 4, dtype=DOUBLE)
    for suffix, layer in (("", forward_layer), ("_reverse", backward_layer)):
        layer.load_state_dict({name.replace(suffix, "") if suffix else name: value
                               for name, value in stack.state_dict().items()
                               if name.endswith("_reverse") == bool(suffix)})
    wrapper = Bidirectional(forward_layer, backward_layer)
    x = torch.randn(5, 3, 3, dtype=DOUBLE)
    lengths = torch.tensor([5, 1, 3])
    outputs, (forward_final, backward_final) = wrapper(x, lengths=lengths)
    expected, expected_finals = stack(x, lengths=lengths)
    torch.testing.assert_close(outputs, expected, rtol=0, atol=1e-12)
    torch.testing.assert_close(forward_final[0], expected_finals[0], rtol=0, atol=1e-12)
    torch.testing.assert_close(backward_final[0], expected_finals[1], rtol=0, atol=1e-12)


def test_bidirectional_jordan_reads_the_sequence_backwards():
    torch.manual_seed(4)
    wrapper = Bidirectional(JordanRNN(3, 5, 4, dtype=DOUBLE), JordanRNN(3, 5, 4, dtype=DOUBLE))
    x = torch.randn(6, 2, 3, dtype=DOUBLE)
    outputs, _ = wrapper(x)
    assert outputs.shape == (6, 2, 8)
    torch.testing.assert_close(outputs[..., 4:], wrapper.backward_layer(x.flip(0))[0].flip(0), rtol=0, atol=1e-12)


def test_bad_arguments():
    with pytest.raises(ValueError, match="backward_layer: expected the same kind of layer as forward_layer \\(JordanRNN\\), got ElmanRNN"):
        Bidirectional(JordanRNN(2, 3, 4), ElmanRNN(2, 3))
    with pytest.raises(ValueError, match=r"hx: expected shape \(2, 4\) \(batch, outputs\): the fed-back distribution y_0, got shape \(2, 3\)"):
        JordanRNN(2, 3, 4)(torch.zeros(5, 2, 2), hx=torch.zeros(2, 3))
    with pytest.raises(ValueError, match="input: expected at least one time step"):
        JordanRNN(2, 3, 4)(torch.zeros(0, 2, 2))
