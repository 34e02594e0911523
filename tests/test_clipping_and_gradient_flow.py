"""Chapter 5's clipping (torch and NumPy) against torch.nn.utils, and the gradient-flow measurement
against literal loops, finite differences and torch's fused layers, in float64."""
import threading

import numpy as np
import pytest
import torch
from torch import nn

from companion.bptt import clip_by_global_norm, clip_by_value
from companion.cells import lstm_step
from companion.layers import GRU, LSTM, Bidirectional, ElmanRNN, JordanRNN, PackedGRU, PackedLSTM, PackedRNN
from companion.layers.long_memory import IRNN, SCRN, ClockworkRNN, LeakyRNN
from companion.layers.unroll import record_states, unroll
from companion.training import (
    clip_grad_norm,
    clip_grad_value,
    gradient_norm,
    spectral_radius,
    state_gradient_norms,
    step_by_step,
)
from companion.training.gradient_flow import PROJECTION_SEED

F64 = torch.float64


def _parameters_with_grads(seed=0, scale=1.0, device="cpu"):
    generator = torch.Generator().manual_seed(seed)
    shapes = [(3, 4), (5,), (2, 2, 2)]
    params = [torch.zeros(shape, dtype=F64, device=device, requires_grad=True) for shape in shapes]
    for p in params:
        p.grad = (scale * torch.randn(p.shape, generator=generator, dtype=F64)).to(device)
    return params


def _copies(params):
    out = [p.detach().clone().requires_grad_(True) for p in params]
    for p, q in zip(params, out):
        q.grad = p.grad.clone()
    return out


# --- clipping -----------------------------------------------------------------------------------


def test_gradient_norm_is_torchs_total_norm_and_skips_parameters_without_grad():
    params = _parameters_with_grads()
    params.append(torch.zeros(3, dtype=F64, requires_grad=True))  # no .grad: skipped
    expected = torch.nn.utils.clip_grad_norm_(_copies(params[:3]), max_norm=1e300)
    assert gradient_norm(params) == pytest.approx(float(expected), rel=1e-14)
    assert gradient_norm(iter(params)) == gradient_norm(params)  # an iterator, as module.parameters()
    assert gradient_norm(params[0]) == pytest.approx(float(params[0].grad.norm()), rel=1e-14)
    assert gradient_norm([torch.zeros(2, requires_grad=True)]) == 0.0


def test_gradient_norm_of_float32_does_not_overflow_in_the_squares():
    p = torch.zeros(4, requires_grad=True)
    p.grad = torch.full((4,), 1e30)  # 1e60 squared overflows float32, not float64
    assert gradient_norm([p]) == pytest.approx(2e30, rel=1e-6)


@pytest.mark.parametrize("scale, max_norm", [(10.0, 1.0), (10.0, 5.0), (0.1, 5.0)])
def test_clip_grad_norm_matches_torch_up_to_its_1e_6(scale, max_norm):
    ours, theirs = _parameters_with_grads(scale=scale), None
    theirs = _copies(ours)
    module = nn.Linear(2, 2, dtype=F64)
    module.weight.grad, module.bias.grad = ours[0].grad[:2, :2].clone(), ours[1].grad[:2].clone()
    before = gradient_norm(ours)
    returned = clip_grad_norm(ours, max_norm)
    torch_norm = float(torch.nn.utils.clip_grad_norm_(theirs, max_norm))
    assert returned == pytest.approx(torch_norm, rel=1e-14) and returned == pytest.approx(before, rel=1e-14)
    if before > max_norm:
        assert gradient_norm(ours) == pytest.approx(max_norm, rel=1e-13)  # nothing added to the norm
        ratio = before / (before + 1e-6)  # torch divides by norm + 1e-6
        for p, q in zip(ours, theirs):
            torch.testing.assert_close(q.grad, p.grad * ratio, rtol=1e-13, atol=0)
    else:
        for p, q in zip(ours, theirs):
            assert torch.equal(p.grad, q.grad)  # below the threshold: untouched
    # a module's parameters() works the same way
    assert clip_grad_norm(module.parameters(), 1e-3) > 1e-3
    assert gradient_norm(module.parameters()) == pytest.approx(1e-3, rel=1e-12)


