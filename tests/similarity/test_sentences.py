"""The rule-based sentence splitter: one case per boundary convention, each written so that it could fail."""

import pytest

from similarity.sentences import split_sentences

SPLITS = {
    # Final punctuation followed by whitespace ends a sentence.
    "full stop": ("The room was clean. The staff were kind.", ["The room was clean.", "The staff were kind."]),
    "question": ("Was it worth it? Absolutely.", ["Was it worth it?", "Absolutely."]),
    "exclamation": ("Never again! We left early.", ["Never again!", "We left early."]),
    "repeated marks": ("Really?! I had no idea.", ["Really?!", "I had no idea."]),
    "full stop before lower case": (
        "Send a pull request. tidyframe is released under MIT.",
        ["Send a pull request.", "tidyframe is released under MIT."],
    ),
    "full stop before a digit": (
        "We were told to wait. 40 minutes later, nothing.",
        ["We were told to wait.", "40 minutes later, nothing."],
    ),
    "question before lower case": ("Why not? because it is slow.", ["Why not?", "because it is slow."]),
    # Ellipses end a sentence only before a sentence start.
    "ellipsis before capital": ("I waited... Nobody came.", ["I waited...", "Nobody came."]),
    "unicode ellipsis before capital": ("I waited… Nobody came.", ["I waited…", "Nobody came."]),
    "ellipsis before lower case": ("Watch the gulls, though... they are bold.", None),
    "unicode ellipsis before lower case": ("It sold poorly at first… and then it sold out.", None),
    # Titles, Latin abbreviations and initials never end a sentence.
    "Dr.": ("We saw Dr. Okafor at noon. She was late.", ["We saw Dr. Okafor at noon.", "She was late."]),
    "Mr.": ("Ask Mr. Adeyemi from IT.", None),
    "Mrs.": ("Mrs. Hale opened the shop in 1902.", None),
    "Ms.": ("Ms. Varga chaired the meeting.", None),
    "Prof.": ("Her supervisor, Prof. Lenz, agreed.", None),
    "St.": ("Park on Quay St. above the station.", None),
    "St. before a name": ("The chapel of St. Brannoc is old.", None),
    "Rd.": ("They lived at 4 Mill Rd. Harbourside, Wexley.", None),
    "Jr. before a capital": (
        "It was signed by Sam Cole Jr. Nobody objected.",
        ["It was signed by Sam Cole Jr.", "Nobody objected."],
    ),
    "Sr. before lower case": ("Sam Cole Sr. founded the firm.", None),
    "e.g.": ("Use a mild cleaner, e.g. Gleem or Shine.", None),
    "i.e.": ("Use the base supplied, i.e. KB-200.", None),
    "vs.": ("It was Harbour FC vs. Quarry United on Sunday.", None),
    "approx.": ("It takes approx. 3.5 minutes.", None),
    "U.S.": ("The U.S. Census counted them. It took a year.", ["The U.S. Census counted them.", "It took a year."]),
    "U.K.": ("Exports to the U.K. Government offices rose.", None),
    "Ph.D.": ("Her Ph.D. Thesis was ignored.", None),
    "tbsp.": ("Add 1 tbsp. Olive oil from Crete.", None),
    "single initial": ("The letter was signed by Josiah P. Whitcombe himself.", None),
    "several initials": ("J. R. R. Tolkien wrote it. It is long.", ["J. R. R. Tolkien wrote it.", "It is long."]),
    # Abbreviations that may end a sentence do so only before a sentence start.
    "etc. before a capital": (
        "It had a mill, a brewery, etc. The mill burned.",
        ["It had a mill, a brewery, etc.", "The mill burned."],
    ),
    "etc. before lower case": ("Add herbs, garlic, etc. just before serving.", None),
    "a.m. before lower case": ("Buses run between 7 a.m. and 9 p.m. daily.", None),
    "p.m. before a capital": (
        "The last bus leaves at 9 p.m. A single ticket costs $3.20.",
        ["The last bus leaves at 9 p.m.", "A single ticket costs $3.20."],
    ),
    "Inc. before a capital": (
        "She worked for Acme Inc. Then she retired.",
        ["She worked for Acme Inc.", "Then she retired."],
    ),
    "Ltd. before lower case": ("Smith & Sons Ltd. and its partners agreed.", None),
    # No./Fig./months are abbreviations only before a number.
    "No. before a number": ("Take bus No. 5 to the harbour.", None),
    "No. as a word": (
        "Can I share it? No. Each account is personal.",
        ["Can I share it?", "No.", "Each account is personal."],
    ),
    "Fig. before a number": ("See Fig. 3 for the layout.", None),
    "month before a number": ("WEXLEY, Jan. 14 — The council voted 7–2.", None),
    "month as a name": ("I called Jan. She was out.", ["I called Jan.", "She was out."]),
    # Numbers and names: a full stop without whitespace after it never splits.
    "decimal": ("Pi is about 3.14 and e about 2.72.", None),
    "amount": ("It costs $4.50 per person.", None),
    "multiplier": ("It runs 1.5x faster now.", None),
    "version": ("Version 2.3.1 is the current release.", None),
    "file name": ("Run it on input.csv first.", None),
    "domain at sentence end": (
        "Write to returns@shop.example. We reply within a day.",
        ["Write to returns@shop.example.", "We reply within a day."],
    ),
    "number at sentence end": ("Precision is 45/50 = 0.9. If recall", ["Precision is 45/50 = 0.9.", "If recall"]),
    # Colons, semicolons and dashes never end a sentence.
    "colon": ("Distance: 11.4 km.", None),
    "semicolon": ("She tried the handle; it was locked.", None),
    "dash": ("The vote was close — Seven to two.", None),
    # Closing quotes and brackets stay with their sentence.
    "closing quote": ('He called it "perfect." Then he left.', ['He called it "perfect."', "Then he left."]),
    "curly closing quote": ("She said “no.” We went anyway.", ["She said “no.”", "We went anyway."]),
    "closing bracket": ("(It works.) Yes it does.", ["(It works.)", "Yes it does."]),
    "question in quotes before a speech tag": ('"Mr. Pell?" she called.', None),
    "exclamation in quotes before a capital": ('"The lamp!" She ran.', ['"The lamp!"', "She ran."]),
    "comma in quotes": ('"You\'d better come in," he said.', None),
    "opening quote starts a sentence": ('We knocked. "Hello?" Nobody.', ["We knocked.", '"Hello?"', "Nobody."]),
}

