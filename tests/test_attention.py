"""Attention (chapter 6): additive, dot-product and pooling attention against literal loops in float64, masks, bad input."""
import math

import pytest
import torch

from companion.attention import (
    AdditiveAttention,
    AttentionPooling,
    dot_product_attention,
    masked_softmax,
    real_steps,
)

F64 = torch.float64
LENGTHS = [5, 2, 1, 4]


def _keys(steps=5, batch=4, size=6, seed=0):
    return torch.randn(steps, batch, size, dtype=F64, generator=torch.Generator().manual_seed(seed))


def _mask(lengths, steps):
    return torch.arange(steps).unsqueeze(1) < torch.tensor(lengths).unsqueeze(0)


def _softmax_loop(scores):
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    return [e / sum(exps) for e in exps]


def _reference(score_of, keys, lengths):
    """A literal loop: for each sequence, score each real step, softmax, weighted sum of the keys."""
    steps, batch, size = keys.shape
    weights = torch.zeros(steps, batch, dtype=F64)
    contexts = torch.zeros(batch, size, dtype=F64)
    for b in range(batch):
        alphas = _softmax_loop([score_of(b, t) for t in range(lengths[b])])
        for t, alpha in enumerate(alphas):
            weights[t, b] = alpha
            contexts[b] += alpha * keys[t, b]
    return contexts, weights


def _additive(query_size=3, key_size=6, attention_size=7, **options):
    torch.manual_seed(1)
    return AdditiveAttention(query_size, key_size, attention_size, dtype=F64, **options)


# ---- against literal loops -------------------------------------------------------------------


def test_additive_attention_matches_a_literal_loop():
    attention = _additive()
    keys = _keys()
    query = torch.randn(4, 3, dtype=F64)
    W_q, W_k = attention.query_projection.weight.detach(), attention.key_projection.weight.detach()
    v = attention.score.weight.detach()[0]

    def score(b, t):
        hidden = [math.tanh(sum(W_q[a, i] * query[b, i] for i in range(3)) + sum(W_k[a, j] * keys[t, b, j] for j in range(6)))
                  for a in range(7)]
        return float(sum(v[a] * hidden[a] for a in range(7)))

    expected_context, expected_weights = _reference(score, keys, LENGTHS)
    context, weights = attention(query, keys, lengths=LENGTHS)
    torch.testing.assert_close(weights, expected_weights, rtol=0, atol=1e-12)
    torch.testing.assert_close(context, expected_context, rtol=0, atol=1e-12)


@pytest.mark.parametrize("scale", [True, False])
def test_dot_product_attention_matches_a_literal_loop(scale):
    keys = _keys()
    query = torch.randn(4, 6, dtype=F64)

    def score(b, t):
        dot = float(sum(query[b, i] * keys[t, b, i] for i in range(6)))
        return dot / math.sqrt(6) if scale else dot

    expected_context, expected_weights = _reference(score, keys, LENGTHS)
    context, weights = dot_product_attention(query, keys, lengths=LENGTHS, scale=scale)
    torch.testing.assert_close(weights, expected_weights, rtol=0, atol=1e-12)
    torch.testing.assert_close(context, expected_context, rtol=0, atol=1e-12)


def test_attention_pooling_matches_a_literal_loop():
    torch.manual_seed(2)
    pooling = AttentionPooling(6, 5, dtype=F64)
    keys = _keys()
    W, bias, u = (p.detach() for p in (pooling.projection.weight, pooling.projection.bias, pooling.context_vector))

    def score(b, t):
        return float(sum(u[a] * math.tanh(bias[a] + sum(W[a, j] * keys[t, b, j] for j in range(6))) for a in range(5)))

    expected_pooled, expected_weights = _reference(score, keys, LENGTHS)
    pooled, weights = pooling(keys, lengths=LENGTHS)
    torch.testing.assert_close(weights, expected_weights, rtol=0, atol=1e-12)
    torch.testing.assert_close(pooled, expected_pooled, rtol=0, atol=1e-12)


def test_attention_pooling_is_additive_attention_with_a_fixed_query():
    attention = _additive()
    query = torch.randn(1, 3, dtype=F64)
    pooling = AttentionPooling(6, 7, dtype=F64)
    with torch.no_grad():
        pooling.projection.weight.copy_(attention.key_projection.weight)
        pooling.projection.bias.copy_(attention.query_projection(query)[0])
        pooling.context_vector.copy_(attention.score.weight[0])
    keys = _keys()
    expected = attention(query.expand(4, -1), keys, lengths=LENGTHS)
    for got, want in zip(pooling(keys, lengths=LENGTHS), expected):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-12)


# ---- masks -----------------------------------------------------------------------------------


def _all_three():
    torch.manual_seed(3)
    additive = _additive()
    pooling = AttentionPooling(6, 5, dtype=F64)
    query3 = torch.randn(4, 3, dtype=F64)
    query6 = torch.randn(4, 6, dtype=F64)
    return {
        "additive": lambda keys, rows=slice(None), **m: additive(query3[rows], keys, **m),
        "dot": lambda keys, rows=slice(None), **m: dot_product_attention(query6[rows], keys, **m),
        "pooling": lambda keys, rows=slice(None), **m: pooling(keys, **m),
    }