@pytest.mark.parametrize("bad", [float("inf"), float("nan")])
def test_clip_grad_norm_refuses_a_non_finite_norm_and_leaves_the_gradients(bad):
    params = _parameters_with_grads()
    params[1].grad[2] = bad
    saved = [p.grad.clone() for p in params]
    with pytest.raises(ValueError, match=r"parameters: expected gradients with a finite norm"):
        clip_grad_norm(params, 1.0)
    for p, g in zip(params, saved):
        torch.testing.assert_close(p.grad, g, equal_nan=True, rtol=0, atol=0)
    assert not np.isfinite(gradient_norm(params))  # the measurement itself just reports it


def test_clip_grad_value_matches_torch_exactly_with_inf_and_nan():
    ours = _parameters_with_grads(scale=3.0)
    ours[0].grad[0, 0], ours[0].grad[0, 1], ours[1].grad[0] = float("inf"), -float("inf"), float("nan")
    theirs = _copies(ours)
    assert clip_grad_value(ours, 0.5) is None
    torch.nn.utils.clip_grad_value_(theirs, 0.5)
    for p, q in zip(ours, theirs):
        torch.testing.assert_close(p.grad, q.grad, equal_nan=True, rtol=0, atol=0)
    assert float(ours[0].grad[0, 0]) == 0.5 and float(ours[0].grad[0, 1]) == -0.5
    single = _parameters_with_grads()[0]
    clip_grad_value(single, 0.1)
    assert float(single.grad.abs().max()) <= 0.1


def test_numpy_clip_by_value_is_torchs_clip_grad_value():
    rng = np.random.default_rng(0)
    grads = {"W": 4 * rng.standard_normal((3, 3)), "b": np.array([np.inf, -np.inf, 0.2, np.nan])}
    kept = {name: g.copy() for name, g in grads.items()}
    clipped = clip_by_value(grads, 1.5)
    tensors = [torch.tensor(g, requires_grad=True) for g in grads.values()]
    for t, g in zip(tensors, grads.values()):
        t.grad = torch.tensor(g)
    torch.nn.utils.clip_grad_value_(tensors, 1.5)
    for (name, array), t in zip(clipped.items(), tensors):
        np.testing.assert_array_equal(array, t.grad.numpy())
        np.testing.assert_array_equal(grads[name], kept[name])  # the input is untouched
    # by value changes the direction, by norm keeps it
    by_norm, _ = clip_by_global_norm({"W": grads["W"]}, 1.5)
    cosine = np.sum(by_norm["W"] * grads["W"]) / (np.linalg.norm(by_norm["W"]) * np.linalg.norm(grads["W"]))
    assert cosine == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("value", [0, -1.0, float("nan"), float("inf"), "1", True, None])
def test_bad_thresholds_name_the_argument(value):
    params = _parameters_with_grads()
    with pytest.raises(ValueError, match=r"^max_norm: expected a positive finite number"):
        clip_grad_norm(params, value)
    with pytest.raises(ValueError, match=r"^clip_value: expected a positive finite number"):
        clip_grad_value(params, value)
    with pytest.raises(ValueError, match=r"^clip_value: expected a positive finite number"):
        clip_by_value({"W": np.ones(2)}, value)


@pytest.mark.parametrize("parameters, message", [
    (3.0, r"parameters: expected a tensor or an iterable of tensors .*got float"),
    (None, r"parameters: expected a tensor or an iterable of tensors .*got NoneType"),
    ([torch.zeros(1), 2.0], r"parameters: expected tensors, got float at position 1"),
])
def test_bad_parameters_name_the_argument(parameters, message):
    for function in (gradient_norm, lambda p: clip_grad_norm(p, 1.0), lambda p: clip_grad_value(p, 1.0)):
        with pytest.raises(ValueError, match=message):
            function(parameters)


@pytest.mark.parametrize("grads, message", [
    ([np.ones(2)], r"^grads: expected a dict of NumPy arrays .*got list"),
    ({"W": [1.0, 2.0]}, r"^grads\['W'\]: expected a floating-point NumPy array, got list"),
    ({"W": np.arange(3)}, r"^grads\['W'\]: expected a floating-point NumPy array, got dtype int64"),
])
def test_clip_by_value_refuses_what_is_not_a_dict_of_float_arrays(grads, message):
    with pytest.raises(ValueError, match=message):
        clip_by_value(grads, 1.0)