UNITS = {
    "blank line ends a unit": (
        "A unit without a full stop\n\nthe next unit",
        ["A unit without a full stop", "the next unit"],
    ),
    "blank line with spaces": ("First part, unfinished\n   \nSecond part.", ["First part, unfinished", "Second part."]),
    "line breaks joined": (
        "The movers will arrive\non Friday. Please\nhave your desk packed.",
        ["The movers will arrive on Friday.", "Please have your desk packed."],
    ),
    "windows line breaks": ("One line\r\ncontinues. Next.\r\n\r\nTitle", ["One line continues.", "Next.", "Title"]),
    "heading before a paragraph": ("Getting there\n\nTake the bus.", ["Getting there", "Take the bus."]),
    "heading before a list": ("Safety\n- Keep it dry\n- Unplug it", ["Safety", "Keep it dry", "Unplug it"]),
    "markdown heading": ("## Usage\nRun it once.", ["Usage", "Run it once."]),
    "label lines": (
        "Thanks for reading.\n\nBest wishes,\nJo Marsh",
        ["Thanks for reading.", "Best wishes,", "Jo Marsh"],
    ),
    "lead-in with a colon": (
        "Things will change after\nthe move:\n- Shared kitchen",
        ["Things will change after the move:", "Shared kitchen"],
    ),
    "dash item": ("- Never immerse it in water.", ["Never immerse it in water."]),
    "star item": ("* Detects the delimiter", ["Detects the delimiter"]),
    "bullet item": ("• Removes duplicate rows", ["Removes duplicate rows"]),
    "numbered item": ("1. Fill the kettle.\n2. Close the lid.", ["Fill the kettle.", "Close the lid."]),
    "bracket-numbered item": ("1) Fill it\n2) Boil it", ["Fill it", "Boil it"]),
    "item without a full stop": ("- Normalises dates\n- Writes a report", ["Normalises dates", "Writes a report"]),
    "item with two sentences": ("- Fast. Cheap too.", ["Fast.", "Cheap too."]),
    "item continuation line": (
        "- Lockers will replace\n  the old pedestals\n- Parking",
        ["Lockers will replace the old pedestals", "Parking"],
    ),
    "numbered item is not a decimal": ("3.5 stars overall.", ["3.5 stars overall."]),
    "whitespace normalised": ("  Too   many\tspaces\u00a0here.  ", ["Too many spaces here."]),
    "empty units dropped": ("\n\n-   \n\n---\n\nText.\n\n\n", ["Text."]),
    "empty text": ("", []),
    "only whitespace": (" \n\t\n ", []),
}