@pytest.mark.parametrize("kind", ["additive", "dot", "pooling"])
def test_weights_sum_to_one_over_real_steps_and_are_exactly_zero_on_padding(kind):
    attend = _all_three()[kind]
    _, weights = attend(_keys(), lengths=LENGTHS)
    real = _mask(LENGTHS, 5)
    torch.testing.assert_close(weights.sum(dim=0), torch.ones(4, dtype=F64), rtol=0, atol=1e-14)
    assert torch.all(weights[~real] == 0)
    assert torch.all(weights[real] > 0)


@pytest.mark.parametrize("kind", ["additive", "dot", "pooling"])
def test_a_padded_sequence_attends_as_it_does_alone(kind):
    attend = _all_three()[kind]
    keys = _keys()
    # Padding holding huge values or NaN must change nothing.
    polluted = keys.clone()
    polluted[~_mask(LENGTHS, 5)] = float("nan")
    context, weights = attend(polluted, lengths=LENGTHS)
    for b, length in enumerate(LENGTHS):
        alone_context, alone_weights = attend(keys[:length, b : b + 1], rows=slice(b, b + 1))
        torch.testing.assert_close(context[b : b + 1], alone_context, rtol=0, atol=1e-13)
        torch.testing.assert_close(weights[:length, b : b + 1], alone_weights, rtol=0, atol=1e-13)


@pytest.mark.parametrize("kind", ["additive", "dot", "pooling"])
def test_mask_and_lengths_agree_and_none_means_every_step(kind):
    attend = _all_three()[kind]
    keys = _keys()
    by_lengths = attend(keys, lengths=LENGTHS)
    by_mask = attend(keys, mask=_mask(LENGTHS, 5))
    for got, want in zip(by_mask, by_lengths):
        torch.testing.assert_close(got, want, rtol=0, atol=0)
    for got, want in zip(attend(keys), attend(keys, lengths=[5] * 4)):
        torch.testing.assert_close(got, want, rtol=0, atol=0)


def test_batch_first_transposes_keys_mask_and_weights():
    torch.manual_seed(4)
    time_major = _additive()
    batch_major = _additive(batch_first=True)
    batch_major.load_state_dict(time_major.state_dict())
    keys, query = _keys(), torch.randn(4, 3, dtype=F64)
    mask = _mask(LENGTHS, 5)
    expected_context, expected_weights = time_major(query, keys, mask=mask)
    context, weights = batch_major(query, keys.transpose(0, 1), mask=mask.T)
    torch.testing.assert_close(context, expected_context, rtol=0, atol=0)
    torch.testing.assert_close(weights, expected_weights.T, rtol=0, atol=0)
    pooled, pooled_weights = AttentionPooling(6, 5, batch_first=True, dtype=F64)(keys.transpose(0, 1), lengths=LENGTHS)
    assert pooled.shape == (4, 6) and pooled_weights.shape == (4, 5)
    _, dot_weights = dot_product_attention(torch.randn(4, 6, dtype=F64), keys.transpose(0, 1), lengths=LENGTHS,
                                           batch_first=True)
    assert torch.all(dot_weights[~mask.T] == 0)


def test_gradients_match_finite_differences_and_skip_padding():
    attention = _additive(query_size=2, key_size=3, attention_size=4)
    keys = _keys(4, 2, 3).requires_grad_()
    query = torch.randn(2, 2, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda q, k: attention(q, k, lengths=[4, 2])[0], (query, keys))
    attention(query, keys, lengths=[4, 2])[0].sum().backward()
    assert torch.all(keys.grad[2:, 1] == 0)


def test_masked_softmax_ignores_whatever_padding_holds():
    scores = torch.tensor([[1.0, 2.0], [float("nan"), 0.5], [float("inf"), 1.0]], dtype=F64)
    mask = torch.tensor([[True, True], [False, True], [False, True]])
    weights = masked_softmax(scores, mask)
    torch.testing.assert_close(weights[:, 0], torch.tensor([1.0, 0.0, 0.0], dtype=F64))
    torch.testing.assert_close(weights[:, 1], torch.softmax(scores[:, 1], dim=0))


def test_real_steps_from_lengths_mask_or_neither():
    assert real_steps(lengths=[2, 1], steps=3, batch=2).tolist() == [[True, True], [True, False], [False, False]]
    mask = torch.tensor([[True, False, True]])
    assert real_steps(mask, steps=3, batch=1, batch_first=True).tolist() == [[True], [False], [True]]
    assert real_steps(steps=2, batch=3).all()