# --- the recorder -------------------------------------------------------------------------------


def _elman_step(weight):
    return lambda x_t, h: torch.tanh(x_t @ weight.T + h)


def test_recording_changes_no_value_and_records_only_inside_the_block():
    torch.manual_seed(0)
    weight, x, h0 = torch.randn(3, 2, dtype=F64), torch.randn(5, 2, 2, dtype=F64), torch.randn(2, 3, dtype=F64)
    plain = unroll(_elman_step(weight), x, h0)
    with record_states() as recorder:
        recorded = unroll(_elman_step(weight), x, h0, lengths=torch.tensor([5, 3]))
        unroll(_elman_step(weight), x, h0)
    again = unroll(_elman_step(weight), x, h0)
    assert torch.equal(plain[0], again[0]) and torch.equal(plain[0], unroll(_elman_step(weight), x, h0)[0])
    torch.testing.assert_close(recorded[0][:, 0], plain[0][:, 0], rtol=0, atol=0)
    assert len(recorder.runs) == 2 and [len(run) for run in recorder.runs] == [6, 6]
    assert all(len(step) == 1 and step[0].requires_grad and not step[0].any() for step in recorder.runs[0])
    assert again[0].grad_fn is None  # outside the block nothing is added to the graph


def test_recorders_nest_and_belong_to_their_thread():
    weight, x = torch.ones(2, 2, dtype=F64), torch.ones(3, 1, 2, dtype=F64)
    seen_by_thread = []

    def other_thread():
        with record_states() as mine:
            unroll(_elman_step(weight), x, torch.zeros(1, 2, dtype=F64))
        seen_by_thread.append(len(mine.runs))

    with record_states() as outer:
        unroll(_elman_step(weight), x, torch.zeros(1, 2, dtype=F64))
        with record_states() as inner:
            unroll(_elman_step(weight), x, torch.zeros(1, 2, dtype=F64))
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
    assert (len(outer.runs), len(inner.runs), seen_by_thread) == (1, 1, [1])


def test_a_part_of_the_state_that_is_not_floating_gets_no_probe():
    def step(x_t, state):
        h, count = state
        return torch.tanh(x_t + h), count + 1

    with record_states() as recorder:
        state = (torch.zeros(1, 3, dtype=F64), torch.zeros(1, dtype=torch.long))
        unroll(step, torch.ones(2, 1, 3, dtype=F64), state, emit=lambda s: s[0])
    assert all(probes[1] is None and probes[0] is not None for probes in recorder.runs[0])


# --- the measurement ----------------------------------------------------------------------------


def _projection(width):
    r = torch.randn(width, generator=torch.Generator().manual_seed(PROJECTION_SEED), dtype=F64)
    return r / r.norm()


@pytest.mark.parametrize("w", [0.9, 1.1, -0.7])
def test_a_one_unit_linear_rnn_gives_powers_of_w(w):
    layer = ElmanRNN(1, 1, nonlinearity="identity", dtype=F64)
    with torch.no_grad():
        layer.weight_hh_l0.fill_(w)
    steps = 30
    x = torch.randn(steps, 1, 1, dtype=F64)
    norms = state_gradient_norms(layer, x)
    assert norms.shape == (steps + 1,) and norms.dtype == np.float64
    assert norms[-1] == pytest.approx(1.0, abs=1e-15)  # a unit projection of h_T
    np.testing.assert_allclose(norms, abs(w) ** np.arange(steps, -1, -1) * norms[-1], rtol=1e-12, atol=0)


