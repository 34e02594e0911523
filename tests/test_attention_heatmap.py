"""The attention heatmap table (companion.tables.attention_heatmap): layout, shading, escaping and bad input."""
import re

import numpy as np
import pytest
import torch

from companion.tables import attention_heatmap

SOURCE = ["我", "爱", "中", "国", "。"]
OUTPUT = ["i", "love", "china", "."]


def weights(rows=4, columns=5, seed=0):
    values = np.random.default_rng(seed).random((rows, columns))
    return values / values.sum(axis=1, keepdims=True)


def test_one_row_per_output_token_and_one_column_per_source_token():
    page = attention_heatmap(SOURCE, OUTPUT, weights()).data
    rows = re.findall(r"<tr>(.*?)</tr>", page)
    assert len(rows) == 1 + len(OUTPUT)
    assert [re.sub("<.*?>", "", h) for h in re.findall(r"<th[^>]*>.*?</th>", rows[0])] == [""] + SOURCE
    for token, row in zip(OUTPUT, rows[1:]):
        assert re.sub("<.*?>", "", re.findall(r"<th[^>]*>.*?</th>", row)[0]) == token
        assert len(re.findall(r"<td", row)) == len(SOURCE)


def test_cells_show_the_weights_and_darker_means_heavier():
    matrix = np.array([[0.0, 1.0], [0.25, 0.75]])
    page = attention_heatmap(["a", "b"], ["x", "y"], torch.tensor(matrix), decimals=3).data
    cells = re.findall(r'<td style="[^"]*background:(#[0-9a-f]{6});color:(\w+)">([0-9.]+)</td>', page)
    assert [float(text) for _, _, text in cells] == [0.0, 1.0, 0.25, 0.75]
    brightness = [sum(int(colour[k:k + 2], 16) for k in (1, 3, 5)) for colour, _, _ in cells]
    assert brightness[0] > brightness[2] > brightness[3] > brightness[1]
    assert [ink for _, ink, _ in cells] == ["black", "white", "black", "white"]


def test_tokens_and_caption_are_escaped():
    page = attention_heatmap(["<s>", "a&b"], ["</s>"], [[0.5, 0.5]], caption="<b>x</b>").data
    assert "&lt;s&gt;" in page and "a&amp;b" in page and "&lt;/s&gt;" in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert "<s>" not in page


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(source_tokens="我爱"), "source_tokens: expected a non-empty list"),
        (dict(source_tokens=[]), "source_tokens: expected a non-empty list"),
        (dict(output_tokens=["i", 3, "china", "."]), r"output_tokens\[1\]: expected a token"),
        (dict(weights=weights(4, 4)), r"weights: expected shape \(4, 5\)"),
        (dict(weights=weights().T), r"weights: expected shape \(4, 5\)"),
        (dict(weights=weights() + 1), r"weights: expected finite weights in \[0, 1\]"),
        (dict(weights=np.full((4, 5), np.nan)), r"weights: expected finite weights in \[0, 1\]"),
        (dict(weights=[["a"] * 5] * 4), "weights: expected a matrix of numbers"),
        (dict(caption=3), "caption: expected None or a string"),
        (dict(decimals=-1), "decimals"),
    ],
)
def test_bad_input_names_the_argument(arguments, message):
    settings = dict(source_tokens=SOURCE, output_tokens=OUTPUT, weights=weights()) | arguments
    with pytest.raises(ValueError, match=message):
        attention_heatmap(**settings)
