"""Why the extractor is plain regular expressions: spaCy's Matcher and text2num, measured.

    .venv/bin/pip install spacy text2num       # not project dependencies
    .venv/bin/python -m bench.extract_alternatives

On the development set's sentences, in one run:
- finding the numbers: our `find_numbers` vs a blank English spaCy pipeline (no model download)
  with a Matcher on LIKE_NUM tokens, which only tokenizes and matches (no metric, no qualifier);
- reading them: our `parse_number` vs text2num on the written forms issue 4 names, counting
  the right answers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest.extract import extract
from ingest.extract.numbers import find_numbers, parse_number

DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "extraction-dev" / "figures.jsonl"
WRITTEN = {
    "5000": 5000,
    "5,000": 5000,
    "11 300": 11300,
    "1.9 million": 1_900_000,
    "5.2 million": 5_200_000,
    "three": 3,
    "Sixty-two": 62,
    "twenty thousand": 20000,
    "17 thousand": 17000,
    "a thousand": 1000,
    "a dozen": 12,
    "169,000": 169000,
}


def sentences() -> list[str]:
    lines = DEV_SET.read_text(encoding="utf-8").splitlines()
    return [s["text"] for line in lines for s in json.loads(line)["sentences"]]


def rate(texts: list[str], run: Callable[[str], object], repeat: int = 20) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        for text in texts:
            run(text)
    return len(texts) * repeat / (time.perf_counter() - started)


def spacy_finder() -> Callable[[str], object]:
    import spacy
    from spacy.matcher import Matcher

    nlp = spacy.blank("en")
    matcher = Matcher(nlp.vocab)
    matcher.add("NUMBER", [[{"LIKE_NUM": True, "OP": "+"}]])
    return lambda text: matcher(nlp(text))


def text2num_reader() -> Callable[[str], int | None]:
    from text_to_num import text2num

    def read(text: str) -> int | None:
        try:
            return int(text2num(text.lower(), "en"))
        except ValueError:
            digits = text.replace(",", "").replace(" ", "")
            return int(digits) if digits.isdigit() else None

    return read


def right(read: Callable[[str], Any]) -> int:
    return sum(1 for text, value in WRITTEN.items() if read(text) == value)


def main() -> None:
    texts = sentences()
    ours_find = rate(texts, find_numbers)
    ours_all = rate(texts, extract)
    spacy_find = rate(texts, spacy_finder())
    print(f"{len(texts)} dev-set sentences:")
    print(f"  extract (whole extractor)        {ours_all:10,.0f} sentences/s")
    print(f"  find_numbers (ours)              {ours_find:10,.0f} sentences/s")
    print(f"  spaCy blank('en') + Matcher      {spacy_find:10,.0f} sentences/s")
    print(f"  -> spaCy tokenizing alone is {ours_all / spacy_find:.2f}x the whole extractor's time")
    reader = text2num_reader()
    print(f"written numbers read right: ours {right(parse_number)}/{len(WRITTEN)}, ", end="")
    print(f"text2num {right(reader)}/{len(WRITTEN)}")
    ours_read = rate(list(WRITTEN), parse_number, 200)
    their_read = rate(list(WRITTEN), reader, 200)
    print(f"  reading rate: ours {ours_read:,.0f}/s, text2num {their_read:,.0f}/s")


if __name__ == "__main__":
    main()