def test_elman_norms_match_a_literal_backward_loop():
    torch.manual_seed(1)
    layer = ElmanRNN(3, 5, dtype=F64)
    x = torch.randn(12, 2, 3, dtype=F64)
    W, U, b = layer.weight_hh_l0.detach(), layer.weight_ih_l0.detach(), (layer.bias_ih_l0 + layer.bias_hh_l0).detach()
    hs = [torch.zeros(2, 5, dtype=F64)]
    for x_t in x:
        hs.append(torch.tanh(x_t @ U.T + hs[-1] @ W.T + b))
    delta = _projection(5).expand(2, 5)  # dL/dh_T
    expected = [delta.norm(dim=1)]
    for k in range(12, 0, -1):  # δ_{k-1} = Wᵀ (δ_k ⊙ (1 - h_k²))
        delta = (delta * (1 - hs[k] ** 2)) @ W
        expected.append(delta.norm(dim=1))
    expected = torch.stack(expected[::-1]).numpy()
    np.testing.assert_allclose(state_gradient_norms(layer, x, per_sequence=True), expected, rtol=1e-12)
    np.testing.assert_allclose(state_gradient_norms(layer, x), np.sqrt((expected ** 2).sum(1)), rtol=1e-12)


@pytest.mark.parametrize("scratch_class, torch_class, packed_class", [
    (ElmanRNN, nn.RNN, PackedRNN), (LSTM, nn.LSTM, PackedLSTM), (GRU, nn.GRU, PackedGRU),
])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_scratch_layers_torch_layers_and_their_packed_twins_agree(scratch_class, torch_class, packed_class, bidirectional):
    torch.manual_seed(2)
    fused = torch_class(3, 4, num_layers=2, bidirectional=bidirectional, dtype=F64)
    scratch = scratch_class.from_torch(fused)
    packed = packed_class(3, 4, num_layers=2, bidirectional=bidirectional, dtype=F64)
    packed.load_state_dict(fused.state_dict())
    x = torch.randn(9, 2, 3, dtype=F64)
    stepped, expected = step_by_step(fused, x), fused(x)
    torch.testing.assert_close(stepped[0], expected[0], rtol=0, atol=1e-13)
    torch.testing.assert_close(stepped[1], expected[1], rtol=0, atol=1e-13)
    parts = (None, 0, 1) if scratch_class is LSTM else (None,)
    for layer_index in (0, 1, -1):
        for part in parts:
            reference = state_gradient_norms(scratch, x, layer_index=layer_index, part=part)
            for other in (fused, packed):
                np.testing.assert_allclose(
                    state_gradient_norms(other, x, layer_index=layer_index, part=part), reference, rtol=1e-11, atol=1e-15
                )


def test_an_lstm_part_is_the_gradient_with_respect_to_that_part_as_the_step_leaves_it():
    # Central differences on c_k (and h_k), the other part held: the probe's meaning, checked by hand.
    torch.manual_seed(3)
    layer = LSTM(2, 3, dtype=F64)
    weights = [None if w is None else w.detach() for w in layer.layer_weights(0)]
    x = torch.randn(6, 1, 2, dtype=F64)
    r = _projection(3)

    def loss_after(k, part, unit, eps):
        state = (torch.zeros(1, 3, dtype=F64), torch.zeros(1, 3, dtype=F64))
        for t in range(6):
            if t == k:
                bumped = state[part].clone()
                bumped[0, unit] += eps
                state = (bumped, state[1]) if part == 0 else (state[0], bumped)
            state = lstm_step(x[t], state, *weights)
        return float(state[0][0] @ r)

    eps = 1e-6
    for part in (0, 1):
        measured = state_gradient_norms(layer, x, part=part)
        for k in (0, 2, 5):
            grad = [(loss_after(k, part, u, eps) - loss_after(k, part, u, -eps)) / (2 * eps) for u in range(3)]
            assert measured[k] == pytest.approx(np.linalg.norm(grad), rel=1e-7)
    whole = state_gradient_norms(layer, x)
    np.testing.assert_allclose(whole ** 2, state_gradient_norms(layer, x, part=0) ** 2
                               + state_gradient_norms(layer, x, part=1) ** 2, rtol=1e-12)


