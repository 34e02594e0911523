import random

import numpy as np
import torch

from companion.device import pick_device, seed_everything


def test_pick_device_order():
    expected = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    assert pick_device().type == expected
    assert pick_device("cpu").type == "cpu"


def test_seed_everything_repeats_every_generator():
    def draw():
        generator = seed_everything(7)
        return random.random(), np.random.rand(), torch.rand(1).item(), torch.rand(1, generator=generator).item()

    assert draw() == draw()
