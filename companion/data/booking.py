"""A generated ticket-booking corpus for slot filling (chapter 1).

Utterances such as "arrive Taipei on November 2nd" and "leave Taipei on November 2nd" with one
BIO tag per word. Every city can be the destination and the departure place, and every date the
arrival or the departure time: only the words *before* a slot value ("arrive", "leave", "to",
"from") decide its role. A tagger that sees one word at a time therefore cannot separate the
roles; a tagger with memory can.
"""
from __future__ import annotations

import random
from typing import Sequence

from .._checks import require_positive_int
from .tagging import OUTSIDE, TaggedSentence, TagSet

SLOTS = ("destination", "departure", "arrival_time", "departure_time")
#: The nine BIO tags of the booking corpus (chapter 1): ``O``, then ``B-``/``I-`` for each slot.
BOOKING_TAGS = TagSet.from_slots(SLOTS)

CITIES = (
    "Taipei", "Tainan", "Kaohsiung", "Taichung", "Hsinchu", "Tokyo", "Osaka", "Seoul",
    "Bangkok", "Singapore", "London", "Paris", "Boston", "Denver", "Hong Kong", "New York",
    "San Francisco", "Los Angeles",
)
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Placeholders in braces are slot values; the other words are tagged O.
TEMPLATES = (
    "arrive {destination} on {arrival_time}",
    "arrive in {destination} on {arrival_time}",
    "I would like to arrive in {destination} on {arrival_time}",
    "I want to arrive in {destination} by {arrival_time}",
    "I need to arrive in {destination} on {arrival_time}",
    "leave {departure} on {departure_time}",
    "I would like to leave {departure} on {departure_time}",
    "I want to leave {departure} on {departure_time}",
    "I need to leave {departure} by {departure_time}",
    "leave {departure} on {departure_time} and arrive in {destination} on {arrival_time}",
    "I would like to leave {departure} on {departure_time} and arrive in {destination} on {arrival_time}",
    "I want to arrive in {destination} on {arrival_time} and leave {departure} on {departure_time}",
    "fly from {departure} to {destination} on {departure_time}",
    "book a flight from {departure} to {destination}",
    "book a flight to {destination} from {departure}",
)


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _random_date(rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind <= 1:
        return f"{rng.choice(MONTHS)} {_ordinal(rng.randint(1, 28))}"
    if kind == 2:
        return rng.choice(WEEKDAYS)
    return f"next {rng.choice(WEEKDAYS)}"


def _fill(template: str, values: dict[str, str]) -> TaggedSentence:
    words: list[str] = []
    tags: list[str] = []
    for token in template.split():
        if token.startswith("{"):
            slot = token.strip("{}")
            value_words = values[slot].split()
            words += value_words
            tags += [f"B-{slot}"] + [f"I-{slot}"] * (len(value_words) - 1)
        else:
            words.append(token)
            tags.append(OUTSIDE)
    return TaggedSentence(tuple(words), tuple(tags))


def generate_booking_corpus(
    size: int, seed: int, cities: Sequence[str] = CITIES, templates: Sequence[str] = TEMPLATES
) -> list[TaggedSentence]:
    """``size`` booking utterances with BIO tags over :data:`BOOKING_TAGS`; the same ``seed`` gives the same corpus (chapter 1).

    Each utterance picks a template uniformly, then cities (two different ones when it has two
    places) and dates uniformly, so every city appears as destination and as departure. Raises
    ``ValueError`` if ``size`` is not a positive integer, ``seed`` not an integer, ``cities``
    fewer than two, or a template has a slot outside the four of :data:`BOOKING_TAGS`.
    """
    require_positive_int("size", size)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed: expected an integer, got {seed!r}")
    if len(cities) < 2:
        raise ValueError(f"cities: expected at least 2 cities, got {list(cities)}")
    for template in templates:
        unknown = {t.strip("{}") for t in template.split() if t.startswith("{")} - set(SLOTS)
        if unknown:
            raise ValueError(f"templates: {template!r} has slots {sorted(unknown)} outside {SLOTS}")
    rng = random.Random(seed)
    corpus = []
    for _ in range(size):
        template = rng.choice(templates)
        destination, departure = rng.sample(list(cities), 2)
        values = {
            "destination": destination,
            "departure": departure,
            "arrival_time": _random_date(rng),
            "departure_time": _random_date(rng),
        }
        corpus.append(_fill(template, values))
    return corpus