@pytest.mark.parametrize("make", [
    lambda: ElmanRNN(3, 4, num_layers=2, dtype=F64),
    lambda: LSTM(3, 4, dtype=F64),
    lambda: nn.GRU(3, 4, num_layers=2, dtype=F64),
    lambda: nn.LSTM(3, 4, dtype=F64),
])
def test_a_padded_sequence_measures_as_the_sequence_alone_and_batch_first_as_time_major(make):
    torch.manual_seed(4)
    layer = make()
    x, lengths = torch.randn(8, 3, 3, dtype=F64), torch.tensor([8, 3, 5])
    padded = state_gradient_norms(layer, x, lengths=lengths, per_sequence=True)
    assert padded.shape == (9, 3)
    for b, n in enumerate(lengths.tolist()):
        alone = state_gradient_norms(layer, x[:n, b : b + 1], per_sequence=True)[:, 0]
        np.testing.assert_allclose(padded[: n + 1, b], alone, rtol=1e-12, atol=1e-16)
        assert np.isnan(padded[n + 1 :, b]).all()
    batch = state_gradient_norms(layer, x, lengths=lengths)
    np.testing.assert_allclose(batch, np.sqrt(np.nansum(padded ** 2, axis=1)), rtol=1e-12)
    layer.batch_first = True
    np.testing.assert_allclose(
        state_gradient_norms(layer, x.transpose(0, 1).contiguous(), lengths=lengths, per_sequence=True),
        padded, rtol=1e-12, equal_nan=True,
    )
    # no sequence reaches step k: NaN in the batch norm too
    assert np.isnan(state_gradient_norms(layer, x.transpose(0, 1).contiguous(), lengths=torch.tensor([4, 2, 3]))[5:]).all()


def test_a_custom_loss_and_an_initial_state():
    torch.manual_seed(5)
    layer = nn.LSTM(2, 3, dtype=F64)
    x = torch.randn(5, 2, 2, dtype=F64)
    hx = (torch.randn(1, 2, 3, dtype=F64), torch.randn(1, 2, 3, dtype=F64))
    r = _projection(3)
    default = state_gradient_norms(layer, x, hx=hx)
    same = state_gradient_norms(layer, x, loss_fn=lambda output, h_n: (output[-1] @ r).sum(), hx=hx)
    np.testing.assert_allclose(same, default, rtol=1e-14)
    # a loss on c_n alone: at the last step only c_T is reached, with gradient 1 per unit
    on_cell = state_gradient_norms(layer, x, loss_fn=lambda output, h_n: h_n[1].sum(), hx=hx, per_sequence=True)
    np.testing.assert_allclose(on_cell[-1], [np.sqrt(3)] * 2, rtol=1e-14)
    scratch = state_gradient_norms(LSTM.from_torch(layer), x, loss_fn=lambda output, h_n: h_n[1].sum(), hx=hx,
                                   per_sequence=True)
    np.testing.assert_allclose(scratch, on_cell, rtol=1e-12)


def test_the_jordan_network_and_the_bidirectional_wrapper():
    torch.manual_seed(6)
    jordan = JordanRNN(3, 4, 5, dtype=F64)
    norms = state_gradient_norms(jordan, torch.randn(7, 2, 3, dtype=F64))
    assert norms.shape == (8,) and np.isfinite(norms).all() and norms[-1] == pytest.approx(np.sqrt(2))
    # the wrapper's forward layer is measured: the same as a bidirectional ElmanRNN with its weights
    both = ElmanRNN(3, 4, bidirectional=True, dtype=F64)
    forward_layer, backward_layer = ElmanRNN(3, 4, dtype=F64), ElmanRNN(3, 4, dtype=F64)
    weights = both.state_dict()
    forward_layer.load_state_dict({k: v for k, v in weights.items() if not k.endswith("_reverse")})
    backward_layer.load_state_dict({k.removesuffix("_reverse"): v for k, v in weights.items() if k.endswith("_reverse")})
    x = torch.randn(6, 2, 3, dtype=F64)
    np.testing.assert_allclose(state_gradient_norms(Bidirectional(forward_layer, backward_layer), x),
                               state_gradient_norms(both, x), rtol=1e-12)


def test_the_layers_of_chapter_5():
    torch.manual_seed(7)
    x = torch.randn(10, 2, 3, dtype=F64)
    for layer in (IRNN(3, 4, dtype=F64), LeakyRNN(3, 4, leak=0.5, dtype=F64),
                  ClockworkRNN(3, 4, periods=(1, 2), num_layers=2, dtype=F64)):
        norms = state_gradient_norms(layer, x)
        assert norms.shape == (11,) and np.isfinite(norms).all() and (norms > 0).all()
    scrn = SCRN(3, 4, 2, dtype=F64)
    hidden, context, whole = (state_gradient_norms(scrn, x, part=p) for p in (0, 1, None))
    assert whole[-1] == pytest.approx(np.sqrt(2))  # the output [h_T ; s_T] is the whole state
    np.testing.assert_allclose(whole ** 2, hidden ** 2 + context ** 2, rtol=1e-12)