# ---- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: AdditiveAttention(0, 3, 4), "query_size: expected a positive integer"),
        (lambda: AdditiveAttention(2, 3.0, 4), "key_size: expected a positive integer"),
        (lambda: AdditiveAttention(2, 3, -1), "attention_size: expected a positive integer"),
        (lambda: AttentionPooling(True, 4), "input_size: expected a positive integer"),
        (lambda: AttentionPooling(3, 0), "attention_size: expected a positive integer"),
    ],
)
def test_bad_sizes_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda a, q, k: a([[0.0] * 3] * 4, k), "query: expected a torch.Tensor, got list"),
        (lambda a, q, k: a(q, k.numpy()), "keys: expected a torch.Tensor, got ndarray"),
        (lambda a, q, k: a(q, k[0]), r"keys: expected a 3-D tensor \(time, batch, features\) with features=6, got shape \(4, 6\)"),
        (lambda a, q, k: a(q, k[..., :5]), "keys: expected a 3-D tensor .* with features=6, got shape \\(5, 4, 5\\)"),
        (lambda a, q, k: a(q, k[:0]), "keys: expected at least one time step"),
        (lambda a, q, k: a(q, k.float()), "keys: expected dtype torch.float64"),
        (lambda a, q, k: a(q[:3], k), r"query: expected a 2-D tensor \(batch, features=3\) with batch=4 \(the keys' batch\), got shape \(3, 3\)"),
        (lambda a, q, k: a(q[:, :2], k), "query: expected .* got shape \\(4, 2\\)"),
        (lambda a, q, k: a(q.float(), k), "query: expected dtype torch.float64"),
        (lambda a, q, k: a(q, k, mask=_mask(LENGTHS, 5), lengths=LENGTHS), "mask: expected either mask or lengths, got both"),
        (lambda a, q, k: a(q, k, mask=_mask(LENGTHS, 5).long()), "mask: expected a boolean tensor .* got shape \\(5, 4\\) and dtype torch.int64"),
        (lambda a, q, k: a(q, k, mask=_mask(LENGTHS, 5).T), "mask: expected a boolean tensor \\(time, batch\\) of shape \\(5, 4\\)"),
        (lambda a, q, k: a(q, k, mask=_mask([5, 0, 1, 1], 5)), r"mask: expected at least one real step in every sequence, got none in sequences \[1\]"),
        (lambda a, q, k: a(q, k, lengths=[5, 6, 1, 1]), r"lengths: expected every length in 1..5"),
        (lambda a, q, k: a(q, k, lengths=[5, 0, 1, 1]), r"lengths: expected every length in 1..5"),
        (lambda a, q, k: a(q, k, lengths=[5, 1]), "lengths: expected a 1-D sequence of 4 lengths"),
        (lambda a, q, k: a(q, k, lengths=[5.0, 1.0, 1.0, 1.0]), "lengths: expected integer lengths"),
    ],
)
def test_additive_attention_refuses_bad_input(call, message):
    attention = _additive()
    with pytest.raises(ValueError, match=message):
        call(attention, torch.randn(4, 3, dtype=F64), _keys())


def test_dot_product_and_pooling_refuse_bad_input():
    keys = _keys()
    with pytest.raises(ValueError, match=r"query: expected a 2-D tensor \(batch, features=6\)"):
        dot_product_attention(torch.randn(4, 5, dtype=F64), keys)
    with pytest.raises(ValueError, match="query: expected a floating-point tensor of dtype torch.float64"):
        dot_product_attention(torch.ones(4, 6, dtype=torch.long), keys)
    with pytest.raises(ValueError, match="keys: expected a floating-point tensor"):
        dot_product_attention(torch.ones(4, 6), torch.ones(5, 4, 6, dtype=torch.long))
    with pytest.raises(ValueError, match=r"keys: expected a 3-D tensor \(batch, time, features\)"):
        dot_product_attention(torch.ones(4, 6), torch.ones(4, 6), batch_first=True)
    pooling = AttentionPooling(6, 5, dtype=F64)
    with pytest.raises(ValueError, match="input: expected a 3-D tensor .* with features=6, got shape \\(5, 4, 3\\)"):
        pooling(keys[..., :3])
    with pytest.raises(ValueError, match="input: expected dtype torch.float64"):
        pooling(keys.float())
    with pytest.raises(ValueError, match="scores: expected a 2-D tensor"):
        masked_softmax(torch.ones(3), torch.ones(3, dtype=torch.bool))
    with pytest.raises(ValueError, match="mask: expected a boolean tensor of the scores' shape \\(3, 2\\)"):
        masked_softmax(torch.ones(3, 2), torch.ones(2, 3, dtype=torch.bool))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_attention_runs_on_the_keys_device():
    attention = _additive().cuda()
    keys = _keys().cuda()
    context, weights = attention(torch.randn(4, 3, dtype=F64, device="cuda"), keys, lengths=torch.tensor(LENGTHS))
    assert context.device.type == weights.device.type == "cuda"
    cpu_attention = _additive()
    expected = cpu_attention(torch.zeros(4, 3, dtype=F64), keys.cpu(), lengths=LENGTHS)
    got = attention(torch.zeros(4, 3, dtype=F64, device="cuda"), keys, mask=_mask(LENGTHS, 5).cuda())
    for g, e in zip(got, expected):
        torch.testing.assert_close(g.cpu(), e, rtol=0, atol=1e-12)
    pooled, _ = AttentionPooling(6, 5, dtype=F64, device="cuda")(keys, lengths=LENGTHS)
    assert pooled.device.type == "cuda"