NEVER_FINAL = ["Dr.", "Mr.", "Mrs.", "Ms.", "Prof.", "St.", "Rd.", "e.g.", "i.e.", "vs.", "approx.", "tbsp.", "tsp."]
NEVER_FINAL += ["U.S.", "U.K.", "Ph.D.", "B.Sc.", "J."]
MAYBE_FINAL = ["etc.", "a.m.", "p.m.", "Inc.", "Ltd.", "Jr.", "Sr."]
MONTHS = ["Jan.", "Feb.", "Mar.", "Apr.", "Jun.", "Jul.", "Aug.", "Sep.", "Sept.", "Oct.", "Nov.", "Dec."]
BEFORE_NUMBERS = ["No.", "Nos.", "Fig.", "Figs.", "p.", "pp.", "Vol.", *MONTHS]


@pytest.mark.parametrize("abbreviation", NEVER_FINAL)
def test_abbreviations_that_never_end_a_sentence(abbreviation):
    text = f"It was {abbreviation} Harbour Street that we chose."
    assert split_sentences(text) == [text]


@pytest.mark.parametrize("abbreviation", MAYBE_FINAL)
def test_abbreviations_that_end_a_sentence_only_before_a_sentence_start(abbreviation):
    assert split_sentences(f"We met Sam {abbreviation} and left.") == [f"We met Sam {abbreviation} and left."]
    assert split_sentences(f"We met Sam {abbreviation} Then we left.") == [
        f"We met Sam {abbreviation}",
        "Then we left.",
    ]


@pytest.mark.parametrize("abbreviation", BEFORE_NUMBERS)
def test_abbreviations_only_before_a_number(abbreviation):
    assert split_sentences(f"See {abbreviation} 12 for more.") == [f"See {abbreviation} 12 for more."]
    assert split_sentences(f"It said {abbreviation} Then it stopped.") == [
        f"It said {abbreviation}",
        "Then it stopped.",
    ]


@pytest.mark.parametrize(("text", "expected"), SPLITS.values(), ids=SPLITS.keys())
def test_sentence_boundaries(text, expected):
    """Check where a unit of running text splits; None means it is one sentence."""
    assert split_sentences(text) == (expected if expected is not None else [text])


@pytest.mark.parametrize(("text", "expected"), UNITS.values(), ids=UNITS.keys())
def test_blocks_lists_and_headings(text, expected):
    """Check how blank lines, line breaks, list items and headings cut a document into units."""
    assert split_sentences(text) == expected


def test_a_paragraph_with_every_kind_of_trap_splits_where_a_reader_would():
    text = (
        'Dr. J. Smith paid $4.50 at 9 a.m. and left. "Why?" she asked. It was approx. 3.5 km, i.e. a long walk... '
        "Nobody minded. See No. 5 on p. 12 (in Fig. 2) etc. The end!"
    )
    assert split_sentences(text) == [
        "Dr. J. Smith paid $4.50 at 9 a.m. and left.",
        '"Why?" she asked.',
        "It was approx. 3.5 km, i.e. a long walk...",
        "Nobody minded.",
        "See No. 5 on p. 12 (in Fig. 2) etc.",
        "The end!",
    ]


def test_sentences_keep_their_text_exactly_apart_from_whitespace():
    text = "Odd „quotes“ & symbols — kept as they are: 50% (¼ off)! Next one? Yes."
    assert " ".join(split_sentences(text)) == text


def test_non_strings_are_refused():
    with pytest.raises(TypeError, match="takes a string"):
        split_sentences(["a list"])