def test_a_leaky_unit_shrinks_the_gradient_by_one_minus_alpha_plus_alpha_w():
    layer = LeakyRNN(1, 1, leak=0.25, nonlinearity="identity", dtype=F64)
    with torch.no_grad():
        layer.weight_hh_l0.fill_(0.5)
    norms = state_gradient_norms(layer, torch.randn(12, 1, 1, dtype=F64))
    np.testing.assert_allclose(norms, (0.75 + 0.25 * 0.5) ** np.arange(12, -1, -1), rtol=1e-12)


def test_a_clockwork_module_that_rests_passes_the_gradient_unchanged():
    # One unit per module, no recurrent weight: the slow unit (period 4) only changes at t = 0, 4, 8
    layer = ClockworkRNN(1, 2, periods=(1, 4), dtype=F64)
    with torch.no_grad():
        layer.weight_hh_l0.zero_()
    norms = state_gradient_norms(layer, torch.randn(9, 1, 1, dtype=F64), loss_fn=lambda out, h_n: h_n[0, 0, 1])
    # step t (counted from 0) is state k = t + 1; the slow unit is overwritten at steps 4 and 8 only
    np.testing.assert_array_equal(norms, [0] * 9 + [1])
    norms = state_gradient_norms(layer, torch.randn(8, 1, 1, dtype=F64), loss_fn=lambda out, h_n: h_n[0, 0, 1])
    np.testing.assert_array_equal(norms, [0, 0, 0, 0, 0, 1, 1, 1, 1])


class _NoUnroll(nn.Module):
    def forward(self, input, hx=None, lengths=None):
        return input, None


@pytest.mark.parametrize("call, message", [
    (lambda layer, x: state_gradient_norms("rnn", x), r"^layer: expected a recurrent nn.Module, got str"),
    (lambda layer, x: state_gradient_norms(_NoUnroll(), x),
     r"^layer: expected a layer that runs its steps through companion.layers.unroll \(1 run .*got _NoUnroll with 0"),
    (lambda layer, x: state_gradient_norms(layer, x, loss_fn=3), r"^loss_fn: expected None or a function"),
    (lambda layer, x: state_gradient_norms(layer, x, loss_fn=lambda o, h: o.sum(0)),
     r"^loss_fn: expected it to return a floating-point scalar tensor, got a tensor of shape \(2, 4\)"),
    (lambda layer, x: state_gradient_norms(layer, x, loss_fn=lambda o, h: 1.0),
     r"^loss_fn: expected it to return a floating-point scalar tensor, got float"),
    (lambda layer, x: state_gradient_norms(layer, x, loss_fn=lambda o, h: torch.tensor(1.0, dtype=F64)),
     r"^loss_fn: expected a loss computed from the layer's output or h_n"),
    (lambda layer, x: state_gradient_norms(layer, x, layer_index=2), r"^layer_index: expected an integer in -2..1"),
    (lambda layer, x: state_gradient_norms(layer, x, layer_index=True), r"^layer_index: expected an integer"),
    (lambda layer, x: state_gradient_norms(layer, x, part=1), r"^part: expected None \(the whole state\) or an index in 0..0"),
    (lambda layer, x: state_gradient_norms(layer, x, per_sequence=1), r"^per_sequence: expected True or False"),
    (lambda layer, x: state_gradient_norms(layer, x[0]), r"^input: expected a 3-D tensor"),
    (lambda layer, x: state_gradient_norms(layer, x.float()), r"^input: expected dtype torch.float64"),
    (lambda layer, x: state_gradient_norms(layer, x, lengths=[5, 9]), r"^lengths: expected every length in 1..5"),
    (lambda layer, x: state_gradient_norms(layer, x, hx=torch.zeros(1, 2, 4, dtype=F64)), r"^hx: expected shape \(2, 2, 4\)"),
])
@pytest.mark.parametrize("implementation", ["scratch", "torch"])
def test_bad_input_is_refused_with_its_name(call, message, implementation):
    layer = ElmanRNN(3, 4, num_layers=2, dtype=F64)
    if implementation == "torch":
        layer = layer.to_torch()
    with pytest.raises(ValueError, match=message):
        call(layer, torch.randn(5, 2, 3, dtype=F64))


def test_step_by_step_refuses_a_scratch_layer_and_an_lstm_state_that_is_not_a_pair():
    with pytest.raises(ValueError, match=r"^layer: expected a torch.nn.RNN, LSTM or GRU, got ElmanRNN"):
        step_by_step(ElmanRNN(3, 4), torch.randn(2, 1, 3))
    with pytest.raises(ValueError, match=r"^hx: expected a pair \(h_0, c_0\)"):
        step_by_step(nn.LSTM(3, 4), torch.randn(2, 1, 3), hx=torch.zeros(1, 1, 4))


def test_an_lstm_with_projections_steps_as_torch_runs_it():
    torch.manual_seed(8)
    layer = nn.LSTM(3, 5, num_layers=2, proj_size=2, bidirectional=True, dtype=F64)
    x = torch.randn(4, 2, 3, dtype=F64)
    (output, (h, c)), (expected, (h_e, c_e)) = step_by_step(layer, x), layer(x)
    for got, want in ((output, expected), (h, h_e), (c, c_e)):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-13)
    assert state_gradient_norms(layer, x, part=1).shape == (5,)


# --- the spectral radius ------------------------------------------------------------------------


def test_spectral_radius():
    assert spectral_radius(torch.diag(torch.tensor([0.5, -3.0, 2.0], dtype=F64))) == pytest.approx(3.0)
    assert spectral_radius(np.array([[0.0, -2.0], [2.0, 0.0]])) == pytest.approx(2.0)  # eigenvalues ±2i
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((6, 6))
    assert spectral_radius(matrix) == pytest.approx(np.abs(np.linalg.eigvals(matrix)).max(), rel=1e-12)
    nilpotent = torch.tensor([[0.0, 5.0], [0.0, 0.0]])  # ρ = 0 although ‖W‖₂ = 5
    assert spectral_radius(nilpotent) == 0.0


@pytest.mark.parametrize("matrix, message", [
    ([[1.0]], r"got list"),
    (torch.ones(2, 2, dtype=torch.long), r"got dtype torch.int64"),
    (torch.ones(2, 3), r"expected a square 2-D matrix \(n, n\) with n >= 1, got shape \(2, 3\)"),
    (torch.ones(3), r"got shape \(3\)"),
    (torch.ones(0, 0), r"got shape \(0, 0\)"),
    (torch.tensor([[1.0, float("nan")], [0.0, 1.0]]), r"expected finite entries"),
])
def test_spectral_radius_refuses_what_is_not_a_square_float_matrix(matrix, message):
    with pytest.raises(ValueError, match=r"^matrix: .*" + message):
        spectral_radius(matrix)


# --- CUDA ---------------------------------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_clipping_and_gradient_flow_on_cuda():
    params = _parameters_with_grads(scale=10.0, device="cuda")
    on_cpu = [p.detach().cpu().requires_grad_(True) for p in params]
    for p, q in zip(params, on_cpu):
        q.grad = p.grad.cpu()
    assert clip_grad_norm(params, 1.0) == pytest.approx(clip_grad_norm(on_cpu, 1.0), rel=1e-12)
    clip_grad_value(params, 0.01)
    assert params[0].grad.device.type == "cuda" and float(params[0].grad.abs().max()) <= 0.01
    torch.manual_seed(9)
    for layer in (nn.LSTM(3, 4, num_layers=2, dtype=F64), ElmanRNN(3, 4, dtype=F64)):
        x = torch.randn(6, 2, 3, dtype=F64)
        lengths = torch.tensor([6, 4])
        expected = state_gradient_norms(layer, x, lengths=lengths, per_sequence=True)
        layer = layer.to("cuda")
        got = state_gradient_norms(layer, x.cuda(), lengths=lengths.cuda(), per_sequence=True)
        np.testing.assert_allclose(got, expected, rtol=1e-10, equal_nan=True)
    assert spectral_radius(torch.eye(3, device="cuda") * 0.5) == pytest.approx(0.5)
